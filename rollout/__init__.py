"""rollout: plan, check, schedule and track customer-alignment rollouts."""

__version__ = "0.1.0"

from .errors import CycleError, PlanError, RemoteError, RolloutError, UsageError
from .expand import expand_text, load_plan
from .model import Cadence, CalendarSpec, Dependency, Estimate, Measure, Person, Plan, Risk, Task, Workstream
from .schedule import Schedule, ScheduledTask, schedule

__all__ = [
    "Cadence",
    "CalendarSpec",
    "CycleError",
    "Dependency",
    "Estimate",
    "Measure",
    "Person",
    "Plan",
    "PlanError",
    "RemoteError",
    "Risk",
    "RolloutError",
    "Schedule",
    "ScheduledTask",
    "Task",
    "UsageError",
    "Workstream",
    "__version__",
    "expand_text",
    "load_plan",
    "schedule",
]
