"""The schedule as rows for spreadsheets (CSV, xlsx) and the predecessor notation `exec.charter FS+2d`.

Shared by the exporters and by the task-list importer, so what one writes the other reads.
"""

from __future__ import annotations

import datetime as _dt
import re
from typing import Any

from ..model import DEPENDENCY_TYPES, Dependency
from ..schedule import Schedule

__all__ = ["SCHEDULE_COLUMNS", "edge_date", "format_predecessors", "outline", "parse_predecessors",
           "schedule_rows", "workstream_order"]

SCHEDULE_COLUMNS = ("id", "wbs", "name", "workstream", "owner", "duration", "start", "finish", "late_start",
                    "late_finish", "total_float", "critical", "predecessors", "start_no_earlier_than", "deadline")
DATE_COLUMNS = frozenset(("start", "finish", "late_start", "late_finish", "start_no_earlier_than", "deadline"))

_DAY = _dt.timedelta(days=1)
_PRED = re.compile(r"^(?P<task>[^\s]+?)(?:\s+(?P<type>[A-Za-z]{2}))?\s*(?:(?P<lag>[+-]\s*\d+)\s*(?P<unit>[dw])?)?$")


def format_predecessors(deps: tuple[Dependency, ...]) -> str:
    """``exec.charter FS+2d; data.survey SS`` (every link names its type; a lag only when there is one).

    >>> format_predecessors((Dependency("a.x", "FS", 2), Dependency("b.y", "SS", 0), Dependency("c", "FF", -1)))
    'a.x FS+2d; b.y SS; c FF-1d'
    """
    return "; ".join(f"{d.task} {d.type}" + (f"{d.lag:+d}d" if d.lag else "") for d in deps)


def parse_predecessors(text: str, workdays_per_week: int = 5) -> list[tuple[str, str, int]]:
    """The links in a predecessors cell as (task, type, lag in working days); ValueError names a bad one.

    Separators are ``;`` or ``,``; the type defaults to FS; lags are ``+2d``, ``-1d`` or ``+1w``.

    >>> parse_predecessors("a FS+2d; b SS, c FF-1d; d; e+1w")
    [('a', 'FS', 2), ('b', 'SS', 0), ('c', 'FF', -1), ('d', 'FS', 0), ('e', 'FS', 5)]
    """
    out = []
    for part in re.split(r"[;,]", text or ""):
        part = part.strip()
        if not part:
            continue
        m = _PRED.match(part)
        if not m:
            raise ValueError(f"predecessor {part!r} is not like 'exec.charter FS+2d'")
        typ = (m.group("type") or "FS").upper()
        if typ not in DEPENDENCY_TYPES:
            raise ValueError(f"predecessor {part!r}: link type {m.group('type')!r} is not FS, SS, FF or SF")
        lag = int(m.group("lag").replace(" ", "")) if m.group("lag") else 0
        if (m.group("unit") or "d") == "w":
            lag *= workdays_per_week
        out.append((m.group("task"), typ, lag))
    return out


def edge_date(sched: Schedule, index: int) -> _dt.date:
    """The date of working day ``index``, also before day 0 (a deadline can pull late dates there)."""
    if index >= 0:
        return sched.calendar.date(index)
    day, count, cal = sched.calendar.date(0), 0, sched.calendar
    while count > index:
        day -= _DAY
        if cal.is_working(day):
            count -= 1
    return day


def workstream_order(sched: Schedule) -> list[tuple[str, str, list]]:
    """(workstream id, name, its scheduled tasks in plan order), workstreams in order of first appearance."""
    names = {w.id: w.name for w in sched.plan.workstreams}
    groups: dict[str, list] = {}
    for st in sched.tasks.values():
        groups.setdefault(st.task.workstream, []).append(st)
    return [(ws, names.get(ws) or ws, items) for ws, items in groups.items()]


def outline(sched: Schedule) -> dict[str, str]:
    """The WBS code of each task: ``k.j`` for the j-th task of the k-th workstream."""
    codes = {}
    for k, (_ws, _name, items) in enumerate(workstream_order(sched), start=1):
        for j, st in enumerate(items, start=1):
            codes[st.id] = f"{k}.{j}"
    return codes


def late_dates(sched: Schedule, st) -> tuple[_dt.date, _dt.date]:
    """Late start and late finish dates, dated like the early ones (SPEC 2)."""
    if st.task.duration == 0:
        d = sched.plan.start if st.late_end == 0 else edge_date(sched, st.late_end - 1)
        return d, d
    return edge_date(sched, st.late_start), edge_date(sched, st.late_end - 1)


def schedule_rows(sched: Schedule) -> list[dict[str, Any]]:
    """One row per task in WBS order, dates as ``datetime.date`` (SCHEDULE_COLUMNS)."""
    wbs = outline(sched)
    rows = []
    for _ws, _name, items in workstream_order(sched):
        for st in items:
            t = st.task
            ls, lf = late_dates(sched, st)
            rows.append({
                "id": t.id, "wbs": wbs[t.id], "name": t.name, "workstream": t.workstream, "owner": t.owner,
                "duration": t.duration, "start": st.start_date, "finish": st.finish_date,
                "late_start": ls, "late_finish": lf, "total_float": st.total_float,
                "critical": st.total_float <= 0, "predecessors": format_predecessors(t.depends_on),
                "start_no_earlier_than": t.start_no_earlier_than, "deadline": t.deadline,
            })
    return rows
