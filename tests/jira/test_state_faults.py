"""The state file on a bad day: a damaged page, a read-only or full disk, deleted mid-run, bad values.

Each is one line naming the file and the cause (exit 2), and nothing already written is lost."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import subprocess
import uuid

import pytest
from click.testing import CliRunner
from jira_fixtures import write_plan_yaml

from rollout.cli import cli
from rollout.state import StateError, StateStore, state_path


def _records(n: int, prefix: str = "t"):
    return [(f"{prefix}{i:05d}", "task", f"ACME-{prefix}{i}", {"summary": f"Task {i} " + "x" * 200}) for i in range(n)]


@pytest.fixture
def small_disk(tmp_path):
    """A folder on a 192 KB tmpfs (needs root and mount): yields (folder, remount_read_only)."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root (the stub tests below cover the same paths)")
    folder = tmp_path / f"disk-{uuid.uuid4().hex[:6]}"
    folder.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=192k", "tmpfs", str(folder)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")

    def read_only():
        subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)

    try:
        yield folder, read_only
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def test_a_full_disk_is_one_line_and_keeps_what_was_written(small_disk):
    folder, _ = small_disk
    plan = folder / "p.yaml"
    with StateStore(plan, "p") as store:
        store.record_pushed(_records(20, "a"))                  # written before the disk fills
        with pytest.raises(StateError) as info:
            for batch in range(200):
                store.record_pushed(_records(50, f"b{batch}-"))
    message = str(info.value)
    assert message.startswith(f"{state_path(plan, 'p')}: disk full: free some space")
    assert "cannot rollback" not in message and "\n" not in message
    with StateStore(plan, "p") as store:
        keys = store.issue_keys()
    assert all(f"a{i:05d}" in keys for i in range(20))


def test_a_read_only_disk_is_one_line_and_reading_still_works(small_disk):
    folder, read_only = small_disk
    plan = folder / "p.yaml"
    with StateStore(plan, "p") as store:
        store.record_pushed(_records(3))
    read_only()
    with StateStore(plan, "p") as store:
        assert len(store.issue_keys()) == 3                      # status and reports still read it
        with pytest.raises(StateError, match=r"p.sqlite: read-only: rollout cannot write its state here"):
            store.record_pushed(_records(1, "z"))
    with pytest.raises(StateError, match=r"\.rollout/q\.sqlite: read-only"):
        StateStore(folder / "q.yaml", "q").set_meta("x", "1")    # a new file cannot even be created


class _FullDisk(sqlite3.Connection):
    """A stub of the write call, for machines where no small disk can be mounted."""

    full = False

    def executemany(self, sql, rows):
        if _FullDisk.full:
            raise sqlite3.OperationalError("database or disk is full")
        return super().executemany(sql, rows)


def test_a_full_disk_by_stub_does_not_hide_behind_cannot_rollback(tmp_path, monkeypatch):
    real = sqlite3.connect
    monkeypatch.setattr(sqlite3, "connect", lambda *a, **k: real(*a, factory=_FullDisk, **k))
    with StateStore(tmp_path / "p.yaml", "p") as store:
        store.record_pushed(_records(2))
        monkeypatch.setattr(_FullDisk, "full", True)
        with pytest.raises(StateError, match=r"p.sqlite: disk full: free some space") as info:
            store.record_pushed(_records(2, "z"))
        assert "cannot rollback" not in str(info.value)
        monkeypatch.setattr(_FullDisk, "full", False)
        assert sorted(store.issue_keys()) == ["t00000", "t00001"]


def test_a_damaged_page_is_named_with_what_to_do(tmp_path):
    plan = tmp_path / "p.yaml"
    with StateStore(plan, "p") as store:
        store.record_pushed(_records(300))
    path = state_path(plan, "p")
    data = bytearray(path.read_bytes())
    page = 4096
    assert len(data) > 8 * page
    for start in range(3 * page, len(data) - page, page):       # wreck every page past the schema's
        data[start:start + 64] = b"\xff" * 64
    path.write_bytes(bytes(data))
    with pytest.raises(StateError) as info:
        StateStore(plan, "p").records()
    assert str(info.value).startswith(f"{path}: damaged (")
    assert str(info.value).endswith("move it aside; the next push rebuilds it from Jira "
                                    "(the baseline and pull snapshots stay in the old file)")


def test_a_file_deleted_mid_run_is_put_back(tmp_path):
    plan = tmp_path / "p.yaml"
    path = state_path(plan, "p")
    with StateStore(plan, "p") as store:
        store.record_pushed(_records(3))
        path.unlink()                                            # someone cleans up .rollout/ during a push
        with pytest.raises(StateError, match=r"p.sqlite: deleted while rollout was running: put back what had"):
            store.record_pushed(_records(1, "z"))
    with StateStore(plan, "p") as store:
        assert sorted(store.issue_keys()) == ["t00000", "t00001", "t00002"]


@pytest.mark.parametrize("sql, message", [
    ("UPDATE meta SET value = 'abc' WHERE key = 'schema_version'", r"damaged \(schema_version is 'abc'\)"),
    ("UPDATE baseline_tasks SET start_date = '2027-13-45'", r"damaged \(a stored value cannot be read"),
    ("UPDATE issues SET fields_json = '{not json'", r"damaged \(a stored value cannot be read"),
    ("UPDATE snapshots SET taken_at = 'yesterday'", r"damaged \(a stored value cannot be read"),
])
def test_bad_stored_values_are_damage_not_tracebacks(tmp_path, sql, message):
    from rollout.model import CalendarSpec, Plan, Task
    from rollout.schedule import schedule
    from rollout.state import TaskProgress

    plan = Plan("p", "P", dt.date(2027, 1, 11), CalendarSpec(), (Task("a.one", "One", "a", 3),),
                path=str(tmp_path / "p.yaml"))
    with StateStore(plan.path, "p") as store:
        store.record_pushed(_records(1))
        store.save_baseline(schedule(plan))
        store.save_snapshot([TaskProgress("a.one", "ACME-1", "To Do", "new")])
    conn = sqlite3.connect(state_path(plan.path, "p"))
    conn.execute(sql)
    conn.commit()
    conn.close()
    with StateStore(plan.path, "p") as store:
        with pytest.raises(StateError, match=message):
            store.records()
            store.baseline()
            store.latest_snapshot()


def test_push_with_a_damaged_state_file_exits_2_in_one_line(tmp_path, monkeypatch):
    plan = write_plan_yaml(tmp_path, 3)
    path = state_path(plan, "acme")
    path.parent.mkdir()
    path.write_bytes(b"SQLite format 3\x00" + b"\x00" * 84 + b"garbage" * 2000)
    monkeypatch.setenv("JIRA_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("JIRA_PAT", "x")
    result = CliRunner().invoke(cli, ["push", str(plan)])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {path}: damaged (")
    assert "Traceback" not in result.output
