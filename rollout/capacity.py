"""People, pools and audiences as capacities (SPEC 1.3a, 2a): what each resource has free on each working
day, the levelled schedule, over-allocation, and the change load each audience absorbs week by week.

Everything here is on the plan calendar's working-day index (day 0 = the first working day on or after the
plan start), like rollout.schedule. A person has ``capacity`` units on each plan working day that is also a
working day of their own calendar (default: the plan's) and not on their leave; a pool has ``units`` on each
working day of its calendar. The arithmetic is in docs/capacity.md.

    >>> from rollout.model import Plan, Task, CalendarSpec, ResourcePool
    >>> plan = Plan("p", "P", _dt.date(2027, 1, 4), CalendarSpec(), (
    ...     Task("w.a", "A", "w", 3, resources=(("it", 2.0),)), Task("w.b", "B", "w", 2, resources=(("it", 2.0),))),
    ...     resources=(ResourcePool("it", "IT", 3.0),))
    >>> s = level_schedule(plan)
    >>> s["w.b"].start, s["w.b"].levelling_delay, s["w.b"].delayed_by, s.finish
    (3, 3, ('it',), 5)
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping

from .calendar import WorkCalendar
from .errors import PlanError, Problem
from .model import Audience, CalendarSpec, Plan, Task
from .schedule import Schedule, dated_schedule, schedule

__all__ = [
    "ChangeLoad",
    "LevelReport",
    "Overload",
    "WeekLoad",
    "availability",
    "change_load",
    "level_schedule",
    "over_allocations",
    "plan_schedule",
    "uses_capacity",
    "with_levelling",
]

#: the audience pass gives up after this many moves (each a re-levelling) and says which weeks stay over
MAX_AUDIENCE_MOVES = 400
EPS = 1e-9


# ------------------------------------------------------------------------------------------ availability

def uses_capacity(plan: Plan) -> bool:
    """Whether the plan models capacity at all: pools, a person with a capacity, leave or calendar of their
    own, or a task that names resources."""
    return bool(plan.resources) or any(t.resources for t in plan.tasks) or any(
        p.capacity != 1.0 or p.leave or p.calendar is not None for p in plan.people)


def availability(plan: Plan, calendar: WorkCalendar | None = None, used_only: bool = False) -> list:
    """Every pool and person as a levelling ``Resource`` whose units on working day k of the plan calendar
    are what it has that day (SPEC 1.3a). ``used_only``: only those some task names."""
    from .levelling import Resource

    cal = calendar or WorkCalendar(plan.start, plan.calendar)
    used = {rid for t in plan.tasks for rid, _ in t.resources} if used_only else None
    out = []
    for pool in plan.resources:
        if used is None or pool.id in used:
            out.append(Resource(pool.id, pool.units, (), _days(cal, pool.units, pool.calendar, frozenset())))
    for person in plan.people:
        if used is None or person.id in used:
            beyond = _days(cal, person.capacity, person.calendar, frozenset(person.leave))
            out.append(Resource(person.id, person.capacity, (), beyond))
    return out


def _days(cal: WorkCalendar, units: float, spec: CalendarSpec | None, leave: frozenset) -> Callable | None:
    """``beyond(lo, hi)``: units on plan working days lo … hi−1, 0 where the resource's own calendar does
    not work or it is on leave. None (every day ``units``) when nothing is its own."""
    if spec is None and not leave:
        return None
    own = WorkCalendar(cal.start, spec) if spec is not None else None

    def beyond(lo: int, hi: int) -> list[float]:
        return [0.0 if day in leave or (own is not None and not own.is_working(day)) else units
                for day in cal.dates(range(lo, hi))]
    return beyond


# ------------------------------------------------------------------------------------------ over-allocation

@dataclass(frozen=True)
class Overload:
    """A resource used beyond what it has on some days: the days (working-day indices and dates), the peak
    use against what it had that day, and the tasks using it on those days."""

    resource: str
    name: str
    days: tuple[int, ...]
    dates: tuple[_dt.date, ...]
    peak: float
    available: float          # what it had on the peak day
    tasks: tuple[str, ...]


def over_allocations(plan: Plan, sched: Schedule) -> list[Overload]:
    """Where ``sched`` (unlevelled, usually) uses a pool or person beyond what it has free (S006)."""
    import numpy as np

    from .levelling._network import units_on

    names = {p.id: p.name for p in plan.resources} | {p.id: p.name for p in plan.people}
    users: dict[str, list[tuple[int, int, float, str]]] = {}
    for t in plan.tasks:
        st = sched.tasks[t.id]
        if st.end > st.start:
            for rid, units in t.resources:
                users.setdefault(rid, []).append((st.start, st.end, units, t.id))
    if not users:
        return []
    res = {r.id: r for r in availability(plan, sched.calendar, used_only=True)}
    out = []
    for rid, rows in users.items():
        if rid not in res:
            continue
        lo, hi = min(r[0] for r in rows), max(r[1] for r in rows)
        diff = np.zeros(hi - lo + 1)
        for s, e, u, _ in rows:
            diff[s - lo] += u
            diff[e - lo] -= u
        used = np.cumsum(diff)[:hi - lo]
        have = units_on(res[rid], lo, hi)
        over = np.flatnonzero(used > have + EPS * np.maximum(1.0, used))
        if not len(over):
            continue
        excess = used[over] - have[over]
        k = int(over[int(np.argmax(excess))])
        days = tuple(int(d) + lo for d in over)
        busy = tuple(tid for s, e, _, tid in sorted(rows) if any(s <= d < e for d in days))
        out.append(Overload(rid, names.get(rid, rid), days, tuple(sched.calendar.dates(days)),
                            float(used[k]), float(have[k]), busy))
    return out


# ------------------------------------------------------------------------------------------ change load

@dataclass(frozen=True)
class WeekLoad:
    """The change points an audience absorbs in one ISO week, and where they come from."""

    audience: str
    week: str                                  # ISO week, "2027-W03"
    monday: _dt.date
    points: float
    tolerance: float | None
    #: (task or cadence id, points, "task" | "cadence"), largest first
    contributors: tuple[tuple[str, float, str], ...]

    @property
    def over(self) -> bool:
        return self.tolerance is not None and self.points > self.tolerance + EPS


@dataclass(frozen=True)
class ChangeLoad:
    """The change load of each audience per ISO week (SPEC 1.3a): ``cells`` by (audience id, week) for the
    weeks with any load; ``weeks`` every week from the plan start to its finish."""

    audiences: tuple[Audience, ...]
    weeks: tuple[str, ...]
    cells: Mapping[tuple[str, str], WeekLoad]

    def load(self, audience: str, week: str) -> float:
        cell = self.cells.get((audience, week))
        return cell.points if cell else 0.0

    def over(self) -> list[WeekLoad]:
        """Every audience-week above its tolerance, in audience then week order."""
        order = {a.id: k for k, a in enumerate(self.audiences)}
        return sorted((c for c in self.cells.values() if c.over), key=lambda c: (order[c.audience], c.week))

    def to_dict(self) -> dict[str, Any]:
        return {"weeks": list(self.weeks), "audiences": [{
            "id": a.id, "name": a.name, "headcount": a.headcount, "tolerance": a.tolerance,
            "weeks": [{"week": c.week, "monday": c.monday.isoformat(), "load": c.points, "over": c.over,
                       "contributors": [{"id": i, "points": p, "kind": k} for i, p, k in c.contributors]}
                      for c in sorted((c for (aid, _), c in self.cells.items() if aid == a.id),
                                      key=lambda c: c.week)]}
            for a in self.audiences]}

    def to_frame(self):
        """One row per audience and week (every week of the plan, 0 where nothing lands)."""
        import pandas as pd

        rows = [{"audience": a.id, "week": w, "load": self.load(a.id, w), "tolerance": a.tolerance,
                 "over": (self.cells[(a.id, w)].over if (a.id, w) in self.cells else False)}
                for a in self.audiences for w in self.weeks]
        return pd.DataFrame(rows, columns=["audience", "week", "load", "tolerance", "over"])


def _iso_week(day: _dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _monday(day: _dt.date) -> _dt.date:
    return day - _dt.timedelta(days=day.weekday())


def task_weeks(st) -> set[str]:
    """The ISO weeks in which a scheduled task has a working day (a milestone: the week of its date)."""
    if st.end == st.start:
        return {_iso_week(st.start_date)}
    return set(_weeks_between(st.start, st.end, st))


def _weeks_between(s: int, e: int, st) -> list[str]:
    # a working task runs on days s … e−1, dated start_date … finish_date: every ISO week they touch holds
    # at least one of its working days (working days are consecutive in the index)
    out, day = [], _monday(st.start_date)
    while day <= st.finish_date:
        out.append(_iso_week(day))
        day += _dt.timedelta(days=7)
    return out


def _touches(item, audience: str) -> bool:
    return audience in item.audience or audience in item.participants


def change_load(plan: Plan, sched: Schedule, audiences: Iterable[Audience] | None = None) -> ChangeLoad:
    """The change load of each of the plan's audiences per ISO week: the impact points of each task whose
    participants or audience include it and that has a working day in the week (SPEC 1.3a; defaults by
    kind), plus those of each cadence meeting in the week."""
    from .cadence import occurrences

    auds = tuple(plan.audiences if audiences is None else audiences)
    acc: dict[tuple[str, str], dict[tuple[str, str], float]] = {}
    for t in plan.tasks:
        points = t.change_points
        if not points:
            continue
        hit = [a.id for a in auds if _touches(t, a.id)]
        if not hit:
            continue
        for week in task_weeks(sched.tasks[t.id]):
            for aid in hit:
                cell = acc.setdefault((aid, week), {})
                cell[(t.id, "task")] = cell.get((t.id, "task"), 0) + points
    for c in plan.cadences:
        points = c.change_points
        hit = [a.id for a in auds if _touches(c, a.id)]
        if not points or not hit:
            continue
        for day in occurrences(c, sched):
            week = _iso_week(day)
            for aid in hit:
                cell = acc.setdefault((aid, week), {})
                cell[(c.id, "cadence")] = cell.get((c.id, "cadence"), 0) + points
    tol = {a.id: a.tolerance for a in auds}
    cells = {}
    for (aid, week), parts in acc.items():
        contributors = tuple(sorted(((i, float(p), k) for (i, k), p in parts.items()), key=lambda x: (-x[1], x[0])))
        year, num = week.split("-W")
        monday = _dt.date.fromisocalendar(int(year), int(num), 1)
        cells[(aid, week)] = WeekLoad(aid, week, monday, float(sum(parts.values())), tol[aid], contributors)
    first, last = _monday(sched.start_date), sched.finish_date
    weeks, day = [], first
    while day <= last:
        weeks.append(_iso_week(day))
        day += _dt.timedelta(days=7)
    extra = sorted({w for _, w in cells} - set(weeks))
    return ChangeLoad(auds, tuple(sorted(set(weeks) | set(extra))), cells)


# ------------------------------------------------------------------------------------------ levelling

@dataclass(frozen=True)
class LevelReport:
    """How a levelled schedule was found (``Schedule.levelling``; its JSON ``levelling`` block)."""

    method: str
    seed: int
    schedules: int
    unlevelled_finish: int
    bound: int
    optimal: bool
    seconds: float
    #: with ``audiences``: the tasks the audience pass moved, by audience id
    audience_moves: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: audience-weeks still above tolerance after the audience pass (it could not mend them)
    audiences: tuple[str, ...] = ()
    audiences_levelled: bool = False


def _activities(plan: Plan, cal: WorkCalendar, base: Schedule, releases: Mapping[str, int] | None = None):
    from .levelling import Activity

    acts = []
    for t in plan.tasks:
        rel = base.tasks[t.id]
        release = cal.index_on_or_after(t.start_no_earlier_than) if t.start_no_earlier_than else 0
        if releases and t.id in releases:
            release = max(release, releases[t.id])
        deadline = rel.late_end if t.deadline is not None else None
        demands = dict(t.resources) if t.duration > 0 else {}
        acts.append(Activity(t.id, t.duration, t.depends_on, demands, release, deadline))
    return acts


def level_schedule(plan: Plan, calendar: WorkCalendar | None = None, *, method: str | None = None,
                   seed: int | None = None, schedules: int | None = None, time_limit: float | None = None,
                   audiences: bool | None = None,
                   progress: Callable[[int, int], None] | None = None) -> Schedule:
    """The resource-constrained schedule of ``plan`` (SPEC 2a), as the same ``Schedule`` type
    ``rollout.schedule.schedule`` returns, dated the same way, with each task's ``levelling_delay`` and
    ``delayed_by``; float and the critical path follow resource hand-offs. Arguments left None come from the
    plan's ``scheduling: {level: {...}}``.

    ``audiences=True`` also keeps each audience's weekly change load at or under its tolerance: a repair
    loop that, while some audience-week is over, delays the task contributing most to it (starting in that
    week, else any) to the next week, and levels again; cadences stay where they are. ``progress(done,
    total)`` is called after each levelling run."""
    from .levelling import LevellingError, level

    cfg = plan.scheduling
    method = method or cfg.method
    seed = cfg.seed if seed is None else seed
    schedules = cfg.schedules if schedules is None else schedules
    time_limit = cfg.time_limit if time_limit is None else time_limit
    audiences = cfg.audiences if audiences is None else audiences
    cal = calendar or WorkCalendar(plan.start, plan.calendar)
    base = schedule(plan, cal)
    resources = availability(plan, cal, used_only=True)
    index = plan.task_index()

    def run(releases):
        try:
            return level(_activities(plan, cal, base, releases), resources, method=method, seed=seed,
                         schedules=schedules, time_limit=time_limit)
        except LevellingError as exc:
            t = index.get(exc.task) if exc.task else None
            src = t.source if t is not None else None
            raise PlanError(str(exc), src.path if src else plan.path, src.line if src else None) from None

    _check_windows(plan, base, resources)
    releases: dict[str, int] = {}
    moves: dict[str, list[str]] = {}
    held: dict[str, set[str]] = {}
    total = MAX_AUDIENCE_MOVES + 1 if audiences else 1
    lv = run(releases)
    done = 1
    if progress:
        progress(done, total)
    still: list[str] = []
    if audiences and any(a.tolerance is not None for a in plan.audiences):
        while True:
            sched = _to_schedule(plan, cal, base, lv, None, {}, held)
            over = change_load(plan, sched).over()
            if not over:
                break
            pick = _audience_move(plan, sched, over, cal)
            if pick is None or done >= total:
                still = [f"{c.audience} {c.week}" for c in over]
                break
            tid, aid, edge = pick
            releases[tid] = edge
            moves.setdefault(aid, []).append(tid)
            held.setdefault(tid, set()).add(aid)
            lv = run(releases)
            done += 1
            if progress:
                progress(done, total)
    if progress and done < total:
        progress(total, total)
    report = LevelReport(lv.method, lv.seed, lv.schedules, base.finish, max(lv.bound, base.finish), lv.optimal,
                         lv.seconds, {a: tuple(ts) for a, ts in moves.items()}, tuple(still), bool(audiences))
    return _to_schedule(plan, cal, base, lv, report, releases, held)


def _check_windows(plan: Plan, base: Schedule, resources: list) -> None:
    """A task no stretch of its resources' working days can hold (a five-day task for someone who works four
    days a week) is a plan error naming the task and the resources, at the task's line."""
    import numpy as np

    from .levelling._network import units_on

    with_demands = [t for t in plan.tasks if t.resources and t.duration > 0]
    if not with_demands:
        return
    horizon = min(base.finish + sum(t.duration for t in with_demands) + 520, 50_000)
    have = {r.id: units_on(r, 0, horizon) for r in resources}
    problems = []
    for t in with_demands:
        ok = np.ones(horizon, dtype=bool)
        for rid, units in t.resources:
            ok &= have[rid] >= units - EPS
        # the longest run of consecutive working days on which every resource it names has its units
        edges = np.flatnonzero(np.diff(np.concatenate([[0], ok.astype(np.int8), [0]])))
        longest = int((edges[1::2] - edges[::2]).max(initial=0))
        if longest < t.duration:
            names = ", ".join(f"{u:g} of '{rid}'" for rid, u in t.resources)
            src = t.source
            problems.append(Problem(
                f"task '{t.id}' needs {names} on {t.duration} consecutive working days, but "
                f"{'they are' if len(t.resources) > 1 else 'it is'} never there for more than {longest} in a row "
                "(their own calendar, leave or capacity); shorten the task, split it, or use another resource",
                src.path if src else plan.path, src.line if src else None))
    if problems:
        raise PlanError(problems=problems)


def _to_schedule(plan: Plan, cal: WorkCalendar, base: Schedule, lv, report, releases, held) -> Schedule:
    starts = {tid: t.start for tid, t in lv.tasks.items()}
    late = {tid: t.late_start for tid, t in lv.tasks.items()}
    delays = {}
    for tid, t in lv.tasks.items():
        by = tuple(t.delayed_by)
        if tid in held and t.start > base.tasks[tid].start:
            by += tuple(sorted(held[tid] - set(by)))
        delays[tid] = (t.start - base.tasks[tid].start, by)
    index = plan.task_index()
    handoffs = [(tid, j) for tid, t in lv.tasks.items() for j in t.driven_by
                if all(d.task != j for d in index[tid].depends_on)]
    return dated_schedule(plan, cal, starts, late, lv.critical_path, report if report is not None else lv, delays,
                          handoffs)


def _audience_move(plan: Plan, sched: Schedule, over: list[WeekLoad], cal: WorkCalendar):
    """(task id, audience id, new release edge) for the first over-tolerance week that can be mended: the
    task contributing most to it (one that starts in the week first, then the one with the most float),
    moved to the first working day after the week; None when no task can be moved out of any such week."""
    index = plan.task_index()
    for cell in over:
        sunday = cell.monday + _dt.timedelta(days=6)
        after = cal.index_on_or_after(sunday + _dt.timedelta(days=1))
        cands = []
        for cid, points, kind in cell.contributors:
            if kind != "task":
                continue
            st = sched.tasks[cid]
            if points > (cell.tolerance or 0) + EPS:
                continue      # alone it is over wherever it goes: moving it helps nothing
            starts_here = cell.monday <= st.start_date <= sunday
            cands.append((-points, not starts_here, -st.total_float, -st.start, cid))
        for *_, cid in sorted(cands):
            if sched.tasks[cid].start < after and index[cid].duration >= 0:
                return cid, cell.audience, after
    return None


def with_levelling(plan: Plan, level: bool) -> Plan:
    """The plan with ``scheduling.level`` switched on (``--level``)."""
    if plan.scheduling.level == level:
        return plan
    return dataclasses.replace(plan, scheduling=dataclasses.replace(plan.scheduling, level=level))


def plan_schedule(plan: Plan, calendar: WorkCalendar | None = None, level: bool | None = None,
                  progress: Callable[[int, int], None] | None = None) -> Schedule:
    """The schedule a command shows: levelled when ``level`` (``--level``) or the plan's ``scheduling:
    {level: true}`` says so, else the unlevelled one. Every command that schedules can call this."""
    if level if level is not None else plan.scheduling.level:
        return level_schedule(plan, calendar, progress=progress)
    return schedule(plan, calendar)
