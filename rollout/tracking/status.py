"""The status report: percent complete, variance, RAG per workstream and milestone, and the burn-up."""

from __future__ import annotations

import datetime as _dt
import functools
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

from ..calendar import WorkCalendar
from ..errors import PlanError
from ..model import Plan, Task
from ..schedule import Schedule, schedule, topological_order
from ..selection import Selection
from ..util import no_gc, text_table
from .actuals import Actual, Progress, _check_actual_dates, load_progress
from .forecast import _baseline_schedule, _Edges, baseline_edges, forecast

__all__ = ["RAG_RULES", "StatusReport", "assemble_status", "status", "status_report"]

_table = functools.partial(text_table, max_width=48, indent="  ")

#: Thresholds of the RAG rules (docs/tracking-and-risk.md). Days are working days of slip against the
#: baseline; points are percentage points of duration-weighted progress behind the baseline's plan.
RAG_RULES = {
    "amber_days": 1,        # amber from one working day late …
    "red_days": 10,         # … red beyond two working weeks
    "amber_points": 10,     # amber when 10 points or more behind plan …
    "red_points": 25,       # … red from 25 points behind
    "deadline_margin": 5,   # a milestone forecast within this many working days of its deadline is amber
}


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
            "earned_schedule": self.earned().to_dict(),
        }
        if self.group_by != "workstream":
            out["group_by"] = self.group_by
            out["groups"] = self.groups()
        return out

    def earned(self):
        """SPI(t), BEI and the finish they imply (:mod:`rollout.earned`)."""
        from ..earned import earned_schedule

        return earned_schedule(self)

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
        lines += [f"Actuals: {self._actuals_label()}", self.earned().to_text(), ""]
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
    from ..selection import group_key

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


def _burnup(report: StatusReport, snapshots: Sequence[Any], cal: WorkCalendar,
            current: Schedule) -> list[dict[str, Any]]:
    """Percent complete at each snapshot and at the as-of date, beside the baseline's plan.

    A snapshot's percent complete needs no forecast: reported and done work count as they are, and a
    task under way without a figure counts the share elapsed since its pinned start (the start the
    forecast would give it: its actual start, else its baseline start).
    """
    ids = report.ids
    tasks = report._tasks
    total = sum(tasks[i].duration for i in ids) or 1
    base = {tid: _Edges(*e) for tid, e in report.baseline_edges.items()}
    points = []
    for snap in snapshots:
        if snap.as_of > report.as_of:
            continue
        a = cal.index_on_or_after(snap.as_of)
        try:
            earned = round(100 * _snapshot_earned(snap, ids, tasks, cal, base, a) / total, 1)
        except PlanError:
            continue
        points.append({"date": snap.as_of.isoformat(), "percent_complete": earned,
                       "planned_percent": _planned_at(report, a, ids), "source": f"snapshot {snap.id}"})
    if not points or points[-1]["date"] != report.as_of.isoformat():
        points.append({"date": report.as_of.isoformat(), "percent_complete": report._weighted(ids),
                       "planned_percent": report._weighted(ids, planned=True), "source": "as of"})
    return points


def _snapshot_earned(snap, ids: Sequence[str], tasks: Mapping[str, Task], cal: WorkCalendar,
                     base: Mapping[str, _Edges], a: int) -> float:
    """Duration-weighted work done at a snapshot (working days), read straight from its entries: the
    same figures as :func:`_percents` of its actuals and their forecast, without building either (a snapshot of a
    big plan holds tens of thousands of entries, and the burn-up reads every snapshot)."""
    entries = snap.tasks
    done = 0.0
    for tid in ids:
        p = entries.get(tid)
        if p is None:
            continue
        state = p.state
        d = tasks[tid].duration
        if state == "done":
            done += d                                   # 100 % of it
        elif state != "todo" and d:
            # under way, no figure from the tracker: the share elapsed since the start the forecast pins
            start = p.actual_start
            s = cal.index_on_or_after(start) if start else min(base[tid].start, a)
            s = cal.index_on_or_after(cal.date(s))
            done += min(99.0, 100.0 * max(0, a - s) / d) / 100 * d
    return done


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


def status_report(plan: Plan, as_of: _dt.date | None = None, actuals_path: str | None = None, *,
                  progress: Progress | None = None, selection: Selection | None = None,
                  group_by: str = "workstream") -> StatusReport:
    """Status from a :class:`Progress` (default: :func:`load_progress` of the CSV, without a state
    store) against its baseline. ``rollout.Analysis.status`` reads the state store too."""
    progress = progress or load_progress(plan, as_of, actuals_path)
    return status(plan, progress.as_of, progress.actuals, baseline=progress.baseline,
                  snapshots=progress.snapshots, actuals_source=progress.source, selection=selection,
                  group_by=group_by)
