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


def stored_state(plan: Plan) -> tuple[dict[str, tuple[_dt.date, _dt.date]] | None, list[Any]]:
    """The stored baseline (or None) and the pull snapshots of a plan; reading never creates the store."""
    if not plan.path:
        return None, []
    from ..state import StateStore

    with StateStore(plan.path, plan.id) as store:
        return store.baseline(), store.snapshots()


def load_progress(plan: Plan, as_of: _dt.date | None = None, actuals_path: str | None = None,
                  use_state: bool = True) -> Progress:
    """:func:`rollout.tracking.load_progress` with the baseline and snapshots of the state store."""
    baseline, snapshots = stored_state(plan) if use_state else (None, [])
    return _load_progress(plan, as_of, actuals_path, baseline=baseline, snapshots=snapshots)


def status_report(plan: Plan, as_of: _dt.date | None = None, actuals_path: str | None = None,
                  use_state: bool = True, **options: Any) -> StatusReport:
    """Status from the usual sources against the stored baseline if any (``options``: ``selection``,
    ``group_by``, as for :func:`rollout.tracking.status`)."""
    return _status_report(plan, progress=load_progress(plan, as_of, actuals_path, use_state), **options)
