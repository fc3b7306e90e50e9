"""People and pools as resources with assignments, judged by MPXJ reading our MSPDI (and XER) files."""

from __future__ import annotations

import datetime as _dt
from pathlib import Path

from click.testing import CliRunner

import rollout
from rollout.capacity import level_schedule
from rollout.cli import cli

ROOT = Path(__file__).resolve().parents[2]


def _plan_file(tmp_path) -> Path:
    text = (ROOT / "examples" / "capacity.yaml").read_text()
    text = text.replace("{id: dana, name: Dana Whitfield,", "{id: dana, name: Dana Whitfield, email: dana@acme.example,")
    path = tmp_path / "capacity.yaml"
    path.write_text(text)
    return path


def _date(java_datetime) -> _dt.date:
    return _dt.date.fromisoformat(str(java_datetime.toLocalDate()))


def _read(path):
    from org.mpxj.reader import UniversalProjectReader

    project = UniversalProjectReader().read(str(path))
    assert project is not None
    return project


def _export(tmp_path, name, *extra):
    out = tmp_path / name
    result = CliRunner().invoke(cli, ["export", str(_plan_file(tmp_path)), "-o", str(out), *extra])
    assert result.exit_code == 0, result.output
    return out


def _hours(duration, props) -> float:
    from org.mpxj import TimeUnit

    return float(duration.convertUnits(TimeUnit.HOURS, props).getDuration())


def test_mspdi_resources_and_assignments_come_back_through_mpxj(jvm, tmp_path):
    plan = rollout.load_plan(_plan_file(tmp_path))
    project = _read(_export(tmp_path, "plan.xml"))
    props = project.getProjectProperties()
    resources = {str(r.getName()): r for r in project.getResources() if r.getName()}
    assert set(resources) == {"Trainers", "IT delivery", "Dana Whitfield", "Markus Brandt"}
    assert {n: float(r.getMaxUnits()) for n, r in resources.items()} == {
        "Trainers": 300.0, "IT delivery": 200.0, "Dana Whitfield": 50.0, "Markus Brandt": 50.0}
    assert str(resources["Dana Whitfield"].getEmailAddress()) == "dana@acme.example"
    assert all(str(r.getType().name()) == "WORK" for r in resources.values())
    # Dana's leave is on her resource calendar, a calendar derived from the Standard one
    from java.time import LocalDate

    dana_cal = resources["Dana Whitfield"].getCalendar()
    assert dana_cal is not None and dana_cal.getParent() is not None
    assert not dana_cal.isWorkingDate(LocalDate.of(2027, 7, 20))
    assert dana_cal.isWorkingDate(LocalDate.of(2027, 7, 26))
    assert project.getDefaultCalendar().isWorkingDate(LocalDate.of(2027, 7, 20))
    # every assignment: the task's units and duration × 8 h × units of work
    names = {p.id: p.name for p in plan.people} | {p.id: p.name for p in plan.resources}
    ours = {(t.id, names[rid]): (units * 100.0, t.duration * 8 * units) for t in plan.tasks for rid, units in t.resources}
    theirs = {}
    for a in project.getResourceAssignments():
        task, res = a.getTask(), a.getResource()
        theirs[(str(task.getText(1)), str(res.getName()))] = (float(a.getUnits()), _hours(a.getWork(), props))
    assert theirs == ours and len(ours) == 10


def test_mpxj_rescheduling_with_assignments_keeps_our_unlevelled_dates(jvm, tmp_path):
    from org.mpxj.cpm import MicrosoftScheduler

    plan = rollout.load_plan(_plan_file(tmp_path))
    sched = rollout.schedule_plan(plan)
    project = _read(_export(tmp_path, "plan.xml", "--level"))
    for task in project.getTasks():
        if not task.getSummary():
            task.setStart(None)
            task.setFinish(None)
    MicrosoftScheduler().schedule(project, project.getProjectProperties().getStartDate())
    theirs = {str(t.getText(1)): (_date(t.getStart()), _date(t.getFinish()))
              for t in project.getTasks() if not t.getSummary()}
    assert theirs == {tid: (st.start_date, st.finish_date) for tid, st in sched.tasks.items()}


def test_export_level_writes_the_levelled_dates(jvm, tmp_path):
    plan = rollout.load_plan(_plan_file(tmp_path))
    levelled, unlevelled = level_schedule(plan), rollout.schedule_plan(plan)
    assert levelled["roll.review"].start_date != unlevelled["roll.review"].start_date
    for extra, expected in ((["--level"], levelled), ([], unlevelled)):
        project = _read(_export(tmp_path, f"plan{len(extra)}.xml", *extra))
        written = {str(t.getText(1)): (_date(t.getStart()), _date(t.getFinish()))
                   for t in project.getTasks() if not t.getSummary()}
        assert written == {tid: (st.start_date, st.finish_date) for tid, st in expected.tasks.items()}
        starts = {(str(a.getTask().getText(1)), str(a.getResource().getName())): _date(a.getStart())
                  for a in project.getResourceAssignments()}
        assert starts[("roll.review", "Dana Whitfield")] == expected["roll.review"].start_date
    # scheduling: {level: true} in the plan does what --level does
    path = _plan_file(tmp_path)
    path.write_text(path.read_text().replace("audiences:", "scheduling: {level: true}\naudiences:", 1))
    out = tmp_path / "by-plan.xml"
    assert CliRunner().invoke(cli, ["export", str(path), "-o", str(out)]).exit_code == 0
    review = next(t for t in _read(out).getTasks() if str(t.getText(1)) == "roll.review")
    assert _date(review.getStart()) == levelled["roll.review"].start_date


def test_xer_resources_and_assignments_come_back_through_mpxj(jvm, tmp_path):
    plan = rollout.load_plan(_plan_file(tmp_path))
    project = _read(_export(tmp_path, "plan.xer"))
    props = project.getProjectProperties()
    resources = {str(r.getName()): r for r in project.getResources() if r.getName()}
    # P6 max units are an availability table (RSRCRATE): MPXJ reads them as availability from the plan start
    from java.time import LocalDateTime

    at = LocalDateTime.of(2027, 7, 6, 8, 0)
    assert {n: float(r.getAvailability().getEntryByDate(at).getUnits()) for n, r in resources.items()} == {
        "Trainers": 300.0, "IT delivery": 200.0, "Dana Whitfield": 50.0, "Markus Brandt": 50.0}
    assert float(resources["Dana Whitfield"].getDefaultUnits()) == 50.0
    assert str(resources["Dana Whitfield"].getEmailAddress()) == "dana@acme.example"
    assert str(resources["Trainers"].getResourceID()) == "trainers"
    names = {p.id: p.name for p in plan.people} | {p.id: p.name for p in plan.resources}
    ours = {(t.id, names[rid]): (units * 100.0, t.duration * 8 * units) for t in plan.tasks for rid, units in t.resources}
    theirs = {(str(a.getTask().getActivityID()), str(a.getResource().getName())):
              (float(a.getUnits()), _hours(a.getWork(), props)) for a in project.getResourceAssignments()}
    assert theirs == ours and len(ours) == 10


def test_xlsx_resources_sheet(tmp_path):
    from openpyxl import load_workbook

    wb = load_workbook(_export(tmp_path, "plan.xlsx", "--level"), read_only=True)
    rows = list(wb["resources"].iter_rows(values_only=True))
    assert rows[0] == ("id", "name", "kind", "units", "tasks", "peak_use_unlevelled", "available")
    by_id = {r[0]: r for r in rows[1:]}
    assert by_id["it"] == ("it", "IT delivery", "pool", 2, "roll.system; roll.reports; roll.golive", 3, 2)
    assert by_id["trainers"][3:] == (3, "roll.train-a; roll.train-b", 4, 3)
    assert by_id["dana"][:4] == ("dana", "Dana Whitfield", "person", 0.5)
    assert by_id["markus"][5:] == (0.5, 0.5)


def test_a_project_with_resources_round_trips_through_import(jvm, tmp_path):
    from rollout.interop import import_plan

    plan = rollout.load_plan(_plan_file(tmp_path))
    for name in ("plan.xml", "plan.xer"):
        back = rollout.expand_text(import_plan(_export(tmp_path, name)), "<imported>")
        assert {p.id: (p.name, p.capacity) for p in back.people} == {
            "dana": ("Dana Whitfield", 0.5), "markus": ("Markus Brandt", 0.5)}
        assert {r.id: (r.name, r.units) for r in back.resources} == {p.id: (p.name, p.units) for p in plan.resources}
        by_name = {t.name: dict(t.resources) for t in back.tasks}
        assert by_name == {t.name: dict(t.resources) for t in plan.tasks}
    assert next(p for p in back.people if p.id == "dana").email == "dana@acme.example"
