"""Two pushes of one plan at once (two terminals, a CI job and a laptop) never duplicate anything."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

from jira_fixtures import FAST, write_plan_yaml

from rollout.state import _MIGRATIONS, SCHEMA_VERSION, StateStore, _statements, state_path

ROOT = Path(__file__).resolve().parents[2]


def _env(standin, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JIRA_", "ROLLOUT_"))}
    env.update(standin.env())
    env.update(FAST)
    env["PYTHONPATH"] = str(ROOT)
    env.update(extra)
    return env


def test_a_second_push_while_one_runs_is_refused_and_nothing_is_duplicated(standin, tmp_path):
    plan = write_plan_yaml(tmp_path, 5)
    held = standin.hold("POST /rest/api/3/issue/bulk")      # the first push stops in the middle of creating
    cmd = [sys.executable, "-m", "rollout", "push", str(plan)]
    first = subprocess.Popen(cmd, env=_env(standin), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert held.reached.wait(60), "the first push never reached its create call"
        second = subprocess.run(cmd, env=_env(standin, ROLLOUT_LOCK_WAIT="0.2"), capture_output=True, text=True,
                                timeout=60)
    finally:
        held.release.set()
    out, err = first.communicate(timeout=60)
    assert first.returncode == 0, err
    assert second.returncode == 3, second.stdout + second.stderr
    assert second.stderr.strip().splitlines() == [
        f"error: another push of acme is running (process {first.pid}): wait for it to finish, then run push again"]
    issues = standin.task_issues("acme")
    assert {ref: keys for ref, keys in issues.items() if len(keys) > 1} == {}
    assert len(issues) == 6
    # the lock goes with the push: the next one runs and finds nothing to do
    third = subprocess.run(cmd, env=_env(standin), capture_output=True, text=True, timeout=60)
    assert third.returncode == 0 and "create 0, update 0, unchanged 6" in third.stdout


def test_a_push_waits_for_one_that_is_about_to_finish(standin, tmp_path):
    plan = write_plan_yaml(tmp_path, 3)
    held = standin.hold("POST /rest/api/3/issue/bulk")
    cmd = [sys.executable, "-m", "rollout", "push", str(plan)]
    first = subprocess.Popen(cmd, env=_env(standin), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert held.reached.wait(60)
    threading.Timer(0.5, held.release.set).start()
    second = subprocess.run(cmd, env=_env(standin, ROLLOUT_LOCK_WAIT="30"), capture_output=True, text=True,
                            timeout=60)
    first.communicate(timeout=60)
    assert first.returncode == 0 and second.returncode == 0, second.stderr
    assert "create 0, update 0, unchanged 4" in second.stdout
    assert all(len(keys) == 1 for keys in standin.task_issues("acme").values())


def test_two_processes_creating_a_new_state_file_at_once(tmp_path):
    # the second opener read "no schema yet" just before the first created it: it must look again
    # inside its own write transaction, not fail with `table meta already exists`
    path = state_path(tmp_path / "p.yaml", "p")
    path.parent.mkdir()
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")                       # another process is creating the schema
    outcome: list[object] = []

    def open_store():
        try:
            with StateStore(tmp_path / "p.yaml", "p") as store:
                store.set_meta("opened", "yes")
                outcome.append(store.get_meta("schema_version"))
        except Exception as exc:  # noqa: BLE001 - the test reports what happened
            outcome.append(exc)

    opener = threading.Thread(target=open_store)
    opener.start()
    time.sleep(0.3)                                        # it is now waiting for the other's lock
    for statement in _statements(_MIGRATIONS[0]):
        other.execute(statement)
    other.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
    other.execute("COMMIT")
    other.close()
    opener.join(30)
    assert outcome == [str(SCHEMA_VERSION)]
