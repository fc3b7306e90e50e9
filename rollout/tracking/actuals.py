"""Actuals: what is known of each task's progress, from a progress CSV or a pull snapshot (SPEC 3)."""

from __future__ import annotations

import csv
import datetime as _dt
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

from ..errors import PlanError, Problem
from ..model import Plan, Source
from ..schedule import Schedule
from ..util import suggestion

__all__ = ["ACTUALS_COLUMNS", "Actual", "Progress", "STATUSES", "actuals_from_snapshot", "load_progress",
           "parse_actuals_csv", "read_actuals_csv"]

ACTUALS_COLUMNS = ("task", "status", "actual_start", "actual_finish", "percent_complete")
STATUSES = ("todo", "in-progress", "done")

# -- actuals ------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Actual:
    """What is known of one task's progress. ``percent_complete`` is None when not reported."""

    task: str
    status: str
    actual_start: _dt.date | None = None
    actual_finish: _dt.date | None = None
    percent_complete: float | None = None
    source: Source | None = field(default=None, compare=False)


def read_actuals_csv(path: str, plan: Plan) -> dict[str, Actual]:
    """Read a progress CSV (SPEC 3); every bad row is reported, as ``file.csv:N`` (header = line 1)."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            text = fh.read()
    except OSError as exc:
        raise PlanError(f"cannot read actuals: {exc.strerror or exc}", path) from exc
    except UnicodeDecodeError:
        raise PlanError("actuals must be a UTF-8 CSV file", path) from None
    return parse_actuals_csv(text, plan, path)


class _CsvRows:
    """csv.reader rows; a row the csv module refuses (a cell over its 131,072-character limit) is a
    PlanError naming the line, not a traceback."""

    def __init__(self, lines, path: str):
        self.reader, self.path = csv.reader(lines), path

    def __iter__(self):
        return self

    def __next__(self) -> list[str]:
        try:
            return next(self.reader)
        except csv.Error as exc:
            what = (f"a cell is longer than {csv.field_size_limit():,} characters; is this the actuals CSV?"
                    if "field limit" in str(exc) else f"not a readable CSV row ({exc})")
            raise PlanError(what, self.path, self.reader.line_num) from None

    @property
    def line_num(self) -> int:
        return self.reader.line_num


def parse_actuals_csv(text: str, plan: Plan, path: str = "<actuals>") -> dict[str, Actual]:
    """Parse progress CSV text; see :func:`read_actuals_csv`."""
    problems: list[Problem] = []
    reader = _CsvRows(text.splitlines(keepends=True), path)
    try:
        header = next(reader)
    except StopIteration:
        raise PlanError("empty actuals file: expected the header " + ",".join(ACTUALS_COLUMNS), path, 1) from None
    header = [h.strip().lower() for h in header]
    missing = [c for c in ACTUALS_COLUMNS if c not in header]
    unknown = [h for h in header if h not in ACTUALS_COLUMNS]
    if missing or unknown:
        what = []
        if missing:
            what.append("missing column(s) " + ", ".join(missing))
        for h in unknown:
            what.append(f"unknown column '{h}'" + _did_you_mean(h, ACTUALS_COLUMNS))
        raise PlanError("; ".join(what) + "; expected header " + ",".join(ACTUALS_COLUMNS), path, 1)
    col = {name: header.index(name) for name in ACTUALS_COLUMNS}
    tasks = plan.task_index()
    out: dict[str, Actual] = {}
    first_line: dict[str, int] = {}
    line = 1
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(header):
            problems.append(Problem(f"expected {len(header)} cells, found {len(row)}", path, line))
            continue
        row = row + [""] * (len(header) - len(row))       # trailing empty cells may be left out
        cells = {name: row[k].strip() for name, k in col.items()}
        errors: list[str] = []
        tid = cells["task"]
        if not tid:
            errors.append("empty task id")
        elif tid not in tasks:
            errors.append(f"unknown task '{tid}'" + _did_you_mean(tid, list(tasks)))
        elif tid in first_line:
            errors.append(f"task '{tid}' already given on line {first_line[tid]}")
        start = _parse_date(cells["actual_start"], "actual_start", errors)
        finish = _parse_date(cells["actual_finish"], "actual_finish", errors)
        pct = _parse_percent(cells["percent_complete"], errors)
        state = cells["status"].lower()
        if state and state not in STATUSES:
            errors.append(f"unknown status '{cells['status']}' (expected one of {', '.join(STATUSES)})"
                          + _did_you_mean(state, STATUSES))
        elif not state:         # an empty status is inferred from the other cells
            state = ("done" if finish or pct == 100 else
                     "in-progress" if start or (pct or 0) > 0 else "todo")
        if start and finish and finish < start:
            errors.append(f"actual_finish {finish} is before actual_start {start}")
        if state == "todo" and (start or finish or (pct or 0) > 0):
            errors.append("status todo, yet an actual date or progress is given")
        if state == "in-progress" and finish:
            errors.append("status in-progress, yet actual_finish is given (use done)")
        if state == "done" and pct is not None and pct < 100:
            errors.append(f"status done, yet percent_complete is {pct:g}")
        if errors:
            problems.extend(Problem(e, path, line) for e in errors)
            continue
        first_line[tid] = line
        if state == "done":
            pct = 100.0
        elif state == "todo":
            pct = 0.0
        out[tid] = Actual(tid, state, start, finish, pct, Source(path, line))
    if problems:
        raise PlanError(problems=problems)
    return out


def actuals_from_snapshot(snapshot, plan: Plan) -> dict[str, Actual]:
    """Actuals from a state-store ``Snapshot`` (tasks no longer in the plan are left out)."""
    tasks = plan.task_index()
    out = {}
    for tid, p in snapshot.tasks.items():
        if tid not in tasks:
            continue
        state = p.state
        start, finish = p.actual_start, p.actual_finish if state == "done" else None
        if start and finish and finish < start:
            start = finish
        out[tid] = Actual(tid, state, start if state != "todo" else None, finish,
                          100.0 if state == "done" else 0.0 if state == "todo" else None)
    return out


def _parse_date(text: str, name: str, errors: list[str]) -> _dt.date | None:
    if not text:
        return None
    try:
        return _dt.date.fromisoformat(text)
    except ValueError:
        errors.append(f"bad {name} '{text}' (expected a date as YYYY-MM-DD)")
        return None


def _parse_percent(text: str, errors: list[str]) -> float | None:
    if not text:
        return None
    try:
        value = float(text.rstrip("%").strip())
    except ValueError:
        errors.append(f"bad percent_complete '{text}' (expected a number from 0 to 100)")
        return None
    if not 0 <= value <= 100 or value != value:
        errors.append(f"percent_complete {text} is outside 0–100")
        return None
    return value


def _did_you_mean(word: str, choices: Iterable[str]) -> str:
    return suggestion(word, list(choices))


def _check_actual_dates(actuals: Mapping[str, Actual], as_of: _dt.date) -> None:
    problems = []
    for act in actuals.values():
        if act.source is None:      # snapshots are dated by the tracker itself
            continue
        for name in ("actual_start", "actual_finish"):
            day = getattr(act, name)
            if day is not None and day > as_of:
                src = act.source
                problems.append(Problem(f"task '{act.task}': {name} {day} is after the as-of date {as_of}",
                                        src.path if src else None, src.line if src else None))
    if problems:
        raise PlanError(problems=problems)


@dataclass(frozen=True)
class Progress:
    """Actuals as of a date, with where they came from, and what the state store holds."""

    as_of: _dt.date
    actuals: dict[str, Actual]
    source: str | None                        # None when nothing was reported
    baseline: dict[str, tuple[_dt.date, _dt.date]] | None = None
    snapshots: tuple = ()

    def remaining(self, plan: Plan, current: Schedule) -> Plan:
        """The plan with this progress applied (see :func:`remaining_plan`); ``current`` is the plan's
        own schedule."""
        from .forecast import baseline_edges, remaining_plan

        cal = current.calendar
        return remaining_plan(plan, self.actuals, self.as_of, cal,
                              baseline_edges(plan, cal, current, self.baseline), current=current)


def load_progress(plan: Plan, as_of: _dt.date | None = None, actuals_path: str | None = None, *,
                  baseline: Mapping[str, tuple[_dt.date, _dt.date]] | None = None,
                  snapshots: Sequence[Any] = ()) -> Progress:
    """Actuals from the usual sources: a CSV if given, else the latest of ``snapshots`` (a state
    store's pull snapshots) on or before the as-of date. The as-of date defaults to that snapshot's,
    else today. ``rollout.Analysis.progress`` reads the baseline and the snapshots from
    the plan's state store first."""
    snapshots = list(snapshots)
    usable = [s for s in snapshots if as_of is None or s.as_of <= as_of]
    if actuals_path:
        as_of = as_of or _dt.date.today()
        actuals, source = read_actuals_csv(actuals_path, plan), str(actuals_path)
    elif usable:
        latest = usable[-1]
        as_of = as_of or latest.as_of
        actuals = actuals_from_snapshot(latest, plan)
        source = f"pull snapshot of {latest.as_of.isoformat()} ({latest.tracker})"
    else:
        as_of = as_of or _dt.date.today()
        actuals, source = {}, None
    _check_actual_dates(actuals, as_of)
    return Progress(as_of, actuals, source, None if baseline is None else dict(baseline), tuple(snapshots))


