"""The local state store of a plan (SPEC 5): one SQLite file beside the plan, written in transactions.

It remembers what push created (task id ↔ issue key, the field values and hash last pushed, the
links), the baseline schedules (the default one saved at the first push or by ``rollout baseline``,
named ones by ``rollout baseline --name``), the dated snapshots that ``rollout pull`` reads back from
the tracker, and the forecast snapshots (``pull``, ``status --record``) that ``rollout trend`` plots.

Reading it (for status, tracking and reports)::

    from rollout.state import StateStore

    with StateStore(plan.path, plan.id) as store:      # .rollout/<plan id>.sqlite beside the plan
        store.baseline()          # {task_id: (start_date, finish_date)} or None when never saved
        store.baseline("SteerCo 2027-03")   # a named baseline (``rollout baseline --name``)
        store.baseline_info()     # BaselineInfo(saved_at, finish_date, tasks, name) or None
        store.baselines()         # every BaselineInfo, the default first
        store.forecasts()         # ForecastSnapshot per status date (pull, status --record), oldest first
        store.latest_snapshot()   # Snapshot or None; .taken_at, .as_of, .tasks[task_id] -> TaskProgress
        store.snapshots()         # every Snapshot, oldest first
        store.issue_keys()        # {task_id: "ACME-12"}

``TaskProgress`` holds ``status`` (the tracker's name), ``status_category`` (Jira's key: ``new``,
``indeterminate`` or ``done``), ``state`` (``todo``, ``in-progress`` or ``done``, the actuals-CSV
words), ``assignee``, ``resolution``, ``actual_start`` and ``actual_finish`` (dates or None).

Readers never create the file: with no file, ``baseline()`` and ``latest_snapshot()`` return None and
``snapshots()`` an empty list. Every write runs in one transaction, so a crash (even SIGKILL) leaves
the file as it was before the write or after it, never half-written. The schema carries a version
in ``meta`` and is migrated forward on open; a file from a newer rollout is refused.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import errno as _errno
import functools
import hashlib
import json
import os
import sqlite3
import time as _time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

from .errors import RolloutError

__all__ = [
    "SCHEMA_VERSION",
    "DEFAULT_BASELINE",
    "BaselineInfo",
    "ForecastSnapshot",
    "MilestoneForecast",
    "IssueRecord",
    "Snapshot",
    "StateBusy",
    "StateError",
    "StateStore",
    "TaskProgress",
    "check_baseline_name",
    "fields_hash",
    "state_path",
]

SCHEMA_VERSION = 3

# Each entry moves the schema from version i to i + 1; never edit a released entry, append one.
_MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE issues (
        task_id     TEXT PRIMARY KEY,           -- a task id, or 'epic:<workstream>' / 'epic:' for the plan epic
        kind        TEXT NOT NULL,              -- 'task' or 'epic'
        issue_key   TEXT,                       -- NULL while only the intent to create is recorded
        status      TEXT NOT NULL,              -- 'pending', 'pushed' or 'removed'
        fields_json TEXT,                       -- the owned field values last written
        fields_hash TEXT,
        updated_at  TEXT NOT NULL
    );
    CREATE UNIQUE INDEX issues_by_key ON issues(issue_key) WHERE issue_key IS NOT NULL;
    CREATE TABLE links (
        blocker  TEXT NOT NULL,                 -- task ids: blocker blocks blocked
        blocked  TEXT NOT NULL,
        link_id  TEXT,
        PRIMARY KEY (blocker, blocked)
    );
    CREATE TABLE baseline (
        task_id     TEXT PRIMARY KEY,
        start_date  TEXT NOT NULL,
        finish_date TEXT NOT NULL,
        start_edge  INTEGER,
        end_edge    INTEGER
    );
    CREATE TABLE snapshots (
        id        INTEGER PRIMARY KEY AUTOINCREMENT,
        taken_at  TEXT NOT NULL,                -- ISO timestamp, UTC
        as_of     TEXT NOT NULL,                -- ISO date
        tracker   TEXT NOT NULL
    );
    CREATE TABLE snapshot_tasks (
        snapshot_id     INTEGER NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
        task_id         TEXT NOT NULL,
        issue_key       TEXT,
        status          TEXT,
        status_category TEXT,
        assignee        TEXT,
        resolution      TEXT,
        actual_start    TEXT,
        actual_finish   TEXT,
        PRIMARY KEY (snapshot_id, task_id)
    );
    """,
    # 2: the link type push made for each dependency (NULL: the FS link type, as before version 2)
    """
    ALTER TABLE links ADD COLUMN link_type TEXT;
    """,
    # 3: named baselines (the one baseline of version 2 becomes 'default') and forecast snapshots
    """
    CREATE TABLE baselines (
        name        TEXT PRIMARY KEY,           -- 'default' for the unnamed one
        saved_at    TEXT NOT NULL,              -- ISO timestamp, UTC
        finish_date TEXT
    );
    CREATE TABLE baseline_tasks (
        name        TEXT NOT NULL REFERENCES baselines(name) ON DELETE CASCADE,
        task_id     TEXT NOT NULL,
        start_date  TEXT NOT NULL,
        finish_date TEXT NOT NULL,
        start_edge  INTEGER,
        end_edge    INTEGER,
        PRIMARY KEY (name, task_id)
    );
    INSERT INTO baselines (name, saved_at, finish_date)
        SELECT 'default', value, (SELECT value FROM meta WHERE key = 'baseline_finish')
        FROM meta WHERE key = 'baseline_saved_at' AND EXISTS (SELECT 1 FROM baseline);
    INSERT INTO baseline_tasks (name, task_id, start_date, finish_date, start_edge, end_edge)
        SELECT 'default', task_id, start_date, finish_date, start_edge, end_edge FROM baseline
        WHERE EXISTS (SELECT 1 FROM baselines WHERE name = 'default');
    DROP TABLE baseline;
    DELETE FROM meta WHERE key IN ('baseline_saved_at', 'baseline_finish');
    CREATE TABLE forecasts (
        id              INTEGER PRIMARY KEY AUTOINCREMENT,
        taken_at        TEXT NOT NULL,          -- ISO timestamp, UTC
        as_of           TEXT NOT NULL UNIQUE,   -- ISO date: one forecast per status date, the latest kept
        source          TEXT NOT NULL,          -- 'pull' or 'status'
        finish_date     TEXT NOT NULL,          -- the CPM forecast of the finish
        baseline_finish TEXT,
        p50             TEXT,                   -- with --risk: Monte Carlo finish dates
        p80             TEXT,
        iterations      INTEGER,
        seed            INTEGER
    );
    CREATE TABLE forecast_tasks (
        forecast_id     INTEGER NOT NULL REFERENCES forecasts(id) ON DELETE CASCADE,
        task_id         TEXT NOT NULL,          -- a milestone (or a task with a deadline)
        name            TEXT,
        forecast_date   TEXT NOT NULL,
        baseline_date   TEXT,
        done            INTEGER NOT NULL DEFAULT 0,
        p50             TEXT,
        p80             TEXT,
        PRIMARY KEY (forecast_id, task_id)
    );
    """,
)

DEFAULT_BASELINE = "default"
_BASELINE_NAME_MAX = 80


class StateError(RolloutError):
    """The state file cannot be used (corrupt, or written by a newer rollout)."""

    exit_code = 2


class StateBusy(RolloutError):
    """Another push of the same plan holds the plan's lock."""

    exit_code = 3


def state_path(plan_path: str | os.PathLike | None, plan_id: str) -> Path:
    """``.rollout/<plan id>.sqlite`` in the plan file's folder (the current folder without a file)."""
    folder = Path(plan_path).resolve().parent if plan_path else Path.cwd()
    return folder / ".rollout" / f"{plan_id}.sqlite"


def fields_hash(fields: Mapping[str, Any]) -> str:
    """A stable hash of field values (key order and whitespace do not matter)."""
    text = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class IssueRecord:
    """What the store knows about one pushed (or about-to-be-pushed) issue."""

    task_id: str
    kind: str
    issue_key: str | None
    status: str
    fields: dict[str, Any] | None
    fields_hash: str | None


@dataclass(frozen=True, slots=True)
class BaselineInfo:
    saved_at: _dt.datetime
    finish_date: _dt.date | None
    tasks: int
    name: str = "default"

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "saved_at": self.saved_at.isoformat(), "finish": _iso(self.finish_date),
                "tasks": self.tasks}


def check_baseline_name(name: str) -> str:
    """A baseline name as given (surrounding blanks dropped); a UsageError for an empty or odd one."""
    from .errors import UsageError

    text = (name or "").strip()
    if not text:
        raise UsageError("a baseline name cannot be empty (leave the name out for the default baseline)",
                         option="name")
    if len(text) > _BASELINE_NAME_MAX:
        raise UsageError(f"a baseline name has at most {_BASELINE_NAME_MAX} characters, got {len(text)}")
    if any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise UsageError(f"a baseline name cannot hold control characters: {text!r}")
    return text


@dataclass(frozen=True, slots=True)
class MilestoneForecast:
    """One milestone (or task with a deadline) in a forecast snapshot."""

    task_id: str
    name: str | None
    forecast: _dt.date
    baseline: _dt.date | None = None
    done: bool = False
    p50: _dt.date | None = None
    p80: _dt.date | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.task_id, "name": self.name, "forecast": self.forecast.isoformat(),
                "baseline": _iso(self.baseline), "done": self.done, "p50": _iso(self.p50), "p80": _iso(self.p80)}


@dataclass(frozen=True, slots=True)
class ForecastSnapshot:
    """The forecast at one status date: every milestone's and the finish's (P50/P80 with ``--risk``)."""

    taken_at: _dt.datetime
    as_of: _dt.date
    source: str                                   # 'pull' or 'status'
    finish: _dt.date
    milestones: tuple[MilestoneForecast, ...] = ()
    baseline_finish: _dt.date | None = None
    p50: _dt.date | None = None
    p80: _dt.date | None = None
    iterations: int | None = None
    seed: int | None = None
    id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"as_of": self.as_of.isoformat(), "taken_at": self.taken_at.isoformat(), "source": self.source,
                "finish": self.finish.isoformat(), "baseline_finish": _iso(self.baseline_finish),
                "p50": _iso(self.p50), "p80": _iso(self.p80), "iterations": self.iterations, "seed": self.seed,
                "milestones": [m.to_dict() for m in self.milestones]}


_STATE_BY_CATEGORY = {"new": "todo", "indeterminate": "in-progress", "done": "done"}


@dataclass(frozen=True, slots=True)
class TaskProgress:
    """One task's progress as the tracker reported it at a snapshot."""

    task_id: str
    issue_key: str | None = None
    status: str | None = None
    status_category: str | None = None     # Jira status category key: new, indeterminate, done
    assignee: str | None = None
    resolution: str | None = None
    actual_start: _dt.date | None = None
    actual_finish: _dt.date | None = None

    @property
    def state(self) -> str:
        """``todo``, ``in-progress`` or ``done`` (the words of the actuals CSV)."""
        return _STATE_BY_CATEGORY.get(self.status_category or "new", "todo")

    def to_dict(self) -> dict[str, Any]:
        return {
            "task": self.task_id, "issue": self.issue_key, "status": self.status,
            "status_category": self.status_category, "state": self.state, "assignee": self.assignee,
            "resolution": self.resolution, "actual_start": _iso(self.actual_start),
            "actual_finish": _iso(self.actual_finish),
        }


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The tracker's view of every pushed task at one moment."""

    id: int
    taken_at: _dt.datetime
    as_of: _dt.date
    tracker: str
    tasks: dict[str, TaskProgress] = field(default_factory=dict)


class StateStore:
    """The SQLite state of one plan. Open it as a context manager, or call ``close()``."""

    def __init__(self, plan_path: str | os.PathLike | None, plan_id: str, path: str | os.PathLike | None = None):
        self.plan_id = plan_id
        self.path = Path(path) if path is not None else state_path(plan_path, plan_id)
        self._conn: sqlite3.Connection | None = None
        self._inode: tuple[int, int] | None = None

    # -- connection ---------------------------------------------------------------------------

    def __enter__(self) -> "StateStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    @property
    def exists(self) -> bool:
        return self._conn is not None or self.path.exists()

    def _connect(self, create: bool) -> sqlite3.Connection | None:
        if self._conn is not None:
            return self._conn
        if not create and not self.path.exists():
            return None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            conn = sqlite3.connect(self.path, isolation_level=None, timeout=30)
            self._conn = conn
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA synchronous = FULL")
            self._migrate(conn)
            self._inode = _inode(self.path)
        except BaseException:
            self.close()
            raise
        return self._conn

    def _migrate(self, conn: sqlite3.Connection) -> None:
        if self._version(conn) == SCHEMA_VERSION:      # the common case, and all a reader on read-only media needs
            return
        # the version is read again inside the write transaction: two processes opening a new file at
        # once must not both decide to create the schema (`table meta already exists`)
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = self._version(conn)
            if version > SCHEMA_VERSION:
                raise StateError(f"{self.path}: written by a newer rollout (schema {version}, this one reads "
                                 f"{SCHEMA_VERSION}); upgrade rollout")
            if version < SCHEMA_VERSION:
                for step in _MIGRATIONS[version:]:
                    for statement in _statements(step):
                        conn.execute(statement)
                conn.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
                conn.execute("INSERT OR IGNORE INTO meta VALUES ('plan', ?)", (self.plan_id,))
            conn.execute("COMMIT")
        except BaseException:
            _rollback(conn)
            raise

    def _version(self, conn: sqlite3.Connection) -> int:
        has_meta = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").fetchone()
        if not has_meta:
            return 0
        row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if not row:
            return 0
        if not str(row[0]).isdigit():
            raise self._damaged(f"schema_version is {str(row[0])[:20]!r}")
        version = int(row[0])
        if version > SCHEMA_VERSION:
            raise StateError(f"{self.path}: written by a newer rollout (schema {version}, this one reads "
                             f"{SCHEMA_VERSION}); upgrade rollout")
        return version

    @contextmanager
    def push_lock(self, wait: float = 2.0) -> Iterator[None]:
        """Hold the plan's push lock (``<state file>.lock``) for the whole block.

        A second push of the same plan waits up to ``wait`` seconds, then is refused with
        ``StateBusy`` (exit 3). The lock is the operating system's (``flock``), so a push killed by
        any means releases it.
        """
        lock_path = self.path.with_name(self.path.name + ".lock")
        try:
            lock_path.parent.mkdir(parents=True, exist_ok=True)
            handle = open(lock_path, "a+")
        except OSError as exc:
            raise self._failure(exc) from exc
        try:
            deadline = _time.monotonic() + max(0.0, wait)
            while not _try_lock(handle):
                if _time.monotonic() >= deadline:
                    handle.seek(0)
                    holder = handle.read().strip()
                    raise StateBusy(f"another push of {self.plan_id} is running"
                                    + (f" (process {holder})" if holder.isdigit() else "")
                                    + ": wait for it to finish, then run push again")
                _time.sleep(0.05)
            handle.seek(0)
            handle.truncate()
            handle.write(str(os.getpid()))
            handle.flush()
            try:
                yield
            finally:
                handle.seek(0)
                handle.truncate()
                handle.flush()
                _unlock(handle)
        finally:
            handle.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Everything inside is written together or not at all."""
        conn = self._connect(create=True)
        assert conn is not None
        if conn.in_transaction:          # nested: the outer transaction decides
            yield conn
            return
        self._still_there(conn)
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            _rollback(conn)
            raise
        conn.execute("COMMIT")

    def _still_there(self, conn: sqlite3.Connection) -> None:
        """Writing to a file someone deleted would lose every write: put back what it held and stop."""
        now = _inode(self.path)
        if now == self._inode:
            return
        if now is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            copy = sqlite3.connect(self.path)
            try:
                conn.backup(copy)
            finally:
                copy.close()
            self.close()
            raise StateError(f"{self.path}: deleted while rollout was running: put back what had been written "
                             "so far; run the command again")
        self.close()
        raise StateError(f"{self.path}: replaced by another file while rollout was running; run the command again")

    def _damaged(self, why: str) -> StateError:
        return StateError(f"{self.path}: damaged ({why}): move it aside; the next push rebuilds it from Jira "
                          "(the baseline and pull snapshots stay in the old file)")

    def _failure(self, exc: BaseException) -> StateError:
        """One line naming the file and the cause of a failed read or write."""
        text = str(exc).lower()
        name = getattr(exc, "sqlite_errorname", "") or ""
        err = getattr(exc, "errno", None)
        if ("unable to open" in text or name == "SQLITE_CANTOPEN") and _read_only_folder(self.path.parent):
            err = _errno.EROFS
        if err == _errno.ENOSPC or "disk is full" in text or name == "SQLITE_FULL":
            cause = "disk full: free some space and run the command again (what was written before is kept)"
        elif err == _errno.EROFS or "readonly" in text or "read-only" in text or name.startswith("SQLITE_READONLY"):
            cause = ("read-only: rollout cannot write its state here (a read-only disk, file or folder); "
                     "run it where the plan's .rollout folder can be written")
        elif err in (_errno.EACCES, _errno.EPERM) or name == "SQLITE_PERM":
            cause = "permission denied: rollout cannot write its state here"
        elif "malformed" in text or "not a database" in text or name in ("SQLITE_CORRUPT", "SQLITE_NOTADB"):
            return self._damaged(str(exc))
        elif "unable to open" in text or name == "SQLITE_CANTOPEN":
            cause = "cannot be opened: check that its folder exists and can be written"
        elif "locked" in text or name == "SQLITE_BUSY":
            cause = "busy: another rollout is writing it; try again"
        elif "disk i/o" in text or name.startswith("SQLITE_IOERR"):
            cause = "disk I/O error: check the disk; the next push rebuilds the file from Jira if it is damaged"
        elif isinstance(exc, OSError):
            cause = f"cannot be written ({exc.strerror or exc})"
        else:
            cause = f"cannot be used ({exc})"
        return StateError(f"{self.path}: {cause}")

    def _read(self, sql: str, args: tuple = ()) -> list[tuple]:
        conn = self._connect(create=False)
        if conn is None:
            return []
        return conn.execute(sql, args).fetchall()

    def open(self) -> "StateStore":
        """Open (and check) an existing state file now, before a push talks to Jira; no file is created."""
        self._connect(create=False)
        return self

    # -- meta -----------------------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        rows = self._read("SELECT value FROM meta WHERE key = ?", (key,))
        return rows[0][0] if rows else None

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction() as conn:
            conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    # -- issue mapping ----------------------------------------------------------------------------

    def issue_keys(self) -> dict[str, str]:
        """Task id → issue key for every task pushed (epics excluded)."""
        return {t: k for t, k in self._read(
            "SELECT task_id, issue_key FROM issues WHERE kind = 'task' AND issue_key IS NOT NULL")}

    def records(self) -> dict[str, IssueRecord]:
        """Every issue record by task id (epics under ``epic:<workstream>``)."""
        out = {}
        for task_id, kind, key, status, fields_json, fhash in self._read(
                "SELECT task_id, kind, issue_key, status, fields_json, fields_hash FROM issues"):
            out[task_id] = IssueRecord(task_id, kind, key, status,
                                       json.loads(fields_json) if fields_json else None, fhash)
        return out

    def record_intent(self, entries: Iterable[tuple[str, str]]) -> None:
        """Note that issues for these (task id, kind) pairs are about to be created."""
        now = _now()
        with self.transaction() as conn:
            conn.executemany(
                "INSERT INTO issues (task_id, kind, issue_key, status, updated_at) VALUES (?, ?, NULL, 'pending', ?)"
                " ON CONFLICT(task_id) DO UPDATE SET status = CASE WHEN issue_key IS NULL THEN 'pending'"
                " ELSE status END, updated_at = excluded.updated_at",
                [(t, kind, now) for t, kind in entries])

    def record_pushed(self, entries: Iterable[tuple[str, str, str, Mapping[str, Any]]]) -> None:
        """Record (task id, kind, issue key, fields written) after a successful create or update."""
        now = _now()
        entries = list(entries)
        with self.transaction() as conn:
            # a key now held by another task is stale there (its issue was moved or renumbered)
            conn.executemany("DELETE FROM issues WHERE issue_key = ? AND task_id != ?",
                             [(key, t) for t, _, key, _ in entries])
            conn.executemany(
                "INSERT INTO issues (task_id, kind, issue_key, status, fields_json, fields_hash, updated_at)"
                " VALUES (?, ?, ?, 'pushed', ?, ?, ?) ON CONFLICT(task_id) DO UPDATE SET kind = excluded.kind,"
                " issue_key = excluded.issue_key, status = 'pushed', fields_json = excluded.fields_json,"
                " fields_hash = excluded.fields_hash, updated_at = excluded.updated_at",
                [(t, kind, key, json.dumps(f, sort_keys=True, default=str), fields_hash(f), now)
                 for t, kind, key, f in entries])

    def forget_intent(self, task_ids: Iterable[str]) -> None:
        """Drop pending records that were never created (the create was refused)."""
        with self.transaction() as conn:
            conn.executemany("DELETE FROM issues WHERE task_id = ? AND issue_key IS NULL",
                             [(t,) for t in task_ids])

    def mark_removed(self, task_ids: Iterable[str]) -> None:
        with self.transaction() as conn:
            conn.executemany("UPDATE issues SET status = 'removed', updated_at = ? WHERE task_id = ?",
                             [(_now(), t) for t in task_ids])

    # -- links ----------------------------------------------------------------------------------

    def links(self) -> dict[tuple[str, str], str | None]:
        """(blocker task id, blocked task id) → link id, for every link push made."""
        return {(a, b): lid for a, b, lid in self._read("SELECT blocker, blocked, link_id FROM links")}

    def link_kinds(self) -> dict[tuple[str, str], str | None]:
        """(blocker task id, dependent task id) → the Jira link type push made (None: the FS type)."""
        return {(a, b): t for a, b, t in self._read("SELECT blocker, blocked, link_type FROM links")}

    def record_links(self, links: Iterable[tuple]) -> None:
        """Record (blocker, dependent, link id[, link type]) for links push made."""
        rows = [tuple(link) + (None,) * (4 - len(link)) for link in links]
        with self.transaction() as conn:
            conn.executemany("INSERT OR REPLACE INTO links (blocker, blocked, link_id, link_type) VALUES (?, ?, ?, ?)",
                             rows)

    def forget_links(self, pairs: Iterable[tuple[str, str]]) -> None:
        with self.transaction() as conn:
            conn.executemany("DELETE FROM links WHERE blocker = ? AND blocked = ?", list(pairs))

    # -- baselines ------------------------------------------------------------------------------

    def baseline(self, name: str = DEFAULT_BASELINE) -> dict[str, tuple[_dt.date, _dt.date]] | None:
        """Task id → (start date, finish date) of the baseline stored under ``name``; None when none was saved."""
        rows = self._read("SELECT task_id, start_date, finish_date FROM baseline_tasks WHERE name = ?", (name,))
        if not rows:
            return None
        return {t: (_dt.date.fromisoformat(s), _dt.date.fromisoformat(f)) for t, s, f in rows}

    def baseline_edges(self, name: str = DEFAULT_BASELINE) -> dict[str, tuple[int, int]] | None:
        """Task id → (start edge, end edge) in working days from the plan's day 0 (SPEC 2)."""
        rows = self._read("SELECT task_id, start_edge, end_edge FROM baseline_tasks WHERE name = ?", (name,))
        return {t: (s, e) for t, s, e in rows} if rows else None

    def baseline_info(self, name: str = DEFAULT_BASELINE) -> BaselineInfo | None:
        return next((b for b in self.baselines() if b.name == name), None)

    def baselines(self) -> list[BaselineInfo]:
        """Every stored baseline, the default first, then the named ones in the order they were stored."""
        rows = self._read(
            "SELECT b.name, b.saved_at, b.finish_date, (SELECT count(*) FROM baseline_tasks t WHERE t.name = b.name)"
            " FROM baselines b ORDER BY b.name != ?, b.saved_at, b.name", (DEFAULT_BASELINE,))
        return [BaselineInfo(_dt.datetime.fromisoformat(saved), _dt.date.fromisoformat(finish) if finish else None,
                             count, name) for name, saved, finish, count in rows]

    def require_baseline(self, name: str = DEFAULT_BASELINE) -> dict[str, tuple[_dt.date, _dt.date]]:
        """The baseline ``name``; a one-line UsageError naming the stored ones when there is none."""
        from .errors import UsageError

        base = self.baseline(name)
        if base is not None:
            return base
        stored = [b.name for b in self.baselines()]
        if not stored:
            raise UsageError(f"no baseline is stored for plan '{self.plan_id}' (looked in {self.path}); "
                             "run rollout baseline first")
        raise UsageError(f"no baseline named {name!r} for plan '{self.plan_id}' "
                         f"(stored: {', '.join(repr(n) for n in stored)})")

    def save_baseline(self, schedule, replace: bool = True, name: str = DEFAULT_BASELINE) -> bool:
        """Store a ``Schedule`` as the baseline ``name``; with ``replace=False`` keep an existing one.

        Returns True when the baseline was written.
        """
        name = check_baseline_name(name)
        with self.transaction() as conn:
            if not replace and conn.execute("SELECT 1 FROM baselines WHERE name = ?", (name,)).fetchone():
                return False
            conn.execute("DELETE FROM baselines WHERE name = ?", (name,))       # its tasks go with it
            conn.execute("INSERT INTO baselines VALUES (?, ?, ?)", (name, _now(), schedule.finish_date.isoformat()))
            conn.executemany(
                "INSERT INTO baseline_tasks VALUES (?, ?, ?, ?, ?, ?)",
                [(name, st.id, st.start_date.isoformat(), st.finish_date.isoformat(), st.start, st.end)
                 for st in schedule.tasks.values()])
        return True

    # -- forecast snapshots (the milestone trend) ----------------------------------------------

    def save_forecast(self, forecast: "ForecastSnapshot") -> ForecastSnapshot:
        """Store the forecast of one status date; an earlier one of the same date is replaced."""
        f = forecast
        with self.transaction() as conn:
            conn.execute("DELETE FROM forecasts WHERE as_of = ?", (f.as_of.isoformat(),))
            cur = conn.execute(
                "INSERT INTO forecasts (taken_at, as_of, source, finish_date, baseline_finish, p50, p80, iterations,"
                " seed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (f.taken_at.isoformat(), f.as_of.isoformat(), f.source, f.finish.isoformat(), _iso(f.baseline_finish),
                 _iso(f.p50), _iso(f.p80), f.iterations, f.seed))
            fid = cur.lastrowid
            conn.executemany(
                "INSERT INTO forecast_tasks VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(fid, m.task_id, m.name, m.forecast.isoformat(), _iso(m.baseline), int(m.done), _iso(m.p50),
                  _iso(m.p80)) for m in f.milestones])
        return dataclasses.replace(f, id=fid)

    def forecasts(self) -> list[ForecastSnapshot]:
        """Every stored forecast snapshot with its milestones, oldest status date first."""
        by_id: dict[int, list[MilestoneForecast]] = {}
        for fid, tid, name, fc, base, done, p50, p80 in self._read(
                "SELECT forecast_id, task_id, name, forecast_date, baseline_date, done, p50, p80 FROM forecast_tasks"
                " ORDER BY forecast_id, rowid"):
            by_id.setdefault(fid, []).append(MilestoneForecast(tid, name, _dt.date.fromisoformat(fc), _date(base),
                                                               bool(done), _date(p50), _date(p80)))
        return [ForecastSnapshot(_dt.datetime.fromisoformat(taken), _dt.date.fromisoformat(as_of), source,
                                 _dt.date.fromisoformat(finish), tuple(by_id.get(fid, ())), _date(bfinish),
                                 _date(p50), _date(p80), iters, seed, fid)
                for fid, taken, as_of, source, finish, bfinish, p50, p80, iters, seed in self._read(
                    "SELECT id, taken_at, as_of, source, finish_date, baseline_finish, p50, p80, iterations, seed"
                    " FROM forecasts ORDER BY as_of")]

    # -- snapshots ------------------------------------------------------------------------------

    def save_snapshot(self, tasks: Iterable[TaskProgress], tracker: str = "jira",
                      taken_at: _dt.datetime | None = None, as_of: _dt.date | None = None) -> Snapshot:
        taken_at = taken_at or _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0)
        as_of = as_of or taken_at.date()
        tasks = list(tasks)
        with self.transaction() as conn:
            cur = conn.execute("INSERT INTO snapshots (taken_at, as_of, tracker) VALUES (?, ?, ?)",
                               (taken_at.isoformat(), as_of.isoformat(), tracker))
            snap_id = cur.lastrowid
            conn.executemany(
                "INSERT INTO snapshot_tasks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(snap_id, p.task_id, p.issue_key, p.status, p.status_category, p.assignee, p.resolution,
                  _iso(p.actual_start), _iso(p.actual_finish)) for p in tasks])
        return Snapshot(snap_id, taken_at, as_of, tracker, {p.task_id: p for p in tasks})

    def snapshots(self) -> list[Snapshot]:
        """Every snapshot with its tasks, oldest first."""
        return [self._snapshot(row) for row in self._read(
            "SELECT id, taken_at, as_of, tracker FROM snapshots ORDER BY taken_at, id")]

    def latest_snapshot(self) -> Snapshot | None:
        rows = self._read("SELECT id, taken_at, as_of, tracker FROM snapshots ORDER BY taken_at DESC, id DESC LIMIT 1")
        return self._snapshot(rows[0]) if rows else None

    def _snapshot(self, row: tuple) -> Snapshot:
        snap_id, taken_at, as_of, tracker = row
        tasks = {}
        for r in self._read("SELECT task_id, issue_key, status, status_category, assignee, resolution,"
                            " actual_start, actual_finish FROM snapshot_tasks WHERE snapshot_id = ?", (snap_id,)):
            tasks[r[0]] = TaskProgress(r[0], r[1], r[2], r[3], r[4], r[5], _date(r[6]), _date(r[7]))
        return Snapshot(snap_id, _dt.datetime.fromisoformat(taken_at), _dt.date.fromisoformat(as_of), tracker, tasks)


_GUARDED = ("open", "exists", "get_meta", "set_meta", "issue_keys", "records", "record_intent", "record_pushed",
            "forget_intent", "mark_removed", "links", "link_kinds", "record_links", "forget_links", "baseline", "baseline_edges",
            "baseline_info", "baselines", "require_baseline", "save_baseline", "save_forecast", "forecasts", "save_snapshot", "snapshots",
            "latest_snapshot")


def _guarded(method):
    """A failed read or write of the state file becomes one StateError line (exit 2), never a traceback."""

    @functools.wraps(method)
    def guarded(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except (StateError, StateBusy):
            raise
        except (sqlite3.Error, OSError) as exc:
            raise self._failure(exc) from exc
        except (ValueError, TypeError, KeyError) as exc:     # a stored value that cannot be read back
            raise self._damaged(f"a stored value cannot be read: {str(exc)[:80]}") from exc

    return guarded


for _name in _GUARDED:
    _attr = StateStore.__dict__[_name]
    if isinstance(_attr, property):
        setattr(StateStore, _name, property(_guarded(_attr.fget)))
    else:
        setattr(StateStore, _name, _guarded(_attr))


def _read_only_folder(folder: Path) -> bool:
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):
        return False


def _inode(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return (st.st_dev, st.st_ino)


def _statements(script: str) -> list[str]:
    lines = [ln.split("--", 1)[0] for ln in script.splitlines()]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()


def _iso(value: _dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


@functools.lru_cache(maxsize=4096)        # snapshots repeat a few hundred dates over many rows
def _date(text: str | None) -> _dt.date | None:
    return None if not text else _dt.date.fromisoformat(text)



def _rollback(conn: sqlite3.Connection) -> None:
    """Roll back if a transaction is still open; never hide the error that got us here."""
    try:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
    except sqlite3.Error:
        pass


try:
    import fcntl as _fcntl

    def _try_lock(handle) -> bool:
        try:
            _fcntl.flock(handle.fileno(), _fcntl.LOCK_EX | _fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False

    def _unlock(handle) -> None:
        _fcntl.flock(handle.fileno(), _fcntl.LOCK_UN)

except ImportError:  # pragma: no cover - Windows
    import msvcrt as _msvcrt

    def _try_lock(handle) -> bool:
        try:
            handle.seek(0)
            _msvcrt.locking(handle.fileno(), _msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False

    def _unlock(handle) -> None:
        handle.seek(0)
        _msvcrt.locking(handle.fileno(), _msvcrt.LK_UNLCK, 1)
