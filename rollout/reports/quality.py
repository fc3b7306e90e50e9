"""The dashboard's schedule-quality table: the fourteen DCMA metrics, always shown.

Each row is a :class:`rollout.checks.quality.Metric` (value, threshold, pass/fail, or skipped with the
reason), computed by :func:`rollout.checks.quality.schedule_quality` with the plan's ``checks:``
settings, the stored baseline and, where one is known, the status date and progress.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

__all__ = ["quality_rows"]


def quality_rows(plan, sched, *, status=None, status_date: _dt.date | None = None,
                 baseline=None) -> list[dict[str, Any]] | None:
    """One dict per metric (``Metric.to_dict()`` plus ``value_text``/``threshold_text``), D001 to D014;
    ``status`` (a StatusReport) gives the progress."""
    from ..checks import quality, registry
    schedule_quality, Selection = quality.schedule_quality, registry.Selection
    settings = Selection.build(plan.checks, plan_path=plan.path, plan_source=plan.source).settings
    actuals = status.actuals if status is not None else None
    metrics = schedule_quality(plan, sched, baseline=baseline, status_date=status_date, settings=settings,
                               actuals=actuals)
    return [{**m.to_dict(), "value_text": m.value_text(), "threshold_text": m.threshold_text()} for m in metrics]
