"""docs/reports.md keeps up with the report commands."""

from __future__ import annotations

import re
from pathlib import Path

from rollout.cli import cli

DOC = Path(__file__).resolve().parents[2] / "docs" / "reports.md"


def test_every_option_of_the_report_commands_is_documented():
    text = DOC.read_text()
    for name in ("gantt", "calendar", "report", "load"):
        command = cli.commands[name]
        heading = f"## `rollout {name} PLAN"
        assert heading in text, name
        section = text.split(heading, 1)[1].split("\n## ", 1)[0]
        for param in command.params:
            for opt in param.opts + param.secondary_opts:
                if opt.startswith("--") and opt != "--help":
                    assert re.search(re.escape(opt) + r"(?![a-z-])", section), f"{name} {opt} is not in its section"


def test_public_names_are_sorted_and_exist():
    import importlib

    for name in ("gantt", "ical", "dashboard", "load"):
        module = importlib.import_module(f"rollout.reports.{name}")
        assert module.__all__ == sorted(module.__all__), name
        for public in module.__all__:
            assert getattr(module, public).__doc__ or public.isupper(), f"{name}.{public} has no docstring"
