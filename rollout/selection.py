"""Choosing and grouping tasks by tag, owner or workstream, for status, Gantt and report.

A filter is ``FIELD:PATTERN`` with FIELD one of ``tag``, ``owner``, ``workstream``; the pattern may
use shell globs (``*``, ``?``, ``[..]``). Filters on the same field are alternatives, filters on
different fields must all hold:

>>> from rollout.model import Task
>>> sel = Selection.parse(["owner:dana", "owner:markus", "workstream:cust*"])
>>> sel.matches(Task("customer.voc", "VoC", "customer", 5, owner="dana"))
True
>>> sel.matches(Task("exec.charter", "Charter", "exec", 5, owner="dana"))
False
>>> sel.label
'owner:dana or owner:markus, workstream:cust*'

``tag:unit:retail`` matches the tag ``unit:retail``; ``tag:unit`` matches a plain ``unit`` tag and
every ``unit:…`` tag. Grouping (``--group-by``) is by ``workstream``, ``owner`` or ``tag:KEY`` (the
value of the task's first ``KEY:…`` tag).
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from typing import Callable, Iterable

from .errors import UsageError
from .model import Task
from .util import did_you_mean, suggestion

__all__ = ["FIELDS", "Selection", "group_key"]

FIELDS = ("tag", "owner", "workstream")


def _tags(task: Task) -> tuple[str, ...]:
    return task.tags


def _field_values(task: Task, name: str) -> tuple[str, ...]:
    if name == "owner":
        return (task.owner,) if task.owner else ()
    if name == "workstream":
        return (task.workstream,)
    return _tags(task)


def _unknown(what: str, word: str, choices: Iterable[str]) -> UsageError:
    choices = list(choices)
    return UsageError(f"unknown {what} '{word}'{suggestion(word, choices)}; choose one of {', '.join(choices)}")


@dataclass(frozen=True)
class Selection:
    """Tasks chosen by ``FIELD:PATTERN`` filters (see the module's documentation)."""

    filters: tuple[tuple[str, str], ...]

    @classmethod
    def parse(cls, specs: Iterable[str]) -> "Selection | None":
        """A selection from ``--filter`` values, or None when there are none."""
        filters = []
        for spec in specs:
            name, sep, pattern = str(spec).partition(":")
            name = name.strip().lower()
            if not sep or not pattern.strip():
                raise UsageError(f"bad filter '{spec}': expected FIELD:VALUE, e.g. tag:unit:retail, "
                                 "owner:dana or workstream:customer")
            if name not in FIELDS:
                raise _unknown("filter field", name, FIELDS)
            filters.append((name, pattern.strip()))
        return cls(tuple(filters)) if filters else None

    @property
    def label(self) -> str:
        by: dict[str, list[str]] = {}
        for name, pattern in self.filters:
            by.setdefault(name, []).append(f"{name}:{pattern}")
        return ", ".join(" or ".join(v) for v in by.values())

    def matches(self, task: Task) -> bool:
        by: dict[str, bool] = {}
        for name, pattern in self.filters:
            if by.get(name):
                continue
            by[name] = any(_match(name, pattern, value) for value in _field_values(task, name))
        return all(by.values())

    def ids(self, tasks: Iterable[Task]) -> list[str]:
        """The ids of the matching tasks, in order; a UsageError when none matches."""
        tasks = list(tasks)
        chosen = [t.id for t in tasks if self.matches(t)]
        if not chosen:
            raise UsageError(f"no task matches {self.label}{self._suggestion(tasks)}")
        return chosen

    def _suggestion(self, tasks: list[Task]) -> str:
        for name, pattern in self.filters:
            values = {v for t in tasks for v in _field_values(t, name)}
            if not any(_match(name, pattern, v) for v in values):
                close = did_you_mean(pattern, sorted(values))
                if close:
                    return f" (did you mean '{name}:{close}'?)"
        return ""


def _match(name: str, pattern: str, value: str) -> bool:
    if fnmatch.fnmatchcase(value, pattern):
        return True
    # tag:unit matches every unit:… tag
    return name == "tag" and ":" not in pattern and value.partition(":")[0] == pattern and ":" in value


def group_key(spec: str) -> Callable[[Task], str | None]:
    """The group of a task for ``--group-by SPEC``: ``workstream``, ``owner`` or ``tag:KEY``.

    >>> from rollout.model import Task
    >>> group_key("owner")(Task("a.b", "B", "a", 1, owner="dana"))
    'dana'
    """
    name, _, key = str(spec).partition(":")
    name = name.strip().lower()
    if name == "workstream" and not key:
        return lambda t: t.workstream
    if name == "owner" and not key:
        return lambda t: t.owner
    if name == "tag":
        if not key.strip():
            raise UsageError("grouping by tag needs a key: tag:KEY, e.g. tag:unit")
        prefix = key.strip() + ":"
        return lambda t: next((tag[len(prefix):] for tag in _tags(t) if tag.startswith(prefix)), None)
    raise _unknown("grouping", spec, ("workstream", "owner", "tag:KEY"))
