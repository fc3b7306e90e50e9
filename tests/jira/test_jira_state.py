"""The state store: mapping, baseline, snapshots, transactions and schema versioning."""

import datetime as dt
import sqlite3

import pytest

from rollout.model import CalendarSpec, Dependency, Plan, Task
from rollout.schedule import schedule
from rollout.state import SCHEMA_VERSION, StateError, StateStore, TaskProgress, state_path


def _plan(tmp_path):
    tasks = (Task("a.one", "One", "a", 3), Task("a.two", "Two", "a", 2, depends_on=(Dependency("a.one"),)),
             Task("a.done", "Done", "a", 0, depends_on=(Dependency("a.two"),)))
    return Plan("acme", "Acme", dt.date(2027, 1, 11), CalendarSpec(), tasks, path=str(tmp_path / "acme.yaml"))


def test_state_file_lives_beside_the_plan(tmp_path):
    assert state_path(tmp_path / "acme.yaml", "acme") == tmp_path / ".rollout" / "acme.sqlite"


def test_readers_do_not_create_the_file(tmp_path):
    plan = _plan(tmp_path)
    with StateStore(plan.path, plan.id) as store:
        assert store.baseline() is None
        assert store.latest_snapshot() is None
        assert store.snapshots() == []
        assert store.issue_keys() == {}
    assert not state_path(plan.path, plan.id).exists()


def test_baseline_is_kept_unless_replaced(tmp_path):
    plan = _plan(tmp_path)
    sched = schedule(plan)
    with StateStore(plan.path, plan.id) as store:
        assert store.save_baseline(sched, replace=False) is True
        base = store.baseline()
        assert base["a.one"] == (dt.date(2027, 1, 11), dt.date(2027, 1, 13))
        assert base["a.done"] == (dt.date(2027, 1, 15), dt.date(2027, 1, 15))
        assert store.baseline_edges()["a.two"] == (3, 5)
        assert store.baseline_info().finish_date == dt.date(2027, 1, 15)
        later = schedule(Plan(plan.id, plan.title, dt.date(2027, 2, 1), plan.calendar, plan.tasks))
        assert store.save_baseline(later, replace=False) is False
        assert store.baseline()["a.one"][0] == dt.date(2027, 1, 11)
        assert store.save_baseline(later) is True
        assert store.baseline()["a.one"][0] == dt.date(2027, 2, 1)


def test_snapshots_round_trip_newest_last(tmp_path):
    with StateStore(tmp_path / "p.yaml", "p") as store:
        t0 = dt.datetime(2027, 3, 1, 9, tzinfo=dt.timezone.utc)
        store.save_snapshot([TaskProgress("a.one", "ACME-1", "To Do", "new")], taken_at=t0)
        store.save_snapshot([TaskProgress("a.one", "ACME-1", "Done", "done", "Dana", "Done",
                                          dt.date(2027, 3, 2), dt.date(2027, 3, 5))],
                            taken_at=t0 + dt.timedelta(days=7))
        snaps = store.snapshots()
        assert [s.tasks["a.one"].state for s in snaps] == ["todo", "done"]
        latest = store.latest_snapshot()
        assert latest.as_of == dt.date(2027, 3, 8)
        assert latest.tasks["a.one"].actual_finish == dt.date(2027, 3, 5)
        assert latest.tasks["a.one"].assignee == "Dana"


def test_a_failed_write_leaves_nothing_behind(tmp_path):
    with StateStore(tmp_path / "p.yaml", "p") as store:
        store.record_pushed([("a.one", "task", "ACME-1", {"summary": "One"})])
        with pytest.raises(RuntimeError):
            with store.transaction() as conn:
                conn.execute("UPDATE issues SET issue_key = 'ACME-9'")
                raise RuntimeError("crash in the middle")
        assert store.issue_keys() == {"a.one": "ACME-1"}


def test_intent_then_push_then_removed(tmp_path):
    with StateStore(tmp_path / "p.yaml", "p") as store:
        store.record_intent([("a.one", "task"), ("a.two", "task")])
        assert store.issue_keys() == {}
        assert {r.status for r in store.records().values()} == {"pending"}
        store.record_pushed([("a.one", "task", "ACME-1", {"summary": "One"})])
        store.forget_intent(["a.two"])
        store.mark_removed(["a.one"])
        records = store.records()
        assert list(records) == ["a.one"] and records["a.one"].status == "removed"
        assert records["a.one"].fields == {"summary": "One"}


def test_newer_schema_is_refused(tmp_path):
    path = state_path(tmp_path / "p.yaml", "p")
    with StateStore(tmp_path / "p.yaml", "p") as store:
        store.set_meta("x", "1")
    conn = sqlite3.connect(path)
    conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 1),))
    conn.commit()
    conn.close()
    with pytest.raises(StateError, match="newer rollout"):
        StateStore(tmp_path / "p.yaml", "p").issue_keys()


def test_garbage_file_is_a_clear_error(tmp_path):
    path = state_path(tmp_path / "p.yaml", "p")
    path.parent.mkdir()
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StateError, match=r"p.sqlite: damaged \(file is not a database\): move it aside; the next push rebuilds it from Jira"):
        StateStore(tmp_path / "p.yaml", "p").baseline()


def test_a_file_without_a_schema_version_is_migrated(tmp_path):
    path = state_path(tmp_path / "p.yaml", "p")
    path.parent.mkdir()
    sqlite3.connect(path).close()             # an empty database: schema version 0
    with StateStore(tmp_path / "p.yaml", "p") as store:
        store.record_pushed([("a.one", "task", "ACME-1", {"summary": "One"})])
        assert store.get_meta("schema_version") == str(SCHEMA_VERSION)
        assert store.get_meta("plan") == "p"
        assert store.issue_keys() == {"a.one": "ACME-1"}
