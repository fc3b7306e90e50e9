"""Progress and status from the usual sources: a progress CSV, else the plan's state store.

``rollout.tracking`` computes from data it is given; reading the state store (the baseline stored
at the first push, the pull snapshots) happens here, above both.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

from ..model import Plan
from ..tracking import Progress, StatusReport
from ..tracking import load_progress as _load_progress
from ..tracking import status_report as _status_report

__all__ = ["load_progress", "status_report", "stored_state"]


def stored_state(plan: Plan, baseline_name: str | None = None
                 ) -> tuple[dict[str, tuple[_dt.date, _dt.date]] | None, list[Any]]:
    """The stored baseline (or None) and the pull snapshots of a plan; reading never creates the store.

    ``baseline_name`` picks a named baseline (``rollout baseline --name``): a UsageError when it is not
    stored."""
    if not plan.path:
        if baseline_name is not None:
            from ..errors import UsageError

            raise UsageError(f"no baseline named {baseline_name!r}: plan '{plan.id}' has no file, so no state store")
        return None, []
    from ..state import StateStore

    with StateStore(plan.path, plan.id) as store:
        base = store.baseline() if baseline_name is None else store.require_baseline(baseline_name)
        return base, store.snapshots()


def load_progress(plan: Plan, as_of: _dt.date | None = None, actuals_path: str | None = None,
                  use_state: bool = True, baseline_name: str | None = None) -> Progress:
    """:func:`rollout.tracking.load_progress` with the baseline and snapshots of the state store."""
    baseline, snapshots = stored_state(plan, baseline_name) if use_state else (None, [])
    return _load_progress(plan, as_of, actuals_path, baseline=baseline, snapshots=snapshots)


def status_report(plan: Plan, as_of: _dt.date | None = None, actuals_path: str | None = None,
                  use_state: bool = True, baseline_name: str | None = None, progress: Progress | None = None,
                  **options: Any) -> StatusReport:
    """Status from the usual sources against the stored baseline if any, or the one named
    ``baseline_name`` (``options``: ``selection``, ``group_by``, as for :func:`rollout.tracking.status`)."""
    progress = progress or load_progress(plan, as_of, actuals_path, use_state, baseline_name)
    report = _status_report(plan, progress=progress, **options)
    if baseline_name is not None:
        report.baseline_source = f"baseline {baseline_name!r}"
    return report
