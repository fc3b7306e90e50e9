"""Our Primavera XER, judged by MPXJ: read back, rescheduled by its Primavera P6 scheduler, our dates."""

from __future__ import annotations

import datetime as _dt

import rollout
from rollout.interop import export_plan
from rollout.interop.table import late_dates

from .conftest import generator


def _date(java_datetime) -> _dt.date:
    return _dt.date.fromisoformat(str(java_datetime.toLocalDate()))


def _read(path):
    from org.mpxj.reader import UniversalProjectReader

    project = UniversalProjectReader().read(str(path))
    assert project is not None
    return project


def _reschedule(project):
    from org.mpxj import Duration, TimeUnit
    from org.mpxj.cpm import PrimaveraScheduler

    for t in project.getTasks():
        if not t.getSummary():                   # a plan not started: no actuals; MPXJ's scheduler wants them said
            t.setActualDuration(Duration.getInstance(0, TimeUnit.DAYS))
            t.setRemainingDuration(t.getDuration())
            t.setStart(None)
            t.setFinish(None)
    PrimaveraScheduler().schedule(project, project.getProjectProperties().getStartDate())
    return project


def _assert_same(plan, project):
    sched = rollout.schedule_plan(plan)
    leaves = {str(t.getActivityID()): t for t in project.getTasks() if not t.getSummary()}
    assert set(leaves) == set(sched.tasks)
    wrong = []
    for tid, st in sched.tasks.items():
        t = leaves[tid]
        ls, lf = late_dates(sched, st)
        ours = (st.start_date, st.finish_date, ls, lf)
        theirs = (_date(t.getStart()), _date(t.getFinish()), _date(t.getLateStart()), _date(t.getLateFinish()))
        if ours != theirs:
            wrong.append((tid, ours, theirs))
    assert not wrong, f"{len(wrong)} tasks differ, e.g. {wrong[:3]}"


def test_p6_scheduler_gets_our_dates_for_every_link_type(jvm, links_plan, tmp_path):
    out = tmp_path / "links.xer"
    plan = rollout.load_plan(links_plan)
    export_plan(plan, path=out)
    _assert_same(plan, _reschedule(_read(out)))


def test_p6_scheduler_gets_our_dates_on_a_generated_plan(jvm, tmp_path):
    plan = generator().build(400, seed=5)
    out = tmp_path / "plan.xer"
    export_plan(plan, path=out)
    _assert_same(plan, _reschedule(_read(out)))


def test_mpxj_reads_wbs_activities_links_in_hours_and_the_calendar(jvm, links_plan, tmp_path):
    from java.time import LocalDate
    from org.mpxj import TimeUnit

    out = tmp_path / "links.xer"
    export_plan(rollout.load_plan(links_plan), path=out)
    text = out.read_text(encoding="utf-8")
    assert "\tPR_SF\t24\n" in text and "\tPR_FS\t-16\n" in text      # SF+3d, FS-2d on 8-hour days
    project = _read(out)
    wbs = [str(t.getName()) for t in project.getTasks() if t.getSummary()]
    assert wbs == ["Executive involvement", "Data analysis"]
    leaves = {str(t.getActivityID()): t for t in project.getTasks() if not t.getSummary()}
    (link,) = list(leaves["exec.review"].getPredecessors())
    assert str(link.getType().name()) == "FINISH_FINISH"
    assert link.getLag().convertUnits(TimeUnit.HOURS, project.getProjectProperties()).getDuration() == 8
    assert str(leaves["data.late"].getConstraintType().name()) == "START_NO_EARLIER_THAN"
    assert leaves["exec.kickoff"].getMilestone()
    cal = project.getDefaultCalendar()
    assert not cal.isWorkingDate(LocalDate.of(2027, 2, 19)) and not cal.isWorkingDate(LocalDate.of(2027, 1, 18))
    assert cal.isWorkingDate(LocalDate.of(2027, 1, 19))
