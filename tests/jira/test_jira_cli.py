"""The push, pull and baseline commands: through click's CliRunner, and as real processes (one killed)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from jira_fixtures import FAST, write_plan_yaml

from rollout.cli import cli

ROOT = Path(__file__).resolve().parents[2]


def _run(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_push_then_push_again(standin, tmp_path):
    plan = write_plan_yaml(tmp_path, 6)
    first = _run("push", str(plan))
    assert first.exit_code == 0, first.output
    assert "acme: create 7, update 0, unchanged 0, link 5" in first.output
    assert "baseline saved (first push)" in first.output
    assert "checks:" in first.output
    second = _run("push", str(plan))
    assert second.exit_code == 0
    assert "acme: create 0, update 0, unchanged 7, link 0" in second.output
    assert "0 writes" in second.output


def test_push_dry_run_and_json(standin, tmp_path):
    plan = write_plan_yaml(tmp_path, 4)
    dry = _run("push", str(plan), "--dry-run")
    assert dry.exit_code == 0
    assert "would create 5" in dry.output and "disc.t001" in dry.output
    assert standin.issues == {}
    out = _run("push", str(plan), "--format", "json")
    data = json.loads(out.output)
    assert data["summary"]["create"] == 5 and data["summary"]["link"] == 3 and data["dry_run"] is False
    assert {c["task"] for c in data["changes"] if c["action"] == "create"} >= {"disc.t000", "disc.done"}


def test_pull_and_baseline_commands(standin, tmp_path):
    plan = write_plan_yaml(tmp_path, 4)
    assert _run("push", str(plan)).exit_code == 0
    pulled = _run("pull", str(plan))
    assert pulled.exit_code == 0
    assert "0 done, 0 in progress, 4 to do (4 of 4 tasks in Jira)" in pulled.output
    data = json.loads(_run("pull", str(plan), "-f", "json").output)
    assert data["summary"] == {"todo": 4, "in-progress": 0, "done": 0}
    kept = json.loads(_run("baseline", str(plan), "--keep", "-f", "json").output)
    assert kept["saved"] is False and kept["tasks"] == 4
    saved = _run("baseline", str(plan))
    assert saved.exit_code == 0 and "saved baseline: 4 tasks" in saved.output


def test_progress_bars_on_a_terminal(standin, tmp_path, monkeypatch):
    import rollout.cli.jira as jira_cli

    monkeypatch.setattr(jira_cli, "is_terminal", lambda: True)
    result = _run("push", str(write_plan_yaml(tmp_path, 4)))
    assert result.exit_code == 0
    assert "creating issues" in result.output and "linking issues" in result.output


def test_remote_errors_are_one_line_and_exit_3(standin, tmp_path):
    plan = write_plan_yaml(tmp_path, 3)
    plan.write_text(plan.read_text().replace("project: ACME", "project: NOPE"))
    result = CliRunner().invoke(cli, ["push", str(plan)])
    assert result.exit_code == 3
    assert result.stderr.strip().splitlines() == [
        "error: Jira project 'NOPE' does not exist or this account cannot see it: check jira.project in the plan "
        "and the account's Browse permission"]
    assert "Traceback" not in result.output


def test_a_rejected_item_exits_3_after_the_summary(standin, tmp_path):
    plan = write_plan_yaml(tmp_path, 3)
    standin.reject_summaries.add("Task 1")
    result = CliRunner().invoke(cli, ["push", str(plan)])
    assert result.exit_code == 3
    assert "error         disc.t001" in result.stdout
    assert "1 item(s) failed in Jira" in result.stderr


def test_missing_settings_are_usage_errors(tmp_path, monkeypatch):
    for name in ("JIRA_URL", "JIRA_EMAIL", "JIRA_API_TOKEN", "JIRA_PAT"):
        monkeypatch.delenv(name, raising=False)
    result = CliRunner().invoke(cli, ["push", str(write_plan_yaml(tmp_path, 3))])
    assert result.exit_code == 2 and "JIRA_URL is not set" in result.stderr
    monkeypatch.setenv("JIRA_URL", "https://acme.atlassian.net")
    result = CliRunner().invoke(cli, ["pull", str(write_plan_yaml(tmp_path, 3))])
    assert result.exit_code == 2 and "no Jira credentials" in result.stderr


def _env(standin):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JIRA_", "ROLLOUT_JIRA_"))}
    env.update(standin.env())
    env.update(FAST)
    env["PYTHONPATH"] = str(ROOT)
    return env


def test_push_as_a_process(standin, tmp_path):
    plan = write_plan_yaml(tmp_path, 5)
    proc = subprocess.run([sys.executable, "-m", "rollout", "push", str(plan)], env=_env(standin),
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "acme: create 6" in proc.stdout
    assert len(standin.task_issues("acme")) == 6


@pytest.mark.parametrize("phase", ["creating", "linking"])
def test_a_push_killed_halfway_resumes_without_duplicates(standin, tmp_path, phase):
    n = 240
    plan = write_plan_yaml(tmp_path, n)
    standin.latency = 0.03
    env = _env(standin)
    proc = subprocess.Popen([sys.executable, "-m", "rollout", "push", str(plan)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            created = len(standin.task_issues("acme"))
            if phase == "creating" and 50 <= created < n:
                break
            if phase == "linking" and 20 <= len(standin.links) < n - 1:
                break
            time.sleep(0.005)
        assert proc.poll() is None, "the push ended before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    issues_then, links_then = len(standin.task_issues("acme")), len(standin.links)
    assert issues_then < n + 1 or links_then < n - 1

    standin.latency = 0.0
    again = subprocess.run([sys.executable, "-m", "rollout", "push", str(plan)], env=env,
                           capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    issues = standin.task_issues("acme")
    assert {ref: keys for ref, keys in issues.items() if len(keys) > 1} == {}
    assert len(issues) == n + 1                       # n tasks and one epic
    key = {ref: keys[0] for ref, keys in issues.items()}
    chain = sorted((key[f"disc.t{i - 1:03d}"], key[f"disc.t{i:03d}"]) for i in range(1, n - 1))
    chain.append((key[f"disc.t{n - 2:03d}"], key["disc.done"]))
    assert sorted((a, b) for _, a, b in standin.links.values()) == sorted(chain)

    before = len(standin.writes())
    final = subprocess.run([sys.executable, "-m", "rollout", "push", str(plan)], env=env,
                           capture_output=True, text=True, timeout=120)
    assert final.returncode == 0 and standin.writes()[before:] == []
