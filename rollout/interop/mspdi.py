"""MS Project XML (MSPDI) out: workstreams as summary tasks, links with types and lags, the calendar.

Written with plain streaming writes rather than xml.etree: MS Project reads the elements of a Task and a
PredecessorLink only in the schema's order, and writing them in that order by hand keeps the order in
plain sight; it is also about three times faster than building a tree for a 10,000-task plan.
"""

from __future__ import annotations

import datetime as _dt
import re
from typing import Iterator

from ..schedule import Schedule
from .resources import days_off, export_resources
from .table import late_dates, workstream_order

__all__ = ["HOURS_PER_DAY", "LINK_TYPES", "ROLLOUT_ID_FIELD", "ROLLOUT_RESOURCE_ID_FIELD", "mspdi_text"]

#: A working day is 08:00-12:00 and 13:00-17:00, MS Project's Standard calendar: durations and lags in
#: days convert to its minutes on 8 hours a day.
HOURS_PER_DAY = 8
_MINUTES_PER_DAY = HOURS_PER_DAY * 60
_TENTHS_PER_DAY = _MINUTES_PER_DAY * 10          # LinkLag and slack are in tenths of minutes
#: MSPDI PredecessorLink/Type codes
LINK_TYPES = {"FF": 0, "FS": 1, "SF": 2, "SS": 3}
#: Text1 carries the rollout task id, so a round trip keeps ids (MS Project shows it as "rollout id")
ROLLOUT_ID_FIELD = 188743731
#: the resource's Text1 carries the rollout person or pool id
ROLLOUT_RESOURCE_ID_FIELD = 205520904
_DURATION_DAYS = 7                               # DurationFormat / LagFormat: days
_SNET = 4                                        # ConstraintType: start no earlier than
_BAD_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def _text(value: object) -> str:
    return _BAD_XML.sub("", str(value)).translate(_ESCAPES)


def _start(day: _dt.date) -> str:
    return f"{day.isoformat()}T08:00:00"


def _finish(day: _dt.date) -> str:
    return f"{day.isoformat()}T17:00:00"


def _hours(days: int) -> str:
    return f"PT{days * HOURS_PER_DAY}H0M0S"


def mspdi_text(sched: Schedule, name: str = "plan.xml") -> str:
    """The plan and its schedule as an MSPDI document (one string)."""
    return "".join(_document(sched, name))


def _milestone_instant(sched: Schedule, st) -> str:
    # A milestone dated on its own working day sits at that day's start (the plan start, a
    # start-no-earlier-than date); one dated on the day its predecessors finish sits at that day's end.
    cal = sched.calendar
    return _start(st.start_date) if st.start_date == cal.date(st.start) else _finish(st.start_date)


def _document(sched: Schedule, name: str) -> Iterator[str]:
    plan, cal = sched.plan, sched.calendar
    workdays = sorted(plan.calendar.workdays)
    yield '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    yield '<Project xmlns="http://schemas.microsoft.com/project">\n'
    yield f"<SaveVersion>14</SaveVersion>\n<Name>{_text(name)}</Name>\n<Title>{_text(plan.title)}</Title>\n"
    yield "<ScheduleFromStart>1</ScheduleFromStart>\n"
    yield f"<StartDate>{_start(plan.start)}</StartDate>\n<FinishDate>{_finish(sched.finish_date)}</FinishDate>\n"
    yield "<CriticalSlackLimit>0</CriticalSlackLimit>\n<CalendarUID>1</CalendarUID>\n"
    yield "<DefaultStartTime>08:00:00</DefaultStartTime>\n<DefaultFinishTime>17:00:00</DefaultFinishTime>\n"
    yield (f"<MinutesPerDay>{_MINUTES_PER_DAY}</MinutesPerDay>\n"
           f"<MinutesPerWeek>{_MINUTES_PER_DAY * len(workdays)}</MinutesPerWeek>\n"
           f"<DaysPerMonth>20</DaysPerMonth>\n<DefaultTaskType>0</DefaultTaskType>\n"
           f"<DurationFormat>{_DURATION_DAYS}</DurationFormat>\n<HonorConstraints>1</HonorConstraints>\n"
           "<NewTasksAreManual>0</NewTasksAreManual>\n")
    yield ("<ExtendedAttributes><ExtendedAttribute>"
           f"<FieldID>{ROLLOUT_ID_FIELD}</FieldID><FieldName>Text1</FieldName><Alias>rollout id</Alias>"
           "</ExtendedAttribute><ExtendedAttribute>"
           f"<FieldID>{ROLLOUT_RESOURCE_ID_FIELD}</FieldID><FieldName>Text1</FieldName><Alias>rollout id</Alias>"
           "</ExtendedAttribute></ExtendedAttributes>\n")
    resources = export_resources(plan)
    last = _dt.date(sched.finish_date.year + 1, 12, 31)
    own_days = {r.uid: days_off(sched, r, last) for r in resources}
    calendar_of = {}
    for r in resources:
        if own_days[r.uid] or getattr(r.source, "calendar", None) is not None:
            calendar_of[r.uid] = len(calendar_of) + 2
    yield from _calendar(sched, workdays, [(calendar_of[r.uid], r, own_days[r.uid]) for r in resources
                                           if r.uid in calendar_of])
    yield "<Tasks>\n"
    uid_of: dict[str, int] = {}
    yield from _tasks(sched, uid_of)
    yield "</Tasks>\n"
    yield from _resources(resources, calendar_of)
    yield from _assignments(sched, resources, uid_of)
    yield "</Project>\n"


def _resources(resources, calendar_of: dict[int, int]) -> Iterator[str]:
    if not resources:
        yield "<Resources/>\n"
        return
    yield "<Resources>\n"
    for r in resources:
        yield (f"<Resource><UID>{r.uid}</UID><ID>{r.uid}</ID><Name>{_text(r.name)}</Name><Type>1</Type>"
               "<IsNull>0</IsNull>"
               + (f"<EmailAddress>{_text(r.email)}</EmailAddress>" if r.email else "")
               + f"<MaxUnits>{r.units:.2f}</MaxUnits>"
               + (f"<CalendarUID>{calendar_of[r.uid]}</CalendarUID>" if r.uid in calendar_of else "")
               + f"<ExtendedAttribute><FieldID>{ROLLOUT_RESOURCE_ID_FIELD}</FieldID><Value>{_text(r.id)}</Value>"
               "</ExtendedAttribute></Resource>\n")
    yield "</Resources>\n"


def _work(days: int, units: float) -> str:
    minutes = round(days * _MINUTES_PER_DAY * units)
    return f"PT{minutes // 60}H{minutes % 60}M0S"


def _assignments(sched: Schedule, resources, uid_of: dict[str, int]) -> Iterator[str]:
    """Each task's units per day of each resource it names; Work = duration × hours a day × units."""
    by_id = {r.id: r for r in resources}
    rows = []
    for st in sched.tasks.values():
        t = st.task
        for rid, units in t.resources:
            if rid not in by_id:
                continue
            if t.duration == 0:
                start = finish = _milestone_instant(sched, st)
            else:
                start, finish = _start(st.start_date), _finish(st.finish_date)
            work = _work(t.duration, units)
            rows.append(f"<Assignment><UID>{len(rows) + 1}</UID><TaskUID>{uid_of[st.id]}</TaskUID>"
                        f"<ResourceUID>{by_id[rid].uid}</ResourceUID><Finish>{finish}</Finish>"
                        f"<RemainingWork>{work}</RemainingWork><Start>{start}</Start>"
                        f"<Units>{units:g}</Units><Work>{work}</Work></Assignment>\n")
    if not rows:
        yield "<Assignments/>\n"
        return
    yield "<Assignments>\n"
    yield from rows
    yield "</Assignments>\n"


def holidays_of(sched: Schedule) -> list[tuple[_dt.date, str]]:
    """Days off on the plan's workdays from the start to the end of the year after the finish."""
    cal, plan = sched.calendar, sched.plan
    workdays = set(plan.calendar.workdays)
    day, last = plan.start, _dt.date(sched.finish_date.year + 1, 12, 31)
    out = []
    while day <= last:
        if day.weekday() in workdays and not cal.is_working(day):
            out.append((day, cal.holiday_name(day) or "holiday"))
        day += _dt.timedelta(days=1)
    return out


def _calendar(sched: Schedule, workdays: list[int], own: list) -> Iterator[str]:
    yield "<Calendars>\n<Calendar>\n<UID>1</UID>\n<Name>Standard</Name>\n<IsBaseCalendar>1</IsBaseCalendar>\n"
    yield "<IsBaselineCalendar>0</IsBaselineCalendar>\n<BaseCalendarUID>-1</BaseCalendarUID>\n<WeekDays>\n"
    hours = ("<WorkingTimes><WorkingTime><FromTime>08:00:00</FromTime><ToTime>12:00:00</ToTime></WorkingTime>"
             "<WorkingTime><FromTime>13:00:00</FromTime><ToTime>17:00:00</ToTime></WorkingTime></WorkingTimes>")
    for day_type in range(1, 8):                   # 1 = Sunday … 7 = Saturday
        weekday = (day_type + 5) % 7               # Python: 0 = Monday
        working = weekday in workdays
        yield (f"<WeekDay><DayType>{day_type}</DayType><DayWorking>{int(working)}</DayWorking>"
               f"{hours if working else ''}</WeekDay>\n")
    days_off = holidays_of(sched)
    for day, _name in days_off:                    # the MS Project 2003 form, still read by ProjectLibre
        yield (f"<WeekDay><DayType>0</DayType><DayWorking>0</DayWorking><TimePeriod><FromDate>{day}T00:00:00"
               f"</FromDate><ToDate>{day}T23:59:00</ToDate></TimePeriod></WeekDay>\n")
    yield "</WeekDays>\n<Exceptions>\n"
    for day, name in days_off:
        yield (f"<Exception><EnteredByOccurrences>0</EnteredByOccurrences><TimePeriod><FromDate>{day}T00:00:00"
               f"</FromDate><ToDate>{day}T23:59:00</ToDate></TimePeriod><Occurrences>1</Occurrences>"
               f"<Name>{_text(name)}</Name><Type>1</Type><DayWorking>0</DayWorking></Exception>\n")
    yield "</Exceptions>\n</Calendar>\n"
    for uid, res, off in own:                      # a resource calendar: the Standard one, less leave
        yield (f"<Calendar>\n<UID>{uid}</UID><Name>{_text(res.name)}</Name><IsBaseCalendar>0</IsBaseCalendar>"
               f"<IsBaselineCalendar>0</IsBaselineCalendar><BaseCalendarUID>1</BaseCalendarUID>\n<Exceptions>\n")
        for day, name in off:
            yield (f"<Exception><EnteredByOccurrences>0</EnteredByOccurrences><TimePeriod><FromDate>{day}"
                   f"T00:00:00</FromDate><ToDate>{day}T23:59:00</ToDate></TimePeriod><Occurrences>1</Occurrences>"
                   f"<Name>{_text(name)}</Name><Type>1</Type><DayWorking>0</DayWorking></Exception>\n")
        yield "</Exceptions>\n</Calendar>\n"
    yield "</Calendars>\n"


def _tasks(sched: Schedule, uid_of: dict[str, int]) -> Iterator[str]:
    groups = workstream_order(sched)
    uid = 0
    for _ws, _name, items in groups:              # UIDs first: links may point forwards
        uid += 1
        for st in items:
            uid += 1
            uid_of[st.id] = uid
    uid = 0
    for k, (ws, name, items) in enumerate(groups, start=1):
        uid += 1
        s = min(st.start for st in items)
        e = max(st.end for st in items)
        first = min(items, key=lambda st: (st.start_date, st.start))
        last = max(items, key=lambda st: (st.finish_date, st.end))
        start = _milestone_instant(sched, first) if first.task.duration == 0 else _start(first.start_date)
        finish = _milestone_instant(sched, last) if last.task.duration == 0 else _finish(last.finish_date)
        yield (f"<Task><UID>{uid}</UID><ID>{uid}</ID><Name>{_text(name)}</Name><Manual>0</Manual><Type>1</Type>"
               f"<IsNull>0</IsNull><WBS>{k}</WBS><OutlineNumber>{k}</OutlineNumber><OutlineLevel>1</OutlineLevel>"
               f"<Start>{start}</Start><Finish>{finish}</Finish><Duration>{_hours(max(e - s, 0))}</Duration>"
               f"<DurationFormat>{_DURATION_DAYS}</DurationFormat><Milestone>0</Milestone><Summary>1</Summary>"
               f"<ExtendedAttribute><FieldID>{ROLLOUT_ID_FIELD}</FieldID><Value>{_text(ws)}</Value>"
               "</ExtendedAttribute></Task>\n")
        for j, st in enumerate(items, start=1):
            uid += 1
            yield _task(sched, st, uid, f"{k}.{j}", uid_of)


def _task(sched: Schedule, st, uid: int, wbs: str, uid_of: dict[str, int]) -> str:
    t = st.task
    d = t.duration
    if d == 0:
        start = finish = _milestone_instant(sched, st)
    else:
        start, finish = _start(st.start_date), _finish(st.finish_date)
    ls, lf = late_dates(sched, st)
    if d == 0:
        late_start = late_finish = _start(ls) if st.late_end == 0 else _finish(lf)
    else:
        late_start, late_finish = _start(ls), _finish(lf)
    float_days = st.total_float
    parts = [
        f"<Task><UID>{uid}</UID><ID>{uid}</ID><Name>{_text(t.name)}</Name><Manual>0</Manual>",
        "<Type>1</Type><IsNull>0</IsNull>",                # fixed duration
        f"<Contact>{_text(t.owner)}</Contact>" if t.owner else "",
        f"<WBS>{wbs}</WBS><OutlineNumber>{wbs}</OutlineNumber><OutlineLevel>2</OutlineLevel>",
        f"<Start>{start}</Start><Finish>{finish}</Finish><Duration>{_hours(d)}</Duration>",
        f"<DurationFormat>{_DURATION_DAYS}</DurationFormat>",
        f"<Milestone>{int(d == 0)}</Milestone><Summary>0</Summary><Critical>{int(float_days <= 0)}</Critical>",
        f"<EarlyStart>{start}</EarlyStart><EarlyFinish>{finish}</EarlyFinish>",
        f"<LateStart>{late_start}</LateStart><LateFinish>{late_finish}</LateFinish>",
        f"<TotalSlack>{float_days * _TENTHS_PER_DAY}</TotalSlack>",
        "<ActualDuration>PT0H0M0S</ActualDuration>" f"<RemainingDuration>{_hours(d)}</RemainingDuration>",
    ]
    if t.start_no_earlier_than:
        # work cannot begin on a day off: a task's constraint moves to the day work can begin, which MS
        # Project shows as its start (MPXJ's scheduler would keep the day off as the start date)
        snet = t.start_no_earlier_than if d == 0 else sched.calendar.date(
            sched.calendar.index_on_or_after(t.start_no_earlier_than))
        parts.append(f"<ConstraintType>{_SNET}</ConstraintType><ConstraintDate>{_start(snet)}</ConstraintDate>")
    else:
        parts.append("<ConstraintType>0</ConstraintType>")        # as soon as possible
    if t.deadline:
        parts.append(f"<Deadline>{_finish(t.deadline)}</Deadline>")
    if t.resources:
        # rollout's dates are on the plan calendar; leave and a person's own days are for levelling
        parts.append("<IgnoreResourceCalendar>1</IgnoreResourceCalendar>")
    for dep in t.depends_on:
        parts.append(f"<PredecessorLink><PredecessorUID>{uid_of[dep.task]}</PredecessorUID>"
                     f"<Type>{LINK_TYPES[dep.type]}</Type><CrossProject>0</CrossProject>"
                     f"<LinkLag>{dep.lag * _TENTHS_PER_DAY}</LinkLag><LagFormat>{_DURATION_DAYS}</LagFormat>"
                     "</PredecessorLink>")
    parts.append(f"<ExtendedAttribute><FieldID>{ROLLOUT_ID_FIELD}</FieldID><Value>{_text(t.id)}</Value>"
                 "</ExtendedAttribute></Task>\n")
    return "".join(parts)
