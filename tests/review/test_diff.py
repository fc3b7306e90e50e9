"""`rollout diff OLD NEW` (SPEC 3): on plans, files, git revisions and the stored baseline."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from rollout.cli import cli
from rollout.diff import diff_plans
from rollout.expand import load_plan
from rollout.model import CalendarSpec, Dependency, Plan, Task
from rollout.schedule import schedule
from rollout.state import StateStore

MON = dt.date(2027, 1, 4)


def T(tid, d, *deps, **kw):
    kw.setdefault("owner", "pmo")
    return Task(tid, kw.pop("name", tid.upper()), "w", d, depends_on=tuple(Dependency(x) for x in deps), **kw)


def P(*tasks, calendar=CalendarSpec()):
    return Plan("p", "P", MON, calendar, tuple(tasks))


# a 5d → b 5d → end ◆, c 3d beside them (float 7): finish edge 10 = Fri 2027-01-15
OLD = P(T("a", 5), T("b", 5, "a"), T("c", 3), T("gone", 1), T("end", 0, "b", "c"))


def test_tasks_added_removed_renamed_and_dates_moved_by_impact():
    new = P(T("a", 5), T("b", 8, "a", name="B, longer"), T("c", 14), T("new", 2, "a"), T("end", 0, "b", "c"))
    d = diff_plans(OLD, new)
    assert (d.added, d.removed, d.renamed) == (("new",), ("gone",), (("b", "B", "B, longer"),))
    # c now ends on edge 14 (+11) and drives end (+4); b ends on edge 13 (+3); c's and b's starts stay
    assert [(m.id, m.start_delta, m.finish_delta) for m in d.moved] == [("c", 0, 11), ("end", 4, 4), ("b", 0, 3)]
    assert d.finish_delta == 4 and d.new.finish == dt.date(2027, 1, 21)
    assert [m.id for m in d.milestones_moved] == ["end"]
    # c takes over the critical path; a and b now have a day of float
    assert d.critical_entered == ("c",) and d.critical_left == ("a", "b")
    assert d.slipped_more_than(3) and not d.slipped_more_than(4)


def test_findings_new_and_resolved_match_by_rule_and_tasks_not_by_message():
    old = P(T("a", 5, deadline=dt.date(2027, 1, 6)), T("b", 1, owner=None))
    new = P(T("a", 7, deadline=dt.date(2027, 1, 6)), T("b", 1), T("c", 1, owner=None))
    d = diff_plans(old, new)
    # S004 on a stays (its message, quoting the finish, changed); S003 moves from b to c
    assert [(f.code, f.tasks) for f in d.findings_new] == [("S003", ("c",))]
    assert [(f.code, f.tasks) for f in d.findings_resolved] == [("S003", ("b",))]


def test_deltas_are_working_days_on_the_new_plans_calendar():
    holiday = CalendarSpec(holidays=(dt.date(2027, 1, 18),))
    old = P(T("a", 10))                                   # ends Fri 15th
    new = P(T("a", 10), calendar=holiday)                 # ends Fri 15th too: no move
    assert diff_plans(old, new).moved == ()
    longer = P(T("a", 11), calendar=holiday)              # Mon 18th is off: ends Tue 19th
    d = diff_plans(old, longer)
    assert d.new.finish == dt.date(2027, 1, 19) and d.finish_delta == 1      # one working day later
    assert diff_plans(longer, old).finish_delta == -2     # back on the old calendar: Tue 19th → Fri 15th


def test_json_has_the_spec_shape_and_markdown_escapes_plan_text():
    new = P(T("a", 5), T("b", 6, "a", name="B | with a pipe <b>"), T("c", 3), T("end", 0, "b", "c"))
    d = diff_plans(OLD, new, old_label="old.yaml", new_label="new.yaml")
    data = json.loads(d.render("json"))
    assert set(data) >= {"old", "new", "finish", "added", "removed", "renamed", "moved", "critical", "findings"}
    assert "p80" not in data                               # only with risk
    assert data["finish"] == {"old": "2027-01-15", "new": "2027-01-18", "delta_days": 1}
    assert set(data["moved"][0]) >= {"id", "start_delta", "finish_delta", "old_finish", "new_finish"}
    assert data["critical"]["entered"] == [] and data["removed"] == ["gone"]
    md = d.render("markdown")
    assert md.startswith("### 🔴 Plan diff: finish slips 1 working day")
    assert "B \\| with a pipe &lt;b&gt;" in md and "<b>" not in md
    assert "| `b` B \\| with a pipe &lt;b&gt; | 2027-01-15 | 2027-01-18 | +1 | +0 |" in md
    text = d.render("text")
    assert "renamed (1)\n  b: 'B' → 'B | with a pipe <b>'" in text


def test_an_unchanged_plan_says_so():
    d = diff_plans(OLD, OLD)
    assert d.unchanged and "no changes" in d.render("text") and d.finish_delta == 0


def test_risk_compares_the_p80_with_a_fixed_seed():
    longer = P(T("a", 5), T("b", 25, "a"), T("c", 3), T("gone", 1), T("end", 0, "b", "c"))
    first = diff_plans(OLD, longer, risk=True, iterations=300)
    again = diff_plans(OLD, longer, risk=True, iterations=300)
    assert first.old.p80 == again.old.p80 and first.new.p80 == again.new.p80
    assert first.p80_delta > 15 and first.new.p80 > first.new.finish - dt.timedelta(days=1)
    assert json.loads(first.render("json"))["p80"]["delta_days"] == first.p80_delta


# ------------------------------------------------------------------------------- files and the CLI

PLAN = """\
plan: acme
title: Acme
start: 2027-01-04
uses: [{{template: tpl.yaml}}]
workstreams:
  - id: w
    name: Work
    tasks:
      - {{id: a, name: Design, duration: {a}d, owner: pmo}}
      - {{id: b, name: Build, duration: 5d, owner: pmo, depends_on: [a, t.prep]}}
      - {{id: done, name: Done, kind: milestone, duration: 0, owner: pmo, depends_on: [b]}}
"""
TPL = """\
template: tpl
workstreams:
  - id: t
    name: Template work
    tasks:
      - {{id: prep, name: Prepare, duration: {prep}d, owner: pmo}}
"""


def write_plan(folder: Path, a: int = 5, prep: int = 2, name: str = "plan.yaml") -> Path:
    (folder / "tpl.yaml").write_text(TPL.format(prep=prep), encoding="utf-8")
    path = folder / name
    path.write_text(PLAN.format(a=a), encoding="utf-8")
    return path


def test_two_files_through_the_cli_with_fail_on_slip(tmp_path):
    old = write_plan(tmp_path, a=5, name="old.yaml")
    new = write_plan(tmp_path, a=9, name="new.yaml")
    runner = CliRunner()
    out = runner.invoke(cli, ["diff", str(old), str(new)])
    assert out.exit_code == 0, out.output
    assert "finish slips 4 working days: 2027-01-15 → 2027-01-21" in out.output
    assert runner.invoke(cli, ["diff", str(old), str(new), "--fail-on-slip", "4"]).exit_code == 0
    slipped = runner.invoke(cli, ["diff", str(old), str(new), "--fail-on-slip", "3", "--format", "json"])
    assert slipped.exit_code == 1 and json.loads(slipped.output)["finish"]["delta_days"] == 4
    earlier = runner.invoke(cli, ["diff", str(new), str(old), "--fail-on-slip", "0"])
    assert earlier.exit_code == 0 and "4 working days earlier" in earlier.output
    missing = runner.invoke(cli, ["diff", str(old), str(tmp_path / "nope.yaml")])
    assert missing.exit_code == 2 and "Traceback" not in missing.output


def git(repo: Path, *args: str) -> str:
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com", GIT_COMMITTER_NAME="t",
               GIT_COMMITTER_EMAIL="t@example.com", GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1")
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True,
                          env=env).stdout


@pytest.fixture
def repo(tmp_path):
    """A plan repository with two commits: the second lengthens a (5 → 6d) and the template's prep
    (2 → 9d, which then drives b)."""
    repo = tmp_path / "plans"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    write_plan(repo, a=5, prep=2)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "first")
    write_plan(repo, a=6, prep=9)
    git(repo, "commit", "-qam", "second")
    return repo


def test_git_revisions_resolve_the_templates_as_they_were(repo, monkeypatch):
    monkeypatch.chdir(repo)
    out = CliRunner().invoke(cli, ["diff", "git:HEAD~1:plan.yaml", "git:HEAD:plan.yaml", "--format", "json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    # first: b after a (edge 5) ends edge 10; second: prep (9d) drives b, which ends edge 14
    assert data["finish"] == {"old": "2027-01-15", "new": "2027-01-21", "delta_days": 4}
    assert {m["id"]: m["finish_delta"] for m in data["moved"]} == {"t.prep": 7, "w.b": 4, "w.done": 4, "w.a": 1}
    assert data["critical"] == {"entered": ["t.prep"], "left": ["w.a"], "known": True}
    # the working tree holds the second commit: diffing against it shows no change
    same = CliRunner().invoke(cli, ["diff", "git:HEAD:plan.yaml", "plan.yaml"])
    assert same.exit_code == 0 and "no changes" in same.output


def test_git_errors_are_one_clear_message(repo, monkeypatch):
    monkeypatch.chdir(repo)
    runner = CliRunner()
    for spec, message in [("git:nope:plan.yaml", "unknown revision 'nope'"),
                          ("git:HEAD:other.yaml", "other.yaml does not exist at HEAD"),
                          ("git:HEAD", "expected git:REV:PATH")]:
        out = runner.invoke(cli, ["diff", spec, "plan.yaml"])
        assert out.exit_code == 2 and message in out.output and "Traceback" not in out.output


def test_git_revision_through_a_subprocess_with_markdown(repo):
    done = subprocess.run([sys.executable, "-m", "rollout", "diff", "git:HEAD~1:plan.yaml", "plan.yaml",
                           "--format", "markdown", "--fail-on-slip", "2"], cwd=repo, capture_output=True,
                          text=True)
    assert done.returncode == 1, done.stderr
    assert done.stdout.startswith("### 🔴 Plan diff: finish slips 4 working days: 2027-01-15 → 2027-01-21")
    assert "| `t.prep` Prepare | 2027-01-05 | 2027-01-14 | +7 | +0 |" in done.stdout
    assert "#### Entered the critical path\n\n- `t.prep` Prepare" in done.stdout


def test_the_stored_baseline_against_the_plan(tmp_path):
    path = write_plan(tmp_path, a=5)
    with StateStore(str(path), "acme") as store:
        store.save_baseline(schedule(load_plan(path)))
    write_plan(tmp_path, a=8)
    runner = CliRunner()
    out = runner.invoke(cli, ["diff", "baseline:", str(path), "--format", "json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["old"] == "baseline:" and data["finish"]["delta_days"] == 3
    assert [m["id"] for m in data["moved"]] == ["w.a", "w.b", "w.done"]     # all +3: in plan order
    assert data["critical"]["known"] is False and data["findings"]["known"] is False
    assert runner.invoke(cli, ["diff", "baseline:default", str(path)]).exit_code == 0
    named = runner.invoke(cli, ["diff", "baseline:SteerCo", str(path)])
    assert named.exit_code == 2 and "no baseline named 'SteerCo' for plan 'acme' (stored: 'default')" in named.output
    with StateStore(str(path), "acme") as store:                  # a named baseline of the plan at a=8
        store.save_baseline(schedule(load_plan(path)), name="SteerCo")
    named = runner.invoke(cli, ["diff", "baseline:SteerCo", str(path), "--format", "json"])
    assert named.exit_code == 0, named.output
    assert json.loads(named.output)["finish"]["delta_days"] == 0        # the default one still says +3
    other = tmp_path / "sub"
    other.mkdir()
    none = runner.invoke(cli, ["diff", "baseline:", str(write_plan(other))])
    assert none.exit_code == 2 and "no baseline is stored for plan 'acme'" in none.output


def test_diff_help_has_an_example():
    out = CliRunner().invoke(cli, ["diff", "--help"])
    assert out.exit_code == 0 and "Example:" in out.output and "git:origin/main:plan.yaml" in out.output


def test_the_documented_workflow_runs_its_diff_command(repo, monkeypatch):
    """docs/review.md's GitHub Actions job: valid YAML, and its `rollout diff` line works as written."""
    import re
    import shlex

    import yaml

    doc = (Path(__file__).parents[2] / "docs" / "review.md").read_text(encoding="utf-8")
    (block,) = [b for b in re.findall(r"```yaml\n(.*?)```", doc, re.S) if "jobs:" in b]
    workflow = yaml.safe_load(block)
    steps = workflow["jobs"]["diff"]["steps"]
    (script,) = [s["run"] for s in steps if "rollout diff" in s.get("run", "")]
    line = script.replace("\\\n", " ").split("rollout diff", 1)[1].splitlines()[0]
    args = shlex.split(line.replace("${{ github.base_ref }}", "main"))
    git(repo, "update-ref", "refs/remotes/origin/main", "HEAD~1")      # what actions/checkout fetches
    monkeypatch.chdir(repo)
    out = CliRunner().invoke(cli, ["diff", *args])
    assert out.exit_code == 0, out.output                              # 4 days of slip, under 10
    assert Path("plan-diff.md").read_text(encoding="utf-8").startswith("### 🔴 Plan diff: finish slips 4")
    assert "--edit-last" in block and "pull-requests: write" in block
