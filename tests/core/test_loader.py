"""Bad and hostile files end in one clear PlanError naming file and line; good ones load the same on both paths."""

import time

import pytest

from rollout.errors import PlanError
from rollout.expand import load_plan
from rollout.loader import load_yaml, load_yaml_text

GOOD = """\
plan: demo
title: Demo
start: 2027-01-11
workstreams:
  - id: w
    name: Work
    tasks:
      - {id: a, name: "A, with comma", duration: 5d, owner: pmo}
      - id: b
        name: B
        duration: 1w
        depends_on: [{task: a, type: SS, lag: 2d}]
"""


def problem(path):
    with pytest.raises(PlanError) as info:
        load_plan(path)
    return info.value


def test_good_file_loads_with_lines(write):
    path = write("plan.yaml", GOOD)
    plan = load_plan(path)
    assert [t.id for t in plan.tasks] == ["w.a", "w.b"]
    assert plan.tasks[0].name == "A, with comma"
    assert plan.tasks[1].source.line == 9
    assert plan.tasks[1].duration == 5


def test_fast_and_precise_paths_agree(write):
    fast = load_yaml_text(GOOD, "x.yaml")
    precise = load_yaml_text(GOOD + "extra: &anchor [1]\n", "y.yaml")   # an anchor forces the precise path
    precise.data.pop("extra")
    assert fast.data == precise.data
    assert fast.locate(("workstreams", 0, "tasks", 1, "depends_on")) == \
        precise.locate(("workstreams", 0, "tasks", 1, "depends_on")) == (12, 9)


@pytest.mark.parametrize("text, line, words", [
    ("plan: x\nplan: y\n", 2, "duplicate key 'plan'"),
    ("plan: x\nstart: [1, 2\n", 3, "invalid YAML"),
    ("plan: x\ncalendar:\n\tcountry: US\n", 3, "tabs"),
    ("plan: !!python/object/apply:os.system ['echo hi']\n", 1, "tags are not allowed"),
    ("a: 1\n---\nb: 2\n", 3, "one YAML document"),
    ("   \n# nothing\n", 1, "empty"),
    ("plan: demo\nstart: 2027-02-30\ntitle: X\n", 2, "expected a date"),
    ("plan: demo\nstart: 2027-01-11\nstrat: 2027-01-11\n", 3, "did you mean 'start'"),
    ("- just\n- a list\n", None, "must be a mapping"),
])
def test_bad_files(write, text, line, words):
    path = write("bad.yaml", text)
    err = problem(path)
    assert "bad.yaml" in str(err)
    assert words in str(err)
    if line is not None:
        assert err.line == line


def test_non_utf8_names_the_line(write):
    path = write("latin1.yaml", "plan: demo\ntitle: Caf\xe9\n".encode("latin-1"))
    err = problem(path)
    assert err.line == 2 and "UTF-8" in str(err)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(PlanError, match="file not found"):
        load_plan(tmp_path / "nope.yaml")
    with pytest.raises(PlanError, match="directory"):
        load_plan(tmp_path)


def test_alias_bomb_is_refused_quickly(write):
    rows = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for prev, name in zip("abcdefgh", "bcdefghi"):
        rows.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    path = write("bomb.yaml", "\n".join(rows) + "\n")
    began = time.perf_counter()
    with pytest.raises(PlanError, match="alias bomb"):
        load_yaml(path)
    assert time.perf_counter() - began < 5   # generous: the point is it does not expand 387M nodes


def test_huge_file_is_refused_before_reading(write, monkeypatch):
    import rollout.loader as loader

    monkeypatch.setattr(loader, "MAX_BYTES", 100)
    path = write("big.yaml", "plan: x\n" + "# pad\n" * 50)
    with pytest.raises(PlanError, match="limit"):
        load_yaml(path)


def test_all_problems_reported_in_one_run(write):
    path = write("many.yaml", """\
        plan: demo
        title: Demo
        start: 2027-01-11
        workstreams:
          - id: w
            tasks:
              - {id: a, duration: 5x}
              - {id: b, duration: 2d, kind: analysys}
              - {id: c, duration: -3d}
              - {id: d, duration: 2d, colour: red}
              - {id: e, duration: 99999d}
              - {id: f, duration: 2d, depends_on: [zz]}
        """)
    err = problem(path)
    lines = sorted(p.line for p in err.problems)
    assert lines == [7, 8, 9, 10, 11, 12], err
    text = str(err)
    assert "did you mean 'analysis'" in text
    assert "cannot be negative" in text
    assert "unknown key 'colour'" in text
    assert "limit" in text
    assert "unknown task 'zz'" in text


def test_merge_keys_and_anchors_are_supported(write):
    path = write("anchors.yaml", """\
        plan: demo
        title: Demo
        start: 2027-01-11
        workstreams:
          - id: w
            tasks:
              - &base {id: a, duration: 2d, owner: pmo, kind: analysis}
              - {<<: *base, id: b}
        """)
    plan = load_plan(path)
    assert [(t.id, t.owner, t.kind) for t in plan.tasks] == [("w.a", "pmo", "analysis"), ("w.b", "pmo", "analysis")]


def test_norway_stays_norway(write):
    path = write("no.yaml", "plan: demo\ntitle: T\nstart: 2027-01-11\ncalendar: {country: NO}\n"
                            "workstreams: [{id: w, tasks: [{id: a, duration: 1d}]}]\n")
    assert load_plan(path).calendar.country == "NO"


def test_ordinary_files_take_the_fast_path(monkeypatch):
    import rollout.loader as loader

    def refuse(*args):
        raise AssertionError("the precise path was used for an ordinary file")

    monkeypatch.setattr(loader, "_precise", refuse)
    doc = load_yaml_text(GOOD, "x.yaml")
    assert doc.data["workstreams"][0]["tasks"][1]["depends_on"][0]["lag"] == "2d"
