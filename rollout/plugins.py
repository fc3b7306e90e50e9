"""Entry points: template folders, check rules and trackers; built-ins register the same way.

Groups: ``rollout.templates`` (a folder of template files: a path, or a module whose folder holds
them), ``rollout.checks`` (rules: a module, a Rule, a list of them) and ``rollout.trackers`` (issue
trackers). Our own rule modules, template folder and Jira tracker are plugins of those groups like any
other (datasette's ``DEFAULT_PLUGINS``): :data:`DEFAULT_PLUGINS` lists them, pyproject.toml declares
the same entry points (a test keeps the two equal), and :func:`discover` is the one discovery path
for all three groups: built-ins first, then the installed plugins.
"""

from __future__ import annotations

import functools
import importlib
import os
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from types import ModuleType
from typing import Any

from .errors import PlanError

__all__ = ["BUILTIN_TEMPLATES", "DEFAULT_PLUGINS", "GROUPS", "Plugin", "discover", "entry_point_objects",
           "template_dirs", "template_paths"]

GROUPS = ("rollout.checks", "rollout.templates", "rollout.trackers")

#: The built-in plugins of each group, as ``name: "module[:attr]"`` (the entry points pyproject.toml
#: declares). They load through the same path as a third party's; listing them here as well keeps a
#: source checkout or a stale editable install complete.
DEFAULT_PLUGINS: dict[str, dict[str, str]] = {
    "rollout.checks": {name: f"rollout.checks.{name}" for name in (
        "structure", "leadership", "customer", "data", "communication", "design", "planning", "capacity", "quality")},
    "rollout.templates": {"builtin": "rollout.plugins:BUILTIN_TEMPLATES"},
    "rollout.trackers": {"jira": "rollout.trackers.jira:JiraTracker"},
}


@dataclass(frozen=True)
class Plugin:
    """One entry point of a group: ``value`` is ``module`` or ``module:attr``; ``builtin`` for ours."""

    group: str
    name: str
    value: str
    builtin: bool = False

    def load(self) -> Any:
        """The object the entry point names; a plugin that fails to load is a PlanError naming it
        (ours fail as the bug they are)."""
        module, _, attr = self.value.partition(":")
        if self.builtin:
            obj = importlib.import_module(module)
            return getattr(obj, attr) if attr else obj
        try:
            obj = importlib.import_module(module)
            return getattr(obj, attr) if attr else obj
        except Exception as exc:  # a broken plugin must not look like our bug
            raise PlanError(f"plugin '{self.name}' ({self.value}) in group {self.group} failed to load: "
                            f"{exc}") from exc


def discover(group: str) -> list[Plugin]:
    """The plugins of ``group``: the built-ins in their order, then installed entry points by name
    (an installed entry point that is one of ours is not listed twice)."""
    ours = DEFAULT_PLUGINS[group]
    found = [Plugin(group, name, value, True) for name, value in ours.items()]
    values = set(ours.values())
    for ep in sorted(entry_points(group=group), key=lambda e: e.name):
        if ep.value not in values:
            found.append(Plugin(group, ep.name, ep.value))
    return found


def _builtin_dir() -> Path:
    here = Path(__file__).resolve().parent
    packaged = here / "_templates"                     # inside an installed wheel
    return packaged if packaged.is_dir() else here.parent / "templates"   # a source checkout


BUILTIN_TEMPLATES = _builtin_dir()


def entry_point_objects(group: str) -> list[tuple[str, Any]]:
    """(name, loaded object) for each third-party plugin of ``group``; broken ones raise PlanError."""
    return [(p.name, p.load()) for p in discover(group) if not p.builtin]


@functools.lru_cache(maxsize=None)
def template_dirs() -> tuple[tuple[str, Path], ...]:
    """(provider, folder) pairs: built-in first, then plugins, then $ROLLOUT_TEMPLATE_PATH folders."""
    dirs: list[tuple[str, Path]] = []
    for plugin in discover("rollout.templates"):
        obj = plugin.load()
        if isinstance(obj, ModuleType):
            obj = Path(obj.__file__).parent
        path = Path(obj)
        if plugin.builtin or path.resolve() != BUILTIN_TEMPLATES.resolve():
            dirs.append((plugin.name, path))
    for extra in filter(None, os.environ.get("ROLLOUT_TEMPLATE_PATH", "").split(os.pathsep)):
        dirs.append(("path", Path(extra)))
    return tuple(dirs)


def template_paths() -> list[tuple[str, Path]]:
    """(provider, file) for every template file found, built-ins first."""
    out = []
    for provider, folder in template_dirs():
        if folder.is_dir():
            # regular files only: a FIFO or a device named *.yaml would hang or flood the reader
            out.extend((provider, p) for p in sorted(folder.glob("*.y*ml")) if p.is_file())
    return out
