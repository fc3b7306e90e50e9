"""Random plans that TaskJuggler can schedule too: FS/SS dependencies, lags >= 0, milestones, SNET, holidays."""

from __future__ import annotations

import datetime as _dt
import random

from rollout.model import CalendarSpec, Dependency, Plan, Task

__all__ = ["random_plan"]

_WORKWEEKS = [
    (0, 1, 2, 3, 4),        # Monday to Friday
    (6, 0, 1, 2, 3),        # Sunday to Thursday
    (0, 1, 2, 3, 4, 5),     # six days
    (0, 1, 2, 3),           # four days
    (1, 3, 5),              # three scattered days
]


def random_plan(seed: int, *, max_tasks: int = 40, country: str | None = None) -> Plan:
    """A reproducible random plan: several workstreams, a DAG in list order, varied calendars."""
    rng = random.Random(seed)
    start = _dt.date(2027, 1, 1) + _dt.timedelta(days=rng.randrange(0, 700))
    if rng.random() < 0.6:
        workdays = rng.choice(_WORKWEEKS)
    else:
        workdays = tuple(sorted(rng.sample(range(7), rng.randint(1, 6))))
    holidays = tuple(sorted({start + _dt.timedelta(days=rng.randrange(0, 150)) for _ in range(rng.randint(0, 8))}))
    spec = CalendarSpec(workdays=workdays, holidays=holidays, country=country)
    n = rng.randint(max(2, max_tasks // 4), max_tasks)
    tasks: list[Task] = []
    for i in range(n):
        ws = f"ws{rng.randint(1, 3)}"
        tid = f"{ws}.task-{i}"
        duration = 0 if rng.random() < 0.2 else rng.randint(1, 12)
        deps = []
        if i and rng.random() < 0.85:
            for j in sorted(rng.sample(range(i), min(i, rng.randint(1, 3)))):
                typ = "SS" if rng.random() < 0.35 else "FS"
                lag = 0 if rng.random() < 0.55 else rng.randint(1, 6)
                deps.append(Dependency(tasks[j].id, typ, lag))
        snet = None
        if rng.random() < 0.15:
            snet = start + _dt.timedelta(days=rng.randrange(-10, 90))
        kind = "milestone" if duration == 0 else "other"
        tasks.append(Task(tid, f"Task {i}", ws, duration, kind=kind, depends_on=tuple(deps),
                          start_no_earlier_than=snet))
    return Plan(f"random-{seed}", f"Random plan {seed}", start, spec, tuple(tasks))
