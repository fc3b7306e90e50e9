"""Tracking a plan against its baseline: actuals, percent complete, variance, forecast, RAG, burn-up.

Three modules of one topic each: :mod:`rollout.tracking.actuals` (progress CSV and pull snapshots
read into actuals), :mod:`rollout.tracking.forecast` (the baseline's edges, the remaining plan and the
forecast) and :mod:`rollout.tracking.status` (the status report and its RAG). Everything is
re-exported here.

The as-of date is a status date: work on days before it is reported, remaining work starts on it.
"""

from .actuals import (ACTUALS_COLUMNS, STATUSES, Actual, Progress, actuals_from_snapshot, load_progress,
                      parse_actuals_csv, read_actuals_csv)
from .forecast import baseline_edges, forecast, pin_reported_milestones, remaining_plan
from .status import RAG_RULES, StatusReport, assemble_status, status, status_report

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
