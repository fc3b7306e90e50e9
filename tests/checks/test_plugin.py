"""A third-party rule installed as an ordinary package (tests/checks/plugin) is listed, run,
selected, ignored and configured like a built-in one."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).parents[2]
PLUGIN = Path(__file__).parent / "plugin"

PLAN = """\
plan: plugged
title: One very long task
start: 2027-01-04
workstreams:
  - id: tech
    name: Technology
    tasks:
      - {id: build, name: Build everything, duration: 80d, owner: it}
      - {id: test, name: Test it, duration: 10d, owner: it, depends_on: [build]}
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """Install the plugin with pip into a private folder (never into the shared environment)."""
    base = tmp_path_factory.mktemp("plugin")
    src, target = base / "src", base / "site"
    shutil.copytree(PLUGIN, src)                       # building writes into the source folder
    cmd = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(src)]
    if importlib.util.find_spec("wheel") is not None:   # build offline with what is installed
        cmd[4:4] = ["--no-build-isolation", "--no-index"]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return target


def rollout(site: Path, *args, cwd: Path = REPO):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTHONPATH"] = os.pathsep.join([str(site), str(REPO)])
    return subprocess.run([sys.executable, "-m", "rollout", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env=env)


def test_plugin_rule_is_listed_and_explained(site):
    listing = rollout(site, "rules")
    assert listing.returncode == 0, listing.stderr
    assert "XM001" in listing.stdout and "task-too-long" in listing.stdout
    one = rollout(site, "rules", "XM001")
    assert "## Why is this bad?" in one.stdout and "from rollout_example_checks" in one.stdout


def test_plugin_rule_runs_and_obeys_select_ignore_severity_and_settings(site, tmp_path):
    plan = tmp_path / "plan.yaml"
    plan.write_text(PLAN)

    def codes(*args):
        proc = rollout(site, "check", plan, "--format", "json", *args)
        assert proc.returncode in (0, 1), proc.stderr
        return [(f["code"], f["severity"], f["tasks"]) for f in json.loads(proc.stdout)["findings"]]

    assert ("XM001", "warning", ["tech.build"]) in codes()
    assert codes("--select", "XM") == [("XM001", "warning", ["tech.build"])]
    assert all(code != "XM001" for code, _, _ in codes("--ignore", "XM001"))
    assert codes("--select", "XM", "--ignore", "XM001") == []
    # the more specific selector wins, as in ruff
    assert codes("--select", "XM001", "--ignore", "XM") == [("XM001", "warning", ["tech.build"])]

    plan.write_text(PLAN + "checks: {severity: {XM001: error}, settings: {max_task_days: 100}}\n")
    assert codes("--select", "XM") == []
    plan.write_text(PLAN + "checks: {severity: {XM001: error}}\n")
    assert codes("--select", "XM") == [("XM001", "error", ["tech.build"])]
    assert rollout(site, "check", plan, "--select", "XM").returncode == 1


def test_without_the_plugin_its_code_is_unknown(tmp_path):
    plan = tmp_path / "plan.yaml"
    plan.write_text(PLAN)
    proc = rollout(tmp_path / "empty-site", "check", plan, "--select", "XM001")
    assert proc.returncode == 2 and "'XM001' is not a rule code or prefix" in proc.stderr
