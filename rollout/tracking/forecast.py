"""The baseline's edges, the plan as it stands at the as-of date, and the forecast that re-plans it.

The forecast re-plans the remaining work with ``schedule()`` itself, so it follows exactly the
arithmetic of SPEC 2.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import math
from dataclasses import dataclass
from typing import Mapping

from ..calendar import WorkCalendar
from ..model import Estimate, Plan, Task
from ..schedule import Schedule, schedule
from .actuals import Actual

__all__ = ["baseline_edges", "forecast", "pin_reported_milestones", "remaining_plan"]

# -- baseline and forecast ------------------------------------------------------------------------

@dataclass(frozen=True)
class _Edges:
    start: int
    end: int


def _edge_of_finish(cal: WorkCalendar, plan: Plan, day: _dt.date, milestone: bool) -> int:
    """The end edge whose reported finish date is ``day`` (SPEC 2 dates, read backwards)."""
    if milestone and day <= plan.start:
        return 0
    return max(0, cal.index_on_or_before(day) + 1)


def _baseline_edges(plan: Plan, cal: WorkCalendar, current: Schedule,
                    stored: Mapping[str, tuple[_dt.date, _dt.date]] | None) -> dict[str, _Edges]:
    """Baseline edges per task: the stored baseline's dates where there is one, else the current schedule.

    Tasks added since the baseline was stored take their current schedule.
    """
    out = {}
    for tid, st in current.tasks.items():
        if stored and tid in stored:
            start_day, finish_day = stored[tid]
            if st.task.is_milestone:
                e = _edge_of_finish(cal, plan, finish_day, True)
                # a milestone dated on day 0 may sit on edge 0 or 1: keep the scheduled one when it agrees
                if st.finish_date == finish_day:
                    e = st.end
                out[tid] = _Edges(e, e)
            else:
                out[tid] = _Edges(cal.index_on_or_after(start_day), _edge_of_finish(cal, plan, finish_day, False))
        else:
            out[tid] = _Edges(st.start, st.end)
    return out


def baseline_edges(plan: Plan, cal: WorkCalendar, current: Schedule,
                   stored: Mapping[str, tuple[_dt.date, _dt.date]] | None) -> dict[str, tuple[int, int]]:
    """Baseline (start, end) edges per task: a stored baseline's dates where it has the task, else the
    plan's current schedule."""
    return {tid: (e.start, e.end) for tid, e in _baseline_edges(plan, cal, current, stored).items()}


def forecast(plan: Plan, actuals: Mapping[str, Actual], as_of: _dt.date,
             calendar: WorkCalendar | None = None,
             baseline: Mapping[str, tuple[int, int]] | None = None, *, current: Schedule | None = None) -> Schedule:
    """Re-plan the remaining work from ``as_of`` with actual dates fixed (SPEC 3).

    Done and in-progress tasks are pinned where they happened: a done task to its actual start and
    finish, an in-progress task to its actual start with its remaining work (duration × (1 − percent),
    to the nearest day, at least one) running from the as-of date. Tasks not started keep their planned
    durations and dependencies and start no earlier than the as-of date; a milestone not yet reported
    falls where its predecessors put it. Missing actual dates are taken from the baseline.
    ``current`` is the plan's own schedule (computed when not given).
    """
    cal = calendar or WorkCalendar(plan.start, plan.calendar)
    current = current or schedule(plan, cal)
    return pin_reported_milestones(plan, actuals, schedule(remaining_plan(plan, actuals, as_of, cal, baseline,
                                                                          current=current), cal))


def pin_reported_milestones(plan: Plan, actuals: Mapping[str, Actual], remaining: Schedule) -> Schedule:
    """The forecast from the schedule of the remaining plan: reached milestones dated where reported.

    Work done or under way is pinned with a start_no_earlier_than date. For a milestone that date
    would set its date (TaskJuggler's rule: 00:00 of that day), but a reached milestone happened at
    the close of the day before its edge, where it was reported: date it there.
    """
    sched = remaining
    pinned = {}
    for t in plan.tasks:
        act = actuals.get(t.id)
        if t.is_milestone and act is not None and act.status != "todo":
            st = sched.tasks[t.id]
            day = act.actual_finish or sched.edge_finish_date(st.end)
            if st.finish_date != day:
                pinned[t.id] = dataclasses.replace(st, start_date=day, finish_date=day)
    if pinned:
        sched = dataclasses.replace(sched, tasks={tid: pinned.get(tid, st) for tid, st in sched.tasks.items()})
    return sched


def remaining_plan(plan: Plan, actuals: Mapping[str, Actual], as_of: _dt.date,
                   calendar: WorkCalendar | None = None,
                   baseline: Mapping[str, tuple[int, int]] | None = None, *,
                   current: Schedule | None = None) -> Plan:
    """The plan as it stands at ``as_of``: work done or under way pinned where it happened (no
    dependencies; done work without spread, the rest of work under way with its estimate's spread
    scaled to what remains), work not started floored at the as-of date.

    Scheduling it gives the forecast; simulating it gives the risk of the remaining work.
    """
    cal = calendar or WorkCalendar(plan.start, plan.calendar)
    current = current or schedule(plan, cal)      # the plan's own schedule, when the caller has it
    base = {tid: _Edges(*baseline[tid]) if baseline and tid in baseline else _Edges(st.start, st.end)
            for tid, st in current.tasks.items()}
    a = cal.index_on_or_after(as_of)
    replaced = []
    for t in plan.tasks:
        act = actuals.get(t.id)
        state = act.status if act else "todo"
        if state == "todo":
            if t.is_milestone:
                replaced.append(t)
            else:
                floor = as_of if t.start_no_earlier_than is None else max(as_of, t.start_no_earlier_than)
                replaced.append(dataclasses.replace(t, start_no_earlier_than=floor))
            continue
        s, e = _pinned_edges(plan, cal, t, act, base[t.id], a, current)
        replaced.append(dataclasses.replace(t, duration=e - s, depends_on=(), start_no_earlier_than=cal.date(s),
                                            estimate=_pinned_estimate(t, state, s, e, a)))
    return dataclasses.replace(plan, tasks=tuple(replaced))


def _pinned_estimate(t: Task, state: str, s: int, e: int, a: int) -> Estimate | None:
    """Done work has no spread left; the remaining work of a task under way keeps its estimate's
    spread, scaled to what remains (so risk simulation of the remaining plan stays honest)."""
    if e == s:
        return None
    if state == "done" or t.duration == 0:
        return Estimate(e - s, e - s, e - s)
    from ..risk import three_point

    o, m, p = three_point(t)
    elapsed = max(a, s) - s
    left = e - s - elapsed
    low = max(1, min(left, round(left * o / m))) if m else left
    high = max(left, round(left * p / m)) if m else left
    return Estimate(elapsed + low, elapsed + left, elapsed + high)


def _pinned_edges(plan: Plan, cal: WorkCalendar, t: Task, act: Actual, base: _Edges, a: int,
                  current: Schedule) -> tuple[int, int]:
    d = t.duration
    if act.status == "done":
        if act.actual_finish is not None:
            e = _edge_of_finish(cal, plan, act.actual_finish, t.is_milestone)
            if t.is_milestone:
                # one date can close two edges (the end of the day before, or 00:00 of a date a milestone
                # is held to): keep the scheduled edge when the schedule gives that very date
                if current.tasks[t.id].finish_date == act.actual_finish:
                    e = current.tasks[t.id].end
                elif current.edge_finish_date(base.end) == act.actual_finish:
                    e = base.end
        elif act.actual_start is not None:
            e = min(cal.index_on_or_after(act.actual_start) + d, max(a, 1))
        else:
            e = min(base.end, a)
        if t.is_milestone:
            return e, e
        s = cal.index_on_or_after(act.actual_start) if act.actual_start else max(0, min(base.start, e - d))
        return min(s, e - 1) if e > 0 else 0, max(e, s + 1)
    # in progress
    s = cal.index_on_or_after(act.actual_start) if act.actual_start else min(base.start, a)
    if t.is_milestone:
        return s, s
    if act.percent_complete is not None:
        remaining = math.floor(d * (1 - act.percent_complete / 100) + 0.5)
    else:
        remaining = s + d - a
    return s, max(a, s) + max(remaining, 1)


def _baseline_schedule(current: Schedule, edges: Mapping[str, tuple[int, int]]) -> Schedule:
    """The schedule at the baseline's edges: what the forecast is while nothing is reported."""
    if all(edges[tid] == (st.start, st.end) for tid, st in current.tasks.items()):
        return current
    cal = current.calendar
    tasks = {}
    for tid, st in current.tasks.items():
        s, e = edges[tid]
        start = current.edge_finish_date(e) if st.task.is_milestone else cal.date(s)
        tasks[tid] = dataclasses.replace(st, start=s, end=e, start_date=start, finish_date=current.edge_finish_date(e))
    return dataclasses.replace(current, tasks=tasks, finish=max((e for _, e in edges.values()), default=0))


