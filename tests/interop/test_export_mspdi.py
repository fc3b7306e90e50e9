"""Our MS Project XML, judged by MPXJ: it reads the file, reschedules it with its MS Project scheduler
(org.mpxj.cpm.MicrosoftScheduler) and must get our dates, late dates, float and structure."""

from __future__ import annotations

import datetime as _dt

import pytest
from click.testing import CliRunner

import rollout
from rollout.cli import cli
from rollout.interop import export_plan
from rollout.interop.table import late_dates

from .conftest import generator


def _date(java_datetime) -> _dt.date:
    return _dt.date.fromisoformat(str(java_datetime.toLocalDate()))


def _read_and_reschedule(path):
    from org.mpxj.cpm import MicrosoftScheduler
    from org.mpxj.reader import UniversalProjectReader

    project = UniversalProjectReader().read(str(path))
    assert project is not None, "MPXJ did not recognise the file"
    start = project.getProjectProperties().getStartDate()
    for task in project.getTasks():          # forget the dates we wrote: MPXJ computes its own
        if not task.getSummary():
            task.setStart(None)
            task.setFinish(None)
    MicrosoftScheduler().schedule(project, start)
    return project


def _leaves(project):
    return {str(t.getText(1)): t for t in project.getTasks() if not t.getSummary()}


def _assert_same_schedule(plan, project):
    from org.mpxj import TimeUnit

    sched = rollout.schedule_plan(plan)
    leaves = _leaves(project)
    assert set(leaves) == set(sched.tasks)
    wrong = []
    for tid, st in sched.tasks.items():
        t = leaves[tid]
        ls, lf = late_dates(sched, st)
        ours = (st.start_date, st.finish_date, ls, lf, st.total_float)
        theirs = (_date(t.getStart()), _date(t.getFinish()), _date(t.getLateStart()), _date(t.getLateFinish()),
                  t.getTotalSlack().convertUnits(TimeUnit.DAYS, project.getProjectProperties()).getDuration())
        if ours != theirs:
            wrong.append((tid, ours, theirs))
    assert not wrong, f"{len(wrong)} tasks differ, e.g. {wrong[:3]}"


def test_mpxj_reschedules_every_link_type_and_lag_to_our_dates(jvm, links_plan, tmp_path):
    out = tmp_path / "links.xml"
    result = CliRunner().invoke(cli, ["export", str(links_plan), "-o", str(out)])
    assert result.exit_code == 0, result.output
    _assert_same_schedule(rollout.load_plan(links_plan), _read_and_reschedule(out))


def test_mpxj_reschedules_a_generated_plan_with_us_holidays_to_our_dates(jvm, tmp_path):
    plan = generator().build(400, seed=3)
    out = tmp_path / "plan.xml"
    export_plan(plan, path=out)
    _assert_same_schedule(plan, _read_and_reschedule(out))


def test_mpxj_sees_workstreams_links_constraints_deadlines_and_holidays(jvm, links_plan, tmp_path):
    from java.time import LocalDate
    from org.mpxj import TimeUnit
    from org.mpxj.reader import UniversalProjectReader

    out = tmp_path / "links.xml"
    export_plan(rollout.load_plan(links_plan), path=out)
    project = UniversalProjectReader().read(str(out))
    summaries = [t for t in project.getTasks() if t.getSummary() and t.getOutlineLevel() == 1]
    assert [str(t.getName()) for t in summaries] == ["Executive involvement", "Data analysis"]
    assert [str(c.getText(1)) for c in summaries[0].getChildTasks()] == [
        "exec.charter", "exec.kickoff", "exec.brief", "exec.review", "exec.sign"]
    uids = [int(t.getUniqueID()) for t in project.getTasks() if int(t.getUniqueID()) > 0]
    assert uids == sorted(uids) and uids[0] == 1
    leaves = _leaves(project)
    links = {(str(r.getPredecessorTask().getText(1)), str(r.getType().name()),
              r.getLag().convertUnits(TimeUnit.DAYS, project.getProjectProperties()).getDuration())
             for r in leaves["exec.sign"].getPredecessors()}
    assert links == {("exec.review", "START_FINISH", 3.0)}
    survey = list(leaves["data.survey"].getPredecessors())[0]
    assert survey.getLag().getDuration() == -2 and str(survey.getLag().getUnits().name()) == "DAYS"
    late = leaves["data.late"]
    assert str(late.getConstraintType().name()) == "START_NO_EARLIER_THAN"
    assert _date(late.getConstraintDate()) == _dt.date(2027, 2, 16)   # Sat 13th → after Presidents' Day
    assert _date(leaves["data.synth"].getDeadline()) == _dt.date(2027, 3, 5)
    assert leaves["exec.kickoff"].getMilestone()
    assert str(leaves["exec.charter"].getContact()) == "dana"
    cal = project.getDefaultCalendar()
    assert not cal.isWorkingDate(LocalDate.of(2027, 2, 19))           # the plan's extra day off
    assert not cal.isWorkingDate(LocalDate.of(2027, 1, 18))           # MLK day, US public holiday
    assert cal.isWorkingDate(LocalDate.of(2027, 1, 19))
    assert not cal.isWorkingDate(LocalDate.of(2027, 1, 16))           # a Saturday


def test_text_that_looks_like_markup_survives(jvm, links_plan, tmp_path):
    from org.mpxj.reader import UniversalProjectReader

    out = tmp_path / "links.xml"
    export_plan(rollout.load_plan(links_plan), path=out)
    project = UniversalProjectReader().read(str(out))
    assert str(project.getProjectProperties().getProjectTitle()) == "Links & lags <all four types>"
    assert str(_leaves(project)["exec.kickoff"].getName()) == '=HYPERLINK("http://x")'


@pytest.mark.parametrize("name", ["plan.txt", "plan"])
def test_an_unknown_suffix_is_a_usage_error(links_plan, tmp_path, name):
    result = CliRunner().invoke(cli, ["export", str(links_plan), "-o", str(tmp_path / name)])
    assert result.exit_code == 2
    assert "cannot tell the export format" in result.output and "--format" in result.output
