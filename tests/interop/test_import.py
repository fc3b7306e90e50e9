"""rollout import: task lists (CSV, xlsx) with errors naming file:N, and project files written by MPXJ
(a writer we did not write) that must schedule, once imported, to the dates MPXJ's scheduler gave them."""

from __future__ import annotations

import datetime as _dt
import subprocess
import sys

import pytest
from click.testing import CliRunner

import rollout
from rollout.cli import cli
from rollout.interop import import_plan

from .conftest import ROOT


def _import(src, out, *extra):
    result = CliRunner().invoke(cli, ["import", str(src), "-o", str(out), *extra])
    return result


def _dates(plan_path):
    sched = rollout.schedule_plan(rollout.load_plan(plan_path))
    return {tid: (st.start_date, st.finish_date) for tid, st in sched.tasks.items()}


# -- task lists -----------------------------------------------------------------------------------

def test_a_csv_task_list_becomes_a_plan_with_workstreams_types_and_lags(tmp_path):
    src = tmp_path / "tasks.csv"
    src.write_text("id,name,duration,predecessors,workstream,owner,start_no_earlier_than,deadline\n"
                   "a,Agree the charter,5d,,Executive,dana,,\n"
                   "b,Brief the board,3,a SS+2d,Executive,,,\n"
                   "c,Survey customers,2w,a FS-1d; b FF,Data,,2027-01-25,2027-03-01\n"
                   "m,Survey done,0,c,Data,,,\n", encoding="utf-8")
    result = _import(src, tmp_path / "plan.yaml", "--start", "2027-01-11")
    assert result.exit_code == 0, result.output
    plan = rollout.load_plan(tmp_path / "plan.yaml")
    tasks = plan.task_index()
    assert [w.name for w in plan.workstreams] == ["Executive", "Data"]
    assert [(d.task, d.type, d.lag) for d in tasks["data.c"].depends_on] == [
        ("executive.a", "FS", -1), ("executive.b", "FF", 0)]
    assert tasks["data.c"].duration == 10 and tasks["data.m"].is_milestone
    assert tasks["data.c"].start_no_earlier_than == _dt.date(2027, 1, 25)
    assert tasks["data.c"].deadline == _dt.date(2027, 3, 1)
    assert tasks["executive.a"].owner == "dana" and plan.start == _dt.date(2027, 1, 11)
    assert _dates(tmp_path / "plan.yaml")["data.c"] == (_dt.date(2027, 1, 25), _dt.date(2027, 2, 5))


def test_bad_rows_are_all_reported_with_their_line(tmp_path):
    src = tmp_path / "tasks.csv"
    src.write_text("id,name,duration,predecessors\n"
                   "alpha,Alpha,5d,\n"
                   "b,Beta,five days,alpha\n"
                   "c,Gamma,2d,alpha XX+1d\n"
                   "alpha,Again,1d,\n"
                   "d,Delta,1d,alpah\n", encoding="utf-8")
    result = _import(src, tmp_path / "plan.yaml")
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    out = result.output
    assert f"{src}:3: duration 'five days' is not like 5d, 2w or 0" in out
    assert f"{src}:4: predecessor 'alpha XX+1d': link type 'XX' is not FS, SS, FF or SF" in out
    assert f"{src}:5: duplicate id 'alpha' (first on line 2)" in out
    assert f"{src}:6: predecessor 'alpah' is not a task id in this list (did you mean 'alpha'?)" in out
    assert not (tmp_path / "plan.yaml").exists()


def test_a_cycle_in_a_task_list_is_an_error_not_a_traceback(tmp_path):
    src = tmp_path / "tasks.csv"
    src.write_text("id,name,duration,predecessors\na,A,1d,b\nb,B,1d,a\n", encoding="utf-8")
    result = _import(src, tmp_path / "plan.yaml")
    assert result.exit_code == 2 and "dependency cycle" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_our_own_csv_and_workbook_import_back_to_the_same_schedule(links_plan, tmp_path, suffix):
    exported = tmp_path / f"plan.{suffix}"
    assert CliRunner().invoke(cli, ["export", str(links_plan), "-o", str(exported)]).exit_code == 0
    result = _import(exported, tmp_path / "back.yaml", "--start", "2027-01-11")
    assert result.exit_code == 0, result.output
    back = rollout.load_plan(tmp_path / "back.yaml")
    original = rollout.load_plan(links_plan)
    # the task list carries no calendar: compare on the plan's own calendar
    back = rollout.Plan(back.id, back.title, back.start, original.calendar, back.tasks, back.workstreams)
    ours = {tid: (st.start_date, st.finish_date) for tid, st in rollout.schedule_plan(back).tasks.items()}
    assert ours == _dates(links_plan)
    assert back.task_index()["exec.kickoff"].name == '=HYPERLINK("http://x")'


def test_refuses_to_overwrite_without_force(tmp_path):
    src = tmp_path / "t.csv"
    src.write_text("id,name,duration,predecessors\na,A,1d,\n", encoding="utf-8")
    (tmp_path / "plan.yaml").write_text("keep me")
    assert _import(src, tmp_path / "plan.yaml").exit_code == 2
    assert (tmp_path / "plan.yaml").read_text() == "keep me"
    assert _import(src, tmp_path / "plan.yaml", "--force").exit_code == 0


# -- project files written by MPXJ -----------------------------------------------------------------

def _mpxj_project():
    """A project built with MPXJ's API (summaries, every link type, lags, a constraint, a holiday) and
    scheduled by MPXJ's MS Project scheduler; returns it with MPXJ's dates by task name."""
    from java.time import LocalDate, LocalDateTime
    from org.mpxj import ConstraintType, Duration, ProjectFile, Relation, RelationType, TimeUnit
    from org.mpxj.cpm import MicrosoftScheduler

    p = ProjectFile()
    cal = p.addDefaultBaseCalendar()
    p.setDefaultCalendar(cal)
    cal.addCalendarException(LocalDate.of(2027, 1, 18)).setName("MLK day")
    cal.addCalendarException(LocalDate.of(2027, 2, 15), LocalDate.of(2027, 2, 16))
    start = LocalDateTime.of(2027, 1, 11, 8, 0)
    p.getProjectProperties().setStartDate(start)
    p.getProjectProperties().setProjectTitle("Built by MPXJ")
    tasks = {}

    def add(parent, name, days):
        t = parent.addTask()
        t.setName(name)
        t.setDuration(Duration.getInstance(days, TimeUnit.DAYS))
        t.setActualDuration(Duration.getInstance(0, TimeUnit.DAYS))
        t.setRemainingDuration(t.getDuration())
        if days == 0:
            t.setMilestone(True)
        tasks[name] = t
        return t

    def link(succ, pred, kind, lag_days):
        tasks[succ].addPredecessor(Relation.Builder().predecessorTask(tasks[pred]).type(kind)
                                   .lag(Duration.getInstance(lag_days, TimeUnit.DAYS)))

    exec_ = p.addTask()                 # file order is creation order: each summary, then its tasks
    exec_.setName("Executive")
    add(exec_, "Charter", 5)
    add(exec_, "Board brief", 3)
    add(exec_, "Review", 4)
    add(exec_, "Sign off", 2)
    data = p.addTask()
    data.setName("Data")
    add(data, "Survey", 10)
    add(data, "Synthesis", 6)
    add(data, "Analysis done", 0)
    link("Board brief", "Charter", RelationType.START_START, 2)
    link("Review", "Board brief", RelationType.FINISH_FINISH, 1)
    link("Sign off", "Review", RelationType.START_FINISH, 3)
    link("Survey", "Charter", RelationType.FINISH_START, -2)
    link("Synthesis", "Survey", RelationType.FINISH_START, 1)
    link("Synthesis", "Sign off", RelationType.FINISH_START, 0)
    link("Analysis done", "Synthesis", RelationType.FINISH_START, 0)
    tasks["Synthesis"].setConstraintType(ConstraintType.START_NO_EARLIER_THAN)
    tasks["Synthesis"].setConstraintDate(LocalDateTime.of(2027, 2, 17, 8, 0))
    tasks["Synthesis"].setDeadline(LocalDateTime.of(2027, 3, 12, 17, 0))
    MicrosoftScheduler().schedule(p, start)
    dates = {name: (_dt.date.fromisoformat(str(t.getStart().toLocalDate())),
                    _dt.date.fromisoformat(str(t.getFinish().toLocalDate()))) for name, t in tasks.items()}
    return p, dates


@pytest.mark.parametrize("fmt", ["MSPDI", "XER"])
def test_a_project_written_by_mpxj_imports_and_schedules_to_mpxj_dates(jvm, tmp_path, fmt):
    from org.mpxj.writer import FileFormat, UniversalProjectWriter

    project, theirs = _mpxj_project()
    src = tmp_path / ("project.xml" if fmt == "MSPDI" else "project.xer")
    UniversalProjectWriter(getattr(FileFormat, fmt)).write(project, str(src))
    result = _import(src, tmp_path / "plan.yaml")
    assert result.exit_code == 0, result.output
    plan = rollout.load_plan(tmp_path / "plan.yaml")
    assert plan.start == _dt.date(2027, 1, 11)
    assert {_dt.date(2027, 1, 18), _dt.date(2027, 2, 15), _dt.date(2027, 2, 16)} <= set(plan.calendar.holidays)
    sched = rollout.schedule_plan(plan)
    ours = {st.task.name: (st.start_date, st.finish_date) for st in sched.tasks.values()}
    assert ours == theirs
    by_name = {t.name: t for t in plan.tasks}
    assert by_name["Sign off"].depends_on[0].type == "SF" and by_name["Sign off"].depends_on[0].lag == 3
    assert by_name["Survey"].depends_on[0].lag == -2
    assert by_name["Synthesis"].start_no_earlier_than is not None
    assert by_name["Analysis done"].is_milestone
    if fmt == "MSPDI":
        assert [w.name for w in plan.workstreams] == ["Executive", "Data"]
        assert by_name["Synthesis"].deadline == _dt.date(2027, 3, 12)


def test_what_cannot_be_kept_is_said_on_stderr(jvm, tmp_path):
    from org.mpxj import ConstraintType, Duration, ProjectFile, TimeUnit
    from org.mpxj.writer import FileFormat, UniversalProjectWriter
    from java.time import LocalDateTime

    p = ProjectFile()
    p.setDefaultCalendar(p.addDefaultBaseCalendar())
    p.getProjectProperties().setStartDate(LocalDateTime.of(2027, 1, 11, 8, 0))
    t = p.addTask()
    t.setName("Curing concrete")
    t.setDuration(Duration.getInstance(3, TimeUnit.ELAPSED_DAYS))
    u = p.addTask()
    u.setName("Pinned")
    u.setDuration(Duration.getInstance(1.5, TimeUnit.DAYS))
    u.setConstraintType(ConstraintType.MUST_START_ON)
    u.setConstraintDate(LocalDateTime.of(2027, 2, 1, 8, 0))
    src = tmp_path / "odd.xml"
    UniversalProjectWriter(FileFormat.MSPDI).write(p, str(src))
    warnings = []
    text = import_plan(src, warn=warnings.append)
    joined = "\n".join(warnings)
    assert "elapsed durations" in joined and "Curing concrete" in joined
    assert "not whole working days are rounded" in joined and "Pinned" in joined
    assert "only start-no-earlier-than constraints are kept" in joined and "must start on" in joined
    assert "plan: odd" in text


def _run_without(blocker: str, tmp_path):
    src = tmp_path / "p.xml"
    src.write_text("<Project/>", encoding="utf-8")
    code = (f"import sys\n{blocker}\nfrom rollout.cli import main\n"
            f"main(['import', {str(src)!r}, '-o', {str(tmp_path / 'out.yaml')!r}])\n")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)


def test_without_the_mpxj_extra_one_clear_line(tmp_path):
    proc = _run_without("sys.modules['mpxj'] = None", tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.strip() == ("error: reading MS Project and Primavera files needs the mpxj extra: "
                                   "pip install 'rollout[mpxj]' (and a Java runtime)")


def test_without_a_java_runtime_one_clear_line(tmp_path):
    blocker = ("import jpype\ndef _none(*a, **k):\n    raise jpype.JVMNotFoundException('no jvm')\n"
               "jpype.getDefaultJVMPath = _none")
    proc = _run_without(blocker, tmp_path)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("error: reading MS Project and Primavera files needs a Java runtime")
    assert "default-jre-headless" in proc.stderr


def test_links_from_and_to_summary_tasks_hold_for_each_task_under_them(jvm, tmp_path):
    from java.time import LocalDateTime
    from org.mpxj import Duration, ProjectFile, Relation, TimeUnit
    from org.mpxj.writer import FileFormat, UniversalProjectWriter

    p = ProjectFile()
    p.setDefaultCalendar(p.addDefaultBaseCalendar())
    p.getProjectProperties().setStartDate(LocalDateTime.of(2027, 1, 11, 8, 0))
    made = {}
    for summary, names in (("Design", ("Map", "Model")), ("Build", ("Code", "Test"))):
        s = p.addTask()
        s.setName(summary)
        made[summary] = s
        for k, name in enumerate(names, start=2):
            t = s.addTask()
            t.setName(name)
            t.setDuration(Duration.getInstance(k, TimeUnit.DAYS))
            made[name] = t
    made["Build"].addPredecessor(Relation.Builder().predecessorTask(made["Design"]))
    src = tmp_path / "summaries.xml"
    UniversalProjectWriter(FileFormat.MSPDI).write(p, str(src))
    warnings = []
    plan = rollout.expand_text(import_plan(src, warn=warnings.append))
    deps = {t.name: sorted(d.task for d in t.depends_on) for t in plan.tasks}
    assert deps["Code"] == deps["Test"] == ["design.map", "design.model"]
    assert any("links from or to a summary task" in w and "Design → Build" in w for w in warnings)
    sched = rollout.schedule_plan(plan)
    assert sched["build.code"].start_date == _dt.date(2027, 1, 14)      # after Model's 3 days
