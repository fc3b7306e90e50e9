"""iCalendar export of a schedule: milestones, cadences as recurring events, optionally every task.

UIDs are ``<plan>.<task or cadence id>@rollout`` so a calendar client updates what it imported
before instead of duplicating it. icalendar (imported inside the functions) escapes and folds text.
"""

from __future__ import annotations

import datetime as _dt
import os
from typing import Any

from ..cadence import first_meeting, last_day
from ..errors import UsageError
from ..model import Cadence
from ..schedule import Schedule, ScheduledTask
from ..util import printable

__all__ = ["calendar_bytes", "event_uid", "recurrence", "write_calendar"]

_DAY = _dt.timedelta(days=1)
#: SEQUENCE counts minutes since this moment, so each export outranks the one before it.
_SEQUENCE_EPOCH = _dt.datetime(2024, 1, 1, tzinfo=_dt.timezone.utc)


def event_uid(plan_id: str, item_id: str) -> str:
    """The stable UID of a task's or cadence's event.

    >>> event_uid("acme-2027", "exec.charter")
    'acme-2027.exec.charter@rollout'
    """
    return f"{plan_id}.{item_id}@rollout"


def recurrence(cadence: Cadence, schedule: Schedule) -> dict[str, Any] | None:
    """The RRULE of a cadence as a dict for icalendar, or None when it never meets.

    Whole weeks repeat weekly (``FREQ=WEEKLY;INTERVAL=n``), anything else daily; ``UNTIL`` is the
    last day a meeting may fall on (SPEC 3). The expanded dates equal ``rollout.cadence.occurrences``.
    """
    first, last = first_meeting(cadence, schedule), last_day(cadence, schedule)
    if first > last:
        return None
    if cadence.every % 7 == 0:
        return {"FREQ": "WEEKLY", "INTERVAL": cadence.every // 7, "UNTIL": last}
    return {"FREQ": "DAILY", "INTERVAL": cadence.every, "UNTIL": last}


def _dtstamp(dtstamp: _dt.datetime | None) -> _dt.datetime:
    """The export time: given, else SOURCE_DATE_EPOCH (reproducible builds), else now (UTC)."""
    if dtstamp is None:
        epoch = os.environ.get("SOURCE_DATE_EPOCH")
        if epoch:
            try:
                return _dt.datetime.fromtimestamp(int(epoch), _dt.timezone.utc)
            except ValueError:
                raise UsageError(f"SOURCE_DATE_EPOCH must be whole seconds, not '{epoch}'") from None
        dtstamp = _dt.datetime.now(_dt.timezone.utc)
    if dtstamp.tzinfo is None:
        dtstamp = dtstamp.replace(tzinfo=_dt.timezone.utc)
    return dtstamp.astimezone(_dt.timezone.utc).replace(microsecond=0)


def _line(text: object) -> str:
    """One line of calendar text (the calendar's name, which icalendar does not escape as text; a
    category): no control characters, line breaks become spaces.

    >>> _line("Acme\\rBEGIN:VEVENT\\x00 \\u202eweek")
    'Acme BEGIN:VEVENT week'
    """
    return printable(str(text)).replace("\n", " ")


def _describe(*lines: str | None) -> str:
    """A DESCRIPTION: its lines joined by newlines (icalendar escapes them as ``\\n``), each without
    control characters (a bare CR would end the content line in a lenient reader)."""
    return "\n".join(printable(line) for line in lines if line)


def _task_event(plan_id: str, st: ScheduledTask, ws_name: str, stamp: _dt.datetime, sequence: int):
    from icalendar import Event

    t = st.task
    ev = Event()
    ev.add("uid", event_uid(plan_id, t.id))
    ev.add("dtstamp", stamp)
    ev.add("sequence", sequence)
    ev.add("summary", printable(t.name))         # icalendar escapes its newlines
    ev.add("dtstart", st.start_date)
    ev.add("dtend", st.finish_date + _DAY)         # DTEND of an all-day event is exclusive
    ev.add("transp", "TRANSPARENT")
    ev.add("categories", ["milestone" if t.is_milestone else "task", _line(ws_name)])
    ev.add("description", _describe(
        f"Milestone of {ws_name}" if t.is_milestone else
        f"{ws_name}: {st.start_date.isoformat()} to {st.finish_date.isoformat()} ({t.duration} working days)",
        f"Task: {t.id}",
        f"Owner: {t.owner}" if t.owner else None,
        f"Participants: {', '.join(t.participants)}" if t.participants else None,
        "On the critical path" if st.critical else f"Float: {st.total_float} working days",
        f"Deadline: {t.deadline.isoformat()}" if t.deadline else None,
        t.objective or None,
    ))
    return ev


def _cadence_event(plan_id: str, cadence: Cadence, schedule: Schedule, stamp: _dt.datetime, sequence: int):
    from icalendar import Event

    rule = recurrence(cadence, schedule)
    if rule is None:
        return None
    first = first_meeting(cadence, schedule)
    ev = Event()
    ev.add("uid", event_uid(plan_id, cadence.id))
    ev.add("dtstamp", stamp)
    ev.add("sequence", sequence)
    ev.add("summary", printable(cadence.name))
    ev.add("dtstart", first)
    ev.add("dtend", first + _DAY)
    ev.add("rrule", rule)
    ev.add("transp", "TRANSPARENT")
    ev.add("categories", ["cadence", _line(cadence.kind)])
    weeks = cadence.every // 7 if cadence.every % 7 == 0 else None
    ev.add("description", _describe(
        f"Every {weeks} week{'s' if weeks != 1 else ''}" if weeks else f"Every {cadence.every} days",
        f"Cadence: {cadence.id}",
        f"Owner: {cadence.owner}" if cadence.owner else None,
        f"Participants: {', '.join(cadence.participants)}" if cadence.participants else None,
        f"Audience: {', '.join(cadence.audience)}" if cadence.audience else None,
    ))
    return ev


def calendar_bytes(schedule: Schedule, tasks: bool = False, *, cadences: bool = True,
                   dtstamp: _dt.datetime | None = None) -> bytes:
    """The schedule as an iCalendar file: milestones, cadences and (``tasks=True``) every task.

    Events are all-day. DTSTAMP is ``dtstamp`` (default: SOURCE_DATE_EPOCH or now) and SEQUENCE
    the minutes from 2024-01-01 to it, so a later export of the same plan supersedes an earlier one.
    """
    from icalendar import Calendar

    from .. import __version__

    plan = schedule.plan
    stamp = _dtstamp(dtstamp)
    sequence = max(0, int((stamp - _SEQUENCE_EPOCH).total_seconds() // 60))
    names = {w.id: w.name for w in plan.workstreams}
    cal = Calendar()
    cal.add("prodid", f"-//rollout//rollout {__version__}//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", _line(plan.title))
    for st in schedule.tasks.values():
        if tasks or st.task.is_milestone:
            ws_name = names.get(st.task.workstream, st.task.workstream)
            cal.add_component(_task_event(plan.id, st, ws_name, stamp, sequence))
    if cadences:
        for cadence in plan.cadences:
            ev = _cadence_event(plan.id, cadence, schedule, stamp, sequence)
            if ev is not None:
                cal.add_component(ev)
    return cal.to_ical()


def write_calendar(schedule: Schedule, path: str, tasks: bool = False, **options: Any) -> str:
    """Write :func:`calendar_bytes` to ``path`` atomically; returns the path."""
    from ..util import atomic_write_bytes

    atomic_write_bytes(path, calendar_bytes(schedule, tasks, **options))
    return path
