"""One run, one analysis: every consumer reads the same schedule, calendar, progress and findings."""

from __future__ import annotations

import collections
import datetime as dt
import importlib
import json

import pytest
from click.testing import CliRunner

from rollout.analysis import Analysis
from rollout.cli import cli

PLAN = """\
plan: pilot
title: Pilot rollout
start: 2027-01-04
workstreams:
  - id: disc
    name: Discovery
    tasks:
      - {id: interviews, name: Customer interviews, kind: data-collection, duration: 5d, owner: pmo,
         estimate: {optimistic: 4d, likely: 5d, pessimistic: 12d}}
      - {id: synthesis, name: Synthesis, kind: analysis, duration: 5d, owner: pmo, depends_on: [disc.interviews]}
      - {id: gate, name: Insight agreed, kind: milestone, duration: 0, depends_on: [disc.synthesis],
         deadline: 2027-01-20}
  - id: design
    name: Design
    tasks:
      - {id: maps, name: Process maps, kind: process-design, duration: 2w, owner: pmo,
         depends_on: [{task: disc.interviews, type: SS, lag: 2d}]}
      - {id: tool, name: Tool choice, kind: technology-selection, duration: 4d, owner: it,
         depends_on: [design.maps, disc.synthesis]}
"""

PROGRESS = ("task,status,actual_start,actual_finish,percent_complete\n"
            "disc.interviews,done,2027-01-04,2027-01-08,\n"
            "design.maps,in-progress,2027-01-06,,30\n")


@pytest.fixture
def files(tmp_path):
    plan, csv = tmp_path / "pilot.yaml", tmp_path / "progress.csv"
    plan.write_text(PLAN)
    csv.write_text(PROGRESS)
    return plan, csv


@pytest.fixture
def counted(monkeypatch):
    """Counts schedule computations (by the plan scheduled), working calendars and state-store opens."""
    sched_mod = importlib.import_module("rollout.schedule")
    cal_mod = importlib.import_module("rollout.calendar")
    state_mod = importlib.import_module("rollout.state")
    counts: collections.Counter = collections.Counter()
    plans: list = []
    real_schedule = sched_mod._schedule

    def schedule(plan, cal, durations):
        counts["schedule"] += 1
        plans.append((plan, None if durations is None else tuple(sorted(dict(durations).items()))))
        return real_schedule(plan, cal, durations)

    real_cal, real_store = cal_mod.WorkCalendar.__init__, state_mod.StateStore.__init__

    def calendar(self, *a, **k):
        counts["calendar"] += 1
        real_cal(self, *a, **k)

    def store(self, *a, **k):
        counts["state"] += 1
        real_store(self, *a, **k)

    monkeypatch.setattr(sched_mod, "_schedule", schedule)
    monkeypatch.setattr(cal_mod.WorkCalendar, "__init__", calendar)
    monkeypatch.setattr(state_mod.StateStore, "__init__", store)
    counts.plans = plans
    return counts


def run(*args):
    result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output
    return result


def distinct(plans) -> int:
    """Distinct schedules: a plan, or the same plan with other durations (D012's probe)."""
    return len({(id(p), d) for p, d in plans})


def test_report_schedules_each_distinct_schedule_once(files, tmp_path, counted):
    plan, csv = files
    run("report", plan, "-o", tmp_path / "out", "--today", "2027-01-11", "--risk-iterations", 50)
    # the plan's schedule, and the schedule-quality table's D012 probe (the plan with its first critical
    # task 600 working days longer): two distinct schedules, each computed once
    assert counted["schedule"] == 2 == distinct(counted.plans)
    assert counted["calendar"] == 1 and counted["state"] == 1
    counted.clear(), counted.plans.clear()
    # with progress: the remaining work's schedule too (forecast and risk share it)
    run("report", plan, "-o", tmp_path / "out2", "--today", "2027-01-11", "--actuals", csv, "--risk-iterations", 50)
    assert counted["schedule"] == 3 == distinct(counted.plans)
    assert counted["calendar"] == 1 and counted["state"] == 1


@pytest.mark.parametrize("args, schedules", [
    (("status", "--as-of", "2027-01-11"), 1),
    (("status", "--as-of", "2027-01-11", "--actuals", "CSV"), 2),
    (("risk", "--as-of", "2027-01-11", "--actuals", "CSV", "-n", 50, "--seed", 1), 2),
    (("risk", "-n", 50, "--seed", 1), 1),
    (("check",), 1),
    (("gantt", "-o", "OUT"), 1),
    (("calendar",), 1),
])
def test_commands_schedule_each_distinct_schedule_once(files, tmp_path, counted, args, schedules):
    plan, csv = files
    args = [str(csv) if a == "CSV" else str(tmp_path / "g.html") if a == "OUT" else a for a in args]
    run(args[0], plan, *args[1:])
    assert counted["schedule"] == schedules == distinct(counted.plans)
    assert counted["calendar"] == 1 and counted["state"] <= 1


def test_each_result_is_computed_once_and_shared(files, counted):
    plan, csv = files
    a = Analysis(str(plan), as_of=dt.date(2027, 1, 11), actuals=csv, iterations=50)
    assert a.status.baseline is a.schedule and a.risk.schedule is a.remaining_schedule
    assert a.checks is a.checks and a.progress is a.progress
    assert counted["schedule"] == 2 and counted["state"] == 1


def test_the_dashboards_status_and_risk_agree(files, tmp_path):
    plan, csv = files
    run("report", plan, "-o", tmp_path / "out", "--today", "2027-01-11", "--actuals", csv, "--risk-iterations", 100)
    risk = json.loads((tmp_path / "out" / "risk.json").read_text())
    # the risk section simulates the work remaining at the status date, from the same actuals
    assert risk["as_of"] == "2027-01-11" and risk["actuals"] == str(csv)
    alone = json.loads(run("risk", plan, "--as-of", "2027-01-11", "--actuals", csv, "-n", 100, "--seed", 1,
                           "-f", "json").output)
    assert alone["finish"] == risk["finish"] and alone["milestones"] == risk["milestones"]


def test_each_burn_up_point_is_the_status_of_its_snapshot(files):
    """The burn-up reads every snapshot without forecasting it; each point must still be what
    `rollout status --as-of` that snapshot's date reports as percent complete."""
    from rollout.expand import load_plan
    from rollout.schedule import schedule
    from rollout.state import StateStore, TaskProgress

    plan_path, _ = files
    plan = load_plan(str(plan_path))
    with StateStore(plan.path, plan.id) as store:
        store.save_baseline(schedule(plan))
        for day, rows in [
            (dt.date(2027, 1, 6), [TaskProgress("disc.interviews", status_category="indeterminate")]),
            (dt.date(2027, 1, 12), [TaskProgress("disc.interviews", status_category="done",
                                                 actual_start=dt.date(2027, 1, 4), actual_finish=dt.date(2027, 1, 8)),
                                    TaskProgress("design.maps", status_category="indeterminate",
                                                 actual_start=dt.date(2027, 1, 7)),
                                    TaskProgress("disc.synthesis", status_category="indeterminate")]),
            (dt.date(2027, 1, 19), [TaskProgress("disc.interviews", status_category="done"),
                                    TaskProgress("disc.synthesis", status_category="done",
                                                 actual_finish=dt.date(2027, 1, 15)),
                                    TaskProgress("design.maps", status_category="indeterminate"),
                                    TaskProgress("disc.gate", status_category="done")]),
        ]:
            store.save_snapshot(rows, taken_at=dt.datetime.combine(day, dt.time(17), dt.timezone.utc), as_of=day)
    burnup = json.loads(run("status", plan_path, "-f", "json").output)["burnup"]
    assert [p["date"] for p in burnup] == ["2027-01-06", "2027-01-12", "2027-01-19"]
    for point in burnup:
        alone = json.loads(run("status", plan_path, "-f", "json", "--as-of", point["date"]).output)
        assert point["percent_complete"] == alone["percent_complete"], point
    assert 0 < burnup[0]["percent_complete"] < burnup[1]["percent_complete"] < burnup[2]["percent_complete"]


def test_a_levelled_run_reports_no_over_allocation_of_the_unlevelled_schedule(tmp_path):
    """S006 is about the unlevelled schedule: the default programme overbooks its people unlevelled, and a
    run that shows the levelled schedule (report --level) does not report it."""
    from rollout.newplan import write_starter_plan

    path = tmp_path / "acme.yaml"
    write_starter_plan("customer-alignment", path, {"org": "Acme"})
    plain, levelled = Analysis(str(path), use_state=False), Analysis(str(path), use_state=False, level=True)
    assert "S006" in {f.code for f in plain.findings}
    assert "S006" not in {f.code for f in levelled.findings}
    assert levelled.scheduled.finish > plain.scheduled.finish
