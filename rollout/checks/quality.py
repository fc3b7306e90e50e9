"""Schedule quality: the DCMA 14-point assessment (DCMA-EA PAM 200.1) as rules D001–D014 and as metrics.

The rules are opt-in (``--select D``); :func:`schedule_quality` returns all fourteen metrics for a table.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
from dataclasses import dataclass
from typing import Any, Mapping

from .context import CheckContext
from .registry import RuleSkipped, Violation, all_rules, rule

__all__ = ["QUALITY_CODES", "Metric", "schedule_quality"]

QUALITY_CODES = tuple(f"D{n:03d}" for n in range(1, 15))
_LISTED = 25          # tasks named in a finding; the metric data lists them all


@dataclass(frozen=True)
class Metric:
    """One schedule-quality metric: its value against its threshold, or why it was not evaluated.

    ``unit`` is ``share`` (0–1), ``count``, ``ratio`` or ``days``; ``limit`` says whether the threshold is
    a ``max`` (fails above) or a ``min`` (fails below). ``counted`` is how many tasks (dependencies for
    D002–D004) the metric looked at; ``tasks`` the ones that count against it.
    """

    code: str
    slug: str
    title: str
    value: float | None
    threshold: float
    unit: str
    limit: str
    passed: bool | None                 # None when skipped
    counted: int = 0
    tasks: tuple[str, ...] = ()
    hits: int = 0                       # how many items count against it (tasks, or dependencies)
    skipped: str | None = None          # why the metric was not evaluated
    note: str | None = None             # what it was measured against (baseline, status date)

    @property
    def status(self) -> str:
        """``pass``, ``fail`` or ``skipped``."""
        return "skipped" if self.passed is None else ("pass" if self.passed else "fail")

    def value_text(self) -> str:
        return "–" if self.value is None else _fmt(self.value, self.unit)

    def threshold_text(self) -> str:
        sign = "≤" if self.limit == "max" else "≥"
        if self.code == "D012":
            sign = "="
        return f"{sign} {_fmt(self.threshold, self.unit)}"

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "slug": self.slug, "title": self.title, "value": self.value,
                "threshold": self.threshold, "unit": self.unit, "limit": self.limit, "status": self.status,
                "passed": self.passed, "counted": self.counted, "hits": self.hits, "tasks": list(self.tasks),
                "skipped": self.skipped, "note": self.note}


def _fmt(value: float, unit: str) -> str:
    if unit == "share":
        return f"{100 * value:.1f} %"
    if unit == "ratio":
        return f"{value:.3f}"
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def schedule_quality(plan, schedule, baseline=None, status_date: _dt.date | None = None,
                     settings: Mapping[str, Any] | None = None, actuals: Mapping[str, Any] | None = None,
                     ) -> list[Metric]:
    """All fourteen metrics, D001 to D014, evaluated or skipped with the reason.

    ``baseline`` is task id → (start date, finish date) (what the state store keeps) or a Schedule;
    without one the current schedule is the baseline (SPEC 3). ``actuals`` maps task ids to progress
    (objects with ``status``, ``actual_start``, ``actual_finish``, as rollout.tracking reads them);
    without any, no task is complete. ``settings`` override the thresholds (``checks.settings`` keys).

    >>> from rollout.model import Plan, Task, CalendarSpec, Dependency
    >>> from rollout.schedule import schedule
    >>> p = Plan("p", "P", _dt.date(2027, 1, 4), CalendarSpec(), (
    ...     Task("w.a", "A", "w", 5), Task("w.b", "B", "w", 60, depends_on=(Dependency("w.a"),))))
    >>> [(m.code, m.status) for m in schedule_quality(p, schedule(p))][6:8]
    [('D007', 'pass'), ('D008', 'fail')]
    """
    rules = all_rules()
    merged: dict[str, Any] = {}
    for code in QUALITY_CODES:
        merged.update(rules[code].settings)
    merged.update(settings or {})
    ctx = CheckContext(plan, schedule, merged)
    ctx.status_date, ctx.actuals, ctx.baseline = status_date, dict(actuals or {}), baseline
    return [_METRICS[code](_Quality.of(ctx)) for code in QUALITY_CODES]


# ------------------------------------------------------------------------------- shared inputs

class _Quality:
    """What the metrics share, computed once per check run: the counted tasks, the baseline's finishes."""

    def __init__(self, ctx: CheckContext):
        self.ctx = ctx
        self.sched = ctx.schedule
        self.settings = ctx.settings
        acts = ctx.actuals or {}
        self.done = {tid for tid, a in acts.items() if getattr(a, "status", None) == "done"}
        self.open = [i for i, t in enumerate(ctx.tasks) if t.id not in self.done]

    @classmethod
    def of(cls, ctx: CheckContext) -> "_Quality":
        q = ctx.__dict__.get("_quality")
        if q is None or q.sched is not ctx.schedule:
            q = ctx.__dict__["_quality"] = cls(ctx)
        return q

    def setting(self, key: str):
        return self.settings.get(key, _DEFAULTS[key])

    def dependencies(self) -> list[tuple[str, Any]]:
        """(successor id, dependency) for each known dependency of an incomplete task."""
        ctx = self.ctx
        return [(ctx.tasks[i].id, d) for i in self.open for d in ctx.tasks[i].depends_on if d.task in ctx.index]

    def start_and_finish_milestones(self) -> set[str]:
        """The plan's start milestone (the first milestone without predecessors on day 0) and its finish
        milestone (the latest milestone nothing depends on, as S005 finds it)."""
        ctx, sched = self.ctx, self.sched.tasks
        out = set()
        start = next((t.id for i, t in enumerate(ctx.tasks)
                      if t.duration == 0 and not ctx.preds[i] and sched[t.id].start == 0), None)
        ends = [i for i, t in enumerate(ctx.tasks) if t.duration == 0 and not ctx.succs[i]]
        if ends:
            out.add(ctx.tasks[max(ends, key=lambda i: (sched[ctx.tasks[i].id].end, i))].id)
        if start is not None:
            out.add(start)
        return out

    def status_date(self, code: str) -> _dt.date:
        if self.ctx.status_date is None:
            raise RuleSkipped("needs a status date (the as-of date of the progress)")
        return self.ctx.status_date

    def baseline_finishes(self) -> tuple[dict[str, _dt.date], str]:
        """Baseline finish date per task, and what the baseline is (stored, or the current schedule)."""
        base = self.ctx.baseline
        if base is None:
            return {tid: st.finish_date for tid, st in self.sched.tasks.items()}, "the current schedule"
        if hasattr(base, "tasks") and hasattr(base, "finish"):
            return {tid: st.finish_date for tid, st in base.tasks.items()}, "the baseline"
        return {tid: dates[1] for tid, dates in base.items()}, "the stored baseline"

    def baseline_finish_edge(self) -> int | None:
        base = self.ctx.baseline
        if base is None:
            return None
        if hasattr(base, "tasks") and hasattr(base, "finish"):
            return base.finish
        finishes = [dates[1] for dates in base.values()]
        if not finishes:
            return None
        return self.sched.calendar.index_on_or_before(max(finishes)) + 1

    def actual(self, tid: str):
        return (self.ctx.actuals or {}).get(tid)


def _share(code: str, q: _Quality, hits: list[str], counted: int, key: str, *, limit: str = "max",
           of: str = "tasks", hit_count: int | None = None, note: str | None = None) -> Metric:
    threshold = q.setting(key)
    n = len(hits) if hit_count is None else hit_count
    r = all_rules()[code]
    if counted == 0:
        return Metric(code, r.slug, _TITLES[code], None, threshold, "share", limit, True, 0, (), 0,
                      note=f"no {of} to count")
    value = n / counted
    passed = value <= threshold if limit == "max" else value >= threshold
    return Metric(code, r.slug, _TITLES[code], value, threshold, "share", limit, passed, counted,
                  tuple(dict.fromkeys(hits)), n, note=note)


def _count(code: str, q: _Quality, hits: list[str], counted: int, key: str, hit_count: int | None = None,
           note: str | None = None) -> Metric:
    threshold = q.setting(key)
    n = len(hits) if hit_count is None else hit_count
    r = all_rules()[code]
    return Metric(code, r.slug, _TITLES[code], n, threshold, "count", "max", n <= threshold, counted,
                  tuple(dict.fromkeys(hits)), n, note=note)


def _skipped(code: str, q: _Quality, reason: str, unit: str, limit: str, key: str) -> Metric:
    r = all_rules()[code]
    return Metric(code, r.slug, _TITLES[code], None, q.setting(key), unit, limit, None, skipped=reason)


# ------------------------------------------------------------------------------- the metrics

def _d001(q: _Quality) -> Metric:
    ctx, exempt = q.ctx, q.start_and_finish_milestones()
    counted = [i for i in q.open if ctx.tasks[i].id not in exempt]
    hits = [ctx.tasks[i].id for i in counted if not ctx.preds[i] or not ctx.succs[i]]
    return _share("D001", q, hits, len(counted), "missing_logic_max_share")


def _d002(q: _Quality) -> Metric:
    deps = q.dependencies()
    hits = [(tid, d) for tid, d in deps if d.lag < 0]
    return _count("D002", q, [tid for tid, _ in hits], len(deps), "leads_max_count", len(hits))


def _d003(q: _Quality) -> Metric:
    deps = q.dependencies()
    hits = [(tid, d) for tid, d in deps if d.lag > 0]
    return _share("D003", q, [tid for tid, _ in hits], len(deps), "lags_max_share", of="dependencies",
                  hit_count=len(hits))


def _d004(q: _Quality) -> Metric:
    deps = q.dependencies()
    other = [tid for tid, d in deps if d.type != "FS"]
    m = _share("D004", q, other, len(deps), "fs_min_share", limit="min", of="dependencies")
    if m.value is None:
        return m
    # the metric is the share of FS links; the tasks listed are those with another type of link
    fs = (len(deps) - len(other)) / len(deps)
    return dataclasses.replace(m, value=fs, passed=fs >= m.threshold)


def _d005(q: _Quality) -> Metric:
    ctx = q.ctx
    with_deadlines = q.setting("deadlines_as_hard_constraints")
    hits = [ctx.tasks[i].id for i in q.open if with_deadlines and ctx.tasks[i].deadline is not None]
    note = ("deadlines counted as finish-no-later-than constraints" if with_deadlines else
            "start_no_earlier_than is a soft constraint and a deadline is not a constraint")
    return _share("D005", q, hits, len(q.open), "hard_constraints_max_share", note=note)


def _d006(q: _Quality) -> Metric:
    ctx, sched, days = q.ctx, q.sched.tasks, q.setting("high_float_days")
    hits = [ctx.tasks[i].id for i in q.open if sched[ctx.tasks[i].id].total_float > days]
    return _share("D006", q, hits, len(q.open), "high_float_max_share", note=f"float over {days} working days")


def _d007(q: _Quality) -> Metric:
    ctx, sched = q.ctx, q.sched.tasks
    hits = [ctx.tasks[i].id for i in q.open if sched[ctx.tasks[i].id].total_float < 0]
    return _count("D007", q, hits, len(q.open), "negative_float_max_count")


def _d008(q: _Quality) -> Metric:
    ctx, days = q.ctx, q.setting("high_duration_days")
    work = [i for i in q.open if ctx.tasks[i].duration > 0]
    hits = [ctx.tasks[i].id for i in work if ctx.tasks[i].duration > days]
    return _share("D008", q, hits, len(work), "high_duration_max_share",
                  note=f"durations over {days} working days")


def _d009(q: _Quality) -> Metric:
    try:
        day = q.status_date("D009")
    except RuleSkipped as skip:
        return _skipped("D009", q, skip.reason, "count", "max", "invalid_dates_max_count")
    ctx, sched = q.ctx, q.sched.tasks
    hits = []
    for t in ctx.tasks:
        act = q.actual(t.id)
        started = act is not None and getattr(act, "status", "todo") != "todo"
        dates = [getattr(act, "actual_start", None), getattr(act, "actual_finish", None)] if act else []
        if any(d is not None and d > day for d in dates):
            hits.append(t.id)                             # an actual date in the future
        elif not started and sched[t.id].start_date < day:
            hits.append(t.id)                             # work not started, forecast to start in the past
    return _count("D009", q, hits, len(ctx.tasks), "invalid_dates_max_count",
                  note=f"status date {day.isoformat()}")


def _d010(q: _Quality) -> Metric:
    ctx = q.ctx
    from ..capacity import uses_capacity

    if not uses_capacity(ctx.plan):
        return _skipped("D010", q, "not applicable: the plan declares no resources or capacities", "share", "max",
                        "unresourced_max_share")
    work = [i for i in q.open if ctx.tasks[i].duration > 0]
    hits = [ctx.tasks[i].id for i in work if not getattr(ctx.tasks[i], "resources", None)]
    return _share("D010", q, hits, len(work), "unresourced_max_share")


def _due(q: _Quality, code: str) -> tuple[_dt.date, list[str], dict[str, _dt.date], str]:
    day = q.status_date(code)
    finishes, what = q.baseline_finishes()
    due = [t.id for t in q.ctx.tasks if t.id in finishes and finishes[t.id] <= day]
    return day, due, finishes, what


def _d011(q: _Quality) -> Metric:
    try:
        day, due, finishes, what = _due(q, "D011")
    except RuleSkipped as skip:
        return _skipped("D011", q, skip.reason, "share", "max", "missed_tasks_max_share")
    hits = []
    for tid in due:
        act = q.actual(tid)
        finish = getattr(act, "actual_finish", None)
        if tid not in q.done or (finish is not None and finish > finishes[tid]):
            hits.append(tid)
    return _share("D011", q, hits, len(due), "missed_tasks_max_share",
                  note=f"status date {day.isoformat()}, baseline: {what}")


def _d012(q: _Quality) -> Metric:
    from ..schedule import schedule as reschedule

    ctx, sched, delay = q.ctx, q.sched, q.setting("critical_path_test_days")
    first = next((tid for tid in sched.critical_path if tid not in q.done), None)
    r = all_rules()["D012"]
    if first is None:
        return _skipped("D012", q, "no incomplete task on the critical path", "days", "max",
                        "critical_path_test_days")
    plan = sched.plan
    durations = {first: sched.tasks[first].task.duration + delay}
    moved = reschedule(plan, sched.calendar, durations=durations).finish - sched.finish
    return Metric("D012", r.slug, _TITLES["D012"], moved, delay, "days", "max", moved == delay,
                  len(sched.critical_path), (first,) if moved != delay else (), int(moved != delay),
                  note=f"'{first}' delayed by {delay} working days")


def _d013(q: _Quality) -> Metric:
    ctx, sched, key = q.ctx, q.sched, "cpli_min"
    at = 0
    if ctx.status_date is not None:
        at = sched.calendar.index_on_or_after(ctx.status_date)
    length = sched.finish - at
    ending = [st for st in sched.tasks.values() if st.end == sched.finish and st.task.deadline is not None]
    cal = sched.calendar
    if ending:
        target = min(cal.index_on_or_before(st.task.deadline) + 1 for st in ending)
        what = "the finish's deadline"
    else:
        target = q.baseline_finish_edge()
        what = "the baseline finish"
    if target is None:
        return _skipped("D013", q, "needs a deadline on the finish or a stored baseline", "ratio", "min",
                        key)
    if length <= 0:
        return _skipped("D013", q, "no critical path remains after the status date", "ratio", "min", key)
    cpli = (length + target - sched.finish) / length
    r = all_rules()["D013"]
    passed = cpli >= q.setting(key)
    return Metric("D013", r.slug, _TITLES["D013"], cpli, q.setting(key), "ratio", "min", passed,
                  len(sched.critical_path), () if passed else tuple(sched.critical_path), 0 if passed else 1,
                  note=f"critical path of {length} working days, float to {what} {target - sched.finish}")


def _d014(q: _Quality) -> Metric:
    key = "bei_min"
    try:
        day, due, _, what = _due(q, "D014")
    except RuleSkipped as skip:
        return _skipped("D014", q, skip.reason, "ratio", "min", key)
    r = all_rules()["D014"]
    if not due:
        return Metric("D014", r.slug, _TITLES["D014"], None, q.setting(key), "ratio", "min", True, 0,
                      note="no task was baselined to finish by the status date")
    finished = [t.id for t in q.ctx.tasks if t.id in q.done
                and (getattr(q.actual(t.id), "actual_finish", None) or day) <= day]
    bei = len(finished) / len(due)
    missing = [tid for tid in due if tid not in q.done]
    return Metric("D014", r.slug, _TITLES["D014"], bei, q.setting(key), "ratio", "min",
                  bei >= q.setting(key), len(due), tuple(missing), len(missing),
                  note=f"{len(finished)} tasks finished, {len(due)} baselined to finish by "
                       f"{day.isoformat()} (baseline: {what})")


_METRICS = {"D001": _d001, "D002": _d002, "D003": _d003, "D004": _d004, "D005": _d005, "D006": _d006,
            "D007": _d007, "D008": _d008, "D009": _d009, "D010": _d010, "D011": _d011, "D012": _d012,
            "D013": _d013, "D014": _d014}
_TITLES = {"D001": "Logic", "D002": "Leads", "D003": "Lags", "D004": "Relationship types",
           "D005": "Hard constraints", "D006": "High float", "D007": "Negative float", "D008": "High duration",
           "D009": "Invalid dates", "D010": "Resources", "D011": "Missed tasks", "D012": "Critical path test",
           "D013": "Critical path length index", "D014": "Baseline execution index"}
_DEFAULTS: dict[str, Any] = {
    "missing_logic_max_share": 0.05, "leads_max_count": 0, "lags_max_share": 0.05, "fs_min_share": 0.9,
    "hard_constraints_max_share": 0.05, "deadlines_as_hard_constraints": False,
    "high_float_days": 44, "high_float_max_share": 0.05, "negative_float_max_count": 0,
    "high_duration_days": 44, "high_duration_max_share": 0.05, "invalid_dates_max_count": 0,
    "unresourced_max_share": 0.0, "missed_tasks_max_share": 0.05, "critical_path_test_days": 600,
    "cpli_min": 0.95, "bei_min": 0.95,
}


def _settings(*keys: str) -> dict[str, Any]:
    return {k: _DEFAULTS[k] for k in keys}


# ------------------------------------------------------------------------------- the rules

_WHAT = {
    "D001": "have no predecessor or no successor",
    "D002": "have a lead (a negative lag)",
    "D003": "have a positive lag",
    "D004": "are finish-to-start",
    "D005": "have a hard date constraint",
    "D006": "have total float over {high_float_days} working days",
    "D007": "have negative total float",
    "D008": "last longer than {high_duration_days} working days",
    "D009": "have an invalid date (an actual date after the status date, or work not started forecast "
            "to start before it)",
    "D010": "have a duration and no resources",
    "D011": "due by the status date finished late or not at all",
}


def _violations(m: Metric, settings: Mapping[str, Any]):
    """A failed metric as one finding: the metric, its value, the threshold and the tasks counted."""
    if m.passed is None:
        raise RuleSkipped(m.skipped or "skipped")
    if m.passed:
        return
    if m.code in _WHAT:
        days = {k: settings.get(k, _DEFAULTS[k]) for k in ("high_float_days", "high_duration_days")}
        unit = "dependencies" if m.code in ("D002", "D003", "D004") else "tasks"
        shown = m.counted - m.hits if m.code == "D004" else m.hits
        figure = f"{m.value_text()}, threshold {m.threshold_text()}"
        if m.unit == "count":
            figure = f"threshold {m.threshold_text()}"
        text = f"{shown} of {m.counted} {unit} {_WHAT[m.code].format(**days)} ({figure})"
        if m.code in ("D009", "D011"):
            text += f"; {m.note}"
    elif m.code == "D012":
        text = (f"{m.note} moves the finish by {m.value_text()} working days, not "
                f"{_fmt(m.threshold, 'days')}: the logic after it does not drive the finish")
    elif m.code == "D013":
        text = f"CPLI {m.value_text()} (threshold {m.threshold_text()}): {m.note}"
    else:
        text = f"BEI {m.value_text()} (threshold {m.threshold_text()}): {m.note}"
    if len(m.tasks) > _LISTED:
        text += f"; the first {_LISTED} of {len(m.tasks)} tasks are listed"
    yield Violation(text, tasks=m.tasks[:_LISTED], metric=m.to_dict())


def _run(code: str, ctx: CheckContext):
    return _violations(_METRICS[code](_Quality.of(ctx)), ctx.settings)

# The rule functions below only carry the documentation and the registration; the arithmetic is in the
# metric functions above, which schedule_quality() shares.

@rule("D001", "missing-logic", severity="warning", opt_in=True,
      summary="share of tasks without a predecessor or a successor > 5 %",
      settings=_settings("missing_logic_max_share"),
      hint="link each task to what it waits for and to what waits for it")
def missing_logic(ctx: CheckContext):
    """## What it does
    Counts the incomplete tasks (milestones included) that have no predecessor or no successor, and
    reports when their share is over `missing_logic_max_share` (5 %). The plan's start milestone (the
    first milestone on day 0 without predecessors) and its finish milestone (the latest milestone that
    nothing depends on) are left out of the count; so are completed tasks.

    ## Why is this bad?
    DCMA's first check. A task without a successor can slip without moving anything; one without a
    predecessor starts on day 0 whatever happens before it. Either way the dates the schedule shows
    are not driven by the work, and the critical path is not the real one.

    ## Example
    ```yaml
    tasks:
      - {id: start, kind: milestone, duration: 0}
      - {id: design, duration: 10d, depends_on: [start]}
      - {id: survey, duration: 5d}                       # no predecessor, no successor
      - {id: done, kind: milestone, duration: 0, depends_on: [design]}
    ```

    ## Use instead
    ```yaml
    tasks:
      - {id: start, kind: milestone, duration: 0}
      - {id: design, duration: 10d, depends_on: [start]}
      - {id: survey, duration: 5d, depends_on: [start]}
      - {id: done, kind: milestone, duration: 0, depends_on: [design, survey]}
    ```
    """
    return _run("D001", ctx)


@rule("D002", "leads", severity="warning", opt_in=True,
      summary="any negative lag (0 %)", settings=_settings("leads_max_count"),
      hint="replace the lead by a start-to-start link with a positive lag, or split the predecessor")
def leads(ctx: CheckContext):
    """## What it does
    Counts the dependencies of incomplete tasks with a negative lag (a lead) and reports when there are
    more than `leads_max_count` (0).

    ## Why is this bad?
    A lead says the successor starts before its predecessor finishes, by a fixed amount, whatever
    becomes of the predecessor. It hides the real overlap and distorts the critical path; DCMA allows
    none.

    ## Example
    ```yaml
    tasks:
      - {id: design, duration: 20d}
      - {id: build, duration: 30d, depends_on: [{task: design, lag: -5d}]}
    ```

    ## Use instead
    ```yaml
    tasks:
      - {id: design, duration: 20d}
      - {id: build, duration: 30d, depends_on: [{task: design, type: SS, lag: 15d}]}
    ```
    """
    return _run("D002", ctx)


@rule("D003", "lags", severity="warning", opt_in=True,
      summary="share of dependencies with a positive lag > 5 %", settings=_settings("lags_max_share"),
      hint="model the waiting time as a task (approval, delivery) with an owner")
def lags(ctx: CheckContext):
    """## What it does
    Counts the dependencies of incomplete tasks that have a positive lag and reports when their share
    of all those dependencies is over `lags_max_share` (5 %).

    ## Why is this bad?
    A lag is time that passes with no task, no owner and no status: nobody can report progress on
    it or shorten it, and it cannot be seen in Jira. DCMA keeps lags to a few.

    ## Example
    ```yaml
    tasks:
      - {id: order, duration: 2d}
      - {id: install, duration: 5d, depends_on: [{task: order, lag: 15d}]}
    ```

    ## Use instead
    ```yaml
    tasks:
      - {id: order, duration: 2d}
      - {id: delivery, name: Vendor delivers the kit, duration: 15d, owner: vendor, depends_on: [order]}
      - {id: install, duration: 5d, depends_on: [delivery]}
    ```
    """
    return _run("D003", ctx)


@rule("D004", "relationship-types", severity="warning", opt_in=True,
      summary="share of FS dependencies < 90 %", settings=_settings("fs_min_share"),
      hint="prefer finish-to-start links; split tasks that only overlap in part")
def relationship_types(ctx: CheckContext):
    """## What it does
    Reports when fewer than `fs_min_share` (90 %) of the dependencies of incomplete tasks are
    finish-to-start; the tasks listed are those with SS, FF or SF links.

    ## Why is this bad?
    Start-to-start, finish-to-finish and start-to-finish links let work overlap without saying how
    much is done when; a schedule made mostly of them is hard to read and its float is unreliable.

    ## Example
    ```yaml
    tasks:
      - {id: draft, duration: 10d}
      - {id: review, duration: 10d, depends_on: [{task: draft, type: SS}]}
      - {id: publish, duration: 2d, depends_on: [{task: review, type: FF}]}
    ```

    ## Use instead
    ```yaml
    tasks:
      - {id: draft, duration: 10d}
      - {id: review, duration: 10d, depends_on: [draft]}
      - {id: publish, duration: 2d, depends_on: [review]}
    ```
    """
    return _run("D004", ctx)


@rule("D005", "hard-constraints", severity="warning", opt_in=True,
      summary="share of tasks with a hard date constraint (must-start/finish-on, start/finish-no-later-than) "
              "> 5 %",
      settings=_settings("hard_constraints_max_share", "deadlines_as_hard_constraints"),
      hint="let dependencies drive the dates; keep a deadline as a target, not a constraint")
def hard_constraints(ctx: CheckContext):
    """## What it does
    Reports when the share of incomplete tasks with a hard date constraint is over
    `hard_constraints_max_share` (5 %). rollout's `start_no_earlier_than` is a soft constraint (it only
    holds a task back) and a `deadline` is not a constraint at all in MS Project's terms (it bounds the
    late finish, giving negative float, but never moves the task), so by default nothing counts. An
    auditor who treats deadlines as finish-no-later-than constraints sets
    `deadlines_as_hard_constraints: true`.

    ## Why is this bad?
    A hard constraint pins a date whatever the logic says: the schedule stops showing when work can
    really finish, and slips disappear into the constraint instead of moving the finish.

    ## Example
    ```yaml
    checks: {select: [D005], settings: {deadlines_as_hard_constraints: true}}
    tasks:
      - {id: design, duration: 10d, deadline: 2027-02-01}
      - {id: build, duration: 10d, deadline: 2027-02-15, depends_on: [design]}
    ```

    ## Use instead
    Keep deadlines on the milestones that matter to the sponsor, not on every task:
    ```yaml
    tasks:
      - {id: design, duration: 10d}
      - {id: build, duration: 10d, depends_on: [design]}
      - {id: live, kind: milestone, duration: 0, deadline: 2027-02-15, depends_on: [build]}
    ```
    """
    return _run("D005", ctx)


@rule("D006", "high-float", severity="warning", opt_in=True,
      summary="share of tasks with total float > 44 working days > 5 %",
      settings=_settings("high_float_days", "high_float_max_share"),
      hint="add the missing successor: high float usually means a task leads nowhere that matters")
def high_float(ctx: CheckContext):
    """## What it does
    Reports when the share of incomplete tasks whose total float is over `high_float_days` (44 working
    days, about two months) exceeds `high_float_max_share` (5 %).

    ## Why is this bad?
    Float that large rarely means the work is truly optional: usually a successor is missing, so the
    task could slip for months without the schedule noticing.

    ## Example
    ```yaml
    tasks:
      - {id: programme, duration: 120d}
      - {id: survey, duration: 5d}                       # 115 days of float
      - {id: done, kind: milestone, duration: 0, depends_on: [programme, survey]}
    ```

    ## Use instead
    ```yaml
    tasks:
      - {id: survey, duration: 5d}
      - {id: programme, duration: 120d, depends_on: [survey]}
      - {id: done, kind: milestone, duration: 0, depends_on: [programme]}
    ```
    """
    return _run("D006", ctx)


@rule("D007", "negative-float", severity="warning", opt_in=True,
      summary="any task with negative float (late dates bounded by deadlines)",
      settings=_settings("negative_float_max_count"),
      hint="the deadline cannot be met: shorten or overlap the driving work, or renegotiate the deadline")
def negative_float(ctx: CheckContext):
    """## What it does
    Counts the incomplete tasks with negative total float and reports when there are more than
    `negative_float_max_count` (0). A `deadline` bounds a task's late finish, so a task that
    cannot meet its deadline, and every task driving it, has negative float: D007 fires exactly when
    S004 (deadline-missed) does, and names the whole driving chain.

    ## Why is this bad?
    Negative float is the schedule saying a committed date is already lost, before anything has
    slipped. The chain of tasks with negative float is where time must be found.

    ## Example
    ```yaml
    tasks:
      - {id: training, duration: 30d}
      - {id: golive, kind: milestone, duration: 0, deadline: 2027-02-01, depends_on: [training]}
    ```

    ## Use instead
    ```yaml
    tasks:
      - {id: training, duration: 30d}
      - {id: golive, kind: milestone, duration: 0, deadline: 2027-02-15, depends_on: [training]}
    ```
    """
    return _run("D007", ctx)


@rule("D008", "high-duration", severity="warning", opt_in=True,
      summary="share of tasks longer than 44 working days > 5 %",
      settings=_settings("high_duration_days", "high_duration_max_share"),
      hint="split long tasks into pieces with their own outcome and owner")
def high_duration(ctx: CheckContext):
    """## What it does
    Reports when the share of incomplete tasks (milestones aside) longer than `high_duration_days`
    (44 working days) exceeds `high_duration_max_share` (5 %).

    ## Why is this bad?
    A task of three months is hard to status ("60 % done"?) and hides the dependencies inside it;
    DCMA asks for work broken down to about two months at most.

    ## Example
    ```yaml
    tasks:
      - {id: rollout, name: Roll out to all units, duration: 60d}
    ```

    ## Use instead
    ```yaml
    tasks:
      - {id: rollout-north, name: Roll out to the northern units, duration: 30d}
      - {id: rollout-south, name: Roll out to the southern units, duration: 30d, depends_on: [rollout-north]}
    ```
    """
    return _run("D008", ctx)


@rule("D009", "invalid-dates", severity="warning", opt_in=True,
      summary="an actual date after the status date, or a forecast start before it for work not started",
      settings=_settings("invalid_dates_max_count"),
      hint="record progress up to the status date and re-plan what has not started from it")
def invalid_dates(ctx: CheckContext):
    """## What it does
    With a status date (the as-of date of the progress), counts the tasks with an actual start or
    finish after it, and the tasks not started whose scheduled start is before it, and reports when
    there are more than `invalid_dates_max_count` (0). Without a status date the rule is skipped and
    says so. Progress comes from the actuals (a CSV or the last pull); without any, nothing has started.

    ## Why is this bad?
    Actual dates in the future are typing errors; work that "starts" in the past without having
    started means the schedule was not updated, so its forecast finish is fiction.

    ## Example
    Status date 2027-02-01, no progress recorded:
    ```yaml
    tasks:
      - {id: kickoff, duration: 5d}                      # planned for January, not started
    ```

    ## Use instead
    Record what happened (`rollout status --actuals progress.csv`) or move the work after the status date:
    ```yaml
    tasks:
      - {id: kickoff, duration: 5d, start_no_earlier_than: 2027-02-01}
    ```
    """
    return _run("D009", ctx)


@rule("D010", "resources", severity="warning", opt_in=True,
      summary="share of tasks with a duration and no resources > 0 % (only once the plan has `resources` or "
              "capacities)",
      settings=_settings("unresourced_max_share"),
      hint="name the resources each task uses, or take the plan's resources out")
def resources(ctx: CheckContext):
    """## What it does
    Once the plan declares `resources`, reports when the share of incomplete tasks with a duration
    that use none is over `unresourced_max_share` (0 %). In a plan without resources the rule is not
    applicable and says so (skipped).

    ## Why is this bad?
    A resource-loaded schedule whose tasks are partly unloaded shows capacity that is not there: the
    levelled dates and the over-allocation checks only see the loaded part.

    ## Example
    ```yaml
    resources:
      - {id: trainers, name: Trainers, units: 3}
    tasks:
      - {id: train-north, duration: 10d, resources: {trainers: 2}}
      - {id: train-south, duration: 10d}
    ```

    ## Use instead
    ```yaml
    resources:
      - {id: trainers, name: Trainers, units: 3}
    tasks:
      - {id: train-north, duration: 10d, resources: {trainers: 2}}
      - {id: train-south, duration: 10d, resources: {trainers: 1}}
    ```
    """
    return _run("D010", ctx)


@rule("D011", "missed-tasks", severity="warning", opt_in=True,
      summary="share of tasks baselined to finish by the status date that finished late or not at all > 5 %",
      settings=_settings("missed_tasks_max_share"),
      hint="recover the late work, or re-baseline if the plan itself changed")
def missed_tasks(ctx: CheckContext):
    """## What it does
    With a status date, takes the tasks the baseline had finishing on or before it and reports when the
    share of them that are not done, or were done after their baseline finish, is over
    `missed_tasks_max_share` (5 %). The baseline is the stored one (`rollout baseline`), else the current
    schedule. Without a status date the rule is skipped and says so.

    ## Why is this bad?
    Missed baseline finishes are the earliest sign a programme is slipping, long before the finish
    date moves in the forecast.

    ## Example
    Status date 2027-02-15; the baseline had both tasks done by then, only one is:
    ```yaml
    tasks:
      - {id: interviews, duration: 10d}                  # done 2027-01-15
      - {id: synthesis, duration: 5d, depends_on: [interviews]}   # not started
    ```

    ## Use instead
    Report the work as it is done (progress CSV or Jira), so the status date finds it finished:
    ```yaml
    tasks:
      - {id: interviews, duration: 10d}                  # done 2027-01-15
      - {id: synthesis, duration: 5d, depends_on: [interviews]}   # done 2027-01-22
    ```
    """
    return _run("D011", ctx)


@rule("D012", "critical-path-test", severity="warning", opt_in=True,
      summary="delaying the first critical task by 600 working days does not move the finish by exactly 600",
      settings=_settings("critical_path_test_days"),
      hint="look for a broken chain after that task: a missing link, a lag, or an SS/FF link that absorbs the delay")
def critical_path_test(ctx: CheckContext):
    """## What it does
    Lengthens the first incomplete task of the critical path by `critical_path_test_days` (600
    working days), reschedules the plan with rollout's own scheduler and reports when the finish does
    not move by exactly that much.

    ## Why is this bad?
    If a delay to the first critical task does not reach the finish one for one, the chain of logic
    that is supposed to drive the finish is broken somewhere: a start-to-start link, a dangling task,
    a later task held by a date. The critical path then is not the path that matters.

    ## Example
    The review hangs on the design's start (SS), so most of a delay to the design is absorbed:
    ```yaml
    tasks:
      - {id: design, duration: 10d}
      - {id: build, duration: 40d}
      - {id: review, duration: 45d, depends_on: [{task: design, type: SS}]}
    ```

    ## Use instead
    ```yaml
    tasks:
      - {id: design, duration: 10d}
      - {id: build, duration: 40d, depends_on: [design]}
      - {id: review, duration: 45d, depends_on: [build]}
    ```
    """
    return _run("D012", ctx)


@rule("D013", "cpli", severity="warning", opt_in=True,
      summary="(critical path length + float to the deadline or baseline finish) / critical path length < 0.95",
      settings=_settings("cpli_min"),
      hint="the finish is at risk: find time on the critical path or move the deadline")
def cpli(ctx: CheckContext):
    """## What it does
    Computes the critical path length index: (CPL + TF) / CPL, where CPL is the working days from the
    status date (or the plan start) to the finish and TF the float of the finish to its target: the
    `deadline` of the task(s) ending at the finish, else the finish of the stored baseline. Reports
    when it is below `cpli_min` (0.95). Without a deadline on the finish and without a baseline the
    rule is skipped and says so.

    ## Why is this bad?
    A CPLI under 1 means the remaining critical work does not fit before the target: at 0.95 the
    team must work 5 % faster than planned on every critical task from now on to make it.

    ## Example
    ```yaml
    tasks:
      - {id: work, duration: 40d}
      - {id: done, kind: milestone, duration: 0, deadline: 2027-02-19, depends_on: [work]}
    ```

    ## Use instead
    ```yaml
    tasks:
      - {id: work, duration: 40d}
      - {id: done, kind: milestone, duration: 0, deadline: 2027-03-01, depends_on: [work]}
    ```
    """
    return _run("D013", ctx)


@rule("D014", "bei", severity="warning", opt_in=True,
      summary="tasks finished / tasks baselined to finish by the status date < 0.95",
      settings=_settings("bei_min"),
      hint="the team finishes less than the baseline planned: re-plan the rate of work")
def bei(ctx: CheckContext):
    """## What it does
    With a status date, computes the baseline execution index: the tasks finished (by the status date)
    divided by the tasks the baseline had finishing by then, and reports when it is below `bei_min`
    (0.95). The baseline is the stored one, else the current schedule; without a status date the rule
    is skipped and says so.

    ## Why is this bad?
    A BEI of 0.8 says one task in five that should be done is not: the programme's throughput is
    below its plan, and the backlog pushes the finish.

    ## Example
    Status date 2027-02-15, both tasks due, one finished:
    ```yaml
    tasks:
      - {id: interviews, duration: 10d}                  # done
      - {id: synthesis, duration: 5d, depends_on: [interviews]}   # not started
    ```

    ## Use instead
    ```yaml
    tasks:
      - {id: interviews, duration: 10d}                  # done
      - {id: synthesis, duration: 5d, depends_on: [interviews]}   # done
    ```
    """
    return _run("D014", ctx)
