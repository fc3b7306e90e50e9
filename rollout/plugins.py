"""Entry points: template folders, check rules and trackers; built-ins register the same way.

Groups: ``rollout.templates`` (a folder of template files: a path, or a module whose folder holds
them), ``rollout.checks`` (rules) and ``rollout.trackers`` (issue trackers).
"""

from __future__ import annotations

import functools
import os
from importlib.metadata import entry_points
from pathlib import Path
from types import ModuleType
from typing import Any

from .errors import PlanError

__all__ = ["BUILTIN_TEMPLATES", "entry_point_objects", "template_dirs", "template_paths"]


def _builtin_dir() -> Path:
    here = Path(__file__).resolve().parent
    packaged = here / "_templates"                     # inside an installed wheel
    return packaged if packaged.is_dir() else here.parent / "templates"   # a source checkout


BUILTIN_TEMPLATES = _builtin_dir()


def entry_point_objects(group: str) -> list[tuple[str, Any]]:
    """(name, loaded object) for each installed entry point of ``group``; broken ones raise PlanError."""
    found = []
    for ep in sorted(entry_points(group=group), key=lambda e: (e.name != "builtin", e.name)):
        try:
            found.append((ep.name, ep.load()))
        except Exception as exc:  # a broken plugin must not look like our bug
            raise PlanError(f"plugin '{ep.name}' ({ep.value}) in group {group} failed to load: {exc}") from exc
    return found


@functools.lru_cache(maxsize=None)
def template_dirs() -> tuple[tuple[str, Path], ...]:
    """(provider, folder) pairs: built-in first, then plugins, then $ROLLOUT_TEMPLATE_PATH folders."""
    dirs: list[tuple[str, Path]] = [("builtin", BUILTIN_TEMPLATES)]
    for name, obj in entry_point_objects("rollout.templates"):
        if isinstance(obj, ModuleType):
            obj = Path(obj.__file__).parent
        path = Path(obj)
        if path.resolve() != BUILTIN_TEMPLATES.resolve():
            dirs.append((name, path))
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
