"""Excel workbook out: schedule, status, risks and findings sheets, with real dates and no formulas.

openpyxl (write-only mode) writes it; every text cell is a string cell, and one that a spreadsheet
would take for a formula (``=``, ``+``, ``-``, ``@``) also carries Excel's quote prefix, so editing the
cell does not turn it into one either.
"""

from __future__ import annotations

import datetime as _dt
import io
from typing import Any, Sequence

from .table import DATE_COLUMNS, SCHEDULE_COLUMNS, schedule_rows

__all__ = ["xlsx_bytes"]

_RISKY = ("=", "+", "-", "@", "\t", "\r")
_DATE_FORMAT = "yyyy-mm-dd"
_MAX_WIDTH = 60


def xlsx_bytes(sched, findings=None, status=None) -> bytes:
    """The workbook as bytes. ``findings`` is a CheckResult (or None); ``status`` a StatusReport (or None)."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    _sheet(wb, "schedule", SCHEDULE_COLUMNS, [[r[c] for c in SCHEDULE_COLUMNS] for r in schedule_rows(sched)])
    if status is not None:
        cols = ("id", "name", "workstream", "status", "percent_complete", "baseline_start", "baseline_finish",
                "forecast_start", "forecast_finish", "variance_days")
        rows = [[_as_date(row[c]) if c.endswith(("_start", "_finish")) else row[c] for c in cols]
                for row in status.tasks()]
        _sheet(wb, "status", cols, rows, note=f"as of {status.as_of.isoformat()}")
    else:
        _sheet(wb, "status", ("status",), [["No progress reported: no actuals given and no pull snapshot "
                                             "in the state store."]])
    plan = sched.plan
    _sheet(wb, "risks", ("id", "title", "probability", "impact", "score", "owner", "mitigation"),
           [[r.id, r.title, r.probability, r.impact, r.score, r.owner, r.mitigation] for r in plan.risks])
    resources = _resource_rows(sched)
    if resources:
        _sheet(wb, "resources", ("id", "name", "kind", "units", "tasks", "peak_use_unlevelled", "available"),
               resources)
    if findings is not None:
        _sheet(wb, "findings", ("code", "severity", "message", "tasks", "hint"),
               [[f.code, f.severity, f.message, "; ".join(f.tasks), f.hint] for f in findings.findings])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _resource_rows(sched) -> list[list[Any]]:
    """Per person and pool: its units (capacity), the tasks naming it, and the most it is used on one day in
    the unlevelled schedule against what it has (its units; rollout check's S006 counts leave too)."""
    from ..schedule import schedule
    from .resources import export_resources

    plan = sched.plan
    resources = export_resources(plan)
    if not resources:
        return []
    base = schedule(plan, sched.calendar)
    use: dict[str, dict[int, float]] = {}
    tasks: dict[str, list[str]] = {}
    for t in plan.tasks:
        st = base.tasks[t.id]
        for rid, units in t.resources:
            tasks.setdefault(rid, []).append(t.id)
            days = use.setdefault(rid, {})
            for day in range(st.start, st.end):
                days[day] = days.get(day, 0.0) + units
    return [[r.id, r.name, r.kind, r.units, "; ".join(tasks.get(r.id, ())),
             max(use.get(r.id, {}).values(), default=0.0), r.units] for r in resources]


def _as_date(value: Any) -> Any:
    if isinstance(value, str) and len(value) == 10:
        try:
            return _dt.date.fromisoformat(value)
        except ValueError:
            return value
    return value


def _sheet(wb, title: str, columns: Sequence[str], rows: list[list[Any]], note: str | None = None) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(title)
    widths = [len(c) for c in columns]
    for row in rows[:2000]:                  # a sample is enough to size columns
        for k, v in enumerate(row):
            n = 10 if isinstance(v, _dt.date) else len(str(v)) if v is not None else 0
            if n > widths[k]:
                widths[k] = n
    for k, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(k)].width = min(w + 2, _MAX_WIDTH)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{len(rows) + 1}"

    def cell(value: Any):
        if isinstance(value, str):
            c = WriteOnlyCell(ws, None)
            c.value = value
            c.data_type = "s"                # never a formula, whatever it starts with
            if value.startswith(_RISKY):
                c.quotePrefix = True
            return c
        if isinstance(value, _dt.date):
            c = WriteOnlyCell(ws, value)
            c.number_format = _DATE_FORMAT
            return c
        return value

    ws.append([cell(c) for c in columns])
    for row in rows:
        ws.append([cell(v) if isinstance(v, (str, _dt.date)) else v for v in row])
    if note:
        ws.append([])
        ws.append([cell(note)])
