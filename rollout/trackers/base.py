"""The tracker interface: what an issue tracker (Jira first) must do for push and pull.

A tracker is found by name through the ``rollout.trackers`` entry point group (Jira is built in and
registered the same way). Its factory takes no arguments and reads its settings from the environment.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol, runtime_checkable

from ..errors import UsageError

__all__ = ["Change", "Progress", "PullResult", "PushResult", "Tracker", "available_trackers", "load_tracker"]

ENTRY_POINT_GROUP = "rollout.trackers"


class Progress(Protocol):
    """Receives progress as work is done; the CLI draws a bar on a terminal."""

    def start(self, phase: str, total: int) -> None: ...

    def advance(self, count: int = 1) -> None: ...

    def finish(self) -> None: ...


class _NoProgress:
    def start(self, phase: str, total: int) -> None:
        pass

    def advance(self, count: int = 1) -> None:
        pass

    def finish(self) -> None:
        pass


NO_PROGRESS: Progress = _NoProgress()


@dataclass(frozen=True, slots=True)
class Change:
    """One thing push did (or, with --dry-run, would do)."""

    action: str              # create, update, link, unlink, label-removed, conflict, error, unchanged, unassigned
    task: str | None         # task id, or 'epic:<workstream>'
    issue: str | None = None
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"action": self.action, "task": self.task, "issue": self.issue, "detail": self.detail}


@dataclass
class PushResult:
    plan: str
    dry_run: bool = False
    changes: list[Change] = field(default_factory=list)
    calls: dict[str, int] = field(default_factory=dict)   # reads, writes, creates (bulk calls), links
    baseline_saved: bool = False
    findings: dict[str, int] | None = None                # check findings by severity (never blocks a push)
    resumed: int = 0                                      # creates an interrupted push left unconfirmed

    def count(self, action: str) -> int:
        return sum(1 for c in self.changes if c.action == action)

    @property
    def errors(self) -> list[Change]:
        return [c for c in self.changes if c.action == "error"]

    @property
    def conflicts(self) -> list[Change]:
        return [c for c in self.changes if c.action == "conflict"]

    def summary(self) -> dict[str, int]:
        keys = ("create", "update", "unchanged", "link", "unlink", "label-removed", "conflict", "error", "unassigned")
        return {k: self.count(k) for k in keys}

    def to_dict(self) -> dict[str, Any]:
        return {"plan": self.plan, "dry_run": self.dry_run, "summary": self.summary(),
                "calls": dict(self.calls), "baseline_saved": self.baseline_saved, "findings": self.findings,
                "resumed": self.resumed,
                "changes": [c.to_dict() for c in self.changes if c.action != "unchanged"]}


@dataclass
class PullResult:
    plan: str
    taken_at: _dt.datetime
    tasks: dict[str, Any] = field(default_factory=dict)   # task id -> TaskProgress
    missing: list[str] = field(default_factory=list)      # pushed tasks whose issue was not found
    calls: dict[str, int] = field(default_factory=dict)
    forecast: Any = None                                  # the ForecastSnapshot stored with it (rollout.trend)

    def summary(self) -> dict[str, int]:
        out = {"todo": 0, "in-progress": 0, "done": 0}
        for p in self.tasks.values():
            out[p.state] += 1
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"plan": self.plan, "taken_at": self.taken_at.isoformat(), "summary": self.summary(),
                "missing": list(self.missing), "calls": dict(self.calls),
                "tasks": [p.to_dict() for p in self.tasks.values()],
                **({"forecast": self.forecast.to_dict()} if self.forecast is not None else {})}


@runtime_checkable
class Tracker(Protocol):
    """An issue tracker rollout can push a plan to and pull progress from."""

    name: str

    def push(self, plan, schedule, store, *, dry_run: bool = False, force: bool = False,
             progress: Progress = NO_PROGRESS) -> PushResult:
        """Create or update the plan's issues and links; write nothing when ``dry_run``."""

    def pull(self, plan, store, *, progress: Progress = NO_PROGRESS) -> PullResult:
        """Read progress for every pushed task and store it as a snapshot."""


def available_trackers() -> dict[str, str]:
    """Tracker name → ``module:attr`` for built-ins and installed plugins."""
    from ..plugins import discover

    return {p.name: p.value for p in discover(ENTRY_POINT_GROUP)}


def load_tracker(name: str = "jira", factory_args: dict[str, Any] | None = None) -> Tracker:
    """Instantiate the tracker registered under ``name``."""
    from ..plugins import discover

    found = {p.name: p for p in discover(ENTRY_POINT_GROUP)}
    if name not in found:
        raise UsageError(f"unknown tracker {name!r} (available: {', '.join(sorted(found))})")
    factory: Callable[..., Tracker] = found[name].load()
    return factory(**(factory_args or {}))
