"""Plans in and out of the tools a PMO already has: MS Project (MSPDI, MPP), Primavera (XER), Excel, CSV.

``export_plan`` writes a plan and its schedule; ``import_plan`` reads a task list or a project file
into plan YAML (MPP, MSPDI and XER through MPXJ, an optional extra that needs a Java runtime).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..util import atomic_write_bytes, csv_safe

__all__ = ["EXPORT_FORMATS", "IMPORT_FORMATS", "export_plan", "export_bytes", "format_of", "import_plan"]

#: suffix → format name
EXPORT_FORMATS = {".xml": "mspdi", ".xer": "xer", ".xlsx": "xlsx", ".csv": "csv"}
IMPORT_FORMATS = {".csv": "csv", ".xlsx": "xlsx", ".xml": "mspdi", ".mpp": "mpp", ".xer": "xer",
                  ".mpx": "mpx", ".pmxml": "pmxml"}


def format_of(path: str | Path, formats: dict[str, str], fmt: str | None = None, verb: str = "export") -> str:
    """The format named by ``fmt``, else by the file's suffix; a UsageError names the choices."""
    names = sorted(set(formats.values()))
    if fmt:
        if fmt not in names:
            raise UsageError(f"unknown {verb} format '{fmt}': use {', '.join(names)}")
        return fmt
    found = formats.get(Path(path).suffix.lower())
    if found is None:
        raise UsageError(f"cannot tell the {verb} format of {path}: use a file ending in "
                         f"{', '.join(sorted(formats))}, or name the format", option="format")
    return found


def export_bytes(sched, fmt: str, name: str = "plan", findings=None, status=None) -> bytes:
    """The schedule in one format, as bytes (``findings``/``status`` feed the xlsx sheets)."""
    if fmt == "mspdi":
        from .mspdi import mspdi_text

        return mspdi_text(sched, name).encode("utf-8")
    if fmt == "xer":
        from .xer import xer_text

        return xer_text(sched).encode("utf-8")
    if fmt == "xlsx":
        from .xlsx import xlsx_bytes

        return xlsx_bytes(sched, findings, status)
    if fmt == "csv":
        return _csv_text(sched).encode("utf-8")
    raise UsageError(f"unknown export format '{fmt}'")


def export_plan(source, path: str | Path = "plan.xml", format: str | None = None) -> str:
    """Write a plan (an :class:`rollout.Analysis`, or a Plan) and its schedule to ``path``; returns the format.

    For xlsx the analysis's check findings fill the findings sheet, and its status the status sheet when
    progress is known (an actuals file, or a pull snapshot when the analysis reads the state store).
    """
    from ..analysis import Analysis

    run = source if isinstance(source, Analysis) else Analysis(source, use_state=False)
    fmt = format_of(path, EXPORT_FORMATS, format)
    findings = status = None
    if fmt == "xlsx":
        findings = run.checks
        if run.progress.source is not None:
            status = run.status
    atomic_write_bytes(path, export_bytes(run.scheduled, fmt, Path(path).name, findings, status))
    return fmt


def _csv_text(sched) -> str:
    from .table import SCHEDULE_COLUMNS, schedule_rows

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(SCHEDULE_COLUMNS)
    for row in schedule_rows(sched):
        writer.writerow([_cell(row[c]) for c in SCHEDULE_COLUMNS])
    return buf.getvalue()


def _cell(value: Any) -> str:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return csv_safe(value)


def import_plan(path: str | Path, start=None, plan_id: str | None = None, warn=None) -> str:
    """A plan file's YAML text from a task list (CSV, xlsx) or a project file (MSPDI, MPP, XER via MPXJ).

    ``start`` (a date) overrides the plan start; ``warn`` is called with each message about what the
    import could not keep (default: ignored).
    """
    from .tasklist import plan_yaml

    fmt = format_of(path, IMPORT_FORMATS, None, "import")
    warn = warn or (lambda message: None)
    if fmt in ("csv", "xlsx"):
        from .tasklist import read_tasklist

        source = read_tasklist(path, fmt, start, warn)
    else:
        from .mpxj import read_project

        source = read_project(path, start, warn)
    return plan_yaml(source, plan_id)
