"""Tracking a plan against its baseline: actuals, percent complete, variance, forecast, RAG, burn-up.

Actuals come from a progress CSV or from the state store's pull snapshots. The forecast re-plans the
remaining work with ``schedule()`` itself, so it follows exactly the arithmetic of SPEC 2.

The as-of date is a status date: work on days before it is reported, remaining work starts on it.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as _dt
import functools
import math
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping, Sequence

from .calendar import WorkCalendar
from .errors import PlanError, Problem
from .model import Estimate, Plan, Source, Task
from .schedule import Schedule, schedule, topological_order
from .selection import Selection
from .util import no_gc, suggestion, text_table

_table = functools.partial(text_table, max_width=48, indent="  ")

__all__ = [
    "ACTUALS_COLUMNS",
    "Actual",
    "Progress",
    "RAG_RULES",
    "STATUSES",
    "StatusReport",
    "actuals_from_snapshot",
    "assemble_status",
    "baseline_edges",
    "forecast",
    "load_progress",
    "parse_actuals_csv",
    "pin_reported_milestones",
    "read_actuals_csv",
    "remaining_plan",
    "status",
    "status_report",
]

ACTUALS_COLUMNS = ("task", "status", "actual_start", "actual_finish", "percent_complete")
STATUSES = ("todo", "in-progress", "done")

#: Thresholds of the RAG rules (docs/tracking-and-risk.md). Days are working days of slip against the
#: baseline; points are percentage points of duration-weighted progress behind the baseline's plan.
RAG_RULES = {
    "amber_days": 1,        # amber from one working day late …
    "red_days": 10,         # … red beyond two working weeks
    "amber_points": 10,     # amber when 10 points or more behind plan …
    "red_points": 25,       # … red from 25 points behind
    "deadline_margin": 5,   # a milestone forecast within this many working days of its deadline is amber
}


# -- actuals ------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Actual:
    """What is known of one task's progress. ``percent_complete`` is None when not reported."""

    task: str
    status: str
    actual_start: _dt.date | None = None
    actual_finish: _dt.date | None = None
    percent_complete: float | None = None
    source: Source | None = field(default=None, compare=False)


def read_actuals_csv(path: str, plan: Plan) -> dict[str, Actual]:
    """Read a progress CSV (SPEC 3); every bad row is reported, as ``file.csv:N`` (header = line 1)."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            text = fh.read()
    except OSError as exc:
        raise PlanError(f"cannot read actuals: {exc.strerror or exc}", path) from exc
    except UnicodeDecodeError:
        raise PlanError("actuals must be a UTF-8 CSV file", path) from None
    return parse_actuals_csv(text, plan, path)


class _CsvRows:
    """csv.reader rows; a row the csv module refuses (a cell over its 131,072-character limit) is a
    PlanError naming the line, not a traceback."""

    def __init__(self, lines, path: str):
        self.reader, self.path = csv.reader(lines), path

    def __iter__(self):
        return self

    def __next__(self) -> list[str]:
        try:
            return next(self.reader)
        except csv.Error as exc:
            what = (f"a cell is longer than {csv.field_size_limit():,} characters; is this the actuals CSV?"
                    if "field limit" in str(exc) else f"not a readable CSV row ({exc})")
            raise PlanError(what, self.path, self.reader.line_num) from None

    @property
    def line_num(self) -> int:
        return self.reader.line_num


def parse_actuals_csv(text: str, plan: Plan, path: str = "<actuals>") -> dict[str, Actual]:
    """Parse progress CSV text; see :func:`read_actuals_csv`."""
    problems: list[Problem] = []
    reader = _CsvRows(text.splitlines(keepends=True), path)
    try:
        header = next(reader)
    except StopIteration:
        raise PlanError("empty actuals file: expected the header " + ",".join(ACTUALS_COLUMNS), path, 1) from None
    header = [h.strip().lower() for h in header]
    missing = [c for c in ACTUALS_COLUMNS if c not in header]
    unknown = [h for h in header if h not in ACTUALS_COLUMNS]
    if missing or unknown:
        what = []
        if missing:
            what.append("missing column(s) " + ", ".join(missing))
        for h in unknown:
            what.append(f"unknown column '{h}'" + _did_you_mean(h, ACTUALS_COLUMNS))
        raise PlanError("; ".join(what) + "; expected header " + ",".join(ACTUALS_COLUMNS), path, 1)
    col = {name: header.index(name) for name in ACTUALS_COLUMNS}
    tasks = plan.task_index()
    out: dict[str, Actual] = {}
    first_line: dict[str, int] = {}
    line = 1
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(header):
            problems.append(Problem(f"expected {len(header)} cells, found {len(row)}", path, line))
            continue
        row = row + [""] * (len(header) - len(row))       # trailing empty cells may be left out
        cells = {name: row[k].strip() for name, k in col.items()}
        errors: list[str] = []
        tid = cells["task"]
        if not tid:
            errors.append("empty task id")
        elif tid not in tasks:
            errors.append(f"unknown task '{tid}'" + _did_you_mean(tid, list(tasks)))
        elif tid in first_line:
            errors.append(f"task '{tid}' already given on line {first_line[tid]}")
        start = _parse_date(cells["actual_start"], "actual_start", errors)
        finish = _parse_date(cells["actual_finish"], "actual_finish", errors)
        pct = _parse_percent(cells["percent_complete"], errors)
        state = cells["status"].lower()
        if state and state not in STATUSES:
            errors.append(f"unknown status '{cells['status']}' (expected one of {', '.join(STATUSES)})"
                          + _did_you_mean(state, STATUSES))
        elif not state:         # an empty status is inferred from the other cells
            state = ("done" if finish or pct == 100 else
                     "in-progress" if start or (pct or 0) > 0 else "todo")
        if start and finish and finish < start:
            errors.append(f"actual_finish {finish} is before actual_start {start}")
        if state == "todo" and (start or finish or (pct or 0) > 0):
            errors.append("status todo, yet an actual date or progress is given")
        if state == "in-progress" and finish:
            errors.append("status in-progress, yet actual_finish is given (use done)")
        if state == "done" and pct is not None and pct < 100:
            errors.append(f"status done, yet percent_complete is {pct:g}")
        if errors:
            problems.extend(Problem(e, path, line) for e in errors)
            continue
        first_line[tid] = line
        if state == "done":
            pct = 100.0
        elif state == "todo":
            pct = 0.0
        out[tid] = Actual(tid, state, start, finish, pct, Source(path, line))
    if problems:
        raise PlanError(problems=problems)
    return out


def actuals_from_snapshot(snapshot, plan: Plan) -> dict[str, Actual]:
    """Actuals from a state-store ``Snapshot`` (tasks no longer in the plan are left out)."""
    tasks = plan.task_index()
    out = {}
    for tid, p in snapshot.tasks.items():
        if tid not in tasks:
            continue
        state = p.state
        start, finish = p.actual_start, p.actual_finish if state == "done" else None
        if start and finish and finish < start:
            start = finish
        out[tid] = Actual(tid, state, start if state != "todo" else None, finish,
                          100.0 if state == "done" else 0.0 if state == "todo" else None)
    return out


def _parse_date(text: str, name: str, errors: list[str]) -> _dt.date | None:
    if not text:
        return None
    try:
        return _dt.date.fromisoformat(text)
    except ValueError:
        errors.append(f"bad {name} '{text}' (expected a date as YYYY-MM-DD)")
        return None


def _parse_percent(text: str, errors: list[str]) -> float | None:
    if not text:
        return None
    try:
        value = float(text.rstrip("%").strip())
    except ValueError:
        errors.append(f"bad percent_complete '{text}' (expected a number from 0 to 100)")
        return None
    if not 0 <= value <= 100 or value != value:
        errors.append(f"percent_complete {text} is outside 0–100")
        return None
    return value


def _did_you_mean(word: str, choices: Iterable[str]) -> str:
    return suggestion(word, list(choices))


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
    from .risk import three_point

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


# -- status ------------------------------------------------------------------------------------------

@dataclass
class StatusReport:
    """Progress of a plan at a status date, against its baseline, with the forecast.

    ``selection`` (task ids) narrows every figure to those tasks (``--filter``); the forecast is still
    that of the whole plan, since the selected work depends on the rest. ``group_by`` names the grouping
    of :meth:`groups` (``workstream``, ``owner`` or ``tag:KEY``).
    """

    plan: Plan
    as_of: _dt.date
    baseline: Schedule                       # the current schedule (dates of tasks not in a stored baseline)
    baseline_edges: dict[str, tuple[int, int]]
    forecast: Schedule
    actuals: dict[str, Actual]
    actuals_source: str | None
    baseline_source: str
    percent: dict[str, float]                # task id → percent complete (0–100)
    burnup: list[dict[str, Any]] = field(default_factory=list)
    selection: Selection | None = None
    group_by: str = "workstream"

    # -- what is looked at
    @functools.cached_property
    def _tasks(self) -> dict[str, Task]:
        return self.plan.task_index()

    @functools.cached_property
    def ids(self) -> list[str]:
        """The task ids the figures are about, in plan order: every task, or the selection's."""
        if self.selection is None:
            return [t.id for t in self.plan.tasks]
        return [t.id for t in self.plan.tasks if self.selection.matches(t)]

    @property
    def reported(self) -> bool:
        """True when any progress is known (a CSV row or a snapshot entry); without any, no figure is a
        verdict: the forecast is the baseline and nothing gets a RAG."""
        return bool(self.actuals)

    # -- figures
    def _weighted(self, ids: Sequence[str], planned: bool = False) -> float:
        tasks = self._tasks
        total = sum(tasks[i].duration for i in ids)
        if not total:
            return 100.0 if all(self._is_done(i) for i in ids) and ids else 0.0
        if planned:
            a = self._as_of_index
            done = sum(_planned_share(*self.baseline_edges[i], a) * tasks[i].duration for i in ids)
        else:
            done = sum(self.percent[i] / 100 * tasks[i].duration for i in ids)
        return round(100 * done / total, 1)

    def _is_done(self, tid: str) -> bool:
        act = self.actuals.get(tid)
        return act is not None and act.status == "done"

    @functools.cached_property
    def _as_of_index(self) -> int:
        return self.baseline.calendar.index_on_or_after(self.as_of)

    @property
    def baseline_finish(self) -> int:
        return max((e for _, e in self.baseline_edges.values()), default=0)

    def date(self, edge: int) -> _dt.date:
        return self.baseline.edge_finish_date(edge)

    def variance(self, ids: Sequence[str]) -> int:
        """Forecast minus baseline finish of a set of tasks, in working days (positive = late)."""
        if not ids:
            return 0
        return (max(self.forecast.tasks[i].end for i in ids)
                - max(self.baseline_edges[i][1] for i in ids))

    def late(self) -> list[str]:
        """Tasks whose forecast finish is after their baseline finish, in plan order."""
        fc = self.forecast.tasks
        return [tid for tid in self.ids if fc[tid].end > self.baseline_edges[tid][1]]

    def own_slip(self, key: Callable[[Task], str | None]) -> dict[str, int]:
        """Per task: how much later it is forecast to end than it would if its own group's work had
        gone to plan, in working days (positive = late).

        The reference is the baseline moved only by what tasks of *other* groups now push onto it
        (their forecast dates, through the dependencies); tasks of the same group keep their reference
        dates. So a slip that one workstream hands on to another counts against the first only, and a
        group's work that should have started or finished by the as-of date and has not counts against
        it. One pass in dependency order: linear in tasks and links.
        """
        tasks = list(self.plan.tasks)
        fc = self.forecast.tasks
        edges = self.baseline_edges
        group = {t.id: key(t) for t in tasks}
        ref: dict[str, tuple[int, int]] = {}
        for i in topological_order(tasks):
            t = tasks[i]
            bs, be = edges[t.id]
            d = be - bs
            s = bs
            g = group[t.id]
            for dep in t.depends_on:
                if group[dep.task] == g:
                    ps, pe = ref[dep.task]       # same group: where it would be on plan (already visited)
                else:
                    pst = fc[dep.task]
                    ps, pe = pst.start, pst.end
                typ = dep.type
                if typ == "FS":
                    c = pe + dep.lag
                elif typ == "SS":
                    c = ps + dep.lag
                elif typ == "FF":
                    c = pe + dep.lag - d
                else:
                    c = ps + dep.lag - d
                if c > s:
                    s = c
            ref[t.id] = (s, s + d)
        return {tid: fc[tid].end - r[1] for tid, r in ref.items()}

    def workstreams(self) -> list[dict[str, Any]]:
        """Status per workstream (the selected tasks of each)."""
        return self._grouped(_group_key("workstream"), {w.id: w.name for w in self.plan.workstreams})

    def groups(self) -> list[dict[str, Any]]:
        """Status per group of :attr:`group_by` (per workstream unless another grouping was asked)."""
        if self.group_by == "workstream":
            return self.workstreams()
        return self._grouped(_group_key(self.group_by), {})

    def _grouped(self, key: Callable[[Task], str | None], names: Mapping[str, str]) -> list[dict[str, Any]]:
        groups: dict[str | None, list[str]] = {g: [] for g in names}
        tasks = self._tasks
        for tid in self.ids:
            groups.setdefault(key(tasks[tid]), []).append(tid)
        late = set(self.late())
        slip = self.own_slip(key) if self.reported else {}
        out = []
        for g, ids in groups.items():
            if not ids:
                continue
            pct, planned = self._weighted(ids), self._weighted(ids, planned=True)
            own = max(slip[i] for i in ids) if slip else 0
            missed = [i for i in ids if self._misses_deadline(i)]
            # a deadline counts against the group whose own work misses it, not one it was handed late
            own_missed = [i for i in missed if slip.get(i, 0) > 0]
            out.append({"id": g if g is not None else "(none)", "name": names.get(g, g) if g else "(none)",
                        "percent_complete": pct, "planned_percent": planned,
                        "variance_days": own, "finish_variance_days": self.variance(ids) if self.reported else 0,
                        "rag": _rag(own, planned - pct, bool(own_missed)) if self.reported else None,
                        "late": [i for i in ids if i in late], "deadlines_missed": missed, "tasks": len(ids)})
        return out

    def _misses_deadline(self, tid: str) -> bool:
        st = self.forecast.tasks[tid]
        return st.task.deadline is not None and st.finish_date > st.task.deadline

    def milestones(self) -> list[dict[str, Any]]:
        out = []
        rules = RAG_RULES
        cal = self.baseline.calendar
        fc = self.forecast.tasks
        for tid in self.ids:
            st = fc[tid]
            t = st.task
            if not (t.is_milestone or t.deadline is not None):
                continue
            base_end = self.baseline_edges[tid][1]
            var = st.end - base_end
            rag = None
            if self.reported:
                rag = _rag(var, 0, self._misses_deadline(tid))
                if rag == "green" and t.deadline is not None:
                    margin = cal.index_on_or_before(t.deadline) + 1 - st.end
                    if margin < rules["deadline_margin"]:
                        rag = "amber"
            act = self.actuals.get(tid)
            out.append({"id": tid, "name": t.name, "milestone": t.is_milestone,
                        "status": act.status if act else "todo",
                        "baseline": self.date(base_end).isoformat(),
                        "forecast": st.finish_date.isoformat(), "variance_days": var,
                        "deadline": None if t.deadline is None else t.deadline.isoformat(), "rag": rag})
        return out

    def next_milestone(self) -> dict[str, Any] | None:
        """The first milestone not yet done whose forecast date is on or after the as-of date."""
        upcoming = [m for m in self.milestones()
                    if m["milestone"] and m["status"] != "done" and m["forecast"] >= self.as_of.isoformat()]
        return min(upcoming, key=lambda m: m["forecast"], default=None)

    def tasks(self) -> list[dict[str, Any]]:
        rows = []
        cal = self.baseline.calendar
        fc = self.forecast.tasks
        for tid in self.ids:
            st = fc[tid]
            bs, be = self.baseline_edges[tid]
            act = self.actuals.get(tid)
            milestone = st.task.is_milestone
            rows.append({
                "id": tid, "name": st.task.name, "workstream": st.task.workstream,
                "status": act.status if act else "todo", "percent_complete": round(self.percent[tid], 1),
                "baseline_start": (self.date(bs) if milestone else cal.date(bs)).isoformat(),
                "baseline_finish": self.date(be).isoformat(),
                "forecast_start": st.start_date.isoformat(), "forecast_finish": st.finish_date.isoformat(),
                "variance_days": st.end - be,
            })
        return rows

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of ``rollout status --format json`` (SPEC 3).

        ``reported`` is false when no progress is known at all; then ``rag`` is null everywhere and the
        forecast is the baseline. With a selection, every figure is about the selected tasks.
        """
        with no_gc():           # hundreds of thousands of small dicts, no cycles among them
            return self._to_dict()

    def to_frame(self):
        """Every task's status as a pandas DataFrame (the rows of :meth:`tasks`), dates as datetimes."""
        import pandas as pd

        frame = pd.DataFrame(self.tasks(), columns=["id", "name", "workstream", "status", "percent_complete",
                                                    "baseline_start", "baseline_finish", "forecast_start",
                                                    "forecast_finish", "variance_days"])
        for col in ("baseline_start", "baseline_finish", "forecast_start", "forecast_finish"):
            frame[col] = pd.to_datetime(frame[col])
        return frame

    def _to_dict(self) -> dict[str, Any]:
        ids = self.ids
        pct, planned = self._weighted(ids), self._weighted(ids, planned=True)
        fc = self.forecast.tasks
        base_finish = max((self.baseline_edges[i][1] for i in ids), default=0)
        fc_finish = max((fc[i].end for i in ids), default=0)
        var = fc_finish - base_finish
        missed = any(self._misses_deadline(i) for i in ids)
        out = {
            "plan": self.plan.id, "as_of": self.as_of.isoformat(), "reported": self.reported,
            "percent_complete": pct, "planned_percent": planned,
            "baseline_finish": self.date(base_finish).isoformat(),
            "forecast_finish": (self.forecast.finish_date if self.selection is None
                                else self.forecast.edge_finish_date(fc_finish)).isoformat(),
            "variance_days": var, "rag": _rag(var, planned - pct, missed) if self.reported else None,
            "actuals": self.actuals_source, "baseline": self.baseline_source,
            "filter": None if self.selection is None else self.selection.label,
            "workstreams": self.workstreams(), "milestones": self.milestones(),
            "late": self.late(), "burnup": self.burnup, "tasks": self.tasks(),
        }
        if self.group_by != "workstream":
            out["group_by"] = self.group_by
            out["groups"] = self.groups()
        return out

    def _actuals_label(self) -> str:
        if self.actuals_source:
            return f"{self.actuals_source} ({len(self.actuals)} tasks reported)"
        if self.actuals:
            return f"{len(self.actuals)} tasks reported"
        return "no progress reported yet"

    def to_text(self) -> str:
        d = self.to_dict()
        rag = (d["rag"] or "").upper()
        what = f" ({self.selection.label})" if self.selection is not None else ""
        if self.reported:
            lines = [f"Plan {self.plan.id}{what} as of {d['as_of']}: {d['percent_complete']}% complete "
                     f"(plan {d['planned_percent']}%), {rag}",
                     f"Baseline finish {d['baseline_finish']} ({self.baseline_source}); forecast finish "
                     f"{d['forecast_finish']}; variance {d['variance_days']:+d} working days"]
        else:
            lines = [f"Plan {self.plan.id}{what} as of {d['as_of']}: no progress reported yet "
                     f"(plan {d['planned_percent']}% by the baseline); no RAG until progress is reported",
                     f"Baseline finish {d['baseline_finish']} ({self.baseline_source}); the forecast is the "
                     "baseline until progress is reported"]
        lines += [f"Actuals: {self._actuals_label()}", ""]
        label = "workstream" if self.group_by == "workstream" else self.group_by
        lines.append("Workstreams" if label == "workstream" else f"By {label}")
        lines.append(_table((label, "done %", "plan %", "own variance", "finish variance", "RAG", "late tasks"),
                            [(w["id"], w["percent_complete"], w["planned_percent"], f"{w['variance_days']:+d}",
                              f"{w['finish_variance_days']:+d}", (w["rag"] or "—").upper(), len(w["late"]))
                             for w in self.groups()]))
        if d["milestones"]:
            lines.append("Milestones and deadlines")
            lines.append(_table(("task", "status", "baseline", "forecast", "deadline", "variance", "RAG"),
                                [(m["id"], m["status"], m["baseline"], m["forecast"], m["deadline"] or "",
                                  f"{m['variance_days']:+d}", (m["rag"] or "—").upper()) for m in d["milestones"]]))
        late = [r for r in d["tasks"] if r["variance_days"] > 0] if self.reported else []
        if late:
            lines.append(f"Late against the baseline ({len(late)})")
            late.sort(key=lambda r: -r["variance_days"])
            lines.append(_table(("task", "status", "baseline finish", "forecast finish", "variance"),
                                [(r["id"], r["status"], r["baseline_finish"], r["forecast_finish"],
                                  f"{r['variance_days']:+d}") for r in late[:20]]))
            if len(late) > 20:
                lines.append(f"  … and {len(late) - 20} more (the JSON output lists all)\n")
        return "\n".join(lines).rstrip() + "\n"


def _group_key(spec: str) -> Callable[[Task], str | None]:
    from .selection import group_key

    return group_key(spec)


def _planned_share(start: int, end: int, a: int) -> float:
    """Share of a task the baseline expects done before working day ``a``."""
    if end <= a:
        return 1.0
    if start >= a or end == start:
        return 0.0
    return (a - start) / (end - start)


def _rag(variance_days: int, points_behind: float, deadline_missed: bool) -> str:
    r = RAG_RULES
    if deadline_missed or variance_days > r["red_days"] or points_behind >= r["red_points"]:
        return "red"
    if variance_days >= r["amber_days"] or points_behind >= r["amber_points"]:
        return "amber"
    return "green"


def _percents(plan: Plan, actuals: Mapping[str, Actual], fc: Schedule, a: int) -> dict[str, float]:
    """Percent complete per task: reported, or for work in progress without a figure, the elapsed share."""
    out = {}
    for t in plan.tasks:
        act = actuals.get(t.id)
        if act is None or act.status == "todo":
            out[t.id] = 0.0
        elif act.status == "done":
            out[t.id] = 100.0
        elif act.percent_complete is not None:
            out[t.id] = act.percent_complete
        else:
            s = fc.tasks[t.id].start
            out[t.id] = min(99.0, 100.0 * max(0, a - s) / t.duration) if t.duration else 0.0
    return out


def status(plan: Plan, as_of: _dt.date, actuals: Mapping[str, Actual] | None = None, *,
           baseline: Mapping[str, tuple[_dt.date, _dt.date]] | None = None,
           snapshots: Sequence[Any] = (), actuals_source: str | None = None,
           calendar: WorkCalendar | None = None, selection: Selection | None = None,
           group_by: str = "workstream") -> StatusReport:
    """The status of a plan at ``as_of``: percent complete, variance, forecast, RAG and burn-up.

    ``baseline`` is a stored baseline (task id → (start date, finish date)); without one the plan's
    current schedule is the baseline. ``snapshots`` (state-store snapshots) feed the burn-up. Without
    any actuals nothing is known: the forecast is the baseline and nothing gets a RAG.
    ``selection`` (a :class:`rollout.selection.Selection`) narrows the figures to its tasks;
    ``group_by`` (``workstream``, ``owner``, ``tag:KEY``) sets the grouping of ``groups()``.
    """
    with no_gc():               # builds schedules of every task: no reference cycles among them
        return _status(plan, as_of, actuals, baseline, snapshots, actuals_source, calendar, selection, group_by)


def _status(plan, as_of, actuals, baseline, snapshots, actuals_source, calendar, selection, group_by):
    cal = calendar or WorkCalendar(plan.start, plan.calendar)
    actuals = dict(actuals or {})
    _check_actual_dates(actuals, as_of)
    _group_key(group_by)                       # a bad grouping fails before any work
    if selection is not None:
        selection.ids(plan.tasks)              # and so does a filter that matches no task
    current = schedule(plan, cal)
    edges = baseline_edges(plan, cal, current, baseline)
    fc = forecast(plan, actuals, as_of, cal, edges, current=current) if actuals else None
    return assemble_status(plan, as_of, actuals, current=current, edges=edges, forecast=fc,
                           stored_baseline=bool(baseline), snapshots=snapshots, actuals_source=actuals_source,
                           selection=selection, group_by=group_by)


def assemble_status(plan: Plan, as_of: _dt.date, actuals: Mapping[str, Actual], *, current: Schedule,
                    edges: Mapping[str, tuple[int, int]], forecast: Schedule | None, stored_baseline: bool,
                    snapshots: Sequence[Any] = (), actuals_source: str | None = None,
                    selection: Selection | None = None, group_by: str = "workstream") -> StatusReport:
    """The status report from what is already computed: the plan's schedule (``current``), the baseline
    edges, and the forecast (None while nothing is reported: the forecast is then the baseline).
    ``rollout.Analysis`` computes each of those once and calls this; :func:`status` is the one-call form.
    """
    cal = current.calendar
    actuals = dict(actuals)
    _group_key(group_by)
    if selection is not None:
        selection.ids(plan.tasks)
    fc = forecast if forecast is not None else _baseline_schedule(current, edges)
    a = cal.index_on_or_after(as_of)
    with no_gc():
        report = StatusReport(plan, as_of, current, dict(edges), fc, actuals, actuals_source,
                              "stored baseline" if stored_baseline else "current schedule",
                              _percents(plan, actuals, fc, a), selection=selection, group_by=group_by)
        report.burnup = _burnup(report, snapshots, cal, current)
    return report


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


def _check_actual_dates(actuals: Mapping[str, Actual], as_of: _dt.date) -> None:
    problems = []
    for act in actuals.values():
        if act.source is None:      # snapshots are dated by the tracker itself
            continue
        for name in ("actual_start", "actual_finish"):
            day = getattr(act, name)
            if day is not None and day > as_of:
                src = act.source
                problems.append(Problem(f"task '{act.task}': {name} {day} is after the as-of date {as_of}",
                                        src.path if src else None, src.line if src else None))
    if problems:
        raise PlanError(problems=problems)


def _burnup(report: StatusReport, snapshots: Sequence[Any], cal: WorkCalendar,
            current: Schedule) -> list[dict[str, Any]]:
    """Percent complete at each snapshot and at the as-of date, beside the baseline's plan.

    A snapshot's percent complete needs no forecast: reported and done work count as they are, and a
    task under way without a figure counts the share elapsed since its pinned start (the start the
    forecast would give it: its actual start, else its baseline start).
    """
    plan = report.plan
    ids = report.ids
    tasks = report._tasks
    total = sum(tasks[i].duration for i in ids) or 1
    base = {tid: _Edges(*e) for tid, e in report.baseline_edges.items()}
    points = []
    for snap in snapshots:
        if snap.as_of > report.as_of:
            continue
        acts = actuals_from_snapshot(snap, plan)
        a = cal.index_on_or_after(snap.as_of)
        try:
            pct = _snapshot_percents(plan, acts, cal, base, a, current)
        except PlanError:
            continue
        earned = round(100 * sum(pct[i] / 100 * tasks[i].duration for i in ids) / total, 1)
        points.append({"date": snap.as_of.isoformat(), "percent_complete": earned,
                       "planned_percent": _planned_at(report, a, ids), "source": f"snapshot {snap.id}"})
    if not points or points[-1]["date"] != report.as_of.isoformat():
        points.append({"date": report.as_of.isoformat(), "percent_complete": report._weighted(ids),
                       "planned_percent": report._weighted(ids, planned=True), "source": "as of"})
    return points


def _snapshot_percents(plan: Plan, actuals: Mapping[str, Actual], cal: WorkCalendar, base: Mapping[str, _Edges],
                       a: int, current: Schedule) -> dict[str, float]:
    """:func:`_percents` of a snapshot, with the forecast start of work under way computed directly."""
    out = {}
    for t in plan.tasks:
        act = actuals.get(t.id)
        if act is None or act.status == "todo":
            out[t.id] = 0.0
        elif act.status == "done":
            out[t.id] = 100.0
        elif act.percent_complete is not None:
            out[t.id] = act.percent_complete
        elif t.duration:
            s, _ = _pinned_edges(plan, cal, t, act, base[t.id], a, current)
            s = cal.index_on_or_after(cal.date(s))         # where the forecast's start_no_earlier_than puts it
            out[t.id] = min(99.0, 100.0 * max(0, a - s) / t.duration)
        else:
            out[t.id] = 0.0
    return out


def _planned_at(report: StatusReport, a: int, ids: Sequence[str]) -> float:
    tasks = report._tasks
    total = sum(tasks[i].duration for i in ids) or 1
    return round(100 * sum(_planned_share(*report.baseline_edges[i], a) * tasks[i].duration for i in ids)
                 / total, 1)


def _planned_curve(report: StatusReport) -> list[tuple[str, float]]:
    """The baseline's planned percent complete (of the selected tasks), about weekly from day 0 to
    the baseline finish."""
    ids = report.ids
    finish = report.baseline_finish
    step = max(1, report.baseline.calendar.workdays_per_week)
    days = list(range(0, finish + 1, step))
    if not days or days[-1] != finish:
        days.append(finish)
    cal = report.baseline.calendar
    import numpy as np

    tasks = report._tasks
    weight = np.array([tasks[i].duration for i in ids], dtype=float)
    start = np.array([report.baseline_edges[i][0] for i in ids], dtype=float)
    end = np.array([report.baseline_edges[i][1] for i in ids], dtype=float)
    at = np.array(days, dtype=float)[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):     # milestones: zero length, zero weight
        share = np.where(end > start, np.clip((at - start) / (end - start), 0.0, 1.0), (at >= end) * 1.0)
    total = weight.sum() or 1.0
    percent = np.round(100 * (share * weight).sum(axis=1) / total, 1)
    return [(d.isoformat(), float(p)) for d, p in zip(cal.dates(days), percent)]


@dataclass(frozen=True)
class Progress:
    """Actuals as of a date, with where they came from, and what the state store holds."""

    as_of: _dt.date
    actuals: dict[str, Actual]
    source: str | None                        # None when nothing was reported
    baseline: dict[str, tuple[_dt.date, _dt.date]] | None = None
    snapshots: tuple = ()

    def remaining(self, plan: Plan, current: Schedule) -> Plan:
        """The plan with this progress applied (see :func:`remaining_plan`); ``current`` is the plan's
        own schedule."""
        cal = current.calendar
        return remaining_plan(plan, self.actuals, self.as_of, cal,
                              baseline_edges(plan, cal, current, self.baseline), current=current)


def load_progress(plan: Plan, as_of: _dt.date | None = None, actuals_path: str | None = None, *,
                  baseline: Mapping[str, tuple[_dt.date, _dt.date]] | None = None,
                  snapshots: Sequence[Any] = ()) -> Progress:
    """Actuals from the usual sources: a CSV if given, else the latest of ``snapshots`` (a state
    store's pull snapshots) on or before the as-of date. The as-of date defaults to that snapshot's,
    else today. ``rollout.Analysis.progress`` reads the baseline and the snapshots from
    the plan's state store first."""
    snapshots = list(snapshots)
    usable = [s for s in snapshots if as_of is None or s.as_of <= as_of]
    if actuals_path:
        as_of = as_of or _dt.date.today()
        actuals, source = read_actuals_csv(actuals_path, plan), str(actuals_path)
    elif usable:
        latest = usable[-1]
        as_of = as_of or latest.as_of
        actuals = actuals_from_snapshot(latest, plan)
        source = f"pull snapshot of {latest.as_of.isoformat()} ({latest.tracker})"
    else:
        as_of = as_of or _dt.date.today()
        actuals, source = {}, None
    _check_actual_dates(actuals, as_of)
    return Progress(as_of, actuals, source, None if baseline is None else dict(baseline), tuple(snapshots))


def status_report(plan: Plan, as_of: _dt.date | None = None, actuals_path: str | None = None, *,
                  progress: Progress | None = None, selection: Selection | None = None,
                  group_by: str = "workstream") -> StatusReport:
    """Status from a :class:`Progress` (default: :func:`load_progress` of the CSV, without a state
    store) against its baseline. ``rollout.Analysis.status`` reads the state store too."""
    progress = progress or load_progress(plan, as_of, actuals_path)
    return status(plan, progress.as_of, progress.actuals, baseline=progress.baseline,
                  snapshots=progress.snapshots, actuals_source=progress.source, selection=selection,
                  group_by=group_by)
