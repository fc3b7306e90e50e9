"""Critical-path scheduling on working days (SPEC 2): early and late edges, total float, critical path.

Pure: takes an expanded plan (and optionally a calendar) and returns a Schedule; no I/O, no printing.
"""

from __future__ import annotations

import datetime as _dt
import functools
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

from .calendar import WorkCalendar
from .errors import CycleError, PlanError
from .model import Plan, Task
from .util import no_gc

__all__ = ["Schedule", "ScheduledTask", "dated_schedule", "deadline_edge", "find_cycle", "schedule",
           "topological_order"]


@dataclass(frozen=True, slots=True)
class ScheduledTask:
    """A task with its edges (working-day indices, half-open [start, end)) and dates."""

    task: Task
    start: int
    end: int
    late_start: int
    late_end: int
    start_date: _dt.date
    finish_date: _dt.date
    #: working days the task can slip without delaying any successor (or the plan's finish)
    free_float: int = 0
    late_start_date: _dt.date | None = None
    late_finish_date: _dt.date | None = None
    #: levelled schedules only (SPEC 2a): working days later than the unlevelled early start, and the
    #: resources or audiences that held the task
    levelling_delay: int = 0
    delayed_by: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return self.task.id

    @property
    def total_float(self) -> int:
        return self.late_start - self.start

    @property
    def critical(self) -> bool:
        """No float left, or less than none: a deadline it cannot meet makes float negative (SPEC 2)."""
        return self.late_start <= self.start

    def to_dict(self, iso=_dt.date.isoformat) -> dict[str, Any]:
        """The task's row in ``rollout schedule --format json`` (SPEC 3); ``iso`` formats dates."""
        t = self.task
        return {
            "id": t.id, "name": t.name, "workstream": t.workstream, "kind": t.kind,
            "duration": t.duration, "start": iso(self.start_date), "finish": iso(self.finish_date),
            "late_start": None if self.late_start_date is None else iso(self.late_start_date),
            "late_finish": None if self.late_finish_date is None else iso(self.late_finish_date),
            "total_float": self.late_start - self.start, "free_float": self.free_float,
            "critical": self.late_start <= self.start,
            "depends_on": [{"task": d.task, "type": d.type, "lag": d.lag} for d in t.depends_on],
            "owner": t.owner, "phase": t.phase, "deadline": None if t.deadline is None else iso(t.deadline),
            "tags": list(t.tags),
        }


@dataclass(frozen=True)
class Schedule:
    """The result of scheduling a plan. ``tasks`` keeps the plan's task order."""

    plan: Plan
    calendar: WorkCalendar
    tasks: Mapping[str, ScheduledTask]
    finish: int                       # the plan's finish edge (max end), in working days from day 0
    critical_path: tuple[str, ...]    # one chain of zero-float tasks from the start to the finish
    #: the levelling that produced it (a ``rollout.levelling.Levelling``), None when unlevelled
    levelling: Any = None

    @property
    def levelled(self) -> bool:
        return self.levelling is not None

    @property
    def start_date(self) -> _dt.date:
        return self.plan.start

    @functools.cached_property
    def finish_date(self) -> _dt.date:
        """The last date of work: the latest finish among the tasks that end at the finish edge (a final
        milestone held to its own date may sit after the last working day)."""
        last = self.edge_finish_date(self.finish)
        for st in self.tasks.values():
            if st.end == self.finish and st.finish_date > last:
                last = st.finish_date
        return last

    def edge_finish_date(self, edge: int) -> _dt.date:
        """The calendar date of the last working day before ``edge`` (the plan start for edge 0)."""
        return self.plan.start if edge <= 0 else self.calendar.date(edge - 1)

    def __getitem__(self, task_id: str) -> ScheduledTask:
        return self.tasks[task_id]

    @functools.cached_property
    def critical_tasks(self) -> tuple[str, ...]:
        """The critical tasks, in plan order: every task (milestones included) with no total float left
        (negative where a deadline cannot be met), on any chain that drives the finish. What ``schedule --critical`` lists and every headline counts;
        ``critical_path`` is one of those chains, from the start to the finish."""
        return tuple(tid for tid, st in self.tasks.items() if st.late_start <= st.start)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of ``rollout schedule --format json`` (SPEC 3)."""
        iso = functools.lru_cache(maxsize=None)(_dt.date.isoformat)   # few distinct dates, many tasks
        tasks = [st.to_dict(iso) for st in self.tasks.values()]
        out = {
            "plan": self.plan.id, "start": self.start_date.isoformat(),
            "finish": self.finish_date.isoformat(), "finish_days": self.finish,
            "critical_path": list(self.critical_path), "tasks": tasks,
        }
        if self.levelling is not None:
            for row, st in zip(tasks, self.tasks.values()):
                row["levelling_delay"] = st.levelling_delay
                row["delayed_by"] = list(st.delayed_by)
            lv = self.levelling
            out["levelling"] = {"method": lv.method, "seed": lv.seed, "schedules": lv.schedules,
                                "unlevelled_finish_days": lv.unlevelled_finish, "bound_days": lv.bound,
                                "optimal": lv.optimal,
                                **({"audiences": list(lv.audiences)} if getattr(lv, "audiences", None) else {})}
        return out

    def to_frame(self):
        """The schedule as a pandas DataFrame, one row per task."""
        import pandas as pd

        rows = self.to_dict()["tasks"]
        frame = pd.DataFrame(rows, columns=list(rows[0]) if rows else None)
        for col in ("start", "finish", "deadline"):
            if col in frame:
                frame[col] = pd.to_datetime(frame[col])
        return frame


def topological_order(tasks: list[Task], index: dict[str, int] | None = None,
                      prefer_path: str | None = None) -> list[int]:
    """Task positions in dependency order (Kahn); raises CycleError with the cycle when there is one.

    The error is located at a task of the cycle defined (or changed) in ``prefer_path`` when there is
    one, else at the cycle's first task: the plan file is where a PMO can mend it."""
    if index is None:
        index = {t.id: i for i, t in enumerate(tasks)}
    n = len(tasks)
    indegree = [0] * n
    succs: list[list[int]] = [[] for _ in range(n)]
    for i, t in enumerate(tasks):
        for dep in t.depends_on:
            j = index.get(dep.task)
            if j is None:
                raise PlanError(f"task '{t.id}' depends on unknown task '{dep.task}'",
                                *_where(t))
            succs[j].append(i)
            indegree[i] += 1
    order = [i for i in range(n) if indegree[i] == 0]
    head = 0
    while head < len(order):
        i = order[head]
        head += 1
        for k in succs[i]:
            indegree[k] -= 1
            if indegree[k] == 0:
                order.append(k)
    if len(order) < n:
        cycle = find_cycle(tasks, index, [i for i in range(n) if indegree[i] > 0])
        members = [tasks[index[tid]] for tid in cycle[:-1]]
        at = next((t for t in members if prefer_path and t.source is not None and t.source.path == prefer_path),
                  members[0])
        raise CycleError(cycle, *_where(at))
    return order


def find_cycle(tasks: list[Task], index: dict[str, int], among: Iterable[int]) -> list[str]:
    """One dependency cycle among the given task positions, as ids with the first repeated last."""
    preds = [[index[d.task] for d in t.depends_on if d.task in index] for t in tasks]
    ids = [tasks[k].id for k in cycle_among(preds, set(among))]
    return ids + [ids[0]]


def stuck_positions(preds: Sequence[Sequence[int]], succs: Sequence[Sequence[int]]) -> set[int]:
    """Positions that no dependency order reaches (Kahn): empty when the graph has no cycle."""
    indegree = [len(p) for p in preds]
    queue = [i for i in range(len(preds)) if indegree[i] == 0]
    done = 0
    while queue:
        i = queue.pop()
        done += 1
        for k in succs[i]:
            indegree[k] -= 1
            if indegree[k] == 0:
                queue.append(k)
    return set() if done == len(preds) else {i for i, d in enumerate(indegree) if d > 0}


def cycle_among(preds: Sequence[Sequence[int]], stuck: set[int]) -> list[int]:
    """One cycle among ``stuck`` positions (see :func:`stuck_positions`), in the order work flows
    (a before b when b depends on a). The one cycle search of the package: the scheduler's CycleError
    and check S001 both report it."""
    # every stuck task waits for a stuck task, so walking those waits must loop
    seen: dict[int, int] = {}
    path: list[int] = []
    i = min(stuck)
    while i not in seen:
        seen[i] = len(path)
        path.append(i)
        i = next(j for j in preds[i] if j in stuck)
    return list(reversed(path[seen[i]:]))


def schedule(plan: Plan, calendar: WorkCalendar | None = None,
             durations: Mapping[str, int] | None = None) -> Schedule:
    """Schedule a plan as early as possible and compute late edges, float and the critical path.

    ``durations`` overrides task durations by id (used by risk simulation and what-if runs).

    >>> from rollout.model import Plan, Task, Dependency, CalendarSpec
    >>> plan = Plan("p", "P", _dt.date(2027, 1, 4), CalendarSpec(), (
    ...     Task("w.a", "A", "w", 5), Task("w.b", "B", "w", 3, depends_on=(Dependency("w.a"),))))
    >>> s = schedule(plan)
    >>> s["w.b"].start, s["w.b"].end, s.finish_date.isoformat()
    (5, 8, '2027-01-13')
    """
    with no_gc():
        return _schedule(plan, calendar or WorkCalendar(plan.start, plan.calendar), durations)


def _schedule(plan: Plan, cal: WorkCalendar, durations: Mapping[str, int] | None) -> Schedule:
    tasks = list(plan.tasks)
    index = {t.id: i for i, t in enumerate(tasks)}
    order = topological_order(tasks, index, plan.path)
    dur = [t.duration for t in tasks]
    if durations:
        for tid, d in durations.items():
            dur[index[tid]] = d
    preds = [[(index[d.task], d.type, d.lag) for d in t.depends_on] for t in tasks]
    es, anchor = _forward(plan, cal, tasks, order, preds, dur)
    return _cpm(plan, cal, tasks, order, preds, dur, es, anchor)


def dated_schedule(plan: Plan, cal: WorkCalendar, starts: Mapping[str, int], late_starts: Mapping[str, int],
                   critical_path: tuple[str, ...], levelling: Any = None,
                   delays: Mapping[str, tuple[int, tuple[str, ...]]] | None = None,
                   handoffs: Iterable[tuple[str, str]] = ()) -> Schedule:
    """A Schedule for start edges fixed elsewhere (a levelled schedule, SPEC 2a), dated exactly as
    ``schedule`` dates its own: the same milestone rules and late dates, from the given late starts; free
    float is the slack to the nearest successor's dependency or to the task it hands a resource (``handoffs``:
    (task, the task that had the resource) pairs). ``delays`` maps a task id to its (levelling_delay,
    delayed_by)."""
    tasks = list(plan.tasks)
    index = {t.id: i for i, t in enumerate(tasks)}
    order = topological_order(tasks, index, plan.path)
    dur = [t.duration for t in tasks]
    preds = [[(index[d.task], d.type, d.lag) for d in t.depends_on] for t in tasks]
    fixed = [starts[t.id] for t in tasks]
    es, anchor = _forward(plan, cal, tasks, order, preds, dur, fixed)
    le = [late_starts[t.id] + dur[i] for i, t in enumerate(tasks)]
    pairs = [(index[k], index[j]) for k, j in handoffs]
    return _cpm(plan, cal, tasks, order, preds, dur, es, anchor, le, critical_path, levelling, delays, pairs)


def _forward(plan: Plan, cal: WorkCalendar, tasks: list[Task], order: list[int], preds, dur: list[int],
             fixed: list[int] | None = None) -> tuple[list[int], list[_dt.date | None]]:
    """Early start edges and each task's anchor (below); with ``fixed`` starts, those starts, and the anchor
    only of a task that starts where its constraints put it."""
    n = len(tasks)

    # forward pass. TaskJuggler, whose dates SPEC 2 follows, works in instants: a task usually starts at
    # 17:00 of the day before its first working day, but one held by its start_no_earlier_than date D (or
    # starting at the plan start) starts at 00:00 of D. anchor[i] is that D, when there is one; a lag-0 SS
    # link, or a lag-0 FS link from a milestone, hands it on. It decides only how a milestone is dated.
    es = [0] * n
    anchor: list[_dt.date | None] = [None] * n
    lowest = _dt.date.min
    for i in order:
        t = tasks[i]
        d = dur[i]
        if t.start_no_earlier_than:
            s = cal.index_on_or_after(t.start_no_earlier_than)
            a = max(t.start_no_earlier_than, plan.start)
        else:
            s, a = 0, plan.start
        for j, typ, lag in preds[i]:
            ca = None
            if typ == "FS":
                c = es[j] + dur[j] + lag
                if lag == 0 and dur[j] == 0:
                    ca = anchor[j]
            elif typ == "SS":
                c = es[j] + lag
                if lag == 0:
                    ca = anchor[j]
            elif typ == "FF":
                c = es[j] + dur[j] + lag - d
            else:  # SF
                c = es[j] + lag - d
            if c > s or (c == s and (ca or lowest) > (a or lowest)):
                s, a = c, ca
        if fixed is not None and fixed[i] != s:
            s, a = fixed[i], None
        es[i] = s
        anchor[i] = a
    return es, anchor


def _cpm(plan: Plan, cal: WorkCalendar, tasks: list[Task], order: list[int], preds, dur: list[int], es: list[int],
         anchor: list, le_given: list[int] | None = None, path_given: tuple[str, ...] | None = None,
         levelling: Any = None, delays: Mapping[str, tuple[int, tuple[str, ...]]] | None = None,
         handoffs=None) -> Schedule:
    """Late edges (unless given), free float, dates and the critical path for the early edges ``es``."""
    n = len(tasks)
    finish = max((es[i] + dur[i] for i in range(n)), default=0)
    if le_given is not None:
        return _dated(plan, cal, tasks, order, preds, dur, es, anchor, le_given, finish, path_given,
                      levelling, delays, None, handoffs)

    # backward pass: late end of each task, bounded by its deadline (SPEC 2: a deadline it cannot meet
    # gives it, and the chain driving it, negative float)
    le = [finish] * n
    for i, t in enumerate(tasks):
        if t.deadline is not None:
            le[i] = min(finish, deadline_edge(t, cal, plan, es[i], dur[i], anchor[i]))
    for i in reversed(order):
        ls_i = le[i] - dur[i]
        for j, typ, lag in preds[i]:
            if typ == "FS":
                c = ls_i - lag
            elif typ == "SS":
                c = ls_i - lag + dur[j]
            elif typ == "FF":
                c = le[i] - lag
            else:  # SF
                c = le[i] - lag + dur[j]
            if c < le[j]:
                le[j] = c

    ff = _free_float(es, dur, preds, finish)
    return _dated(plan, cal, tasks, order, preds, dur, es, anchor, le, finish, None, None, None, ff)


def _free_float(es, dur, preds, finish) -> list[int]:
    """The slack to the nearest successor's constraint (or to the finish, for the last tasks)."""
    n = len(es)
    ff = [finish - es[i] - dur[i] for i in range(n)]
    for k in range(n):
        s_k, d_k = es[k], dur[k]
        for j, typ, lag in preds[k]:
            if typ == "FS":
                c = es[j] + dur[j] + lag
            elif typ == "SS":
                c = es[j] + lag
            elif typ == "FF":
                c = es[j] + dur[j] + lag - d_k
            else:  # SF
                c = es[j] + lag - d_k
            if s_k - c < ff[j]:
                ff[j] = s_k - c
    return ff


def _dated(plan, cal, tasks, order, preds, dur, es, anchor, le, finish, path_given, levelling, delays,
           ff=None, handoffs=None) -> Schedule:
    n = len(tasks)
    if ff is None:      # levelled: free float as schedule() has it, and to each task it hands a resource
        ff = _free_float(es, dur, preds, finish)
        for k, j in handoffs or ():
            if es[k] - es[j] - dur[j] < ff[j]:
                ff[j] = es[k] - es[j] - dur[j]
    # dates: a working task runs on days s … e−1
    top = max(finish, max(es, default=0)) + 1
    cal.date(top)
    cdate = cal.date
    result: dict[str, ScheduledTask] = {}
    for i, t in enumerate(tasks):
        s, d = es[i], dur[i]
        ls = le[i] - d
        if d == 0:
            # a milestone sits at the 00:00 it was handed, or on day s−1 (the day its predecessors finish;
            # the plan start when s = 0); late, on the day before its late edge
            sd = fd = anchor[i] or (plan.start if s == 0 else cdate(s - 1))
            lsd = lfd = sd if ls == s else (plan.start if ls <= 0 else cdate(ls - 1))
        else:
            sd, fd = cdate(s), cdate(s + d - 1)
            lsd, lfd = (sd, fd) if ls == s else (cdate(ls), cdate(le[i] - 1))
        if delays is None:
            result[t.id] = ScheduledTask(t, s, s + d, ls, le[i], sd, fd, ff[i], lsd, lfd)
        else:
            delay, held = delays.get(t.id, (0, ()))
            result[t.id] = ScheduledTask(t, s, s + d, ls, le[i], sd, fd, ff[i], lsd, lfd, delay, held)
    path = _critical_chain(tasks, preds, es, le, dur, finish, order) if path_given is None else path_given
    return Schedule(plan, cal, result, finish, path, levelling)


def deadline_edge(t: Task, cal: WorkCalendar, plan: Plan, s: int, d: int, anchor: _dt.date | None) -> int:
    """The latest end edge at which the task's reported finish date is on or before its deadline.

    A task ending on edge e finishes on working day e−1, so the edge is the deadline's working day + 1.
    A milestone held to an instant (its anchor: a start_no_earlier_than date, or the plan start) is dated
    there rather than on day s−1; when that date is past the deadline, the edge is one before its own,
    so its float is negative exactly when its reported date misses (S004 and D007 agree)."""
    edge = cal.index_on_or_before(t.deadline) + 1
    if d == 0 and edge >= s:
        dated = anchor or (plan.start if s == 0 else cal.date(s - 1))
        if dated > t.deadline:
            return s - 1
    return edge


def _critical_chain(tasks, preds, es, le, dur, finish, order) -> tuple[str, ...]:
    """Follow driving critical predecessors (float ≤ 0) back from the last critical task ending at the
    finish; a driving predecessor never has more float than the task it drives."""
    ends = [i for i in order if es[i] + dur[i] == finish and le[i] - dur[i] <= es[i]]
    if not ends:
        return ()
    i = ends[-1]
    chain = [i]
    while True:
        s = es[i]
        nxt = None
        for j, typ, lag in preds[i]:
            if le[j] - dur[j] > es[j]:
                continue
            e_j = es[j] + dur[j]
            bound = {"FS": e_j + lag, "SS": es[j] + lag,
                     "FF": e_j + lag - dur[i], "SF": es[j] + lag - dur[i]}[typ]
            if bound == s:
                nxt = j
                break
        if nxt is None:
            break
        chain.append(nxt)
        i = nxt
    return tuple(tasks[k].id for k in reversed(chain))


def _where(task: Task) -> tuple[str | None, int | None]:
    src = task.source
    return (src.path, src.line) if src is not None else (None, None)
