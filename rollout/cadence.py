"""When a cadence meets: the dates of a recurring meeting or communication on a scheduled plan.

Shared by the checks (cadences are touchpoints and communications) and the iCalendar export (SPEC 3).
"""

from __future__ import annotations

import datetime as _dt

from .errors import PlanError
from .model import Cadence
from .schedule import Schedule

__all__ = ["first_meeting", "last_day", "occurrences"]

_DAY = _dt.timedelta(days=1)


def first_meeting(cadence: Cadence, schedule: Schedule) -> _dt.date:
    """The date of the first meeting: the first working day after the ``from`` task finishes, or
    the first working day on or after the plan start.

    >>> from rollout.model import Plan, Task, CalendarSpec
    >>> from rollout.schedule import schedule
    >>> plan = Plan("p", "P", _dt.date(2027, 1, 4), CalendarSpec(), (Task("w.a", "A", "w", 5),))
    >>> first_meeting(Cadence("c", "C", 14, from_task="w.a"), schedule(plan))   # a ends Fri 8 Jan
    datetime.date(2027, 1, 11)
    >>> first_meeting(Cadence("c", "C", 14), schedule(plan))
    datetime.date(2027, 1, 4)
    """
    cal = schedule.calendar
    if cadence.from_task is None:
        return cal.date(0)
    after = _task(cadence, cadence.from_task, schedule).finish_date + _DAY
    return cal.date(cal.index_on_or_after(after))


def last_day(cadence: Cadence, schedule: Schedule) -> _dt.date:
    """The last day a meeting may fall on: the ``until`` date, the ``until`` task's finish, or the
    plan's finish date for ``end``."""
    until = cadence.until
    if isinstance(until, _dt.date):
        return until
    if until is None or until == "end":
        return schedule.finish_date
    return _task(cadence, until, schedule).finish_date


def occurrences(cadence: Cadence, schedule: Schedule) -> list[_dt.date]:
    """Every meeting date: from the first meeting, every ``cadence.every`` calendar days, up to and
    including the last day (the same dates as ``RRULE:FREQ=DAILY;INTERVAL=every`` with ``UNTIL``).

    A meeting that falls on a non-working day is kept on that date, as a calendar client would
    show it. Empty when the first meeting comes after the last day.

    >>> from rollout.model import Plan, Task, CalendarSpec
    >>> from rollout.schedule import schedule
    >>> plan = Plan("p", "P", _dt.date(2027, 1, 4), CalendarSpec(), (Task("w.a", "A", "w", 20),))
    >>> [d.isoformat() for d in occurrences(Cadence("c", "C", 14), schedule(plan))]
    ['2027-01-04', '2027-01-18']
    """
    if cadence.every <= 0:
        raise PlanError(f"cadence '{cadence.id}': every must be at least one day, not {cadence.every}",
                        *_where(cadence))
    first, last = first_meeting(cadence, schedule), last_day(cadence, schedule)
    if first > last:
        return []
    step = _dt.timedelta(days=cadence.every)
    count = (last - first).days // cadence.every + 1
    return [first + k * step for k in range(count)]


def _task(cadence: Cadence, task_id: str, schedule: Schedule):
    try:
        return schedule.tasks[task_id]
    except KeyError:
        raise PlanError(f"cadence '{cadence.id}' refers to unknown task '{task_id}'",
                        *_where(cadence)) from None


def _where(cadence: Cadence) -> tuple[str | None, int | None]:
    src = cadence.source
    return (src.path, src.line) if src is not None else (None, None)
