"""Plans and settings the Jira tests share (imported by name: tests/jira is put on sys.path by conftest)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from rollout.model import CalendarSpec, Dependency, Plan, Task, Workstream

FAST = {"ROLLOUT_JIRA_BACKOFF": "0.01", "ROLLOUT_JIRA_MAX_DELAY": "0.05", "ROLLOUT_JIRA_TIMEOUT": "0.5",
        "ROLLOUT_JIRA_RETRIES": "8"}


def make_plan(tmp_path, *, tasks=None, jira=None, plan_id="acme", start=dt.date(2027, 1, 11)) -> Plan:
    """Two workstreams, a dependency fan-in and a closing milestone."""
    if tasks is None:
        tasks = (
            Task("disc.interviews", "Customer interviews", "disc", 10, kind="data-collection", owner="dana"),
            Task("disc.synthesis", "Synthesise findings", "disc", 5, kind="analysis",
                 depends_on=(Dependency("disc.interviews"),)),
            Task("design.process", "Redesign the renewal process", "design", 8, kind="process-design",
                 depends_on=(Dependency("disc.synthesis"),)),
            Task("design.tool", "Select the renewal tool", "design", 4, kind="technology-selection",
                 depends_on=(Dependency("design.process"),)),
            Task("design.go", "Design signed off", "design", 0, kind="milestone",
                 depends_on=(Dependency("design.tool"), Dependency("disc.synthesis"))),
        )
    return Plan(plan_id, "Acme customer alignment", start, CalendarSpec(), tuple(tasks),
                workstreams=(Workstream("disc", "Discover"), Workstream("design", "Design")),
                jira=jira if jira is not None else {"project": "ACME"}, path=str(tmp_path / f"{plan_id}.yaml"))


PLAN_YAML = """\
plan: {plan_id}
title: Acme customer alignment
start: 2027-01-11
workstreams:
  - id: disc
    name: Discover
    tasks:
{tasks}
jira: {{project: ACME}}
"""


def write_plan_yaml(tmp_path, n_tasks: int = 5, plan_id: str = "acme") -> Path:
    """A plan file (for the CLI and subprocess tests): a chain of n tasks ending in a milestone."""
    lines = []
    for i in range(n_tasks - 1):
        lines.append(f"      - {{id: t{i:03d}, name: Task {i}, duration: 2d, owner: dana"
                     + (f", depends_on: [disc.t{i - 1:03d}]" if i else "") + "}")
    lines.append(f"      - {{id: done, name: Done, duration: 0, depends_on: [disc.t{n_tasks - 2:03d}]}}")
    path = tmp_path / f"{plan_id}.yaml"
    path.write_text(PLAN_YAML.format(plan_id=plan_id, tasks="\n".join(lines)))
    return path
