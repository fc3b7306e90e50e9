"""The plan as data: frozen dataclasses produced by expansion and read by every later layer.

Durations and lags are whole working days; dates are ``datetime.date``.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any, Callable

__all__ = [
    "DEPENDENCY_TYPES",
    "ELEMENTS",
    "KINDS",
    "DEFAULT_IMPACT",
    "IMPACT_LEVELS",
    "MEASURE_KINDS",
    "PHASES",
    "Audience",
    "CalendarSpec",
    "Cadence",
    "Dependency",
    "Estimate",
    "Measure",
    "Person",
    "Plan",
    "ResourcePool",
    "Risk",
    "RiskEffect",
    "Scheduling",
    "Source",
    "Task",
    "Workstream",
]

KINDS = (
    "planning", "decision", "strategy", "data-collection", "analysis", "communication", "training",
    "process-design", "technology-selection", "org-design", "job-design", "measurement",
    "customer-feedback", "pilot", "rollout", "milestone", "other",
)
#: What a scorecard measure is about (DOMAIN: customer outcomes first, then process, brand, finance).
MEASURE_KINDS = ("customer-outcome", "process", "internal-efficiency", "brand", "financial")
PHASES = ("discover", "design", "pilot", "rollout", "sustain")
#: The alignment chain, in order: each element serves the customer and the next element.
ELEMENTS = (
    "strategy", "measures", "products", "processes", "technology", "organization", "jobs",
    "process-management", "front-line",
)
DEPENDENCY_TYPES = ("FS", "SS", "FF", "SF")
#: change points of ``impact: low|medium|high|none`` (SPEC 1.3a); a whole number is taken as it is
IMPACT_LEVELS = {"none": 0, "low": 1, "medium": 2, "high": 3}
#: the change points a task of each kind brings its audiences in each week it touches, unless it says
DEFAULT_IMPACT = {"rollout": 3, "training": 2, "pilot": 2, "process-design": 1, "communication": 1,
                  "customer-feedback": 1}


class Source:
    """Where something was defined: a file and a line, resolved lazily (lines cost a lookup)."""

    __slots__ = ("path", "_line", "_col", "_resolve")

    def __init__(self, path: str, line: int | None = None, col: int | None = None,
                 resolve: Callable[[], tuple[int | None, int | None]] | None = None):
        self.path = path
        self._line, self._col, self._resolve = line, col, resolve

    def _load(self) -> None:
        if self._resolve is not None:
            self._line, self._col = self._resolve()
            self._resolve = None

    @property
    def line(self) -> int | None:
        self._load()
        return self._line

    @property
    def col(self) -> int | None:
        self._load()
        return self._col

    def __str__(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path

    def __repr__(self) -> str:
        return f"Source({str(self)!r})"


@dataclass(frozen=True, slots=True)
class Dependency:
    """``task`` must reach a point before the dependent may: FS/SS/FF/SF with a lag in working days."""

    task: str
    type: str = "FS"
    lag: int = 0


@dataclass(frozen=True, slots=True)
class Estimate:
    """Three-point duration estimate in working days (optimistic ≤ likely ≤ pessimistic)."""

    optimistic: int
    likely: int
    pessimistic: int


@dataclass(frozen=True, slots=True)
class Task:
    id: str
    name: str
    workstream: str
    duration: int
    kind: str = "other"
    phase: str | None = None
    objective: str = ""
    description: str = ""
    element: str | None = None
    estimate: Estimate | None = None
    depends_on: tuple[Dependency, ...] = ()
    participants: tuple[str, ...] = ()
    audience: tuple[str, ...] = ()
    owner: str | None = None
    produces: tuple[str, ...] = ()
    consumes: tuple[str, ...] = ()
    start_no_earlier_than: _dt.date | None = None
    deadline: _dt.date | None = None
    #: free labels, ``key:value`` or plain (``unit:retail``, ``wave:1``, ``quick-win``)
    tags: tuple[str, ...] = ()
    #: (resource id, units) pairs: the pools and people it uses on every working day (SPEC 1.3a)
    resources: tuple[tuple[str, float], ...] = ()
    #: change points per week touched; None = the default of its kind (``DEFAULT_IMPACT``), 0 = none
    impact: int | None = None
    source: Source | None = field(default=None, compare=False, repr=False)

    @property
    def is_milestone(self) -> bool:
        return self.duration == 0

    @property
    def change_points(self) -> int:
        """The impact it brings each audience in each week it touches (its own, or its kind's default)."""
        return DEFAULT_IMPACT.get(self.kind, 0) if self.impact is None else self.impact

    def to_dict(self) -> dict[str, Any]:
        """The task as plain JSON-ready data (SPEC 1.3 field names)."""
        return {
            "id": self.id,
            "name": self.name,
            "workstream": self.workstream,
            "kind": self.kind,
            "phase": self.phase,
            "element": self.element,
            "objective": self.objective,
            "description": self.description,
            "duration": self.duration,
            "estimate": None if self.estimate is None else {
                "optimistic": self.estimate.optimistic,
                "likely": self.estimate.likely,
                "pessimistic": self.estimate.pessimistic,
            },
            "depends_on": [{"task": d.task, "type": d.type, "lag": d.lag} for d in self.depends_on],
            "participants": list(self.participants),
            "audience": list(self.audience),
            "owner": self.owner,
            "produces": list(self.produces),
            "consumes": list(self.consumes),
            "start_no_earlier_than": _iso(self.start_no_earlier_than),
            "deadline": _iso(self.deadline),
            "tags": list(self.tags),
            "resources": dict(self.resources),
            "impact": self.change_points,
        }


@dataclass(frozen=True, slots=True)
class Cadence:
    """A recurring meeting or communication; ``every`` is in calendar days."""

    id: str
    name: str
    every: int
    kind: str = "communication"
    participants: tuple[str, ...] = ()
    audience: tuple[str, ...] = ()
    owner: str | None = None
    from_task: str | None = None          # starts the working day after this task ends; None = plan start
    until: str | _dt.date = "end"         # a task id, a date, or "end" (plan finish)
    #: change points per meeting; None = the default of its kind (``DEFAULT_IMPACT``)
    impact: int | None = None
    source: Source | None = field(default=None, compare=False, repr=False)
    #: meeting time "HH:MM" (None: an all-day event), length in minutes, IANA time zone (None: the plan's
    #: ``calendar.timezone``, else floating time), and what a meeting on a plan holiday does: skip | next
    at: str | None = None
    length: int = 60
    timezone: str | None = None
    on_holiday: str = "skip"

    @property
    def change_points(self) -> int:
        return DEFAULT_IMPACT.get(self.kind, 0) if self.impact is None else self.impact

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "name": self.name, "every_days": self.every, "kind": self.kind,
            "participants": list(self.participants), "audience": list(self.audience),
            "owner": self.owner, "from": self.from_task,
            "until": _iso(self.until) if isinstance(self.until, _dt.date) else self.until,
            "impact": self.change_points,
        }


@dataclass(frozen=True, slots=True)
class Workstream:
    id: str
    name: str
    template: str | None = None


@dataclass(frozen=True, slots=True)
class Person:
    """Someone in the programme. ``capacity`` is the share of a working day they give it; ``calendar``
    their own working days and holidays (None: the plan's); ``leave`` the days they are off."""

    id: str
    name: str
    email: str | None = None
    roles: tuple[str, ...] = ()
    capacity: float = 1.0
    calendar: CalendarSpec | None = None
    leave: tuple[_dt.date, ...] = ()
    source: Source | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class ResourcePool:
    """Interchangeable people or a team: ``units`` of them on each working day of ``calendar`` (None: the
    plan's)."""

    id: str
    name: str
    units: float
    calendar: CalendarSpec | None = None
    source: Source | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Audience:
    """A group the change lands on; ``tolerance`` is the change points a week it can absorb (None: no
    limit)."""

    id: str
    name: str
    headcount: int | None = None
    tolerance: float | None = None
    source: Source | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Scheduling:
    """``scheduling:`` of a plan: whether to level (SPEC 2a) and how."""

    level: bool = False
    audiences: bool = False           # also keep each audience's weekly change load within tolerance
    method: str = "heuristic"         # or "optimal" (CP-SAT, the optimize extra)
    seed: int = 0
    time_limit: float | None = None   # seconds
    schedules: int | None = None      # the heuristic's budget of schedules


@dataclass(frozen=True, slots=True)
class Measure:
    name: str
    kind: str                      # one of MEASURE_KINDS
    owner: str | None = None
    baseline: str | None = None
    target: str | None = None
    source: Source | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class RiskEffect:
    """What a risk does to the schedule when it occurs (SPEC 5a): each task grows by ``delay`` working
    days, or is multiplied by ``factor`` (rounded half up). ``tasks`` are expanded task ids."""

    tasks: tuple[str, ...]
    delay: int | None = None
    factor: float | None = None


@dataclass(frozen=True, slots=True)
class Risk:
    id: str
    title: str
    probability: float             # 0..1: the chance it occurs in one iteration of the simulation
    impact: int                    # 1..5: the register heatmap's score
    owner: str | None = None
    mitigation: str | None = None  # a task id
    source: Source | None = field(default=None, compare=False, repr=False)
    effect: RiskEffect | None = None
    #: once its mitigation task is in the plan: (probability, effect on the same tasks)
    post_mitigation: tuple[float, RiskEffect] | None = None

    @property
    def score(self) -> float:
        return round(self.probability * self.impact, 4)


@dataclass(frozen=True, slots=True)
class CalendarSpec:
    """The plan's working calendar: workdays (0 = Monday), public holidays by country, extra days off."""

    workdays: tuple[int, ...] = (0, 1, 2, 3, 4)
    country: str | None = None
    subdiv: str | None = None
    holidays: tuple[_dt.date, ...] = ()
    timezone: str | None = None        # IANA name (Europe/Berlin): where timed cadence meetings happen


EPIC_PER = ("workstream", "plan", "none")
JIRA_STRING_KEYS = ("project", "issue_type", "epic_issue_type", "milestone_issue_type", "link_type",
                    "start_date_field")


@dataclass(frozen=True)
class JiraConfig:
    """The plan's ``jira:`` section, typed (docs/jira.md). ``project`` is None until the plan names one
    (a push needs it; loading does not)."""

    project: str | None = None
    issue_type: str = "Task"
    epic_issue_type: str = "Epic"
    milestone_issue_type: str | None = None
    epic_per: str = "workstream"          # workstream, plan or none
    link_type: str = "Blocks"             # FS dependencies
    link_types: tuple[tuple[str, str], ...] = (("FF", "Relates"), ("SF", "Relates"), ("SS", "Relates"))
    start_date_field: str = "Start date"
    labels: tuple[str, ...] = ()

    @staticmethod
    def problems(raw: dict[str, Any]) -> list[tuple[tuple[str, ...], str]]:
        """What is wrong with the values of a ``jira:`` mapping, as (key path, message); the loader
        reports each at its file:line, a push of a plan built in code raises the first."""
        out: list[tuple[tuple[str, ...], str]] = []
        for key in JIRA_STRING_KEYS:
            value = raw.get(key)
            if value is not None and (not isinstance(value, (str, int)) or isinstance(value, bool)
                                      or not str(value).strip()):
                out.append(((key,), f"jira.{key} must be a name, not {value!r}"))
        epic_per = raw.get("epic_per", "workstream")
        if epic_per not in EPIC_PER:
            out.append((("epic_per",), f"jira.epic_per must be workstream, plan or none, not {epic_per!r}"))
        labels = raw.get("labels") or ()
        labels = [labels] if isinstance(labels, str) else labels
        if not isinstance(labels, (list, tuple)):
            out.append((("labels",), f"jira.labels must be a label or a list of labels, not {labels!r}"))
        else:
            spaced = [str(x) for x in labels if not str(x) or any(c.isspace() for c in str(x))]
            if spaced:
                out.append((("labels",), f"jira.labels: Jira labels cannot be empty or contain spaces: "
                                         f"{spaced[0]!r}"))
        return out

    @classmethod
    def from_mapping(cls, raw: dict[str, Any]) -> "JiraConfig":
        """The typed section of a mapping whose values :meth:`problems` accepts."""
        labels = raw.get("labels") or ()
        link_types = dict(cls.link_types)
        for key, name in (raw.get("link_types") or {}).items():
            link_types[str(key).upper()] = str(name).strip()
        opt = {k: str(raw[k]) for k in JIRA_STRING_KEYS if raw.get(k) is not None}
        return cls(**opt, epic_per=raw.get("epic_per", "workstream"), link_types=tuple(sorted(link_types.items())),
                   labels=tuple(str(x) for x in ([labels] if isinstance(labels, str) else labels)))


@dataclass(frozen=True)
class Plan:
    """An expanded plan: every template resolved, every id unique and qualified."""

    id: str
    title: str
    start: _dt.date
    calendar: CalendarSpec
    tasks: tuple[Task, ...]
    workstreams: tuple[Workstream, ...] = ()
    cadences: tuple[Cadence, ...] = ()
    people: tuple[Person, ...] = ()
    measures: tuple[Measure, ...] = ()
    risks: tuple[Risk, ...] = ()
    #: per-kind default ranges from the plan's ``risk: {estimates: ...}``: kind → (optimistic, likely,
    #: pessimistic) as factors of the planned duration
    estimates: dict[str, tuple[float, float, float]] = field(default_factory=dict)
    mission: str | None = None
    checks: dict[str, Any] = field(default_factory=dict)   # {select, ignore, severity, settings}
    jira: dict[str, Any] = field(default_factory=dict)     # as written; typed: ``jira_config``
    path: str | None = None                                # the plan file, when loaded from one
    #: dependencies that named no task, as (task id, reference, Source); only with load_plan(strict=False)
    unresolved: tuple[tuple[str, str, Source | None], ...] = ()
    source: Source | None = field(default=None, compare=False, repr=False)
    #: where each top-level key of the plan file is (mission, measures, checks, …), resolved lazily
    sources: dict[str, Source] = field(default_factory=dict, compare=False, repr=False)

    @property
    def jira_config(self) -> JiraConfig:
        """The ``jira:`` section typed (checked at load with file:line; see :meth:`JiraConfig.problems`)."""
        return JiraConfig.from_mapping(self.jira or {})
    #: info about how the plan changed its templates, each an ``errors.Problem`` at the plan's line (e.g. the
    #: predecessors a ``depends_on:`` override dropped); printed by ``rollout expand`` and ``schedule``
    notes: tuple[Any, ...] = field(default=(), compare=False, repr=False)
    #: pools of interchangeable people (SPEC 1.3a ``resources:``)
    resources: tuple[ResourcePool, ...] = ()
    audiences: tuple[Audience, ...] = ()
    scheduling: Scheduling = field(default_factory=Scheduling)

    def task_index(self) -> dict[str, Task]:
        """Tasks by id (built on each call; keep the result if you need it often)."""
        return {t.id: t for t in self.tasks}

    def to_dict(self) -> dict[str, Any]:
        return {"plan": self.id, "title": self.title, "start": self.start.isoformat(),
                "tasks": [t.to_dict() for t in self.tasks],
                "cadences": [c.to_dict() for c in self.cadences]}


def _iso(value: _dt.date | None) -> str | None:
    return None if value is None else value.isoformat()

