"""Issue trackers: push a plan, pull progress back, keep the baseline (Jira built in, others by plugin).

The functions here are what the CLI calls; each opens the plan's state store and one tracker.
"""

from __future__ import annotations

from contextlib import nullcontext

from .base import NO_PROGRESS, Change, Progress, PullResult, PushResult, Tracker, available_trackers, load_tracker

__all__ = [
    "Change",
    "Progress",
    "PullResult",
    "PushResult",
    "Tracker",
    "available_trackers",
    "load_tracker",
    "pull_plan",
    "push_plan",
    "save_baseline",
]


def push_plan(plan, *, tracker: str = "jira", dry_run: bool = False, force: bool = False,
              progress: Progress = NO_PROGRESS, state_file: str | None = None) -> PushResult:
    """Schedule the plan and push it; the first real push also stores the baseline schedule."""
    from ..schedule import schedule
    from ..state import StateStore

    sched = schedule(plan)
    with StateStore(plan.path, plan.id, state_file) as store:
        store.open()                   # a damaged or unreadable state file stops the push before Jira is read
        # one push of a plan at a time: a second would create every issue again (a dry run writes nothing)
        with (nullcontext() if dry_run else store.push_lock(wait=_lock_wait())):
            result = load_tracker(tracker).push(plan, sched, store, dry_run=dry_run, force=force, progress=progress)
            if not dry_run and store.baseline() is None:
                result.baseline_saved = store.save_baseline(sched, replace=False)
    result.findings = _finding_counts(plan, sched)
    return result


def _lock_wait() -> float:
    """Seconds a push waits for another push of the same plan to finish (ROLLOUT_LOCK_WAIT, default 2)."""
    import os

    from ..errors import UsageError

    raw = os.environ.get("ROLLOUT_LOCK_WAIT") or "2"
    try:
        return max(0.0, float(raw))
    except ValueError:
        raise UsageError(f"ROLLOUT_LOCK_WAIT must be a number of seconds, not {raw!r}") from None


def _finding_counts(plan, sched) -> dict[str, int] | None:
    """Check findings by severity, for push's one-line summary; a push never waits on them."""
    from ..checks import run_checks
    from ..errors import RolloutError

    try:
        return run_checks(plan, sched).counts()
    except RolloutError:          # a rule that cannot read this plan: the push is done all the same
        return None


def pull_plan(plan, *, tracker: str = "jira", progress: Progress = NO_PROGRESS,
              state_file: str | None = None, risk: bool = False) -> PullResult:
    """Read progress for every pushed task into a new dated snapshot, and store the forecast it gives
    (each milestone's and the finish's; P50/P80 too with ``risk``) for ``rollout trend``."""
    from ..state import StateStore
    from ..trend import record_forecast

    with StateStore(plan.path, plan.id, state_file) as store:
        store.open()
        result = load_tracker(tracker).pull(plan, store, progress=progress)
    result.forecast = record_forecast(plan, source="pull", risk=risk, state_file=state_file)
    return result


def save_baseline(plan, *, replace: bool = True, state_file: str | None = None, name: str | None = None) -> dict:
    """Store the plan's current schedule as its baseline (``rollout baseline [--name N]``); without a
    name, as the default baseline."""
    from ..schedule import schedule
    from ..state import DEFAULT_BASELINE, StateStore, check_baseline_name

    name = DEFAULT_BASELINE if name is None else check_baseline_name(name)
    sched = schedule(plan)
    with StateStore(plan.path, plan.id, state_file) as store:
        written = store.save_baseline(sched, replace=replace, name=name)
        info = store.baseline_info(name)
        return {"plan": plan.id, "name": name, "saved": written, "tasks": info.tasks if info else 0,
                "finish": info.finish_date.isoformat() if info and info.finish_date else None,
                "saved_at": info.saved_at.isoformat() if info else None, "state": str(store.path)}
