"""Schedule quality (DCMA 14-point, D001–D014) on a small plan whose counts are worked out by hand.

The plan (Mon 2027-01-04, Mon–Fri): start ◆ → a 10d → b 50d → end ◆; c 5d after a with a 3-day lag;
d 5d SS after a; f 5d after c with a 2-day lead; e 5d linked to nothing. Edges: a 0–10, b 10–60,
c 13–18, d 0–5, e 0–5, f 16–21; the finish is edge 60 (Fri 2027-03-26). Floats: d and e 55, c and f 39,
the rest 0. Eight dependencies: seven FS, one SS; one lag, one lead.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest
from click.testing import CliRunner

from rollout.checks import check_plan, get_rule, run_checks
from rollout.checks.quality import Metric, schedule_quality
from rollout.cli import cli
from rollout.model import CalendarSpec, Dependency, Plan, Task
from rollout.schedule import schedule
from rollout.tracking import Actual

MON = dt.date(2027, 1, 4)
STATUS = dt.date(2027, 1, 22)        # Friday, working day 14


def T(tid, d, *deps, **kw):
    return Task(tid, tid, "w", d, depends_on=tuple(
        Dependency(x) if isinstance(x, str) else Dependency(*x) for x in deps), owner="pmo", **kw)


def the_plan(deadline=None, **kw):
    return Plan("q", "Q", MON, CalendarSpec(), (
        T("start", 0), T("a", 10, "start"), T("b", 50, "a"), T("c", 5, ("a", "FS", 3)), T("d", 5, ("a", "SS", 0)),
        T("e", 5), T("f", 5, ("c", "FS", -2)), T("end", 0, "b", "d", "f", deadline=deadline)), **kw)


def metrics(plan, **kw) -> dict[str, Metric]:
    return {m.code: m for m in schedule_quality(plan, schedule(plan), **kw)}


PROGRESS = {"start": Actual("start", "done", MON, MON), "a": Actual("a", "done", MON, dt.date(2027, 1, 15))}


def test_the_counts_without_progress():
    m = metrics(the_plan())
    assert len(m) == 14 and list(m) == [f"D{n:03d}" for n in range(1, 15)]
    # D001: start and end are exempt; of a–f only e lacks logic
    assert (m["D001"].counted, m["D001"].tasks, m["D001"].passed) == (6, ("e",), False)
    assert m["D001"].value == pytest.approx(1 / 6)
    assert (m["D002"].value, m["D002"].counted, m["D002"].tasks, m["D002"].passed) == (1, 8, ("f",), False)
    assert (m["D003"].value, m["D003"].tasks, m["D003"].passed) == (1 / 8, ("c",), False)
    assert (m["D004"].value, m["D004"].tasks, m["D004"].passed) == (7 / 8, ("d",), False)   # 87.5 % < 90 %
    assert (m["D005"].value, m["D005"].passed) == (0, True)
    assert (m["D006"].value, m["D006"].counted, m["D006"].tasks) == (2 / 8, 8, ("d", "e"))
    assert (m["D007"].value, m["D007"].passed) == (0, True)
    assert (m["D008"].value, m["D008"].counted, m["D008"].tasks) == (1 / 6, 6, ("b",))      # milestones aside
    assert (m["D012"].value, m["D012"].passed, m["D012"].note) == (600, True, "'start' delayed by 600 working days")
    for code in ("D009", "D011", "D014"):
        assert m[code].status == "skipped" and "status date" in m[code].skipped
    assert m["D013"].status == "skipped" and "deadline" in m["D013"].skipped
    assert m["D010"].status == "skipped" and m["D010"].skipped.startswith("not applicable")


def test_the_counts_with_progress_at_a_status_date():
    m = metrics(the_plan(), status_date=STATUS, actuals=PROGRESS)
    # completed tasks (start, a) leave the counts
    assert (m["D001"].counted, m["D001"].value) == (5, 1 / 5)
    assert (m["D003"].counted, m["D004"].value) == (7, 6 / 7)
    # D009: b (Jan 18), c (Jan 21), d and e (Jan 4) should have started before Jan 22 and have not
    assert (m["D009"].value, m["D009"].tasks, m["D009"].counted) == (4, ("b", "c", "d", "e"), 8)
    # D011/D014: baselined (= the current schedule) to finish by Jan 22: start, a, d, e; d and e are not done
    assert (m["D011"].counted, m["D011"].tasks, m["D011"].value) == (4, ("d", "e"), 2 / 4)
    assert (m["D014"].value, m["D014"].passed, m["D014"].tasks) == (0.5, False, ("d", "e"))
    assert "baseline: the current schedule" in m["D014"].note
    # D012: the first incomplete critical task is b
    assert (m["D012"].note, m["D012"].passed) == ("'b' delayed by 600 working days", True)


def test_a_late_finish_against_its_baseline_counts_as_missed():
    late = dict(PROGRESS, a=Actual("a", "done", MON, dt.date(2027, 1, 19)))   # baseline finish Jan 15
    m = metrics(the_plan(), status_date=STATUS, actuals=late)
    assert m["D011"].tasks == ("a", "d", "e")
    assert m["D014"].value == 0.5               # BEI counts finishes, on time or not


def test_a_stored_baseline_decides_what_was_due():
    baseline = {t.id: (MON, MON) for t in the_plan().tasks}       # everything due on day 0
    m = metrics(the_plan(), status_date=STATUS, actuals=PROGRESS, baseline=baseline)
    assert m["D011"].counted == 8 and m["D014"].value == 2 / 8
    assert "stored baseline" in m["D011"].note


def test_cpli_against_the_deadline_and_against_a_baseline():
    # end's deadline Fri 2027-03-19 is working day 54 (edge 55): five days short of edge 60
    m = metrics(the_plan(deadline=dt.date(2027, 3, 19)))
    assert (m["D013"].value, m["D013"].passed) == (pytest.approx(55 / 60), False)
    m = metrics(the_plan(deadline=dt.date(2027, 3, 19)), status_date=STATUS)   # CPL from day 14: 46
    assert m["D013"].value == pytest.approx(41 / 46)
    baseline = {t.id: (MON, dt.date(2027, 3, 19)) for t in the_plan().tasks}
    m = metrics(the_plan(), baseline=baseline)
    assert m["D013"].value == pytest.approx(55 / 60) and "baseline finish" in m["D013"].note
    m = metrics(the_plan(deadline=dt.date(2027, 4, 30)))
    assert m["D013"].passed and m["D013"].value > 1


def test_negative_float_and_the_missed_deadline_agree():
    plan = the_plan(deadline=dt.date(2027, 3, 19))
    m = metrics(plan)
    # end is five days late, and so is the chain driving it: start, a, b
    assert (m["D007"].value, m["D007"].tasks) == (4, ("start", "a", "b", "end"))
    result = check_plan(plan, select=["D007", "S004"])
    assert {f.code: f.tasks for f in result.findings} == {"D007": ("start", "a", "b", "end"), "S004": ("end",)}
    met = check_plan(the_plan(deadline=dt.date(2027, 3, 26)), select=["D007", "S004"])
    assert met.findings == ()


@pytest.mark.parametrize("seed", range(20))
def test_d007_fires_exactly_when_s004_does_on_random_plans(seed):
    import random

    rng = random.Random(seed)
    tasks = []
    for k in range(12):
        deps = [Dependency(f"t{j}", rng.choice("FS FS SS FF".split()), rng.randint(-2, 3))
                for j in rng.sample(range(k), min(k, rng.randint(0, 2)))]
        deadline = MON + dt.timedelta(days=rng.randint(-3, 60)) if rng.random() < 0.3 else None
        snet = MON + dt.timedelta(days=rng.randint(0, 20)) if rng.random() < 0.2 else None
        tasks.append(Task(f"t{k}", f"T{k}", "w", rng.choice([0, 0, 1, 3, 5, 8]), depends_on=tuple(deps),
                          deadline=deadline, start_no_earlier_than=snet, owner="pmo"))
    plan = Plan("r", "R", MON, CalendarSpec(), tuple(tasks))
    result = check_plan(plan, select=["D007", "S004"])
    codes = {f.code for f in result.findings}
    assert ("D007" in codes) == ("S004" in codes)
    missed = {t for f in result.findings if f.code == "S004" for t in f.tasks}
    negative = {t for f in result.findings if f.code == "D007" for t in f.tasks}
    assert missed <= negative


def test_d010_counts_unresourced_work_once_the_plan_has_resources():
    @dataclasses.dataclass(frozen=True, slots=True)
    class LoadedTask(Task):
        resources: tuple = ()

    plan = Plan("r", "R", MON, CalendarSpec(), (
        LoadedTask("a", "A", "w", 5, resources=(("trainers", 1),)), LoadedTask("b", "B", "w", 5),
        LoadedTask("m", "M", "w", 0)))
    object.__setattr__(plan, "resources", ("trainers",))       # what SPEC 1.3a's `resources:` will give
    m = metrics(plan)["D010"]
    assert (m.value, m.counted, m.tasks, m.passed) == (0.5, 2, ("b",), False)


def test_thresholds_are_settings():
    m = metrics(the_plan(), settings={"missing_logic_max_share": 0.2, "high_duration_days": 50,
                                      "fs_min_share": 0.85, "leads_max_count": 1})
    assert m["D001"].passed and m["D008"].passed and m["D004"].passed and m["D002"].passed
    plan = the_plan(checks={"select": ["D"], "settings": {"high_float_days": 60, "lags_max_share": 0.2}})
    result = check_plan(plan)
    assert {"D006", "D003"}.isdisjoint(f.code for f in result.findings)
    assert {"D001", "D002", "D004", "D008"} <= {f.code for f in result.findings}


def test_the_d_rules_are_opt_in():
    plan = the_plan()
    assert not any(r.code.startswith("D") for r in check_plan(plan).rules)
    assert not any(r.code.startswith("D") for r in check_plan(plan, select=["ALL"]).rules)
    assert {r.code for r in check_plan(plan, select=["D"]).rules} | {r.code for r in check_plan(
        plan, select=["D"]).skipped} == {f"D{n:03d}" for n in range(1, 15)}
    both = check_plan(plan, select=["ALL", "D"], ignore=["D007"])
    assert "FM011" in {r.code for r in both.rules} and "D001" in {r.code for r in both.rules}
    assert "D007" not in {r.code for r in both.rules}
    assert "D001" in {r.code for r in check_plan(dataclasses.replace(plan, checks={"select": ["ALL", "D"]})).rules}


def test_a_finding_carries_the_metric_as_data_and_skips_are_not_findings():
    result = run_checks(the_plan(), schedule(the_plan()), select=["D"], fail_on="info")
    d001 = next(f for f in result.findings if f.code == "D001")
    assert "1 of 6 tasks" in d001.message and "16.7 %" in d001.message and "5.0 %" in d001.message
    data = d001.to_dict()
    assert set(data) >= {"code", "severity", "message", "tasks", "hint", "metric"}
    assert data["metric"]["value"] == pytest.approx(1 / 6) and data["metric"]["threshold"] == 0.05
    assert data["metric"]["counted"] == 6 and data["metric"]["tasks"] == ["e"]
    assert result.skip_reasons.keys() == {"D009", "D010", "D011", "D013", "D014"}
    assert not any(f.code in result.skip_reasons for f in result.findings)
    assert "skipped D009: needs a status date" in result.render("text")


def test_check_cli_takes_the_status_date_and_actuals(tmp_path):
    plan = tmp_path / "q.yaml"
    plan.write_text("""plan: q
title: Q
start: 2027-01-04
workstreams:
  - id: w
    name: W
    tasks:
      - {id: a, name: A, duration: 10d, owner: pmo}
      - {id: b, name: B, duration: 5d, owner: pmo, depends_on: [a]}
""", encoding="utf-8")
    csv = tmp_path / "progress.csv"
    csv.write_text("task,status,actual_start,actual_finish,percent_complete\nw.a,done,2027-01-04,2027-01-15,100\n",
                   encoding="utf-8")
    runner = CliRunner()
    out = runner.invoke(cli, ["check", str(plan), "--select", "D014", "--format", "json"])
    assert out.exit_code == 0 and json.loads(out.output)["skip_reasons"]["D014"].startswith("needs a status")
    out = runner.invoke(cli, ["check", str(plan), "--select", "D014", "--as-of", "2027-02-01", "--actuals", str(csv),
                              "--format", "json", "--fail-on", "warning"])
    assert out.exit_code == 1, out.output
    (finding,) = json.loads(out.output)["findings"]
    assert finding["metric"]["value"] == 0.5 and finding["tasks"] == ["w.b"]


def test_rules_prints_a_quality_rule_in_full():
    out = CliRunner().invoke(cli, ["rules", "D007"])
    assert out.exit_code == 0
    assert out.output.startswith("D007 negative-float (warning)")
    assert "## Why is this bad?" in out.output and "negative_float_max_count" in out.output
    assert get_rule("cpli").code == "D013"
