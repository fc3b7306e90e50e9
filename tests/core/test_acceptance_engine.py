"""Issue 10 (plan engine): self-dependencies, measure kinds, overrides, cadence removal, role owners,
schedule output and the starter plan's calendar, each through the real load and CLI paths."""

import subprocess
import sys

import pytest
from click.testing import CliRunner

from rollout.cli import cli
from rollout.errors import PlanError
from rollout.expand import load_plan

HEAD = "plan: p\ntitle: P\nstart: 2027-01-11\n"


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


# ------------------------------------------------------------------ a task that depends on itself

def test_a_task_that_depends_on_itself_is_a_cycle_exit_2_at_its_line(write):
    path = write("plan.yaml", HEAD + "tasks:\n  - {id: w.a, name: A, duration: 2d}\n"
                 "  - {id: w.b, name: B, duration: 2d, depends_on: [a, b]}\n")
    proc = subprocess.run([sys.executable, "-m", "rollout", "schedule", str(path)], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "w.b → w.b" in proc.stderr and "plan.yaml:6" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_glob_that_matches_the_task_itself_is_not_a_cycle(write):
    path = write("plan.yaml", HEAD + "tasks:\n  - {id: w.a, name: A, duration: 2d}\n"
                 "  - {id: w.c, name: C, duration: 2d, depends_on: ['w.*']}\n")
    assert [d.task for d in load_plan(path).task_index()["w.c"].depends_on] == ["w.a"]
    assert run("schedule", path).exit_code == 0


def test_removing_a_task_that_sat_in_a_cycle_with_its_dependent_still_reports_the_cycle(write):
    path = write("plan.yaml", HEAD + "tasks:\n  - {id: w.a, name: A, duration: 2d, depends_on: [b]}\n"
                 "  - {id: w.b, name: B, duration: 2d, depends_on: [a]}\nremove: [w.b]\n")
    result = run("schedule", path)
    assert result.exit_code == 2 and "w.a → w.a" in result.output
