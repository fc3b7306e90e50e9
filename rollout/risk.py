"""Monte Carlo schedule risk: many schedules of one plan with sampled durations, summarised for a PMO.

Vectorised over iterations: tasks are visited level by level in dependency order, each step working
on arrays of shape (tasks in level, iterations). The arithmetic is SPEC 2's, the same as ``schedule()``.

Durations are drawn from a PERT-beta distribution (λ = 4) over the task's three-point estimate, or a
per-kind default range around its duration when it has none, and rounded to whole working days:

>>> import datetime as dt
>>> from rollout.model import CalendarSpec, Estimate, Plan, Task
>>> plan = Plan("p", "P", dt.date(2027, 1, 4), CalendarSpec(),
...             (Task("w.a", "A", "w", 5, estimate=Estimate(4, 5, 9)),))
>>> result = simulate(plan, iterations=2000, seed=7)
>>> result.schedule.finish, 4 <= result.percentile_days(50) <= 9
(5, True)
"""

from __future__ import annotations

import datetime as _dt
import functools
import math
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping, NamedTuple, Sequence

from .calendar import WorkCalendar
from .errors import UsageError
from .model import Plan, Risk, Task
from .schedule import Schedule, schedule, topological_order
from .util import text_table

_table = functools.partial(text_table, max_width=60, indent="  ")

__all__ = [
    "DEFAULT_ITERATIONS",
    "DEFAULT_UNCERTAINTY",
    "DISTRIBUTIONS",
    "RiskResult",
    "TornadoRow",
    "duration_distribution",
    "estimate_table",
    "findings_as_risks",
    "heatmap_cell",
    "simulate",
    "simulate_work",
    "three_point",
]

DEFAULT_ITERATIONS = 10_000
DISTRIBUTIONS = ("pert", "triangular")

#: Range assumed for a task with no ``estimate``, as (optimistic, pessimistic) factors of its planned
#: duration, which is the most likely value: each kind's typical uncertainty around the plan, a little
#: wider above it than below (work overruns more often than it finishes early), and wider for decisions,
#: selections and organisation design than for briefings. The continuous range (no rounding of its ends)
#: is drawn, then rounded to whole days; a plan overrides it per kind with ``risk: {estimates: ...}``.
DEFAULT_UNCERTAINTY: dict[str, tuple[float, float]] = {
    "planning": (0.8, 1.3),
    "decision": (0.8, 1.5),
    "strategy": (0.75, 1.4),
    "data-collection": (0.8, 1.35),
    "analysis": (0.75, 1.4),
    "communication": (0.9, 1.15),
    "training": (0.85, 1.25),
    "process-design": (0.75, 1.4),
    "technology-selection": (0.75, 1.6),
    "org-design": (0.75, 1.5),
    "job-design": (0.8, 1.4),
    "measurement": (0.8, 1.3),
    "customer-feedback": (0.8, 1.3),
    "pilot": (0.8, 1.5),
    "rollout": (0.8, 1.4),
    "milestone": (1.0, 1.0),
    "other": (0.8, 1.3),
}

# Check findings folded into the register: (probability, impact) by severity. A finding is a known
# weakness of the plan, not a chance event, so errors are rated as likely and serious.
_FINDING_RATING = {"error": (0.8, 4), "warning": (0.5, 3), "info": (0.2, 1)}
# Plan bookkeeping (a task without an owner, a task that leads nowhere) is for `rollout check`, not a
# programme risk: it would outrank the real risks on the steering committee's heatmap.
_NOT_RISKS = frozenset(("S003", "S005"))

_CHUNK_BYTES = 32_000_000    # per tasks × iterations array; a chunk holds about ten: ~0.5 GB at peak
_GRID = 4097                 # points for the numeric CDF of a PERT-beta


# -- durations ---------------------------------------------------------------------------------

def estimate_table(plan: Plan | None = None) -> dict[str, tuple[float, float, float]]:
    """Default ranges by kind as (optimistic, likely, pessimistic) factors of the planned duration:
    ``DEFAULT_UNCERTAINTY`` (likely = the plan) with the plan's ``risk: {estimates: ...}`` on top."""
    table = {kind: (lo, 1.0, hi) for kind, (lo, hi) in DEFAULT_UNCERTAINTY.items()}
    if plan is not None:
        table.update(plan.estimates)
    return table


def three_point(task: Task, table: Mapping[str, tuple[float, ...]] | None = None) -> tuple[float, float, float]:
    """(optimistic, likely, pessimistic) working days for a task: its estimate (whole days) or its
    kind's default range (``table``, from :func:`estimate_table`; ``DEFAULT_UNCERTAINTY`` when None)
    as factors of its duration — not rounded, so a 3-day briefing may take 2.7 to 3.45 days, which
    rounds to 3 days or 4. The ends stay at ½ day or more: a working task never rounds to 0 days."""
    if task.duration == 0:
        return 0, 0, 0
    if task.estimate is not None:
        e = task.estimate
        return e.optimistic, e.likely, e.pessimistic
    if table is None:
        lo, hi = DEFAULT_UNCERTAINTY.get(task.kind, DEFAULT_UNCERTAINTY["other"])
        mid = 1.0
    else:
        lo, mid, hi = table.get(task.kind) or table["other"]
    d = task.duration
    # rounded to 1e-9 so that 10 × 1.1 is 11, not 11.000000000000002
    o, m, p = (max(0.5, round(d * x, 9)) for x in (lo, mid, hi))
    return tuple(int(v) if v == int(v) else v for v in (o, m, p))


def _whole(x: float) -> int:
    """Half-up rounding to whole days (Python's round() rounds half to even)."""
    return math.floor(x + 0.5)


def duration_distribution(optimistic: float, likely: float, pessimistic: float,
                          distribution: str = "pert"):
    """The probabilities of whole-day durations round(optimistic) … round(pessimistic), as a numpy array.

    A continuous PERT-beta (or triangular) value X over [optimistic, pessimistic] is rounded half-up
    to whole days, so P(D = k) = F(k + ½) − F(k − ½), with the tails folded into the end points.
    """
    import numpy as np

    o, m, p = optimistic, likely, pessimistic
    if not o <= m <= p:
        raise UsageError(f"estimate needs optimistic ≤ likely ≤ pessimistic, got {o}/{m}/{p}")
    if _whole(o) == _whole(p):
        return np.ones(1)
    cuts = np.arange(_whole(o), _whole(p), dtype=float) + 0.5       # k + ½ for k = round(o) … round(p)−1
    cdf = _continuous_cdf(o, m, p, distribution)(cuts)
    edges = np.concatenate(([0.0], cdf, [1.0]))
    return np.diff(edges)


def _continuous_cdf(o: float, m: float, p: float, distribution: str) -> Callable:
    import numpy as np

    width = p - o
    if distribution == "triangular":
        c = (m - o) / width

        def tri(x):
            u = np.clip((np.asarray(x, dtype=float) - o) / width, 0.0, 1.0)
            left = u * u / c if c > 0 else np.zeros_like(u)
            right = 1.0 - (1.0 - u) ** 2 / (1.0 - c) if c < 1 else np.ones_like(u)
            return np.where(u <= c, left, right)
        return tri
    if distribution != "pert":
        raise UsageError(f"unknown distribution '{distribution}' (choose from {', '.join(DISTRIBUTIONS)})")
    alpha = 1.0 + 4.0 * (m - o) / width
    beta = 1.0 + 4.0 * (p - m) / width
    # α, β ≥ 1: the density is bounded, so a fine trapezoid integral is exact to ~1e-7.
    grid = np.linspace(0.0, 1.0, _GRID)
    log_pdf = (alpha - 1) * np.log(np.maximum(grid, 1e-300)) + (beta - 1) * np.log(np.maximum(1 - grid, 1e-300))
    pdf = np.exp(log_pdf - log_pdf.max())
    cum = np.concatenate(([0.0], np.cumsum((pdf[1:] + pdf[:-1]) / 2)))
    cum /= cum[-1]

    def pert(x):
        return np.interp((np.asarray(x, dtype=float) - o) / width, grid, cum)
    return pert


# -- the network, prepared once --------------------------------------------------------------

@dataclass
class _Level:
    """Tasks ``lo``…``hi`` (rows in level order) and the dependencies that end in them.

    Edges are grouped into slots: slot j holds each successor's j-th edge (forward pass) or each
    predecessor's j-th edge (backward pass), so one numpy call folds a whole slot.
    """

    lo: int
    hi: int
    pred: Any = None              # (E,) predecessor row per edge
    succ: Any = None              # (E,) successor row per edge
    lag: Any = None               # (E, 1)
    fwd_rows: Any = None          # row of [starts; ends] each edge counts from: FS, FF the end, SS, SF the start
    bwd_rows: Any = None          # row of [late ends; late starts] each edge binds: FS, SS the late start
    to_end: Any = None            # edges binding the successor's end (FF, SF): minus its duration
    from_start: Any = None        # edges from the predecessor's start (SS, SF): plus its duration
    has_lag: bool = False
    needs_floor: bool = True      # a start-no-earlier-than, or a constraint that may fall below day 0
    fwd_slots: list = field(default_factory=list)   # [(edge idx, successor row − lo)]
    bwd_slots: list = field(default_factory=list)   # [(edge idx, predecessor row)]


@dataclass
class _Network:
    tasks: list[Task]             # in level order (row r of every array is tasks[r])
    rows: dict[str, int]
    snet: Any                     # (n,) start-no-earlier-than edge
    levels: list[_Level]


def _slots(keys) -> list:
    """Split edge positions into slots in which every key occurs at most once."""
    import numpy as np

    order = np.argsort(keys, kind="stable")
    sk = keys[order]
    first = np.r_[True, sk[1:] != sk[:-1]]
    group_start = np.maximum.accumulate(np.where(first, np.arange(len(sk)), 0))
    rank = np.arange(len(sk)) - group_start
    return [order[rank == j] for j in range(int(rank.max()) + 1)]


def _network(plan: Plan, cal: WorkCalendar) -> _Network:
    import numpy as np

    tasks = list(plan.tasks)
    index = {t.id: i for i, t in enumerate(tasks)}
    order = topological_order(tasks, index)
    depth = [0] * len(tasks)
    for i in order:
        for d in tasks[i].depends_on:
            depth[i] = max(depth[i], depth[index[d.task]] + 1)
    ranked = sorted(range(len(tasks)), key=lambda i: (depth[i], i))
    ordered = [tasks[i] for i in ranked]
    rows = {t.id: r for r, t in enumerate(ordered)}
    snet = np.array([cal.index_on_or_after(t.start_no_earlier_than) if t.start_no_earlier_than else 0
                     for t in ordered], dtype=np.int32)
    levels: list[_Level] = []
    r = 0
    while r < len(ordered):
        lo, lvl = r, depth[ranked[r]]
        while r < len(ordered) and depth[ranked[r]] == lvl:
            r += 1
        level = _Level(lo, r)
        edges = [(rows[d.task], s, d.lag, d.type in ("FS", "FF"), d.type in ("FF", "SF"))
                 for s in range(lo, r) for d in ordered[s].depends_on]
        if edges:
            pred, succ, lag, from_end, to_end = (np.array(c) for c in zip(*edges))
            level.pred, level.succ = pred.astype(np.intp), succ.astype(np.intp)
            level.lag = lag.astype(np.int32)[:, None]
            n = len(ordered)
            level.fwd_rows = level.pred + n * from_end.astype(np.intp)
            level.bwd_rows = level.succ + n * (~to_end).astype(np.intp)
            level.to_end, level.from_start = np.flatnonzero(to_end), np.flatnonzero(~from_end)
            level.has_lag = bool(lag.any())
            level.needs_floor = bool(snet[lo:r].any() or (lag < 0).any() or to_end.any())
            level.fwd_slots = [(idx, level.succ[idx] - lo) for idx in _slots(level.succ)]
            level.bwd_slots = [(idx, level.pred[idx]) for idx in _slots(level.pred)]
        levels.append(level)
    return _Network(ordered, rows, snet, levels)


def _run(net: _Network, dur, late: bool = True) -> tuple[Any, Any, Any]:
    """Early start edges, late start edges and the finish edge for durations ``dur`` (n × iterations).
    With ``late=False`` the backward pass is skipped (late starts are None): the finish alone.

    The same arithmetic as ``schedule()`` (SPEC 2), one level of the dependency graph at a time.
    Starts and ends share one buffer (late ends and late starts another), so that each level's
    constraints come from a single gather whatever the mix of dependency types.
    """
    import numpy as np

    n, width = dur.shape
    early = np.empty((2 * n, width), dtype=dur.dtype)
    es, ends = early[:n], early[n:]
    for lv in net.levels:
        if lv.pred is None:
            es[lv.lo:lv.hi] = net.snet[lv.lo:lv.hi, None]
        else:
            cand = early[lv.fwd_rows]
            if lv.has_lag:
                cand += lv.lag
            if len(lv.to_end):
                cand[lv.to_end] -= dur[lv.succ[lv.to_end]]
            # every task past level 0 has a predecessor, so slot 0 covers the whole level in order
            (idx0, _), *rest = lv.fwd_slots
            if lv.needs_floor:
                best = np.maximum(cand[idx0], net.snet[lv.lo:lv.hi, None])
            else:                   # constraints from non-negative edges cannot fall below day 0
                best = cand[idx0] if len(idx0) < len(cand) else cand
            for idx, local in rest:
                best[local] = np.maximum(best[local], cand[idx])
            es[lv.lo:lv.hi] = best
        np.add(es[lv.lo:lv.hi], dur[lv.lo:lv.hi], out=ends[lv.lo:lv.hi])
    finish = np.maximum(ends.max(axis=0), 0) if n else np.zeros(width, dtype=dur.dtype)
    if not late:
        return es, None, finish

    late = np.empty_like(early)
    le, ls = late[:n], late[n:]
    le[:] = finish
    for lv in reversed(net.levels):
        # this level's late ends are final: all of its tasks' successors sit in later levels
        np.subtract(le[lv.lo:lv.hi], dur[lv.lo:lv.hi], out=ls[lv.lo:lv.hi])
        if lv.pred is None:
            continue
        # FS, SS bind the successor's late start, FF, SF its late end; SS, SF bind the
        # predecessor's start, so its late end is that plus its own duration
        lat = late[lv.bwd_rows]
        if lv.has_lag:
            lat -= lv.lag
        if len(lv.from_start):
            lat[lv.from_start] += dur[lv.pred[lv.from_start]]
        for idx, preds in lv.bwd_slots:
            le[preds] = np.minimum(le[preds], lat[idx])
    return es, ls, finish


# -- the result --------------------------------------------------------------------------------

@dataclass
class RiskResult:
    """Samples and summaries of one simulation. Day counts are end edges from the plan's day 0."""

    plan: Plan
    schedule: Schedule                      # the deterministic schedule (the plan's own durations)
    iterations: int
    seed: int
    distribution: str
    finish_days: Any                        # (iterations,) finish edge per iteration
    task_days: dict[str, Any]               # end edges per iteration of milestones and deadline tasks
    criticality: dict[str, float]           # task id → share of iterations in which it is critical
    correlation: dict[str, float]           # task id → correlation of its duration with the finish
    risks: list[dict[str, Any]] = field(default_factory=list)
    as_of: _dt.date | None = None           # when only the work remaining at this date was simulated
    actuals_source: str | None = None
    pre_mitigation: bool = False            # mitigations ignored (``--pre-mitigation``)
    sampled: dict[str, _Sampled] = field(default_factory=dict)   # risk id → what its event did
    #: finish edges, same draws, in the other case (post-mitigation when ``pre_mitigation``, else
    #: pre-mitigation); None when no risk is mitigated (both cases are the same)
    other_finish_days: Any = None
    mitigated: tuple[str, ...] = ()         # risks whose mitigation task is planned (post values differ)

    @property
    def pre_mitigation_finish_days(self):
        """Finish edges with every risk at its pre-mitigation values."""
        if self.pre_mitigation or self.other_finish_days is None:
            return self.finish_days
        return self.other_finish_days

    @property
    def post_mitigation_finish_days(self):
        """Finish edges with the post-mitigation values of every risk whose mitigation is planned."""
        if not self.pre_mitigation or self.other_finish_days is None:
            return self.finish_days
        return self.other_finish_days

    def p80_days_added(self, risk_id: str) -> int | None:
        """Working days a risk adds to P80: P80 of the finish as simulated minus P80 on the same draws
        with this risk switched off (None for a risk without an effect)."""
        got = self.sampled.get(risk_id)
        if got is None:
            return None
        return self.percentile_days(80) - self.percentile_days(80, got.finish_off)

    def tornado(self, top: int = 10) -> list[TornadoRow]:
        """Tasks and risk events ranked together by |correlation with the finish| (a task's sampled
        duration, a risk's occurrence 0/1), strongest first: the rows of a tornado chart."""
        names = {t.id: t.name for t in self.plan.tasks}
        rows = [TornadoRow(names.get(tid, tid), "task", c, tid, None) for tid, c in self.drivers(top)]
        titles = {r.id: r.title for r in self.plan.risks}
        for rid, got in self.sampled.items():
            if abs(got.correlation) > 1e-9:
                rows.append(TornadoRow(titles.get(rid, rid), "risk", got.correlation, rid, self.p80_days_added(rid)))
        rows.sort(key=lambda row: (-abs(row.value), row.kind, row.id))
        return rows[:top]

    def percentile_days(self, q: float, samples=None) -> int:
        """The smallest day count reached by at least q % of iterations."""
        import numpy as np

        data = self.finish_days if samples is None else samples
        return int(np.percentile(data, q, method="inverted_cdf"))

    def date(self, edge: int) -> _dt.date:
        return self.schedule.edge_finish_date(edge)

    @property
    def mean_days(self) -> float:
        return float(self.finish_days.mean())

    def p_meet(self, task_id: str) -> float | None:
        """Share of iterations in which the task finishes on or before its deadline."""
        task = self.schedule.tasks[task_id].task
        if task.deadline is None:
            return None
        return float((self.task_days[task_id] <= _deadline_edge(self.schedule, task.deadline)).mean())

    def drivers(self, top: int = 10) -> list[tuple[str, float]]:
        """Tasks whose duration moves the finish most (by |correlation|), strongest first."""
        ranked = sorted(((tid, c) for tid, c in self.correlation.items() if c == c and abs(c) > 1e-9),
                        key=lambda kv: (-abs(kv[1]), kv[0]))
        return ranked[:top]

    def milestones(self) -> list[dict[str, Any]]:
        out = []
        for st in self.schedule.tasks.values():
            t = st.task
            if not (t.is_milestone or t.deadline is not None):
                continue
            samples = self.task_days[t.id]
            p_meet = self.p_meet(t.id)
            out.append({
                "id": t.id, "name": t.name, "milestone": t.is_milestone,
                "deterministic": st.finish_date.isoformat(),
                **{f"p{q}": self.date(self.percentile_days(q, samples)).isoformat() for q in (50, 80, 95)},
                "deadline": None if t.deadline is None else t.deadline.isoformat(),
                "p_meet": None if p_meet is None else round(p_meet, 4),
            })
        return out

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of ``rollout risk --format json`` (SPEC 3)."""
        days = {q: self.percentile_days(q) for q in (50, 80, 95)}
        finish = {"deterministic": self.schedule.finish_date.isoformat(),
                  "deterministic_days": self.schedule.finish,
                  # the chance that the plan's own finish date holds
                  "p_meet_plan": round(float((self.finish_days <= self.schedule.finish).mean()), 4),
                  "mean_days": round(self.mean_days, 2)}
        finish.update({f"p{q}": self.date(d).isoformat() for q, d in days.items()})
        finish.update({f"p{q}_days": d for q, d in days.items()})
        for case, samples in (("pre", self.pre_mitigation_finish_days), ("post", self.post_mitigation_finish_days)):
            d80 = self.percentile_days(80, samples)
            finish[f"p80_{case}_mitigation"] = self.date(d80).isoformat()
            finish[f"p80_{case}_mitigation_days"] = d80
        return {
            "plan": self.plan.id, "iterations": self.iterations, "seed": self.seed,
            "distribution": self.distribution,
            "as_of": None if self.as_of is None else self.as_of.isoformat(),
            "actuals": self.actuals_source,
            "finish": finish,
            "milestones": self.milestones(),
            "tasks": [{"id": tid, "criticality": round(c, 4)} for tid, c in self.criticality.items()],
            "drivers": [{"id": tid, "correlation": round(c, 4)} for tid, c in self.drivers()],
            "pre_mitigation": self.pre_mitigation,
            "mitigated": list(self.mitigated),
            "tornado": [row._asdict() | {"value": round(row.value, 4)} for row in self.tornado()],
            "risks": self.risks,
        }

    def task_rows(self) -> list[dict[str, Any]]:
        """One row per task: how often it is critical and how its duration moves the finish."""
        return [{"id": tid, "name": st.task.name, "workstream": st.task.workstream,
                 "criticality": round(self.criticality[tid], 4), "correlation": round(self.correlation[tid], 4)}
                for tid, st in self.schedule.tasks.items()]

    def to_text(self) -> str:
        """A plain-text summary for the terminal."""
        d = self.to_dict()
        f = d["finish"]
        lines = [f"Plan {self.plan.id}: {self.iterations:,} iterations, seed {self.seed}, "
                 f"{self.distribution} durations",
                 *([f"Remaining work as of {d['as_of']} ({self.actuals_source or 'nothing reported'}); "
                    "'deterministic' is the forecast"] if self.as_of else []),
                 f"Finish  deterministic {f['deterministic']} ({f['deterministic_days']} d)   "
                 f"mean {f['mean_days']} d   chance of finishing by it {f['p_meet_plan']:.0%}",
                 f"        P50 {f['p50']} ({f['p50_days']} d)   P80 {f['p80']} ({f['p80_days']} d)   "
                 f"P95 {f['p95']} ({f['p95_days']} d)", *self.mitigation_lines(f), ""]
        if d["milestones"]:
            lines.append("Milestones and deadlines")
            rows = [(m["id"], m["deterministic"], m["p50"], m["p80"], m["p95"], m["deadline"] or "",
                     "" if m["p_meet"] is None else f"{m['p_meet']:.0%}") for m in d["milestones"]]
            lines.append(_table(("task", "plan", "P50", "P80", "P95", "deadline", "p(meet)"), rows))
        crit = sorted(self.criticality.items(), key=lambda kv: (-kv[1], kv[0]))
        crit = [(tid, c) for tid, c in crit if c > 0][:10]
        if crit:
            lines.append("Most often critical")
            lines.append(_table(("task", "criticality"), [(tid, f"{c:.0%}") for tid, c in crit]))
        if d["tornado"]:
            lines.append("Top drivers of the finish date (tasks: correlation of duration with finish; "
                         "risks: of occurrence with finish)")
            lines.append(_table(("driver", "kind", "correlation", "P80 +d"),
                                [(x["id"], x["kind"], f"{x['value']:+.2f}",
                                  "" if x["p80_days_added"] is None else x["p80_days_added"])
                                 for x in d["tornado"]]))
        if self.risks:
            lines.append("Risk register (score = probability × impact; P80 +d = working days the risk "
                         "event adds to P80)")
            lines.append(_table(("id", "title", "P", "I", "score", "mitigation", "source", "P80 +d"),
                                [(r["id"], r["title"], f"{r['probability']:.0%}", r["impact"], r["score"],
                                 (r["mitigation"] or "") + (" (planned)" if r.get("mitigated") else ""),
                                 r["source"], "" if r.get("p80_days_added") is None else r["p80_days_added"])
                                 for r in self.risks]))
        return "\n".join(lines).rstrip() + "\n"


    def mitigation_lines(self, f: Mapping[str, Any] | None = None) -> list[str]:
        """What the register's risk events and their mitigations do to P80, in words (the headline's line)."""
        f = self.to_dict()["finish"] if f is None else f
        if not self.sampled:
            return []
        if not self.mitigated:
            return [f"Risk events: {len(self.sampled)} simulated; no mitigation task of theirs is in the plan"]
        which = ", ".join(self.mitigated)
        line = (f"Mitigations ({which}) move P80 from {f['p80_pre_mitigation']} ({f['p80_pre_mitigation_days']} d) "
                f"to {f['p80_post_mitigation']} ({f['p80_post_mitigation_days']} d)")
        if self.pre_mitigation:
            line += "; this run ignores them (simulated before mitigation)"
        return [line]


class TornadoRow(NamedTuple):
    """One bar of the tornado chart: a task or a risk event and its correlation with the finish."""

    label: str                      # the task's name or the risk's title
    kind: str                       # "task" or "risk"
    value: float                    # correlation with the finish edge, −1 … 1
    id: str
    p80_days_added: int | None      # risks only: working days added to P80


def _deadline_edge(sched: Schedule, deadline: _dt.date) -> int:
    """The largest end edge whose finish date is on or before ``deadline`` (−1 when none is)."""
    if deadline < sched.plan.start:
        return -1
    return sched.calendar.index_on_or_before(deadline) + 1


# -- simulation --------------------------------------------------------------------------------

def simulate(plan: Plan, iterations: int = DEFAULT_ITERATIONS, seed: int | None = None, *,
             distribution: str = "pert", calendar: WorkCalendar | None = None,
             progress: Callable[[int, int], None] | None = None,
             findings: Sequence[Any] | None = None, remaining_from=None,
             pre_mitigation: bool = False) -> RiskResult:
    """Run the Monte Carlo simulation of a plan's schedule.

    ``seed`` makes the run reproducible (one is drawn and reported when None). ``progress`` is called
    as ``progress(done, total)`` after each chunk of iterations. ``findings`` (check findings) are
    folded into the risk register; when None, ``rollout.checks`` is run.
    ``remaining_from`` (a ``rollout.tracking.Progress``) simulates only the remaining work: what is done or
    under way is fixed where the forecast puts it, the rest starts no earlier than the as-of date.

    Register risks with an ``effect`` are sampled in every iteration (one draw per risk, applied to all
    its tasks). A risk whose ``mitigation`` task is in the plan takes its ``post_mitigation`` values,
    unless ``pre_mitigation``; the other case is simulated too, on the same draws, for the headline
    "mitigations move P80 from … to …" (``RiskResult.p80_pre_mitigation_days`` / ``_post_``).
    """
    seed = _checked_options(iterations, seed, distribution)
    cal = calendar or WorkCalendar(plan.start, plan.calendar)
    planned = schedule(plan, cal)
    at = remaining_from
    work = plan if at is None else at.remaining(plan, planned)
    base = planned if at is None else schedule(work, cal)
    if findings is None:        # checks read the plan as planned: pinned tasks have lost their links
        from .checks import run_checks

        findings = run_checks(plan, planned).findings
    return simulate_work(plan, work, base, findings, iterations=iterations, seed=seed, distribution=distribution,
                         progress=progress, as_of=None if at is None else at.as_of,
                         actuals_source=None if at is None else at.source, pre_mitigation=pre_mitigation,
                         done=() if at is None else [tid for tid, a in at.actuals.items() if a.status == "done"])


def _checked_options(iterations: int, seed: int | None, distribution: str) -> int:
    """The seed to use (one drawn when None); a UsageError for a bad option."""
    import numpy as np

    if iterations < 1:
        raise UsageError(f"the number of iterations must be at least 1, got {iterations}")
    if distribution not in DISTRIBUTIONS:
        raise UsageError(f"unknown distribution '{distribution}' (choose from {', '.join(DISTRIBUTIONS)})")
    if seed is None:
        seed = int(np.random.SeedSequence().entropy % (2 ** 32))
    if seed < 0:
        raise UsageError(f"the seed must be a non-negative integer, got {seed}")
    return seed


def simulate_work(plan: Plan, work: Plan, base: Schedule, findings: Sequence[Any], *, iterations: int, seed: int,
                  distribution: str = "pert", progress: Callable[[int, int], None] | None = None,
                  as_of: _dt.date | None = None, actuals_source: str | None = None,
                  pre_mitigation: bool = False, done: Iterable[str] = ()) -> RiskResult:
    """The simulation engine on inputs already computed: ``work`` is the plan to simulate (the plan
    itself, or its remaining work at ``as_of``), ``base`` its schedule, ``findings`` the check findings
    folded into the register, ``done`` the ids of the tasks reported done (their risk events are over). :func:`simulate` is the one-call form; ``rollout.Analysis`` calls this
    with the schedule and findings it already holds."""
    import numpy as np

    seed = _checked_options(iterations, seed, distribution)
    cal = base.calendar
    net = _network(work, cal)
    n = len(net.tasks)
    table = estimate_table(plan)
    sampler = _Sampler(net.tasks, distribution, table)
    rng = np.random.default_rng(seed)
    events = _events(plan, net, set(done))
    mitigated_rows = np.array([k for k, ev in enumerate(events) if ev.mitigated], dtype=np.intp)
    main = [ev.pre if pre_mitigation or not ev.mitigated else ev.post for ev in events]
    other = [ev.post if pre_mitigation and ev.mitigated else ev.pre for ev in events]
    main_p = np.array([v[0] for v in main])[:, None]
    other_p = np.array([v[0] for v in other])[:, None]

    tracked = [r for r, t in enumerate(net.tasks) if t.is_milestone or t.deadline is not None]
    dtype = np.int16 if _longest_path_bound(net, table, events) < 15_000 else np.int32
    chunk = max(1, min(iterations, _CHUNK_BYTES // (max(n, 1) * np.dtype(dtype).itemsize)))
    finish_parts, tracked_parts, other_parts = [], [], []
    off_parts: list[list] = [[] for _ in events]
    crit = np.zeros(n, dtype=np.int64)
    s_d = np.zeros(n, dtype=np.int64)
    s_dd = np.zeros(n, dtype=np.int64)
    s_df = np.zeros(n, dtype=np.int64)
    s_o = np.zeros(len(events), dtype=np.int64)
    s_of = np.zeros(len(events), dtype=np.int64)
    done = 0
    while done < iterations:
        width = min(chunk, iterations - done)
        drawn = sampler.draw(rng, width, dtype)
        if events:
            u = rng.random((len(events), width))     # one draw per risk per iteration: common to all runs
            occurs = u < main_p
            dur = _apply(drawn, events, main, occurs)
        else:
            dur = drawn
        es, ls, finish = _run(net, dur)
        crit += (ls == es).sum(axis=1)
        # exact integer sums for the correlations (no BLAS: it thrashes on a busy machine); a task's
        # own draw, so that what a risk event adds is put down to the risk, not to its tasks
        s_d += drawn.sum(axis=1, dtype=np.int64)
        s_dd += np.einsum("ij,ij->i", drawn, drawn, dtype=np.int64)
        s_df += np.einsum("ij,j->i", drawn, finish, dtype=np.int64)
        finish_parts.append(finish)
        if tracked:
            tracked_parts.append((es[tracked] + dur[tracked]))
        del es, ls
        if events:
            s_o += occurs.sum(axis=1)
            s_of += np.einsum("ij,j->i", occurs.astype(np.int64), finish.astype(np.int64))
            # each risk switched off: only the iterations in which it occurred change
            jobs = [(main, occurs, k, np.flatnonzero(occurs[k])) for k in range(len(events))]
            if len(mitigated_rows):
                # the other case (pre- or post-mitigation) differs only where a mitigated risk occurs
                occurs_other = u < other_p
                cols = np.flatnonzero((occurs[mitigated_rows] | occurs_other[mitigated_rows]).any(axis=0))
                jobs.append((other, occurs_other, -1, cols))
            *offs, last = _rerun(net, drawn, finish, events, jobs)
            if len(mitigated_rows):
                other_parts.append(last)
            else:
                offs.append(last)
            for k, off in enumerate(offs):
                off_parts[k].append(off)
        done += width
        if progress is not None:
            progress(done, iterations)

    finish_days = np.concatenate(finish_parts).astype(np.int32)
    f = finish_days.astype(float)
    mean_f, var_f = f.mean(), f.var()
    mean_d = s_d / iterations
    var_d = np.maximum(s_dd / iterations - mean_d ** 2, 0.0)
    cov = s_df / iterations - mean_d * mean_f
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = np.where((var_d > 1e-12) & (var_f > 1e-12), cov / np.sqrt(var_d * var_f), 0.0)
    corr = np.clip(corr, -1.0, 1.0)
    task_days = {}
    if tracked:
        joined = np.concatenate(tracked_parts, axis=1).astype(np.int32)
        task_days = {net.tasks[r].id: joined[k] for k, r in enumerate(tracked)}
    plan_order = [t.id for t in plan.tasks]
    criticality = {tid: float(crit[net.rows[tid]]) / iterations for tid in plan_order}
    correlation = {tid: float(corr[net.rows[tid]]) for tid in plan_order}
    sampled = {}
    for k, ev in enumerate(events):
        share = s_o[k] / iterations
        spread = share * (1 - share) * var_f
        r_corr = (s_of[k] / iterations - share * mean_f) / math.sqrt(spread) if spread > 1e-12 else 0.0
        sampled[ev.risk.id] = _Sampled(
            probability=main[k][0], delay=main[k][1], factor=main[k][2], tasks=ev.tasks,
            mitigated=ev.mitigated and not pre_mitigation, occurred=float(share),
            correlation=float(max(-1.0, min(1.0, r_corr))),
            finish_off=np.concatenate(off_parts[k]).astype(np.int32))
    other_days = np.concatenate(other_parts).astype(np.int32) if other_parts else None
    result = RiskResult(plan, base, iterations, seed, distribution, finish_days, task_days,
                        criticality, correlation, [],
                        as_of, actuals_source,
                        pre_mitigation=pre_mitigation, sampled=sampled, other_finish_days=other_days,
                        mitigated=tuple(ev.risk.id for ev in events if ev.mitigated))
    result.risks = _register(plan, base, result) + findings_as_risks(findings)
    return result


# -- risk events ---------------------------------------------------------------------------------

@dataclass
class _Event:
    """A register risk with an effect, as the simulation uses it: (probability, delay, factor) before
    and after its mitigation, and the rows of the tasks it hits."""

    risk: Risk
    rows: Any
    tasks: tuple[str, ...]
    pre: tuple[float, int | None, float | None]
    post: tuple[float, int | None, float | None]
    mitigated: bool                  # its mitigation task is in the plan and post_mitigation is given


@dataclass
class _Sampled:
    """What one risk event did in a simulation (the values applied, which may be post-mitigation)."""

    probability: float
    delay: int | None
    factor: float | None
    tasks: tuple[str, ...]
    mitigated: bool
    occurred: float                  # share of iterations in which it occurred
    correlation: float               # Pearson correlation of its occurrence (0/1) with the finish
    finish_off: Any                  # finish edges, same draws, with this risk switched off


def _events(plan: Plan, net: _Network, done: set[str]) -> list[_Event]:
    import numpy as np

    ids = {t.id for t in plan.tasks}
    out = []
    for r in plan.risks:
        if r.effect is None:
            continue
        # done work is fixed where it happened: a risk can no longer stretch it
        tasks = tuple(t for t in r.effect.tasks if t in net.rows and t not in done)
        pre = (r.probability, r.effect.delay, r.effect.factor)
        mitigated = r.post_mitigation is not None and bool(r.mitigation) and r.mitigation in ids
        post = pre
        if mitigated:
            prob, eff = r.post_mitigation
            post = (prob, eff.delay, eff.factor)
        rows = np.array(sorted(net.rows[t] for t in tasks), dtype=np.intp)
        out.append(_Event(r, rows, tuple(r.effect.tasks), pre, post, mitigated and post != pre))
    return out


def _apply(base, events: Sequence[_Event], values: Sequence[tuple], occurs, skip: int = -1):
    """Durations with the risk events that occur: factors multiply (rounded half up, once, after all
    factors), then delays add. ``occurs`` is (risks × iterations); risk ``skip`` is switched off."""
    import numpy as np

    dur = base.copy()
    factor_rows = sorted({r for k, ev in enumerate(events) if k != skip and values[k][2] not in (None, 1.0)
                          for r in ev.rows.tolist()})
    if factor_rows:
        local = {r: i for i, r in enumerate(factor_rows)}
        mult = np.ones((len(factor_rows), base.shape[1]))
        for k, ev in enumerate(events):
            factor = values[k][2]
            if k == skip or factor in (None, 1.0) or not len(ev.rows):
                continue
            cols = np.flatnonzero(occurs[k])
            if len(cols):
                mult[np.ix_([local[r] for r in ev.rows.tolist()], cols)] *= factor
        rows = np.array(factor_rows, dtype=np.intp)
        dur[rows] = np.floor(base[rows] * mult + 0.5).astype(dur.dtype)
    for k, ev in enumerate(events):
        delay = values[k][1]
        if k == skip or not delay or not len(ev.rows):
            continue
        cols = np.flatnonzero(occurs[k])
        if len(cols):
            dur[np.ix_(ev.rows, cols)] += np.asarray(delay, dtype=dur.dtype)
    return dur


def _rerun(net: _Network, drawn, finish, events: Sequence[_Event], jobs: Sequence[tuple]) -> list:
    """For each job (risk values, occurrences, risk switched off or −1, iterations ``cols``): ``finish``
    with those iterations scheduled again under the job's risk values. The iterations of all the jobs
    are packed side by side into forward passes of at most a chunk's width each, so that the Python
    work per level of the graph is paid once per pass rather than once per risk."""
    import numpy as np

    n, width = drawn.shape
    outs = [finish.copy() for _ in jobs]
    buf = np.empty((n, width), dtype=drawn.dtype)
    batch: list[tuple[int, Any, int]] = []
    size = 0

    def flush():
        ends = _run(net, buf if size == width else np.ascontiguousarray(buf[:, :size]), late=False)[2]
        for j, cols, at in batch:
            outs[j][cols] = ends[at:at + len(cols)]

    for j, (values, occurs, skip, cols) in enumerate(jobs):
        at = 0
        while at < len(cols):
            part = cols[at:at + width - size]
            buf[:, size:size + len(part)] = _apply(drawn[:, part], events, values, occurs[:, part], skip)
            batch.append((j, part, size))
            size += len(part)
            at += len(part)
            if size == width:
                flush()
                batch, size = [], 0
    if batch:
        flush()
    return outs


def _longest_path_bound(net: _Network, table: Mapping | None = None, events: Sequence[_Event] = ()) -> int:
    """An upper bound on any edge of any iteration: the longest chain of pessimistic durations (grown
    by every risk event that may hit the task) and absolute lags. Late edges go no further below zero,
    so 16-bit arrays are safe below ~16,000."""
    grow = [1.0] * len(net.tasks)
    add = [0] * len(net.tasks)
    for ev in events:
        for values in (ev.pre, ev.post):
            _, delay, factor = values
            for r in ev.rows.tolist():
                grow[r] *= max(1.0, factor or 1.0)
                add[r] += delay or 0
    top = [0] * len(net.tasks)
    longest = 0
    for r, t in enumerate(net.tasks):          # rows are in dependency order
        start = int(net.snet[r])
        for d in t.depends_on:
            j = net.rows[d.task]
            start = max(start, top[j] + abs(d.lag))
        top[r] = start + math.ceil(three_point(t, table)[2] * grow[r]) + 1 + add[r]
        longest = max(longest, top[r])
    return longest


class _Sampler:
    """Draws whole-day durations for every task by inverse CDF, exactly and without a search per draw.

    Each draw is a uniform 32-bit integer r; the duration is o + #{k : r ≥ T_k}, T_k = CDF(o + k) × 2³².
    A 4,096-bucket table on r's top 12 bits answers directly, except in the few buckets a threshold
    falls inside, where the thresholds are compared.
    """

    _BITS = 12

    def __init__(self, tasks: Sequence[Task], distribution: str, table: Mapping | None = None):
        import numpy as np

        self.n = len(tasks)
        self.fixed = np.zeros(self.n, dtype=np.int32)
        groups: dict[tuple[int, int, int], list[int]] = {}
        for r, t in enumerate(tasks):
            o, m, p = three_point(t, table)
            if _whole(o) == _whole(p):
                self.fixed[r] = _whole(o)
            else:
                groups.setdefault((o, m, p), []).append(r)
        buckets = 1 << self._BITS
        shift = 32 - self._BITS
        self.groups = []
        at = 0
        for (o, m, p), members in groups.items():
            cdf = np.cumsum(duration_distribution(o, m, p, distribution))[:-1]
            o = _whole(o)
            thresholds = np.minimum(np.round(cdf * 2.0 ** 32), 2.0 ** 32 - 1).astype(np.uint32)
            low = np.arange(buckets, dtype=np.uint64) << shift            # first r of each bucket
            high = low + (1 << shift) - 1                                  # last r of each bucket
            first = np.searchsorted(thresholds, low, side="right")
            lookup = (o + first).astype(np.int32)
            lookup[np.searchsorted(thresholds, high, side="right") != first] = -1     # compare exactly
            self.groups.append((at, at + len(members), o, thresholds, lookup))
            at += len(members)
        self.shift = shift
        self.varying = np.array([r for members in groups.values() for r in members], dtype=np.intp)

    def draw(self, rng, width: int, dtype=None):
        import numpy as np

        dur = np.empty((self.n, width), dtype=dtype or np.int32)
        dur[:] = self.fixed[:, None]
        if not self.groups:
            return dur
        r = rng.integers(0, 2 ** 32, size=(len(self.varying), width), dtype=np.uint32)
        drawn = np.empty(r.shape, dtype=dur.dtype)
        for lo, hi, o, thresholds, table in self.groups:
            block = r[lo:hi]
            out = drawn[lo:hi]
            np.take(table.astype(out.dtype, copy=False), (block >> self.shift).astype(np.intp), out=out)
            flat = out.reshape(-1)
            exact = np.flatnonzero(flat < 0)
            if len(exact):
                flat[exact] = o + np.searchsorted(thresholds, block.reshape(-1)[exact], side="right")
        dur[self.varying] = drawn
        return dur


# -- the risk register ---------------------------------------------------------------------------

def heatmap_cell(probability: float, impact: int) -> tuple[int, int]:
    """The (probability band 1–5, impact 1–5) cell of a 5 × 5 heatmap."""
    band = min(5, max(1, math.ceil(round(probability * 5, 9)))) if probability > 0 else 1
    return band, min(5, max(1, int(impact)))


def _register(plan: Plan, base: Schedule, result: RiskResult | None = None) -> list[dict[str, Any]]:
    out = []
    for r in plan.risks:
        st = base.tasks.get(r.mitigation) if r.mitigation else None
        got = None if result is None else result.sampled.get(r.id)
        out.append({
            "id": r.id, "title": r.title, "probability": r.probability, "impact": r.impact,
            "score": r.score, "mitigation": r.mitigation, "owner": r.owner, "source": "plan",
            "mitigation_finish": None if st is None else st.finish_date.isoformat(),
            "tasks": [r.mitigation] if st is not None else [],
            "effect": _effect_dict(r),
            "post_mitigation": None if r.post_mitigation is None else {
                "probability": r.post_mitigation[0], "delay_days": r.post_mitigation[1].delay,
                "factor": r.post_mitigation[1].factor},
            "mitigated": bool(got and got.mitigated),
            "simulated_probability": None if got is None else got.probability,
            "occurred": None if got is None else round(got.occurred, 4),
            "p80_days_added": None if result is None else result.p80_days_added(r.id),
        })
    return sorted(out, key=lambda x: (-x["score"], x["id"]))


def _effect_dict(r: Risk) -> dict[str, Any] | None:
    if r.effect is None:
        return None
    return {"tasks": list(r.effect.tasks), "delay_days": r.effect.delay, "factor": r.effect.factor}


def findings_as_risks(findings: Sequence[Any]) -> list[dict[str, Any]]:
    """Check findings as register entries, rated by severity (see ``_FINDING_RATING``); plan
    bookkeeping findings (``_NOT_RISKS``) are left to ``rollout check``."""
    out = []
    for k, f in enumerate(findings, 1):
        get = f.get if isinstance(f, Mapping) else (lambda name, default=None, _f=f: getattr(_f, name, default))
        if get("code") in _NOT_RISKS:
            continue
        severity = str(get("severity", "warning"))
        probability, impact = _FINDING_RATING.get(severity, _FINDING_RATING["warning"])
        out.append({
            "id": f"{get('code', 'CHECK')}#{k}", "title": str(get("message", "")),
            "probability": probability, "impact": impact, "score": round(probability * impact, 4),
            "mitigation": get("hint"), "owner": None, "source": "check", "severity": severity,
            "mitigation_finish": None, "tasks": list(get("tasks", ()) or ()), "p80_days_added": None,
        })
    return out
