"""People and pools as the resources of an exported project, and the tasks' assignments to them.

Shared by the MSPDI, XER and xlsx writers so that all three number and describe resources the same way:
pools first, then people, in plan order, numbered from 1.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass

__all__ = ["ExportResource", "days_off", "export_resources"]


@dataclass(frozen=True)
class ExportResource:
    uid: int
    id: str
    name: str
    kind: str                  # "person" or "pool"
    units: float               # a person's capacity, a pool's units
    email: str | None
    source: object             # the Person or ResourcePool


def export_resources(plan) -> list[ExportResource]:
    """Every pool and person of the plan, numbered from 1 (pools first)."""
    out = [ExportResource(k, p.id, p.name, "pool", float(p.units), None, p)
           for k, p in enumerate(plan.resources, start=1)]
    base = len(out)
    out += [ExportResource(base + k, p.id, p.name, "person", float(p.capacity), p.email, p)
            for k, p in enumerate(plan.people, start=1)]
    return out


def days_off(sched, res: ExportResource, last: _dt.date) -> list[tuple[_dt.date, str]]:
    """Plan working days from the plan start to ``last`` on which ``res`` has nothing: leave, or a day its
    own calendar does not work (what rollout's capacity counts; see rollout.capacity.availability)."""
    from ..calendar import WorkCalendar

    spec = getattr(res.source, "calendar", None)
    leave = frozenset(getattr(res.source, "leave", ()))
    if spec is None and not leave:
        return []
    own = WorkCalendar(sched.plan.start, spec) if spec is not None else None
    cal = sched.calendar
    out = []
    day = sched.plan.start
    while day <= last:
        if cal.is_working(day):
            if day in leave:
                out.append((day, "leave"))
            elif own is not None and not own.is_working(day):
                out.append((day, own.holiday_name(day) or "not a working day"))
        day += _dt.timedelta(days=1)
    return out
