"""Running the rules over a plan: choose rules, run them once, collect findings in a stable order."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Callable, Iterable, Mapping

from ..errors import RolloutError, UsageError
from ..model import Plan, Source
from ..util import no_gc
from .context import CheckContext
from .registry import SEVERITIES, Finding, Rule, RuleSkipped, Selection, _code_key, all_rules

__all__ = ["CheckResult", "check_plan", "run_checks"]

_RANK = {s: k for k, s in enumerate(SEVERITIES)}


@dataclass(frozen=True)
class CheckResult:
    """The findings of one run, most serious first, and what the run was asked to fail on."""

    plan: Plan
    findings: tuple[Finding, ...]
    rules: tuple[Rule, ...]                       # the rules that ran
    fail_on: str = "error"
    skipped: tuple[Rule, ...] = ()                # selected but not run: they need a schedule
    severities: Mapping[str, str] = field(default_factory=dict)   # severity in force per code
    skip_reasons: Mapping[str, str] = field(default_factory=dict)  # code → why it could not be evaluated

    @property
    def failed(self) -> bool:
        """True when a finding is at or above ``fail_on`` (the CLI then exits 1)."""
        return any(f.at_least(self.fail_on) for f in self.findings)

    def counts(self) -> dict[str, int]:
        out = {s: 0 for s in SEVERITIES}
        for f in self.findings:
            out[f.severity] += 1
        return out

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of ``rollout check --format json`` (SPEC 3)."""
        return {"plan": self.plan.id, "findings": [dict(f.to_dict(), locations=self.locations(f))
                                                   for f in self.findings],
                "counts": self.counts(), "fail_on": self.fail_on, "failed": self.failed,
                "rules": [r.code for r in self.rules], "skipped": [r.code for r in self.skipped],
                "skip_reasons": dict(self.skip_reasons)}

    def to_frame(self):
        """The findings as a pandas DataFrame, one row per finding (the columns of ``to_dict``'s)."""
        import pandas as pd

        rows = [f.to_dict() for f in self.findings]
        return pd.DataFrame(rows, columns=list(rows[0]) if rows else ["code", "severity", "message", "tasks"])

    def locations(self, finding: Finding) -> list[dict[str, Any]]:
        """Where the finding points: each task's and cadence's definition, then its own place (the
        plan, a measure, a dependency line) when that is somewhere else."""
        tasks = self._tasks
        cadences = {c.id: c for c in self.plan.cadences}
        out, seen = [], set()
        items = [(t, tasks[t].source if t in tasks else None) for t in finding.tasks]
        items += [(c, cadences[c].source if c in cadences else None) for c in finding.cadences]
        items.append((None, finding.source))
        for ident, src in items:
            if src is None or not src.path or str(src) in seen:
                continue
            seen.add(str(src))
            out.append({"id": ident, "path": src.path, "line": src.line})
        return out

    @cached_property
    def _tasks(self):
        return self.plan.task_index()

    def render(self, fmt: str = "text") -> str:
        """The result as ``text``, ``json`` or ``sarif``."""
        from . import render

        try:
            return {"text": render.to_text, "json": render.to_json, "sarif": render.to_sarif}[fmt](self)
        except KeyError:
            raise UsageError(f"unknown format '{fmt}': use text, json or sarif") from None


def run_checks(plan: Plan, schedule=None, select: Iterable[str] | None = None,
               ignore: Iterable[str] | None = None, fail_on: str = "error", *, status_date=None, actuals=None,
               baseline=None) -> CheckResult:
    """Run the selected rules on an expanded plan and its schedule.

    ``select``/``ignore`` take codes or prefixes and combine with the plan's ``checks:`` mapping
    (see :class:`Selection`). Without a schedule, rules that need one are skipped (``skipped``).
    ``status_date``, ``actuals`` (task id → an Actual of rollout.tracking) and ``baseline`` (task id →
    (start date, finish date), or a Schedule) feed the schedule-quality rules (D…).

    >>> import datetime as dt
    >>> from rollout.model import Plan, Task, CalendarSpec
    >>> from rollout.schedule import schedule
    >>> plan = Plan("p", "P", dt.date(2027, 1, 4), CalendarSpec(), (
    ...     Task("tech.crm", "Choose a CRM", "tech", 10, kind="technology-selection", owner="it"),))
    >>> [(f.code, f.tasks) for f in run_checks(plan, schedule(plan), select=["FM006"]).findings]
    [('FM006', ('tech.crm',))]
    """
    return _check(CheckContext(plan, schedule), select, ignore, fail_on, status_date, actuals, baseline)


def _check(ctx: CheckContext, select, ignore, fail_on, status_date, actuals, baseline) -> CheckResult:
    """Choose the rules and run them in ``ctx`` (a context whose graph work may already be done)."""
    plan = ctx.plan
    if fail_on not in _RANK:
        raise UsageError(f"fail_on must be one of {', '.join(SEVERITIES)}, not '{fail_on}'")
    selection = Selection.build(plan.checks, select=select, ignore=ignore, plan_path=plan.path,
                                plan_source=plan.source)
    rules = [r for r in all_rules().values() if selection.enabled(r.code, r.opt_in)]
    settings: dict[str, Any] = {}
    for r in all_rules().values():
        settings.update(selection.settings_for(r))
    ctx.settings = settings
    ctx.status_date, ctx.actuals, ctx.baseline = status_date, dict(actuals or {}), baseline
    with no_gc():                 # rules build large acyclic structures; see rollout.util.no_gc
        return _run(ctx, rules, selection, fail_on)


def _run(ctx: CheckContext, rules: list[Rule], selection: Selection, fail_on: str) -> CheckResult:
    plan, schedule = ctx.plan, ctx.schedule

    ran, skipped, findings, reasons = [], [], [], {}
    for r in rules:
        if r.needs_schedule and schedule is None:
            skipped.append(r)
            continue
        severity = selection.severity_of(r)
        try:
            violations = list(r.check(ctx) or ())
        except RuleSkipped as skip:
            skipped.append(r)
            reasons[r.code] = skip.reason
            continue
        except RolloutError:
            raise
        except Exception as exc:
            raise RolloutError(f"rule {r.code} ({r.slug}, from {r.origin}) failed on this plan: "
                               f"{type(exc).__name__}: {exc}") from exc
        ran.append(r)
        for v in violations:
            findings.append(Finding(r.code, severity, v.message, tuple(v.tasks), v.hint or r.hint, r.slug,
                                    tuple(v.cadences), v.source or _source_of(ctx, v.tasks, v.cadences),
                                    v.metric))
    order = ctx.index
    findings.sort(key=lambda f: (_RANK[f.severity], _code_key(f.code),
                                 min((order.get(t, 0) for t in f.tasks), default=-1), f.message))
    return CheckResult(plan, tuple(findings), tuple(ran), fail_on, tuple(skipped),
                       {r.code: selection.severity_of(r) for r in rules}, reasons)


def check_plan(plan: Plan, select: Iterable[str] | None = None, ignore: Iterable[str] | None = None,
               fail_on: str = "error", *, status_date=None, actuals=None, baseline=None,
               scheduler: Callable[[Plan], Any] | None = None) -> CheckResult:
    """Schedule the plan when its graph allows it, then run the checks.

    A plan whose dependencies loop or point nowhere cannot be scheduled; it is still checked, and
    S001/S002 say what is wrong, while the rules that need dates are skipped. ``scheduler`` is how
    the schedule is had (default :func:`rollout.schedule.schedule`; ``rollout.Analysis`` hands its own,
    so one run schedules once).
    """
    if scheduler is None:
        from ..schedule import schedule as scheduler

    ctx = CheckContext(plan)
    with no_gc():
        sound = all(d.task in ctx.index for t in ctx.tasks for d in t.depends_on) and not _has_cycle(ctx)
        ctx.schedule = scheduler(plan) if sound else None
    return _check(ctx, select, ignore, fail_on, status_date, actuals, baseline)


def _has_cycle(ctx: CheckContext) -> bool:
    from .structure import cycle

    return any(True for _ in cycle.check(ctx))


def _source_of(ctx: CheckContext, tasks: tuple[str, ...], cadences: tuple[str, ...]) -> Source | None:
    for tid in tasks:
        t = ctx.by_id.get(tid)
        if t is not None and t.source is not None:
            return t.source
    for c in ctx.plan.cadences:
        if c.id in cadences and c.source is not None:
            return c.source
    if ctx.plan.source is not None:
        return ctx.plan.source
    return Source(ctx.plan.path) if ctx.plan.path else None
