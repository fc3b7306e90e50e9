"""Cadence meeting dates (SPEC 3): first meeting after the `from` task, then every N calendar days."""

import datetime as dt

import pytest

from rollout.cadence import first_meeting, last_day, occurrences
from rollout.errors import PlanError
from rollout.model import Cadence, CalendarSpec, Dependency, Plan, Task
from rollout.schedule import schedule

D = dt.date


def _plan(*tasks, start=D(2027, 1, 4), holidays=()):
    return Plan("p", "P", start, CalendarSpec(holidays=tuple(holidays)), tuple(tasks))


def test_starts_on_plan_start_and_repeats_until_plan_finish():
    s = schedule(_plan(Task("w.a", "A", "w", 30)))          # Mon 4 Jan .. Fri 12 Feb
    dates = occurrences(Cadence("c", "C", 14), s)
    assert dates == [D(2027, 1, 4), D(2027, 1, 18), D(2027, 2, 1)]
    assert last_day(Cadence("c", "C", 14), s) == D(2027, 2, 12)


def test_plan_start_on_a_weekend_moves_to_the_first_working_day():
    s = schedule(_plan(Task("w.a", "A", "w", 10), start=D(2027, 1, 2)))   # a Saturday
    assert first_meeting(Cadence("c", "C", 7), s) == D(2027, 1, 4)


def test_from_task_starts_the_working_day_after_it_finishes_skipping_holidays():
    plan = _plan(Task("w.a", "A", "w", 5), Task("w.b", "B", "w", 40, depends_on=(Dependency("w.a"),)),
                 holidays=[D(2027, 1, 11)])
    s = schedule(plan)
    c = Cadence("c", "C", 7, from_task="w.a", until="w.b")
    assert first_meeting(c, s) == D(2027, 1, 12)           # Fri 8 Jan ends a; Mon 11 is a holiday
    dates = occurrences(c, s)
    assert dates[0] == D(2027, 1, 12) and all((b - a).days == 7 for a, b in zip(dates, dates[1:]))
    assert dates[-1] <= s["w.b"].finish_date < dates[-1] + dt.timedelta(days=7)


def test_from_a_milestone_starts_the_next_working_day():
    plan = _plan(Task("w.a", "A", "w", 5), Task("w.m", "M", "w", 0, depends_on=(Dependency("w.a"),)),
                 Task("w.b", "B", "w", 20, depends_on=(Dependency("w.m"),)))
    s = schedule(plan)
    assert s["w.m"].finish_date == D(2027, 1, 8)
    assert first_meeting(Cadence("c", "C", 7, from_task="w.m"), s) == D(2027, 1, 11)


def test_until_a_date_and_empty_when_until_is_before_the_first_meeting():
    s = schedule(_plan(Task("w.a", "A", "w", 60)))
    assert occurrences(Cadence("c", "C", 10, until=D(2027, 1, 24)), s) == [D(2027, 1, 4), D(2027, 1, 14),
                                                                           D(2027, 1, 24)]
    assert occurrences(Cadence("c", "C", 10, until=D(2026, 12, 1)), s) == []


def test_unknown_task_and_bad_interval_are_plan_errors():
    s = schedule(_plan(Task("w.a", "A", "w", 5)))
    with pytest.raises(PlanError, match="unknown task 'w.nope'"):
        occurrences(Cadence("c", "C", 7, from_task="w.nope"), s)
    with pytest.raises(PlanError, match="every"):
        occurrences(Cadence("c", "C", 0), s)
