"""Availability on the plan's working-day index, levelled schedules (same Schedule type, same dates),
the audience pass, change load, and `rollout schedule --level`."""

import csv
import datetime as dt
import io
import json

import pytest
from click.testing import CliRunner

from rollout.capacity import availability, change_load, level_schedule, over_allocations
from rollout.cli import cli
from rollout.expand import expand_text, load_plan
from rollout.levelling import Activity, validate
from rollout.levelling._network import units_on
from rollout.schedule import schedule

MON = dt.date(2027, 1, 4)


def test_a_persons_units_follow_capacity_own_calendar_holidays_and_leave():
    plan = expand_text("""\
plan: p
title: P
start: 2027-05-24
calendar: {country: US}
people:
  - {id: dana, name: Dana, capacity: 0.5, calendar: {country: DE, subdiv: BY, workdays: [mon, tue, wed, thu]},
     leave: [2027-06-01..2027-06-02]}
  - {id: ed, name: Ed}
resources:
  - {id: it, name: IT, units: 5, calendar: {country: GB}}
workstreams:
  - {id: w, name: W, tasks: [{id: a, name: A, duration: 15d}]}
""")
    res = {r.id: r for r in availability(plan)}
    cal = schedule(plan).calendar
    days = [cal.date(k) for k in range(10)]
    # US plan days: Tue 25 May … (Mon 31 May is Memorial Day, not a plan working day)
    assert days[:6] == [dt.date(2027, 5, d) for d in (24, 25, 26, 27, 28)] + [dt.date(2027, 6, 1)]
    dana = list(units_on(res["dana"], 0, 10))
    # Fridays are not Dana's, 1–2 June is leave, Corpus Christi (Thu 27 May 2027) is a Bavarian holiday
    expect = {dt.date(2027, 5, 27): 0, dt.date(2027, 5, 28): 0, dt.date(2027, 6, 1): 0, dt.date(2027, 6, 2): 0,
              dt.date(2027, 6, 4): 0}
    assert dana == [expect.get(d, 0.5) for d in days]
    it = list(units_on(res["it"], 0, 10))   # GB: Spring bank holiday is Mon 31 May (not a plan day anyway)
    assert it == [5.0] * 10
    assert list(units_on(res["ed"], 0, 10)) == [1.0] * 10


CONTENDED = """\
plan: lv
title: Levelled
start: 2027-01-04
people:
  - {id: dana, name: Dana, roles: [sponsor], capacity: 0.5, leave: [2027-01-18..2027-01-19]}
resources:
  - {id: trainers, name: Trainers, units: 3}
workstreams:
  - id: w
    name: W
    tasks:
      - {id: a, name: A, duration: 5d, resources: {trainers: 2}}
      - {id: b, name: B, duration: 4d, resources: {trainers: 2}}
      - {id: c, name: C, duration: 3d, depends_on: [a], resources: {sponsor: 0.5}}
      - {id: m, name: Done, kind: milestone, depends_on: [b, c]}
"""


def test_level_schedule_moves_the_contended_task_and_reports_what_held_it():
    plan = expand_text(CONTENDED)
    flat = schedule(plan)
    assert [o.resource for o in over_allocations(plan, flat)] == ["trainers"]
    lv = level_schedule(plan)
    assert type(lv) is type(flat)
    b, c = lv["w.b"], lv["w.c"]
    assert (lv["w.a"].start, b.start) in {(0, 5), (4, 0)}
    held = b if b.start else lv["w.a"]
    assert held.levelling_delay == held.start and held.delayed_by == ("trainers",)
    assert over_allocations(plan, lv) == []
    acts = [Activity(t.id, t.duration, t.depends_on, dict(t.resources)) for t in plan.tasks]
    assert validate(acts, availability(plan), {tid: st.start for tid, st in lv.tasks.items()}) == []
    # the milestone is dated like schedule() dates one: the day its last predecessor finishes
    last = max(lv["w.b"].end, lv["w.c"].end)
    assert lv["w.m"].start_date == lv.calendar.date(last - 1) == lv.finish_date
    # critical path: through the trainer hand-off, not only dependencies
    assert lv.critical_path[-1] == "w.m" and set(lv.critical_path) >= {"w.a", "w.b"}


def test_leave_delays_a_task_and_says_who():
    plan = expand_text(CONTENDED.replace("leave: [2027-01-18..2027-01-19]", "leave: [2027-01-11..2027-01-13]"))
    lv = level_schedule(plan)
    c = lv["w.c"]
    flat = schedule(plan)["w.c"]
    # c may start when a ends (11 Jan at the earliest); Dana is away 11–13 Jan, so not before 14 Jan
    assert c.start_date >= dt.date(2027, 1, 14) and "dana" in c.delayed_by
    assert c.levelling_delay == c.start - flat.start > 0


ZOO = """\
plan: zoo
title: Zoo
start: 2027-01-09
calendar: {holidays: [2027-01-18]}
workstreams:
  - id: w
    name: W
    tasks:
      - {id: kick, name: Kick-off, kind: milestone}
      - {id: a, name: A, duration: 3d, depends_on: [kick]}
      - {id: b, name: B, duration: 2d, start_no_earlier_than: 2027-01-16}
      - {id: m1, name: M1, kind: milestone, depends_on: [{task: b, type: SS}]}
      - {id: c, name: C, duration: 4d, depends_on: [a, {task: b, type: FF, lag: 1d}], deadline: 2027-01-19}
      - {id: m2, name: M2, kind: milestone, depends_on: [c], deadline: 2027-01-15}
      - {id: d, name: D, duration: 1d, depends_on: [{task: m2, type: SF, lag: 2d}]}
"""


def test_without_resources_the_levelled_schedule_is_the_unlevelled_one_date_for_date():
    plan = expand_text(ZOO)
    flat, lv = schedule(plan).to_dict(), level_schedule(plan).to_dict()
    for row in lv["tasks"]:
        assert row.pop("levelling_delay") == 0 and row.pop("delayed_by") == []
    lv.pop("levelling")
    assert lv == flat


def test_cli_schedule_level_json_and_csv_add_the_levelling_columns(tmp_path):
    path = tmp_path / "lv.yaml"
    path.write_text(CONTENDED)
    run = CliRunner().invoke
    plain = json.loads(run(cli, ["schedule", str(path), "--format", "json"]).output)
    assert "levelling_delay" not in plain["tasks"][0] and "levelling" not in plain
    out = run(cli, ["schedule", str(path), "--level", "--format", "json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    rows = {t["id"]: t for t in data["tasks"]}
    assert {r["levelling_delay"] for r in rows.values()} >= {0, 4} or {r["levelling_delay"] for r in rows.values()} >= {0, 5}
    assert any(r["delayed_by"] == ["trainers"] for r in rows.values())
    assert data["levelling"]["method"] == "heuristic" and data["levelling"]["unlevelled_finish_days"] == 8
    assert data["finish_days"] > 8
    table = list(csv.DictReader(io.StringIO(run(cli, ["schedule", str(path), "--level", "--format", "csv"]).output)))
    assert {"levelling_delay", "delayed_by"} <= set(table[0])
    assert "levelling_delay" not in run(cli, ["schedule", str(path), "--format", "csv"]).output
    text = run(cli, ["schedule", str(path), "--level"]).output
    assert "held by" in text and "levelled (heuristic, seed 0)" in text
    # the plan can ask for it; --no-level overrides
    path.write_text(CONTENDED.replace("start: 2027-01-04", "start: 2027-01-04\nscheduling: {level: true}"))
    assert "levelling" in json.loads(run(cli, ["schedule", str(path), "--format", "json"]).output)
    assert "levelling" not in json.loads(run(cli, ["schedule", str(path), "--no-level", "--format", "json"]).output)


def test_the_level_seed_makes_the_result_repeatable(tmp_path):
    path = tmp_path / "lv.yaml"
    path.write_text(CONTENDED)
    runs = [CliRunner().invoke(cli, ["schedule", str(path), "--level", "--format", "json"]).output for _ in range(2)]
    assert runs[0] == runs[1]


def test_a_task_longer_than_any_stretch_its_person_works_is_an_error_naming_both(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("""\
plan: p
title: P
start: 2027-01-04
people:
  - {id: dana, name: Dana, calendar: {workdays: [mon, tue, wed, thu]}}
workstreams:
  - id: w
    name: W
    tasks:
      - {id: a, name: A, duration: 5d, resources: {dana: 0.5}}
""")
    out = CliRunner().invoke(cli, ["schedule", str(path), "--level"])
    assert out.exit_code == 2
    assert "p.yaml:10" in out.output and "task 'w.a' needs 0.5 of 'dana' on 5 consecutive working days" in out.output
    assert "never there for more than 4 in a row" in out.output and "Traceback" not in out.output


LOAD = """\
plan: cl
title: Change load
start: 2027-01-04
audiences:
  - {id: frontline, name: Front line, headcount: 500, tolerance: 4}
  - {id: customers, name: Customers}
cadences:
  - {id: huddle, name: Huddle, every: 1w, audience: [frontline]}
workstreams:
  - id: w
    name: W
    tasks:
      - {id: train, name: Train, kind: training, duration: 3d, audience: [frontline]}
      - {id: go, name: Go live, kind: rollout, duration: 2d, participants: [frontline, customers]}
      - {id: mail, name: Mail, kind: communication, duration: 1d, audience: customers, depends_on: [go]}
      - {id: study, name: Study, kind: analysis, duration: 8d, audience: [frontline]}
      - {id: quiet, name: Quiet, kind: rollout, duration: 1d, audience: [frontline], impact: none}
"""


def test_change_load_counts_impact_by_kind_per_iso_week_with_cadences():
    plan = expand_text(LOAD)
    load = change_load(plan, schedule(plan))
    # week 1: training 2 + rollout 3 + huddle 1 = 6 > 4; analysis and impact: none add nothing
    w1 = load.cells[("frontline", "2027-W01")]
    assert w1.points == 6 and w1.over and w1.tolerance == 4
    assert w1.contributors == (("w.go", 3.0, "task"), ("w.train", 2.0, "task"), ("huddle", 1.0, "cadence"))
    assert load.load("frontline", "2027-W02") == 1          # the huddle only
    assert load.load("customers", "2027-W01") == 4          # go-live 3 + mail 1 (Wed 6 Jan)
    assert [(c.audience, c.week) for c in load.over()] == [("frontline", "2027-W01")]
    data = load.to_dict()
    assert data["weeks"][0] == "2027-W01" and data["audiences"][0]["weeks"][0]["load"] == 6
    frame = load.to_frame()
    assert list(frame.columns) == ["audience", "week", "load", "tolerance", "over"]
    assert len(frame) == 2 * len(load.weeks)


def test_audience_levelling_keeps_every_week_within_tolerance():
    plan = expand_text(LOAD)
    lv = level_schedule(plan, audiences=True)
    assert change_load(plan, lv).over() == []
    moved = [st for st in lv.tasks.values() if "frontline" in st.delayed_by]
    assert moved and all(st.levelling_delay > 0 for st in moved)
    assert lv.levelling.audience_moves and lv.levelling.audiences == ()
    assert [dep.task for dep in plan.task_index()["w.mail"].depends_on] == ["w.go"]
    assert lv["w.mail"].start >= lv["w.go"].end


def test_level_audiences_from_the_plan(tmp_path):
    path = tmp_path / "cl.yaml"
    path.write_text(LOAD.replace("start: 2027-01-04", "start: 2027-01-04\nscheduling: {level: {audiences: true}}"))
    data = json.loads(CliRunner().invoke(cli, ["schedule", str(path), "--format", "json"]).output)
    assert any("frontline" in t["delayed_by"] for t in data["tasks"])
    plan = load_plan(path)
    assert change_load(plan, level_schedule(plan)).over() == []


def test_the_worked_example_in_docs_capacity_md_is_what_the_cli_prints():
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    doc = (repo / "docs" / "capacity.md").read_text(encoding="utf-8")
    out = CliRunner().invoke(cli, ["schedule", str(repo / "examples" / "capacity.yaml"), "--level"])
    assert out.exit_code == 0, out.output
    table = out.output.split("\n\n")[0]
    assert table in doc
    assert "levelled (heuristic, seed 0): 7 working day(s) later than unlevelled (10 days)" in doc
    assert "levelled (heuristic, seed 0): 7 working day(s) later than unlevelled (10 days)" in out.output
    plan = load_plan(repo / "examples" / "capacity.yaml")
    load = change_load(plan, level_schedule(plan))
    assert [load.load("frontline", w) for w in load.weeks] == [1, 3, 3, 4]
    assert change_load(plan, schedule(plan)).load("frontline", "2027-W28") == 8
    codes = {o.resource for o in over_allocations(plan, schedule(plan))}
    assert codes == {"it", "trainers", "markus", "dana"}


def test_a_progress_bar_shows_on_a_terminal_only(monkeypatch, tmp_path):
    import sys

    from rollout.cli.plan import _progress

    class Tty(io.StringIO):
        def isatty(self):
            return True

    plan = expand_text(LOAD)
    term = Tty()
    monkeypatch.setattr(sys, "stderr", term)
    with _progress(plan, True) as update:
        level_schedule(plan, audiences=True, progress=update)
    assert "levelling" in term.getvalue()
    monkeypatch.setattr(sys, "stderr", io.StringIO())           # not a terminal: no bar, no callback
    with _progress(plan, True) as update:
        assert update is None
    with _progress(plan, False) as update:
        assert update is None
