"""rollout: plan, check, schedule and track customer-alignment rollouts.

Everything the command line does is here, through :class:`Analysis` (one run's results, each computed
once) and a few functions:

>>> import rollout
>>> run = rollout.Analysis("acme.yaml", actuals="progress.csv")       # doctest: +SKIP
>>> run.schedule.finish_date, run.checks.counts(), run.status.to_dict()["rag"]   # doctest: +SKIP
>>> rollout.write_report(run, "report/")                                # doctest: +SKIP

``rollout.schedule`` is the module; the scheduling function is :func:`schedule_plan`. The names of
the heavier layers (reports, trackers, interop, risk) load on first use, so ``import rollout`` stays
fast.
"""

__version__ = "0.1.0"

import importlib

from .analysis import Analysis
from .errors import CycleError, PlanError, RemoteError, RolloutError, UsageError
from .expand import expand_text, load_plan
from .model import Cadence, CalendarSpec, Dependency, Estimate, Measure, Person, Plan, Risk, Task, Workstream
from .schedule import Schedule, ScheduledTask
from .schedule import schedule as schedule_plan

# name → module that defines it, imported on first use (PEP 562)
_LAZY = {
    "CheckResult": "rollout.checks",
    "Finding": "rollout.checks",
    "PlanDiff": "rollout.diff",
    "Progress": "rollout.tracking",
    "RiskResult": "rollout.risk",
    "StatusReport": "rollout.tracking",
    "calendar_bytes": "rollout.reports.ical",
    "check_plan": "rollout.checks",
    "diff_plans": "rollout.diff",
    "export_plan": "rollout.interop",
    "import_plan": "rollout.interop",
    "pull_plan": "rollout.trackers",
    "push_plan": "rollout.trackers",
    "simulate": "rollout.risk",
    "write_calendar": "rollout.reports.ical",
    "write_gantt": "rollout.reports.gantt",
    "write_report": "rollout.reports.dashboard",
}

__all__ = [
    "Analysis",
    "Cadence",
    "CalendarSpec",
    "CheckResult",
    "CycleError",
    "Dependency",
    "Estimate",
    "Finding",
    "Measure",
    "Person",
    "Plan",
    "PlanDiff",
    "PlanError",
    "Progress",
    "RemoteError",
    "Risk",
    "RiskResult",
    "RolloutError",
    "Schedule",
    "ScheduledTask",
    "StatusReport",
    "Task",
    "UsageError",
    "Workstream",
    "__version__",
    "calendar_bytes",
    "check_plan",
    "diff_plans",
    "expand_text",
    "export_plan",
    "import_plan",
    "load_plan",
    "pull_plan",
    "push_plan",
    "schedule_plan",
    "simulate",
    "write_calendar",
    "write_gantt",
    "write_report",
]


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'rollout' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
