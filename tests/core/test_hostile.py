"""A stranger's template and a hostile plan (issue 11): each ends in one message naming the file and
line, exit 2, at once: never a traceback, a hang or exhausted memory."""

import os
import random
import re

import pytest
from click.testing import CliRunner

from rollout.cli import cli
from rollout.errors import PlanError
from rollout.expand import load_plan
from rollout.templating import RenderError, render

PLAN_HEAD = "plan: p\ntitle: P\nstart: 2027-01-11\n"


def check(path) -> tuple[int, str]:
    """`rollout check` through click: exit code and everything it printed."""
    result = CliRunner().invoke(cli, ["check", str(path)])
    assert "Traceback" not in result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), \
        repr(result.exception)
    return result.exit_code, result.output


def fails(path) -> PlanError:
    with pytest.raises(PlanError) as info:
        load_plan(path)
    return info.value


def for_each_template(write, name: str, size: int, variables: int = 3):
    items = ", ".join(f"x{i}" for i in range(size))
    names = "xyz"[:variables]
    write(name, f"""\
        template: bomb
        parameters:
          a: {{type: list, default: [{items}]}}
        workstreams:
          - id: w
            tasks:
              - id: "t{''.join(f'-{{{{ {v} }}}}' for v in names)}"
                for_each: {{{', '.join(f'{v}: a' for v in names)}}}
                name: n
                duration: 1d
        """)


# ------------------------------------------------------------------------------------ limits

def test_for_each_bomb_is_refused_before_any_copy_is_made(write):
    for_each_template(write, "t.yaml", 200)           # 1.3 KB: 200 × 200 × 200 = 8,000,000 tasks
    plan = write("plan.yaml", PLAN_HEAD + "uses: [{template: t.yaml}]\n")
    code, out = check(plan)
    assert code == 2
    assert "t.yaml:8:" in out                          # the for_each line of the template
    assert "8,000,000" in out and "200 × 200 × 200" in out and "the limit is 300,000" in out
    assert "limits: {tasks: 8000000}" in out            # how to raise it, if that is really meant


def test_a_plan_raises_its_limits_and_they_are_typed(write):
    for_each_template(write, "t.yaml", 20)             # 8,000 tasks
    low = write("low.yaml", PLAN_HEAD + "limits: {tasks: 7999}\nuses: [{template: t.yaml}]\n")
    assert "8,000 tasks" in str(fails(low)) and "the limit is 7,999" in str(fails(low))
    enough = write("enough.yaml", PLAN_HEAD + "limits: {tasks: 8000}\nuses: [{template: t.yaml}]\n")
    assert len(load_plan(enough).tasks) == 8000
    bad = write("bad.yaml", PLAN_HEAD + "limits: {task: 5, dependencies: lots, includes: 0}\n")
    text = str(fails(bad))
    assert "bad.yaml:4:" in text and "unknown key 'task' in limits (did you mean 'tasks'?)" in text
    assert "dependencies must be a whole number of at least 1, found 'lots'" in text
    assert "includes must be a whole number" in text


def test_a_template_cannot_raise_the_limits(write):
    write("t.yaml", "template: t\nlimits: {tasks: 100000000}\n")
    plan = write("plan.yaml", PLAN_HEAD + "uses: [{template: t.yaml}]\n")
    assert "t.yaml:2:1: unknown key 'limits' in template" in str(fails(plan))


def test_plain_tasks_count_too(write):
    tasks = "".join(f"      - {{id: t{k}, name: n, duration: 1d}}\n" for k in range(30))
    plan = write("plan.yaml", PLAN_HEAD + "limits: {tasks: 25}\nworkstreams:\n  - id: w\n    tasks:\n" + tasks)
    err = fails(plan)
    assert len(err.problems) == 1 and err.line == 33    # the 26th task
    assert "more than 25 tasks" in str(err)


def test_include_diamond_is_refused_at_once(write):
    for k in range(30):          # each template includes the next twice: 2^30 uses of the last one
        nxt = f"includes:\n  - template: d{k + 1}.yaml\n  - template: d{k + 1}.yaml\n" if k < 29 else ""
        write(f"d{k}.yaml", f"template: d{k}\n{nxt}")
    plan = write("plan.yaml", PLAN_HEAD + "uses: [{template: d0.yaml}]\n")
    code, out = check(plan)
    assert code == 2 and "uses templates more than 1,000 times" in out
    assert re.search(r"d\d+\.yaml:\d+:\d+: ", out)


def test_include_chain_1200_deep_is_an_error_not_a_recursion_error(write):
    for k in range(1200):
        nxt = f"includes:\n  - template: c{k + 1}.yaml\n" if k < 1199 else ""
        write(f"c{k}.yaml", f"template: c{k}\n{nxt}")
    plan = write("plan.yaml", PLAN_HEAD + "uses: [{template: c0.yaml}]\n")
    code, out = check(plan)
    assert code == 2, out
    assert "c31.yaml:3:5: templates include templates more than 32 levels deep (c0 → c1 → … → c30 → c31)" in out


def test_glob_dependencies_are_capped(write):
    tasks = "".join(f"      - {{id: t{k}, name: n, duration: 1d, depends_on: ['*.*']}}\n" for k in range(60))
    plan = write("plan.yaml", PLAN_HEAD + "limits: {dependencies: 1000}\nworkstreams:\n  - id: w\n    tasks:\n"
                 + tasks)
    err = fails(plan)                                   # 60 × 59 = 3,540 dependencies
    assert "more than 1,000 dependencies" in str(err) and err.path.endswith("plan.yaml") and err.line


# ------------------------------------------------------------------------------------ placeholders

def test_a_40_kb_name_of_braces_is_refused_quickly_and_quoted_short(write):
    plan = write("plan.yaml", PLAN_HEAD + 'workstreams:\n  - id: w\n    tasks:\n      - id: a\n'
                 '        duration: 1d\n        when: "1"\n        name: "' + "{{" * 20000 + '"\n')
    err = fails(plan)
    assert "plan.yaml:10:" in str(err) and "unclosed placeholder" in str(err)
    assert len(str(err)) < 300


def _old_render(text, ctx):
    """The regular-expression scan this replaced, for comparison on small strings."""
    pattern = re.compile(r"\{\{(.*?)\}\}", re.S)
    if "{{" in pattern.sub("", text):
        raise RenderError("unclosed")
    return pattern.sub(lambda m: str(ctx[m.group(1).strip()]) if m.group(1).strip() in ctx else "?", text)


def test_linear_scan_reads_placeholders_as_before():
    rng = random.Random(7)
    ctx = {"a": "A", "b": "B"}
    for _ in range(3000):
        text = "".join(rng.choice(["{{", "}}", "{", "}", " a ", "b", "x", " "]) for _ in range(rng.randint(1, 9)))
        try:
            old = _old_render(text, ctx)
        except RenderError:
            old = RenderError
        try:
            new = render(text, ctx)
        except RenderError as exc:
            new = RenderError if "unclosed" in str(exc) else "?" if "not a placeholder" in str(exc) or \
                "unknown placeholder" in str(exc) else exc
        if old is RenderError or new is RenderError:
            assert old is new, text
        elif "?" not in old:
            assert new == old, text


def test_two_placeholders_are_not_one():
    assert render("{{ a }} and {{ b }}", {"a": "A", "b": "B"}) == "A and B"
    assert render("  {{ a }} ", {"a": ["x"]}) == ["x"]


def test_messages_quote_user_text_short():
    with pytest.raises(RenderError) as info:
        render("{{ " + "x" * 5000 + " }}", {"y": 1})
    assert len(str(info.value)) < 300
    with pytest.raises(RenderError) as info:
        render("{{ a.b" + "c" * 5000 + " }}", {})
    assert len(str(info.value)) < 400
    from rollout.util import clip

    assert clip("x" * 100) == "x" * 79 + "…"


# ------------------------------------------------------------------------------------ did you mean

def test_unknown_remove_ids_get_suggestions_from_the_whole_plan(write):
    tasks = "".join(f"      - {{id: t{t}, name: n, duration: 1d}}\n" for t in range(100))
    body = "".join(f"  - id: w{w}\n    tasks:\n{tasks}" for w in range(20))
    plan = write("plan.yaml", PLAN_HEAD + "workstreams:\n" + body + "remove: [w19.zz19, xw7.t42, w3.t7x]\n")
    text = str(fails(plan))
    assert "remove: no task or cadence 'w19.zz19' (did you mean 'w19.t19'?)" in text
    assert "remove: no task or cadence 'xw7.t42' (did you mean 'w7.t42'?)" in text
    assert "remove: no task or cadence 'w3.t7x' (did you mean 'w3.t7'?)" in text


def test_candidates_find_typos_at_either_end():
    from rollout.util import Candidates, did_you_mean

    names = [f"ws{w:03d}.task-{t:03d}" for w in range(100) for t in range(100)]
    index = Candidates(names)
    assert len(index.near("ws042.task-017")) <= 4 * Candidates.WINDOW
    assert did_you_mean("ws042.task-017x", index) == "ws042.task-017"
    assert did_you_mean("xs042.task-017", index) == "ws042.task-017"
    assert did_you_mean("ws042.tsak-017", names) == "ws042.task-017"
    assert did_you_mean("nothing-like-it", index) is None


# ------------------------------------------------------------------------------------ includes and files

SECRET = "db_password: hunter2\napi_key: s3cr3t\n"


def test_a_template_includes_only_files_in_its_own_folder(write, tmp_path):
    write("creds.yaml", SECRET)
    write("tpl/t.yaml", "template: t\nincludes:\n  - template: ../creds.yaml\n"
          f"  - template: {tmp_path / 'creds.yaml'}\n  - template: parts/../../creds.yaml\n")
    plan = write("plan.yaml", PLAN_HEAD + "uses: [{template: tpl/t.yaml}]\n")
    code, out = check(plan)
    assert code == 2
    assert out.count("a template may include only files inside its own folder") == 3
    for line in (3, 4, 5):
        assert f"tpl/t.yaml:{line}:5:" in out
    assert "db_password" not in out and "hunter2" not in out


def test_a_symlink_out_of_the_template_folder_is_refused(write, tmp_path):
    write("creds.yaml", "template: creds\n")
    write("tpl/t.yaml", "template: t\nincludes: [{template: link.yaml}]\n")
    (tmp_path / "tpl" / "link.yaml").symlink_to(tmp_path / "creds.yaml")
    plan = write("plan.yaml", PLAN_HEAD + "uses: [{template: tpl/t.yaml}]\n")
    assert "'link.yaml' is outside it" in str(fails(plan))


def test_subfolders_and_names_are_fine_and_a_plan_may_use_any_path(write):
    write("lib/t.yaml", """\
        template: t
        includes: [{template: parts/p.yaml}, {template: communication}]
        workstreams: [{id: w, tasks: [{id: a, name: A, duration: 1d}]}]
        """)
    write("lib/parts/p.yaml", "template: p\nworkstreams: [{id: v, tasks: [{id: b, name: B, duration: 1d}]}]\n")
    plan = write("plans/plan.yaml", PLAN_HEAD + "uses: [{template: ../lib/t.yaml}]\n")
    ids = {t.id for t in load_plan(plan).tasks}
    assert {"w.a", "v.b"} <= ids and any(i.startswith("comms.") for i in ids)


@pytest.mark.parametrize("text", [SECRET, "db_password: a\ndb_password: b\n", "- db_password\n- hunter2\n",
                                  "db_password: [hunter2\n"])
def test_a_file_that_is_not_a_template_is_not_quoted(write, text):
    write("creds.yaml", text)
    plan = write("plan.yaml", PLAN_HEAD + "uses: [{template: creds.yaml}]\n")
    code, out = check(plan)
    assert code == 2
    assert "plan.yaml:4:" in out and "creds.yaml is not a template: it has no 'template:' key" in out
    assert "db_password" not in out and "hunter2" not in out


def test_special_files_as_templates(write, tmp_path):
    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)
    write("sub/keep.txt", "")
    for ref, words in [("fifo.yaml", "is not a regular file"), ("/dev/null", "is not a regular file"),
                       ("sub/", "is a folder, not a template file"),
                       ("/proc/self/pagemap", "is not a template"), ("missing.yaml", "template file not found")]:
        plan = write("plan.yaml", PLAN_HEAD + f"uses: [{{template: '{ref}'}}]\n")
        code, out = check(plan)                         # a FIFO must not hang the run
        assert code == 2 and "plan.yaml:4:" in out and words in out, (ref, out)


def test_special_files_as_plans(tmp_path):
    for path, words in [("/proc/self/pagemap", "bytes, the limit"), ("/dev/zero", "bytes, the limit"),
                        (str(tmp_path), "is a directory")]:
        code, out = check(path)
        assert code == 2 and path in out and words in out, (path, out)


# ------------------------------------------------------------------------------------ other tracebacks

NESTINGS = {       # each makes a value n levels below the top mapping, and none deeper
    "flow lists": lambda n: "a: " + "[" * n + "]" * n + "\n",
    "flow mappings": lambda n: "a: " + "{b: " * (n - 1) + "1" + "}" * (n - 1) + "\n",
    "block lists": lambda n: "a:\n" + "".join("  " * (i + 1) + "-\n" for i in range(n - 1)) + "  " * n + "x\n",
    "block mappings": lambda n: "".join("  " * i + f"k{i}:\n" for i in range(n)) + "  " * n + "x\n",
}


@pytest.mark.parametrize("shape", NESTINGS)
def test_both_yaml_readers_stop_at_the_same_depth(shape):
    from rollout.loader import MAX_DEPTH, load_yaml_text

    for n in (MAX_DEPTH - 2, MAX_DEPTH - 1, MAX_DEPTH, MAX_DEPTH + 1, MAX_DEPTH + 2, 300, 5000):
        text = NESTINGS[shape](n)
        outcomes = []
        for variant in (text, "anchor: &a 1\n" + text):       # an anchor sends a file down the precise path
            try:
                load_yaml_text(variant, "deep.yaml")
                outcomes.append("ok")
            except PlanError as exc:
                assert "nested more than 64 levels deep" in str(exc), str(exc)
                assert exc.line is not None
                outcomes.append("deep")
        assert outcomes[0] == outcomes[1], (shape, n, outcomes)
        assert (outcomes[0] == "deep") == (n > MAX_DEPTH), (shape, n, outcomes)


def test_a_plan_nested_65_deep_exits_2(write):
    plan = write("plan.yaml", PLAN_HEAD + "mission: " + "[" * 65 + "]" * 65 + "\n")
    code, out = check(plan)
    assert code == 2 and "plan.yaml:4: the document is nested more than 64 levels deep" in out


@pytest.mark.parametrize("start, snet", [("9999-06-01", None), ("9999-12-31", None), ("2027-01-04", "9999-12-29")])
def test_a_schedule_past_year_9999_is_refused_at_load(write, start, snet):
    extra = f", start_no_earlier_than: {snet}" if snet else ""
    plan = write("plan.yaml", f"plan: p\ntitle: P\nstart: {start}\nworkstreams:\n  - id: w\n    tasks:\n"
                 f"      - {{id: a, name: A, duration: 200d{extra}}}\n")
    for command in ("schedule", "calendar", "check"):
        result = CliRunner().invoke(cli, [command, str(plan)])
        assert result.exit_code == 2 and "Traceback" not in result.output, result.output
        assert "could run past the year 9999" in result.output
        assert ("plan.yaml:7:" if snet else "plan.yaml:3:") in result.output


def test_a_late_but_possible_start_still_schedules(write):
    plan = write("plan.yaml", "plan: p\ntitle: P\nstart: 9998-01-05\nworkstreams:\n  - id: w\n    tasks:\n"
                 "      - {id: a, name: A, duration: 20d}\n")
    result = CliRunner().invoke(cli, ["schedule", str(plan)])
    assert result.exit_code == 0, result.output


def test_an_actuals_csv_with_a_200_kb_cell(write):
    plan = write("plan.yaml", PLAN_HEAD + "workstreams: [{id: w, tasks: [{id: a, name: A, duration: 5d}]}]\n")
    csv_path = write("progress.csv", "task,status,actual_start,actual_finish,percent_complete\n"
                     "w.a,done,2027-01-11,2027-01-15,\n" + '"' + "x" * 200_000 + '",todo,,,\n')
    result = CliRunner().invoke(cli, ["status", str(plan), "--actuals", str(csv_path), "--as-of", "2027-02-01"])
    assert result.exit_code == 2 and "Traceback" not in result.output, result.output
    assert f"{csv_path}:3: a cell is longer than 131,072 characters" in result.output
    assert len(result.output) < 300


def test_every_message_quoting_a_huge_value_stays_short(write):
    huge = "Not An Id " * 4000                              # 40 KB with spaces: a task id that is not one
    plan = write("plan.yaml", PLAN_HEAD + f"workstreams:\n  - id: w\n    tasks:\n      - {{id: '{'X' * 40000}', "
                 f"name: n, duration: 1d}}\n      - {{id: '{huge}', name: n, duration: 1d}}\n")
    err = fails(plan)
    assert len(err.problems) == 2
    for problem in err.problems:
        assert len(problem.message) <= 1200 and problem.message.endswith("(no dots: the full id is <workstream>.<task>)")
