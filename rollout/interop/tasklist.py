"""Task lists in (CSV, xlsx) and the plan YAML that every import ends in.

A source (a task list, or a project file read by MPXJ) becomes a ``SourcePlan``: tasks with their
source keys, links, calendar. ``plan_yaml`` turns it into a plan file that loads and schedules.
"""

from __future__ import annotations

import csv
import datetime as _dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from ..errors import PlanError, Problem
from ..util import slugify, suggestion

__all__ = ["SourcePlan", "SourceTask", "plan_yaml", "read_tasklist"]

COLUMNS = ("id", "name", "duration", "predecessors", "workstream", "owner", "start_no_earlier_than", "deadline")
#: columns our own exports write that an import reads past without a word (computed, not planned)
_COMPUTED = frozenset(("wbs", "start", "finish", "late_start", "late_finish", "total_float", "critical",
                       "free_float", "kind", "phase"))
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DURATION = re.compile(r"^\s*([+-]?\d+(?:\.\d+)?)\s*(d|w|days?|weeks?|wks?)?\s*$", re.I)
_ID = re.compile(r"[a-z0-9][a-z0-9-]*\Z")


@dataclass
class SourceTask:
    """One task as the source has it: ``key`` is what other rows' predecessors call it."""

    key: str
    name: str
    duration: int
    workstream: str | None = None          # the workstream's name (or id) in the source
    deps: list[tuple[str, str, int]] = field(default_factory=list)   # (key, type, lag in working days)
    owner: str | None = None
    start_no_earlier_than: _dt.date | None = None
    deadline: _dt.date | None = None
    where: str | None = None               # file:line, for messages
    id_hint: str | None = None             # a rollout id the source kept for us (ws.task)
    local_hint: str | None = None          # the source's own short code (a P6 activity id)
    resources: list[tuple[str, float]] = field(default_factory=list)   # (person or pool id, units per day)


@dataclass
class SourcePlan:
    path: str
    title: str
    start: _dt.date
    tasks: list[SourceTask]
    workdays: tuple[int, ...] = (0, 1, 2, 3, 4)
    holidays: tuple[_dt.date, ...] = ()
    people: dict[str, str] = field(default_factory=dict)     # person id → name
    capacity: dict[str, float] = field(default_factory=dict)  # person id → capacity (when not 1)
    emails: dict[str, str] = field(default_factory=dict)     # person id → email
    pools: dict[str, tuple[str, float]] = field(default_factory=dict)   # pool id → (name, units)


# -- reading task lists --------------------------------------------------------------------------

def read_tasklist(path: str | Path, fmt: str, start: _dt.date | None, warn: Callable[[str], None]) -> SourcePlan:
    """A CSV or xlsx task list (header row first) as a SourcePlan; bad rows are errors naming file:N."""
    path = Path(path)
    display = str(path)
    rows = _csv_rows(path) if fmt == "csv" else _xlsx_rows(path)
    if not rows:
        raise PlanError("the task list is empty: expected a header row (id, name, duration, predecessors)",
                        display, 1)
    header_line, header = rows[0]
    names = [str(h or "").strip().lower().replace(" ", "_") for h in header]
    missing = [c for c in ("id", "name", "duration") if c not in names]
    if missing:
        raise PlanError(f"missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
                        f"(found: {', '.join(n for n in names if n) or 'none'})", display, header_line)
    unknown = [n for n in names if n and n not in COLUMNS and n not in _COMPUTED]
    if unknown:
        warn(f"{display}:{header_line}: ignoring column{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}")
    col = {n: k for k, n in enumerate(names) if n}
    problems: list[Problem] = []
    tasks: list[SourceTask] = []
    seen: dict[str, int] = {}
    for line, values in rows[1:]:
        def get(name: str) -> Any:
            k = col.get(name)
            v = values[k] if k is not None and k < len(values) else None
            return v.strip() if isinstance(v, str) else v
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        errors: list[str] = []
        key = _text(get("id"))
        if not key:
            errors.append("the id is empty")
        elif key in seen:
            errors.append(f"duplicate id '{key}' (first on line {seen[key]})")
        name = _text(get("name")) or key
        duration = _duration(get("duration"), errors)
        deps: list[tuple[str, str, int]] = []
        try:
            from .table import parse_predecessors

            deps = parse_predecessors(_text(get("predecessors")))
        except ValueError as exc:
            errors.append(str(exc))
        snet = _date(get("start_no_earlier_than"), "start_no_earlier_than", errors)
        deadline = _date(get("deadline"), "deadline", errors)
        for message in errors:
            problems.append(Problem(message, display, line))
        if errors:
            continue
        seen[key] = line
        tasks.append(SourceTask(key, name, duration, _text(get("workstream")) or None, deps,
                                _text(get("owner")) or None, snet, deadline, f"{display}:{line}"))
    keys = {t.key for t in tasks}
    for t in tasks:
        for dep, _typ, _lag in t.deps:
            if dep not in keys and dep not in seen:
                near = _near(dep, keys)
                problems.append(Problem(f"predecessor '{dep}' is not a task id in this list{near}",
                                        *t.where.rsplit(":", 1)[:1], int(t.where.rsplit(":", 1)[1])))
    if problems:
        problems.sort(key=lambda p: p.line or 0)
        raise PlanError(problems=problems)
    begin = start or min((t.start_no_earlier_than for t in tasks if t.start_no_earlier_than), default=None) \
        or _next_working_day(_dt.date.today())
    return SourcePlan(display, path.stem, begin, tasks)


def _csv_rows(path: Path) -> list[tuple[int, list[Any]]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise PlanError("the CSV is not UTF-8 text; save it as 'CSV UTF-8'", str(path)) from None
    reader = csv.reader(text.splitlines(keepends=True))
    out = []
    line = 1
    try:
        for values in reader:
            out.append((line, values))
            line = reader.line_num + 1
    except csv.Error as exc:
        raise PlanError(f"not a readable CSV: {exc}", str(path), line) from None
    return out


def _xlsx_rows(path: Path) -> list[tuple[int, list[Any]]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:              # zipfile.BadZipFile, KeyError, InvalidFileException…
        raise PlanError(f"not a readable Excel workbook: {exc}", str(path)) from None
    ws = wb["schedule"] if "schedule" in wb.sheetnames else wb.worksheets[0]
    rows = [(k, list(values)) for k, values in enumerate(ws.iter_rows(values_only=True), start=1)]
    wb.close()
    return rows


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    # undo the quote a CSV export puts before text a spreadsheet would run ('=…, '+…): see util.csv_safe
    if len(text) > 1 and text[0] == "'" and text[1] in "=+-@\t\r":
        text = text[1:]
    return text


def _duration(value: Any, errors: list[str]) -> int:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number, unit = float(value), "d"
    else:
        m = _DURATION.match(str(value or ""))
        if not m:
            errors.append(f"duration {value!r} is not like 5d, 2w or 0" if value not in (None, "")
                          else "the duration is empty (0 for a milestone)")
            return 0
        number, unit = float(m.group(1)), (m.group(2) or "d").lower()
    days = number * (5 if unit.startswith("w") else 1)
    if days != int(days) or days < 0:
        errors.append(f"duration {value!r} is not a whole, non-negative number of working days")
        return 0
    return int(days)


def _date(value: Any, name: str, errors: list[str]) -> _dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    try:
        return _dt.date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        errors.append(f"{name} {value!r} is not a date like 2027-01-11")
        return None


def _near(word: str, options) -> str:
    return suggestion(word, list(options))


def _next_working_day(day: _dt.date) -> _dt.date:
    day += _dt.timedelta(days=1)
    while day.weekday() >= 5:
        day += _dt.timedelta(days=1)
    return day


# -- the plan file -------------------------------------------------------------------------------

def assign_ids(source: SourcePlan) -> tuple[dict[str, str], dict[str, str]]:
    """(source key → rollout task id, workstream id → name); ids are slugs, unique, stable for the input."""
    ws_names: dict[str, str] = {}
    ids: dict[str, str] = {}
    used: set[str] = set()
    for t in source.tasks:
        hint = t.id_hint if t.id_hint and "." in t.id_hint else None
        if hint is None and "." in t.key and (not t.workstream or slugify(t.workstream) == t.key.split(".", 1)[0]):
            hint = t.key                 # ids like exec.charter, as rollout writes them
        if hint:
            ws_part, local_part = hint.split(".", 1)
            ws = slugify(ws_part) or "tasks"
            local = slugify(local_part)
        else:
            ws = slugify(t.workstream) if t.workstream else "tasks"
            ws = ws or "tasks"
            local = slugify(t.local_hint or (t.key if not t.key.isdigit() else t.name)) or slugify(t.key)
        local = (local[:48].rstrip("-") or "task")
        if not _ID.match(local):
            local = f"t-{local}"
        full, n = f"{ws}.{local}", 2
        while full in used:
            full, n = f"{ws}.{local}-{n}", n + 1
        used.add(full)
        ids[t.key] = full
        ws_names.setdefault(ws, t.workstream or ("Tasks" if ws == "tasks" else ws))
    return ids, ws_names


def plan_yaml(source: SourcePlan, plan_id: str | None = None) -> str:
    """The plan file for a source, as YAML text (checked to load before it is returned)."""
    ids, ws_names = assign_ids(source)
    q = lambda s: json.dumps(s, ensure_ascii=False)           # a JSON string is a YAML double-quoted scalar
    pid = slugify(plan_id or Path(source.path).stem) or "imported"
    lines = [f"# Imported from {Path(source.path).name} by rollout import.",
             f"plan: {pid}", f"title: {q(source.title or pid)}", f"start: {source.start.isoformat()}",
             "calendar:", f"  workdays: [{', '.join(_WEEKDAYS[d] for d in sorted(source.workdays))}]"]
    if source.holidays:
        lines.append("  holidays: [" + ", ".join(d.isoformat() for d in sorted(set(source.holidays))) + "]")
    if source.people:
        lines.append("people:")
        for pid_, name in source.people.items():
            extra = (f", email: {q(source.emails[pid_])}" if pid_ in source.emails else "") + (
                f", capacity: {source.capacity[pid_]:g}" if source.capacity.get(pid_, 1.0) != 1.0 else "")
            lines.append(f"  - {{id: {pid_}, name: {q(name)}{extra}}}")
    if source.pools:
        lines.append("resources:")
        lines += [f"  - {{id: {rid}, name: {q(name)}, units: {units:g}}}" for rid, (name, units) in source.pools.items()]
    lines.append("workstreams:")
    by_ws: dict[str, list[SourceTask]] = {}
    for t in source.tasks:
        by_ws.setdefault(ids[t.key].split(".", 1)[0], []).append(t)
    for ws, items in by_ws.items():
        lines += [f"  - id: {ws}", f"    name: {q(ws_names[ws])}", "    tasks:"]
        for t in items:
            local = ids[t.key].split(".", 1)[1]
            parts = [f"id: {local}", f"name: {q(t.name)}", f"duration: {t.duration}d" if t.duration else "duration: 0"]
            if t.duration == 0:
                parts.append("kind: milestone")
            if t.owner:
                parts.append(f"owner: {slugify(t.owner) or q(t.owner)}")
            if t.start_no_earlier_than:
                parts.append(f"start_no_earlier_than: {t.start_no_earlier_than.isoformat()}")
            if t.deadline:
                parts.append(f"deadline: {t.deadline.isoformat()}")
            if t.deps:
                deps = []
                for key, typ, lag in t.deps:
                    target = ids.get(key, key)
                    deps.append(target if typ == "FS" and lag == 0 else
                                f"{{task: {target}, type: {typ}, lag: {lag}d}}")
                parts.append(f"depends_on: [{', '.join(deps)}]")
            if t.resources:
                parts.append("resources: {" + ", ".join(f"{rid}: {units:g}" for rid, units in t.resources) + "}")
            lines.append("      - {" + ", ".join(parts) + "}")
    text = "\n".join(lines) + "\n"
    _check_loads(text, source.path)
    return text


def _check_loads(text: str, path: str) -> None:
    from ..expand import expand_text
    from ..schedule import schedule

    try:
        schedule(expand_text(text, f"<plan imported from {path}>"))
    except PlanError as exc:
        raise PlanError(f"the plan made from {path} does not load: {exc}") from exc
