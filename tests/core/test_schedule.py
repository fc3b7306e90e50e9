"""SPEC 2 arithmetic on small graphs whose dates are worked out by hand."""

import datetime as dt

import pytest

from rollout.calendar import WorkCalendar
from rollout.errors import CycleError
from rollout.model import CalendarSpec, Dependency, Plan, Task
from rollout.schedule import schedule

MON = dt.date(2027, 1, 4)


def plan(*tasks, start=MON, calendar=CalendarSpec()):
    return Plan("p", "P", start, calendar, tuple(tasks))


def T(tid, d, *deps, **kw):
    return Task(f"w.{tid}", tid, "w", d, depends_on=tuple(
        Dependency(f"w.{x}") if isinstance(x, str) else Dependency(f"w.{x[0]}", x[1], x[2]) for x in deps), **kw)


def test_chain_with_weekend():
    s = schedule(plan(T("a", 5), T("b", 3, "a")))
    assert (s["w.a"].start_date, s["w.a"].finish_date) == (MON, dt.date(2027, 1, 8))
    assert (s["w.b"].start_date, s["w.b"].finish_date) == (dt.date(2027, 1, 11), dt.date(2027, 1, 13))
    assert s.finish == 8 and s.finish_date == dt.date(2027, 1, 13)


@pytest.mark.parametrize("typ, lag, start, end", [
    ("FS", 0, 5, 8), ("FS", 2, 7, 10), ("FS", -2, 3, 6),
    ("SS", 0, 0, 3), ("SS", 2, 2, 5),
    ("FF", 0, 2, 5), ("FF", 1, 3, 6),
    ("SF", 0, 0, 3), ("SF", 4, 1, 4),
])
def test_dependency_types(typ, lag, start, end):
    s = schedule(plan(T("a", 5), T("b", 3, ("a", typ, lag))))
    assert (s["w.b"].start, s["w.b"].end) == (start, end)


def test_milestone_dates_and_start_no_earlier_than():
    s = schedule(plan(T("m0", 0), T("a", 5), T("m", 0, "a"), T("b", 2, "m",
                                                                start_no_earlier_than=dt.date(2027, 1, 16))))
    assert s["w.m0"].start_date == MON                      # s = 0: the plan start
    assert s["w.m"].start_date == s["w.m"].finish_date == dt.date(2027, 1, 8)   # the day its predecessor ends
    assert s["w.b"].start_date == dt.date(2027, 1, 18)       # Saturday 16th → next working day


def test_holidays_and_custom_workdays():
    cal = CalendarSpec(workdays=(0, 1, 2, 3), country="US", holidays=(dt.date(2027, 1, 5),))
    s = schedule(plan(T("a", 4), calendar=cal))
    # Mon 4, (Tue 5 off), Wed 6, Thu 7, (Fri-Sun off), Mon 11
    assert s["w.a"].finish_date == dt.date(2027, 1, 11)
    s = schedule(plan(T("a", 1), start=dt.date(2027, 1, 18), calendar=CalendarSpec(country="US")))
    assert s["w.a"].start_date == dt.date(2027, 1, 19)      # Martin Luther King Jr. Day is off


def test_float_and_critical_path():
    s = schedule(plan(T("a", 5), T("b", 2), T("c", 3, "a", "b"), T("end", 0, "c")))
    assert s["w.b"].total_float == 3 and not s["w.b"].critical
    assert s.critical_path == ("w.a", "w.c", "w.end")


def test_cycle_is_reported_as_a_chain():
    with pytest.raises(CycleError) as info:
        schedule(plan(T("a", 1, "c"), T("b", 1, "a"), T("c", 1, "b"), T("d", 1)))
    cycle = info.value.cycle
    assert cycle[0] == cycle[-1] and set(cycle) == {"w.a", "w.b", "w.c"}
    assert "→" in str(info.value) and info.value.exit_code == 2


def test_calendar_round_trip():
    cal = WorkCalendar(dt.date(2027, 1, 2), CalendarSpec(country="GB"))
    for i in range(0, 400, 7):
        assert cal.index_on_or_after(cal.date(i)) == i
    assert cal.date(0) == dt.date(2027, 1, 4)


def test_schedule_as_a_dataframe():
    s = schedule(plan(T("a", 5), T("b", 3, "a", deadline=dt.date(2027, 1, 12))))
    frame = s.to_frame()
    assert list(frame["id"]) == ["w.a", "w.b"]
    assert frame.loc[1, "finish"].date() == dt.date(2027, 1, 13)
    assert frame.loc[1, "finish"] > frame.loc[1, "deadline"]          # dates are comparable timestamps
    assert frame["critical"].all() and list(frame["total_float"]) == [-1, -1]   # the missed deadline


def test_a_deadline_bounds_the_late_finish_so_a_missed_one_gives_negative_float():
    # a (5d) -> b (3d) ends Wed 13th; b's deadline Mon 11th is two working days too early
    s = schedule(plan(T("a", 5), T("b", 3, "a", deadline=dt.date(2027, 1, 11)), T("c", 2)))
    assert (s["w.b"].late_end, s["w.b"].total_float, s["w.a"].total_float) == (6, -2, -2)
    assert s["w.b"].critical and s["w.a"].critical            # float <= 0 is critical
    assert s["w.c"].total_float == 6 and not s["w.c"].critical  # the finish (edge 8) still bounds the rest
    assert s.critical_path == ("w.a", "w.b")
    assert s.to_dict()["tasks"][1]["critical"] is True


def test_a_deadline_that_is_met_leaves_float_as_without_it():
    late = schedule(plan(T("a", 5), T("b", 3, "a", deadline=dt.date(2027, 1, 13)), T("c", 2)))
    none = schedule(plan(T("a", 5), T("b", 3, "a"), T("c", 2)))
    assert [st.total_float for st in late.tasks.values()] == [st.total_float for st in none.tasks.values()]
    # a deadline before the plan finish bounds a task with float: c may now end by Tue 5th only
    s = schedule(plan(T("a", 5), T("b", 3, "a"), T("c", 2, deadline=dt.date(2027, 1, 5))))
    assert (s["w.c"].late_end, s["w.c"].total_float) == (2, 0)


@pytest.mark.parametrize("deadline, float_", [
    (dt.date(2027, 1, 8), 0),     # dated Fri 8th (the day a ends): met on the day
    (dt.date(2027, 1, 7), -1),    # one working day early
    (dt.date(2027, 1, 10), 0),    # Sunday after: the late edge is still Friday's (a milestone cannot slip
])                                # past its successors' start; here it is the finish)
def test_milestone_deadlines_follow_the_milestone_date(deadline, float_):
    s = schedule(plan(T("a", 5), T("m", 0, "a", deadline=deadline)))
    assert s["w.m"].total_float == float_
    assert (s["w.m"].finish_date > deadline) == (float_ < 0)


def test_an_anchored_milestone_past_its_deadline_has_negative_float():
    # held to Saturday 16th (an instant after Friday 15th's work): a deadline of Friday 15th is missed
    m = T("m", 0, start_no_earlier_than=dt.date(2027, 1, 16), deadline=dt.date(2027, 1, 15))
    s = schedule(plan(m, T("a", 10)))
    assert s["w.m"].finish_date == dt.date(2027, 1, 16) and s["w.m"].total_float < 0
    # the plan-start milestone with a deadline before the start
    s = schedule(plan(T("m0", 0, deadline=dt.date(2027, 1, 1)), T("a", 3)))
    assert s["w.m0"].total_float < 0


def test_a_deadline_that_cannot_be_met_gives_late_dates_before_the_plan_start(tmp_path):
    """Negative float reaches back past day 0: the late dates are working days before the start."""
    import json

    from click.testing import CliRunner

    from rollout.cli import cli

    plan = tmp_path / "p.yaml"
    plan.write_text("plan: p\ntitle: P\nstart: 2027-01-11\nworkstreams:\n  - id: w\n    name: W\n    tasks:\n"
                    "      - {id: a, name: A, duration: 10d, owner: x, deadline: 2027-01-13}\n")
    res = CliRunner().invoke(cli, ["schedule", str(plan), "--format", "json"])
    assert res.exit_code == 0, res.output
    row = json.loads(res.output)["tasks"][0]
    assert row["total_float"] == -7 and row["critical"]
    assert row["late_start"] == "2026-12-31" and row["late_finish"] == "2027-01-13"   # 7 working days back
