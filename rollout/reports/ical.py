"""iCalendar export of a schedule: milestones, cadences as recurring events, optionally every task.

UIDs are ``<plan>.<task or cadence id>@rollout`` so a calendar client updates what it imported
before instead of duplicating it. icalendar (imported inside the functions) escapes and folds text.
"""

from __future__ import annotations

import datetime as _dt
import os
from typing import Any

from ..cadence import first_meeting, last_day, occurrences
from ..errors import UsageError
from ..model import Cadence, Person
from ..schedule import Schedule, ScheduledTask
from ..util import printable

__all__ = ["attendees", "calendar_bytes", "event_uid", "organizer", "recurrence", "write_calendar"]

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


def _zone(cadence: Cadence, plan) -> Any:
    """The cadence's time zone (its own, else the plan's ``calendar.timezone``), or None: floating time."""
    name = cadence.timezone or getattr(plan.calendar, "timezone", None)
    if not name:
        return None
    import zoneinfo

    return zoneinfo.ZoneInfo(name)


def _when(cadence: Cadence, day: _dt.date, zone: Any) -> _dt.date | _dt.datetime:
    """The start of the meeting on ``day``: the date (all-day), or the date at ``at`` in ``zone``."""
    if not cadence.at:
        return day
    hour, minute = (int(x) for x in cadence.at.split(":"))
    return _dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)


def _end(cadence: Cadence, start: _dt.date | _dt.datetime) -> _dt.date | _dt.datetime:
    return start + (_dt.timedelta(minutes=cadence.length) if isinstance(start, _dt.datetime) else _DAY)


def _holidays(cadence: Cadence, schedule: Schedule) -> tuple[list[_dt.date], dict[_dt.date, _dt.date]]:
    """The meetings that fall on a plan holiday: (left out, moved: holiday → next working day).

    With ``on_holiday: next`` a meeting moves to the next working day, unless that day already has a
    meeting of the series (then it is left out)."""
    cal = schedule.calendar
    dates = occurrences(cadence, schedule)
    on_holiday = [d for d in dates if cal.holiday_name(d) is not None]
    if cadence.on_holiday != "next":
        return on_holiday, {}
    taken, skipped, moved = set(dates), [], {}
    for d in on_holiday:
        target = cal.date(cal.index_on_or_after(d))
        if target in taken:
            skipped.append(d)
        else:
            moved[d] = target
            taken.add(target)
    return skipped, moved


def _address(person: Person, role: str | None = None):
    from icalendar import vCalAddress

    addr = vCalAddress(f"mailto:{person.email}")
    addr.params["cn"] = _line(person.name or person.id)
    if role:
        addr.params["role"] = role
        addr.params["partstat"] = "NEEDS-ACTION"
        addr.params["rsvp"] = "TRUE"
    return addr


def attendees(cadence: Cadence, people: tuple[Person, ...]) -> list[Person]:
    """The people whose id or one of whose roles is among the cadence's participants or audience and who
    have an email in the plan, in the plan's order."""
    wanted = set(cadence.participants) | set(cadence.audience)
    return [p for p in people if p.email and (p.id in wanted or wanted.intersection(p.roles))]


def organizer(cadence: Cadence, people: tuple[Person, ...]) -> Person | None:
    """The cadence owner's person (a role held by one person is that person), when they have an email."""
    if not cadence.owner:
        return None
    found = [p for p in people if p.id == cadence.owner]
    if not found:
        found = [p for p in people if cadence.owner in p.roles]
    return found[0] if len(found) == 1 and found[0].email else None


def _cadence_event(plan_id: str, cadence: Cadence, schedule: Schedule, stamp: _dt.datetime, sequence: int):
    from icalendar import Event

    rule = recurrence(cadence, schedule)
    if rule is None:
        return []
    plan = schedule.plan
    zone = _zone(cadence, plan)
    first = _when(cadence, first_meeting(cadence, schedule), zone)
    if isinstance(first, _dt.datetime):
        until = _when(cadence, rule["UNTIL"], zone)
        # RFC 5545: with a TZID start, UNTIL is in UTC; with floating time, floating
        rule = {**rule, "UNTIL": until.astimezone(_dt.timezone.utc) if zone is not None else until}
    skipped, moved = _holidays(cadence, schedule)
    weeks = cadence.every // 7 if cadence.every % 7 == 0 else None
    people = plan.people
    who, boss = attendees(cadence, people), organizer(cadence, people)

    def event(start, recurrence_id=None):
        ev = Event()
        ev.add("uid", event_uid(plan_id, cadence.id))
        ev.add("dtstamp", stamp)
        ev.add("sequence", sequence)
        if recurrence_id is not None:
            ev.add("recurrence-id", recurrence_id)
        ev.add("summary", printable(cadence.name))
        ev.add("dtstart", start)
        ev.add("dtend", _end(cadence, start))
        ev.add("transp", "OPAQUE" if isinstance(start, _dt.datetime) else "TRANSPARENT")
        ev.add("categories", ["cadence", _line(cadence.kind)])
        if boss is not None:
            ev.add("organizer", _address(boss))
        for person in who:
            ev.add("attendee", _address(person, "REQ-PARTICIPANT"))
        ev.add("description", _describe(
            f"Every {weeks} week{'s' if weeks != 1 else ''}" if weeks else f"Every {cadence.every} days",
            f"Moved from {recurrence_id.isoformat()[:10]} (a holiday)" if recurrence_id is not None else None,
            f"Cadence: {cadence.id}",
            f"Owner: {cadence.owner}" if cadence.owner else None,
            f"Participants: {', '.join(cadence.participants)}" if cadence.participants else None,
            f"Audience: {', '.join(cadence.audience)}" if cadence.audience else None,
        ))
        return ev

    master = event(first)
    master.add("rrule", rule)
    if skipped:
        master.add("exdate", [_when(cadence, d, zone) for d in skipped])
    # a moved meeting is an override of its occurrence (RECURRENCE-ID): Outlook, Google and Apple
    # Calendar all show it on the new day, where RDATE+EXDATE is ignored by some of them
    return [master] + [event(_when(cadence, new, zone), _when(cadence, old, zone)) for old, new in moved.items()]


class Feed:
    """Whom a ``--for WHO`` calendar is for: the names (person id, roles, audience or pool id) that
    mark an item as theirs, and how the calendar is titled."""

    def __init__(self, label: str, names: set[str], owners: set[str]):
        self.label, self.names, self.owners = label, names, owners

    def takes_task(self, t) -> bool:
        return (t.owner in self.owners or bool(self.names.intersection(t.participants))
                or bool(self.names.intersection(t.audience))
                or any(rid in self.names for rid, _ in t.resources))

    def takes_cadence(self, c: Cadence) -> bool:
        return (c.owner in self.owners or bool(self.names.intersection(c.participants))
                or bool(self.names.intersection(c.audience)))


def feed_for(plan, who: str) -> Feed:
    """The feed of one person (by id), audience, pool or role (SPEC 3 ``--for``).

    A person takes part through their id and each of their roles; a role's feed is what names the role
    (and, for an owner, the role's one holder). Unknown → UsageError with the nearest name."""
    people = {p.id: p for p in plan.people}
    if who in people:
        person = people[who]
        names = {person.id, *person.roles}
        return Feed(person.name or person.id, names, names)
    audiences = {a.id: a for a in plan.audiences}
    if who in audiences:
        return Feed(audiences[who].name or who, {who}, {who})
    pools = {r.id: r for r in plan.resources}
    if who in pools:
        return Feed(pools[who].name or who, {who}, {who})
    holders = [p.id for p in plan.people if who in p.roles]
    used = {n for item in (*plan.tasks, *plan.cadences) for n in (*item.participants, *item.audience)}
    used |= {t.owner for t in (*plan.tasks, *plan.cadences) if t.owner}
    if holders or who in used:
        return Feed(who, {who}, {who, *holders[:1]} if len(holders) == 1 else {who})
    from ..util import did_you_mean

    options = sorted(set(people) | set(audiences) | set(pools) | used
                     | {r for p in plan.people for r in p.roles})
    hint = did_you_mean(who, options)
    raise UsageError(f"no person, role or audience '{_line(who)[:80]}' in the plan"
                     + (f"; did you mean '{hint}'?" if hint else ""), option="for")


def calendar_bytes(schedule: Schedule, tasks: bool = False, *, cadences: bool = True,
                   dtstamp: _dt.datetime | None = None, for_who: str | None = None) -> bytes:
    """The schedule as an iCalendar file: milestones, cadences and (``tasks=True``) every task.

    Events are all-day. DTSTAMP is ``dtstamp`` (default: SOURCE_DATE_EPOCH or now) and SEQUENCE
    the minutes from 2024-01-01 to it, so a later export of the same plan supersedes an earlier one.
    ``for_who`` (a person id, role, audience or pool id) keeps only what they take part in: the tasks
    they own, take part in, are the audience of or a resource of (milestones too), and their meetings.
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
    feed = feed_for(plan, for_who) if for_who is not None else None
    cal.add("x-wr-calname", _line(plan.title if feed is None else f"{plan.title}: {feed.label}"))
    for st in schedule.tasks.values():
        if feed.takes_task(st.task) if feed is not None else (tasks or st.task.is_milestone):
            ws_name = names.get(st.task.workstream, st.task.workstream)
            cal.add_component(_task_event(plan.id, st, ws_name, stamp, sequence))
    if cadences:
        for cadence in plan.cadences:
            if feed is not None and not feed.takes_cadence(cadence):
                continue
            for ev in _cadence_event(plan.id, cadence, schedule, stamp, sequence):
                cal.add_component(ev)
    cal.add_missing_timezones()          # a VTIMEZONE for each TZID the events use
    return cal.to_ical()


def write_calendar(schedule: Schedule, path: str, tasks: bool = False, **options: Any) -> str:
    """Write :func:`calendar_bytes` to ``path`` atomically; returns the path."""
    from ..util import atomic_write_bytes

    atomic_write_bytes(path, calendar_bytes(schedule, tasks, **options))
    return path
