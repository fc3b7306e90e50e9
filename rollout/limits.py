"""Ceilings on what one plan may expand to, so a hostile or mistaken file fails fast instead of
exhausting memory: tasks, dependencies, template uses (includes) and include depth.

The defaults hold a 300,000-task plan; a plan (never a template) raises them with
``limits: {tasks: 500000, dependencies: 5000000}``. Each ceiling is checked before the work it
guards is done (the product of a ``for_each``'s lists before its copies are made).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

from .errors import Problem
from .util import clip, did_you_mean

__all__ = ["LIMIT_KEYS", "Limits", "exceeded", "read_limits"]


@dataclass(frozen=True)
class Limits:
    tasks: int = 300_000              # expanded tasks (the 100,000-task benchmark plan fits three times)
    dependencies: int = 1_500_000     # expanded dependencies (5 a task at the task limit), a glob once per match
    includes: int = 1_000             # templates used in one plan, each include counted every time it is reached
    include_depth: int = 32           # templates including templates including ... this many levels



_MESSAGES = {
    "tasks": "this plan expands to {n} tasks",
    "dependencies": "this plan expands to {n} dependencies",
    "includes": "this plan uses templates {n} times (every include counts each time it is reached)",
    "include_depth": "templates include templates {n} levels deep",
}
LIMIT_KEYS = tuple(f.name for f in fields(Limits))


def read_limits(doc, value: Any) -> tuple[Limits, list[Problem]]:
    """The plan's ``limits:`` mapping → Limits (defaults for what it leaves out) and its problems."""
    limits, problems = Limits(), []
    if value is None:
        return limits, problems
    if not isinstance(value, dict):
        return limits, [doc.problem(("limits",), "'limits:' is a mapping such as {tasks: 500000, "
                                    "dependencies: 5000000}")]
    changes = {}
    for key, raw in value.items():
        where = ("limits", key)
        if key not in LIMIT_KEYS:
            hint = did_you_mean(key, LIMIT_KEYS)
            problems.append(doc.problem(where, f"unknown key '{clip(key)}' in limits"
                                        + (f" (did you mean '{hint}'?)" if hint else "")
                                        + f"; expected {', '.join(LIMIT_KEYS)}"))
            continue
        try:
            number = int(str(raw).replace(",", "")) if not isinstance(raw, bool) else None
        except ValueError:
            number = None
        if number is None or number < 1:
            problems.append(doc.problem(where, f"limits: {key} must be a whole number of at least 1, "
                                        f"found {clip(repr(raw))}"))
            continue
        changes[key] = number
    return replace(limits, **changes), problems


def exceeded(limits: Limits, key: str, count: int | None = None, detail: str = "") -> str:
    """The message for a ceiling that was reached (or would be: ``count`` is what was asked for)."""
    limit = getattr(limits, key)
    n = f"{count:,}" if count is not None else f"more than {limit:,}"
    return (_MESSAGES[key].format(n=n) + f"{detail}; the limit is {limit:,}. If that is intended, raise it "
            f"in the plan: limits: {{{key}: {count if count is not None else limit * 2}}}")
