"""The steering-committee dashboard: one self-contained index.html plus the files behind it.

``write_report`` schedules the plan, runs the checks, and writes ``index.html`` (headline, Gantt,
findings, and status and risk sections when those modules are installed), ``schedule.csv``,
``plan.ics`` and ``findings.sarif``. Everything taken from a plan is HTML-escaped.
"""

from __future__ import annotations

import csv
import datetime as _dt
import html
import io
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..model import Plan
from ..schedule import Schedule, schedule as make_schedule
from ..util import atomic_write_bytes, atomic_write_text, csv_safe, ensure_dir

__all__ = ["Report", "SCHEDULE_COLUMNS", "schedule_csv", "write_report"]

SCHEDULE_COLUMNS = ("id", "name", "workstream", "kind", "phase", "duration", "start", "finish",
                    "total_float", "critical", "owner", "deadline")

_esc = html.escape


@dataclass
class Report:
    """What ``write_report`` produced: the files written and the figures behind the headline."""

    out_dir: Path
    schedule: Schedule
    files: dict[str, Path] = field(default_factory=dict)     # role → path: index, csv, ics, sarif
    checks: Any = None                                       # rollout.checks.CheckResult, when run
    sections: tuple[str, ...] = ()                           # the sections index.html holds

    @property
    def failed(self) -> bool:
        """True when the checks found problems at or above the failing severity."""
        return bool(self.checks is not None and self.checks.failed)

    def counts(self) -> dict[str, int]:
        return self.checks.counts() if self.checks is not None else {}


def schedule_csv(sched: Schedule) -> str:
    """The schedule as CSV, one row per task (SCHEDULE_COLUMNS), every cell neutralised."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(SCHEDULE_COLUMNS)
    for st in sched.tasks.values():
        row = st.to_dict()
        writer.writerow([csv_safe(row.get(c)) for c in SCHEDULE_COLUMNS])
    return buf.getvalue()


def write_report(plan: Plan | str | os.PathLike, out_dir: str | os.PathLike, *,
                 today: _dt.date | None = None, fail_on: str = "error", collapse: bool | None = None,
                 calendar_tasks: bool = False, actuals: str | None = None,
                 risk_iterations: int = 2000, seed: int = 1) -> Report:
    """Write the dashboard of a plan (a Plan, or the path of a plan file) into ``out_dir``.

    ``risk_iterations`` 0 leaves the risk section out; ``seed`` makes it reproducible. ``actuals``
    is a progress CSV for the status section and the Gantt's progress shading.
    """
    if not isinstance(plan, Plan):
        from ..expand import load_plan

        plan = load_plan(os.fspath(plan))
    as_of = today                      # the status date only when the caller fixed one
    today = today or _dt.date.today()
    out = Path(out_dir)
    ensure_dir(out)
    sched = make_schedule(plan)
    report = Report(out, sched)

    checks = _run_checks(plan, sched, fail_on)
    report.checks = checks

    from .gantt import gantt_html, plotly_js_tag, state_overlay
    from .ical import calendar_bytes

    status = _status_report(plan, actuals, as_of)
    overlay = state_overlay(plan, actuals, as_of, status=status)
    sections = ["headline", "gantt"]
    body = [_headline(sched, checks, today),
            '<section id="gantt-section"><h2>Gantt</h2>'
            '<p class="legend-note">Bars are coloured by workstream; a <strong style="color:#d62728">red '
            'outline</strong> marks the critical path (no float: any slip moves the finish), red lines its '
            'links; ◆ are milestones. Hover a row for owner, dates and float.</p>',
            gantt_html(sched, full_html=False, div_id="gantt", today=today, collapse=collapse, overlay=overlay,
                       title=""),
            "</section>"]
    if checks is not None:
        sections.append("findings")
        body.append(_findings(checks))
    if status is not None:
        from ..tracking import status_html_section

        sections.append("status")
        body.append(f'<div id="status">{status_html_section(status)}</div>')
    risk = _risk_result(plan, risk_iterations, seed, checks) if risk_iterations > 0 else None
    if risk is not None:
        from ..risk import risk_html_section

        sections.append("risk")
        body.append(f'<div id="risk">{risk_html_section(risk)}</div>')

    files = report.files
    files["csv"] = out / "schedule.csv"
    atomic_write_text(files["csv"], schedule_csv(sched))
    files["ics"] = out / "plan.ics"
    atomic_write_bytes(files["ics"], calendar_bytes(sched, tasks=calendar_tasks))
    if checks is not None:
        files["sarif"] = out / "findings.sarif"
        atomic_write_text(files["sarif"], checks.render("sarif"))
    if risk is not None:
        files["risk"] = out / "risk.json"          # the same shape as `rollout risk --format json`
        atomic_write_text(files["risk"], json.dumps(risk.to_dict(), indent=1, default=str) + "\n")
    body.append(_files_section(files))
    files["index"] = out / "index.html"
    atomic_write_text(files["index"], _page(plan, plotly_js_tag(), "\n".join(body), today))
    report.sections = tuple(sections)
    return report


def _run_checks(plan: Plan, sched: Schedule, fail_on: str):
    try:
        from ..checks import run_checks
    except ImportError:       # a build without the checks: the dashboard leaves their section out
        return None
    return run_checks(plan, sched, fail_on=fail_on)


def _status_report(plan: Plan, actuals: str | None, as_of: _dt.date | None):
    """``rollout status``'s report, or None in a build without tracking."""
    try:
        from ..tracking import status_report
    except ImportError:
        return None
    return status_report(plan, as_of=as_of, actuals_path=actuals)


def _risk_result(plan: Plan, iterations: int, seed: int, checks):
    """The Monte Carlo result for the report, or None when rollout.risk is not installed."""
    try:
        from ..risk import simulate
    except ImportError:
        return None
    findings = list(checks.findings) if checks is not None else None
    return simulate(plan, iterations=iterations, seed=seed, findings=findings)


def _headline(sched: Schedule, checks, today: _dt.date) -> str:
    plan = sched.plan
    tasks = list(sched.tasks.values())
    milestones = [st for st in tasks if st.task.is_milestone]
    upcoming = sorted((st for st in milestones if st.finish_date >= today), key=lambda st: st.finish_date)
    path = sched.critical_path
    path_days = sum(sched.tasks[t].task.duration for t in path)
    cards = [
        ("Start", sched.start_date.isoformat(), ""),
        ("Finish", sched.finish_date.isoformat(), f"{sched.finish} working days"),
        ("Critical path", f"{len(sched.critical_tasks)} tasks", f"zero float; {path_days} working days of work"),
        ("Tasks", f"{len(tasks)}", f"{_count(len(milestones), 'milestone')}, {_count(len(plan.cadences), 'cadence')}"),
    ]
    if upcoming:
        nxt = upcoming[0]
        cards.append(("Next milestone", nxt.finish_date.isoformat(), nxt.task.name))
    if checks is not None:
        counts = checks.counts()
        detail = ", ".join(f'<span class="sev-{_esc(s)}">{_esc(severity_count(n, s))}</span>'
                           for s, n in counts.items())
        cards.append(("Findings", str(sum(counts.values())), detail))
    html_cards = "".join(
        f'<div class="card"><div class="label">{_esc(label)}</div><div class="value">{_esc(value)}</div>'
        f'<div class="detail">{detail if label == "Findings" else _esc(detail)}</div></div>'
        for label, value, detail in cards)
    chain = " → ".join(_esc(sched.tasks[t].task.name) for t in path[:12]) + (" → …" if len(path) > 12 else "")
    return (f'<section id="headline"><div class="cards">{html_cards}</div>'
            f'<p class="chain"><b>Critical path:</b> {chain or "—"}</p></section>')


def severity_count(n: int, severity: str) -> str:
    """'2 errors', '1 warning', '3 info' (info has no plural)."""
    return f"{n} {severity}" if severity == "info" else _count(n, severity)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _findings(checks) -> str:
    rows = []
    names = {t.id: t.name for t in checks.plan.tasks}
    for f in checks.findings:
        tasks = ", ".join(f'<span title="{_esc(names.get(t, t))}">{_esc(t)}</span>' for t in f.tasks)
        rows.append(f'<tr class="finding sev-{_esc(f.severity)}"><td>{_esc(f.severity)}</td>'
                    f"<td><code>{_esc(f.code)}</code> {_esc(f.slug)}</td><td>{_esc(f.message)}</td>"
                    f"<td>{tasks}</td><td>{_esc(f.hint or '')}</td></tr>")
    if not rows:
        table = "<p>No findings: the plan passes every selected check.</p>"
    else:
        table = ("<table><thead><tr><th>severity</th><th>rule</th><th>finding</th><th>tasks</th><th>hint</th>"
                 f"</tr></thead><tbody>{''.join(rows)}</tbody></table>")
    return f'<section id="findings"><h2>Findings</h2>{table}</section>'


def _files_section(files: dict[str, Path]) -> str:
    labels = {"csv": "Schedule (CSV)", "ics": "Calendar (iCalendar)", "sarif": "Findings (SARIF)",
              "risk": "Schedule risk (JSON)"}
    items = "".join(f'<li><a href="{_esc(p.name)}">{_esc(labels[k])}</a></li>' for k, p in files.items()
                    if k in labels)
    return f'<section id="files"><h2>Files</h2><ul>{items}</ul></section>'


_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#222;background:#fafafa}
header{background:#1f3a5f;color:#fff;padding:1em 2em}header h1{margin:0;font-size:1.5em}
header p{margin:.3em 0 0;opacity:.85}main{padding:1em 2em;max-width:1500px}
section{background:#fff;border:1px solid #e3e3e3;border-radius:6px;padding:1em 1.2em;margin:1em 0}
h2{margin-top:0;font-size:1.2em}.cards{display:flex;flex-wrap:wrap;gap:1em}
.card{border:1px solid #ddd;border-radius:6px;padding:.6em 1em;min-width:150px;max-width:320px}
.card .label{font-size:.8em;text-transform:uppercase;color:#666}.card .value{font-size:1.5em;font-weight:600}
.card .detail{font-size:.85em;color:#555}.chain{font-size:.9em;color:#444}
table{border-collapse:collapse;width:100%;font-size:.9em}td,th{border:1px solid #ddd;padding:4px 8px;
text-align:left;vertical-align:top}th{background:#f3f3f3}
.sev-error{color:#b71c1c;font-weight:600}.sev-warning{color:#e65100}.sev-info{color:#1565c0}
tr.sev-error td:first-child{border-left:4px solid #b71c1c}tr.sev-warning td:first-child{border-left:4px solid #ef6c00}
tr.sev-info td:first-child{border-left:4px solid #1565c0}
@media print{header{background:none;color:#000}section{break-inside:avoid;border:none}}
"""


def _page(plan: Plan, plotly_js: str, body: str, today: _dt.date) -> str:
    from .. import __version__

    title = _esc(f"{plan.title} — rollout dashboard")
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<meta name=\"generator\" content=\"rollout {__version__}\"><title>{title}</title>"
        f"<style>{_STYLE}</style>\n{plotly_js}\n</head><body>"
        f"<header><h1>{_esc(plan.title)}</h1><p>Plan <code>{_esc(plan.id)}</code> · report of "
        f"{today.isoformat()}</p></header><main>\n{body}\n</main></body></html>\n"
    )
