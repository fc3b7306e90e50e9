"""Resource levelling (SPEC 2a): a resource-constrained schedule of tasks on working days.

Pure and plan-free: takes durations, dependencies, per-task demands and per-day availability (working-day
indices as in rollout.schedule) and returns starts, levelling delays, the resources that held each task and
resource-driven float. The arithmetic is described in docs/levelling.md.

    >>> tasks = [Activity("a", 3, demands={"it": 2}), Activity("b", 2, demands={"it": 2}),
    ...          Activity("c", 1, depends_on=(Dependency("a"),))]
    >>> result = level(tasks, [Resource("it", 3)])
    >>> result.finish, sorted((t.id, t.start, t.delayed_by) for t in result.tasks.values())
    (5, [('a', 0, ()), ('b', 3, ('it',)), ('c', 3, ())])
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, Iterable, Mapping, Sequence

from ..errors import PlanError
from ..model import Dependency

__all__ = [
    "Activity",
    "Dependency",
    "LevelledTask",
    "Levelling",
    "LevellingError",
    "Resource",
    "early_starts",
    "level",
    "validate",
]

METHODS = ("heuristic", "optimal")


class LevellingError(PlanError):
    """The tasks cannot be levelled as given (a demand above what a resource ever has, an unknown resource
    or task, a dependency cycle, or no room within the horizon). ``task`` and ``resource`` name the culprits
    so a caller holding the plan can point at its file and line."""

    def __init__(self, message: str, task: str | None = None, resource: str | None = None):
        self.task, self.resource = task, resource
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class Activity:
    """One task to level. ``duration`` in working days (0 = milestone, uses nothing); ``depends_on`` holds
    ``Dependency(task, type, lag)`` (FS/SS/FF/SF, lag may be negative); ``demands`` the units of each named
    resource used on every day the task works; ``release`` the earliest start edge (``start_no_earlier_than``
    as a working-day index); ``deadline`` a latest end edge, used only for float (a task that cannot meet it
    gets negative float)."""

    id: str
    duration: int
    depends_on: tuple = ()
    demands: Mapping[str, float] = field(default_factory=dict)
    release: int = 0
    deadline: int | None = None


@dataclass(frozen=True, slots=True)
class Resource:
    """A person or a pool. ``units`` is the most it ever has (a pool's size, a person's capacity) and what it
    has on every day not described otherwise; ``days[k]`` is what it has on working day k (0 on leave or on a
    day outside its own calendar); past the end of ``days``, ``beyond(lo, hi)`` gives days lo … hi−1 when set,
    else every day has ``units``."""

    id: str
    units: float
    days: Sequence[float] = ()
    beyond: Callable[[int, int], Sequence[float]] | None = None


@dataclass(frozen=True, slots=True)
class LevelledTask:
    """A task in the levelled schedule: edges are working-day indices, half-open [start, end).

    ``early_start`` is the unlevelled early start; ``late_start`` the resource-driven late start (docs/
    levelling.md); ``delayed_by`` the resources whose lack of units kept the task from starting when its
    dependencies allowed; ``driven_by`` the tasks that fix its start: predecessors whose dependency is tight
    and tasks that hand it a resource it waited for."""

    id: str
    start: int
    end: int
    early_start: int
    late_start: int
    levelling_delay: int
    delayed_by: tuple[str, ...]
    driven_by: tuple[str, ...]

    @property
    def late_end(self) -> int:
        return self.late_start + self.end - self.start

    @property
    def total_float(self) -> int:
        return self.late_start - self.start

    @property
    def critical(self) -> bool:
        return self.late_start <= self.start


@dataclass(frozen=True)
class Levelling:
    """The result of levelling. ``tasks`` keeps the input order; ``finish`` is the levelled finish edge,
    ``unlevelled_finish`` the finish without resource limits (a lower bound), ``bound`` the best lower bound
    known (the optimal method's proof can raise it), ``optimal`` whether ``finish`` is proved optimal."""

    tasks: Mapping[str, LevelledTask]
    finish: int
    unlevelled_finish: int
    bound: int
    optimal: bool
    critical_path: tuple[str, ...]
    method: str
    seed: int
    schedules: int
    seconds: float

    def __getitem__(self, task_id: str) -> LevelledTask:
        return self.tasks[task_id]

    @property
    def starts(self) -> dict[str, int]:
        return {tid: t.start for tid, t in self.tasks.items()}


def level(tasks: Sequence[Activity], resources: Iterable[Resource], *, method: str = "heuristic",
          seed: int = 0, schedules: int | None = None, time_limit: float | None = None,
          workers: int = 1) -> Levelling:
    """Level ``tasks`` against ``resources``: the earliest finish found with no resource over-used on any day,
    every dependency and release held, and no task split.

    ``method="heuristic"`` (default): serial schedule generation with regret-based sampling on latest finish
    times, double justification and a genetic phase on activity lists; deterministic for a ``seed`` and a
    ``schedules`` budget (default 5,000 up to 150 tasks, 5,000 × (150/n)² above, at least 30; every
    justification pass counts); ``time_limit`` (seconds) stops it early. ``method="optimal"``: OR-Tools
    CP-SAT (``pip install 'rollout[optimize]'``) with ``workers`` threads, started from the heuristic's
    schedule; ``time_limit`` (default 30 s) covers both; ``optimal`` says whether the finish is proved optimal.
    """
    from . import _analysis, _network, _sgs

    if method not in METHODS:
        raise LevellingError(f"unknown levelling method '{method}' (expected one of: {', '.join(METHODS)})")
    t0 = time.perf_counter()
    net = _network.compile_network(tasks, list(resources))
    if method == "optimal":
        from . import _cpsat

        _cpsat.require()
        limit = 30.0 if time_limit is None else time_limit
        hint = _sgs.search(net, seed=seed, schedules=schedules, time_limit=limit / 4)
        starts, count = hint.starts, hint.schedules
        optimal, bound = hint.finish <= net.lower_bound, net.lower_bound
        if not optimal:
            left = max(0.1, limit - (time.perf_counter() - t0))
            starts, optimal, bound = _cpsat.solve(net, hint.starts, time_limit=left, seed=seed, workers=workers)
            starts = _sgs.left_shift(net, starts)
    else:
        found = _sgs.search(net, seed=seed, schedules=schedules, time_limit=time_limit)
        starts, count = found.starts, found.schedules
        optimal, bound = False, net.lower_bound
    finish = int(max((starts[i] + net.dur[i] for i in range(net.n)), default=0))
    bound = max(bound, net.lower_bound)
    optimal = optimal or finish == bound
    rows, path = _analysis.analyse(net, starts, finish)
    return Levelling(rows, finish, net.cpm_finish, bound, optimal, path, method, seed, count,
                     time.perf_counter() - t0)


def early_starts(tasks: Sequence[Activity]) -> dict[str, int]:
    """The unlevelled early starts (SPEC 2 forward pass, releases included), by task id."""
    from . import _network

    net = _network.compile_network(tasks, [], check_demands=False)
    return {net.ids[i]: int(net.es[i]) for i in range(net.n)}


def validate(tasks: Sequence[Activity], resources: Iterable[Resource], starts: Mapping[str, int]) -> list[str]:
    """Every way ``starts`` breaks the rules, as sentences (an empty list: feasible). Checks each dependency
    (SPEC 2 edges), each release, starts at or after day 0, and every resource's use on every day against
    what it has that day. Independent of the levelling code: tests and the benchmark judge by it."""
    from ._validate import violations

    return violations(tasks, list(resources), starts)
