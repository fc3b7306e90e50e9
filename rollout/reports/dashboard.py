"""The steering-committee dashboard: one self-contained index.html plus the files behind it.

``write_report`` schedules the plan, runs the checks, and writes ``index.html`` (headline, Gantt,
findings, and status and risk sections when those modules are installed), ``schedule.csv``,
``plan.ics`` and ``findings.sarif``. The page is the ``dashboard.html`` template (Jinja2, autoescaped:
everything taken from a plan is HTML-escaped exactly once). Every file is prepared first and then
written, so a failure leaves the folder as it was.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..model import Plan
from ..schedule import Schedule, schedule as make_schedule
from ..util import atomic_write_files, csv_safe, ensure_dir

__all__ = ["Report", "SCHEDULE_COLUMNS", "schedule_csv", "write_report"]

SCHEDULE_COLUMNS = ("id", "name", "workstream", "kind", "phase", "duration", "start", "finish",
                    "total_float", "critical", "owner", "deadline")


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
                 risk_iterations: int = 2000, seed: int = 1, selection=None) -> Report:
    """Write the dashboard of a plan (a Plan, or the path of a plan file) into ``out_dir``.

    ``risk_iterations`` 0 leaves the risk section out; ``seed`` makes it reproducible. ``actuals``
    is a progress CSV for the status section and the Gantt's progress shading. ``selection`` (a
    :class:`rollout.selection.Selection`) narrows the headline, Gantt, findings and status to its
    tasks (the risk section stays the whole plan's).
    """
    if not isinstance(plan, Plan):
        from ..expand import load_plan

        plan = load_plan(os.fspath(plan))
    as_of = today                      # the status date only when the caller fixed one
    today = today or _dt.date.today()
    out = Path(out_dir)
    sched = make_schedule(plan)
    report = Report(out, sched)
    if selection is not None:
        selection.ids(plan.tasks)      # nothing matches: say so before any work

    checks = _run_checks(plan, sched, fail_on)
    report.checks = checks

    from .gantt import gantt_html, select, state_overlay
    from .html import plotly_js_tag, render
    from .ical import calendar_bytes

    status = _status_report(plan, actuals, as_of, selection)
    overlay = state_overlay(plan, actuals, as_of, status=status)
    sections = ["headline", "gantt"]
    context: dict[str, Any] = {
        "title": f"{plan.title} — rollout dashboard", "heading": plan.title, "plan_id": plan.id,
        "today": today.isoformat(), "plotly_js": plotly_js_tag(), "severity_count": severity_count,
        "selection": None if selection is None else f"only {selection.label}",
        "gantt": gantt_html(select(sched, selection), full_html=False, div_id="gantt", today=today,
                            collapse=collapse, overlay=overlay, title=""),
        "findings": None, "s": None, "r": None,
    }
    context.update(_headline(sched, checks, status, as_of or today, selection))
    if checks is not None:
        sections.append("findings")
        context["findings"] = _findings(checks, selection)
        context["task_names"] = {t.id: t.name for t in plan.tasks}
    context.update(_quality_and_trend(plan, sched, status, as_of, actuals, sections))
    if status is not None:
        from .status import status_context

        sections.append("status")
        context["s"] = status_context(status)
    risk = _risk_result(plan, risk_iterations, seed, checks) if risk_iterations > 0 else None
    if risk is not None:
        from .risk import risk_context

        sections.append("risk")
        context["r"] = risk_context(risk)

    files = report.files
    content: dict[str, bytes] = {"csv": schedule_csv(sched).encode("utf-8"),
                                 "ics": calendar_bytes(sched, tasks=calendar_tasks)}
    names = {"csv": "schedule.csv", "ics": "plan.ics", "sarif": "findings.sarif", "risk": "risk.json",
             "index": "index.html"}
    if checks is not None:
        content["sarif"] = checks.render("sarif").encode("utf-8")
    if risk is not None:                        # the same shape as `rollout risk --format json`
        content["risk"] = (json.dumps(risk.to_dict(), indent=1, default=str) + "\n").encode("utf-8")
    context["files"] = [(names[k], _FILE_LABELS[k]) for k in content]
    content["index"] = render("dashboard.html", **context).encode("utf-8")
    ensure_dir(out)
    for role in content:
        files[role] = out / names[role]
    atomic_write_files({files[role]: data for role, data in content.items()})
    report.sections = tuple(sections)
    return report


_FILE_LABELS = {"csv": "Schedule (CSV)", "ics": "Calendar (iCalendar)", "sarif": "Findings (SARIF)",
                "risk": "Schedule risk (JSON)"}


def _quality_and_trend(plan: Plan, sched: Schedule, status, as_of, actuals, sections: list[str]) -> dict[str, Any]:
    """The schedule-quality table (always, with the checks installed) and the trend charts (with two or
    more forecast snapshots); ``sections`` gets their names."""
    from .quality import quality_rows
    from .sources import stored_state

    baseline = stored_state(plan)[0]
    given = status is not None and (as_of is not None or actuals is not None or status.actuals_source is not None)
    day = status.as_of if given else None
    rows = quality_rows(plan, sched, status=status, status_date=day, baseline=baseline)
    note = ", ".join(filter(None, [f"status date {day.isoformat()}" if day else "no status date",
                                   "stored baseline" if baseline else "the current schedule as the baseline"]))
    if rows is not None:
        sections.append("quality")
    from ..trend import trend

    t = trend(plan)
    trend_ctx = None
    if len(t.snapshots) >= 2:
        from .trend import trend_context

        sections.append("trend")
        trend_ctx = trend_context(t, id_prefix="dash-")
    return {"quality": rows, "quality_note": note, "t": trend_ctx}


def _run_checks(plan: Plan, sched: Schedule, fail_on: str):
    try:
        from ..checks import run_checks
    except ImportError:       # a build without the checks: the dashboard leaves their section out
        return None
    return run_checks(plan, sched, fail_on=fail_on)


def _status_report(plan: Plan, actuals: str | None, as_of: _dt.date | None, selection=None):
    """``rollout status``'s report, or None in a build without tracking."""
    try:
        from .sources import status_report
    except ImportError:
        return None
    return status_report(plan, as_of=as_of, actuals_path=actuals, selection=selection)


def _risk_result(plan: Plan, iterations: int, seed: int, checks):
    """The Monte Carlo result for the report, or None when rollout.risk is not installed."""
    try:
        from ..risk import simulate
    except ImportError:
        return None
    findings = list(checks.findings) if checks is not None else None
    return simulate(plan, iterations=iterations, seed=seed, findings=findings)


def _headline(sched: Schedule, checks, status, day: _dt.date, selection) -> dict[str, Any]:
    """The headline's cards. With progress reported, the first row says where the programme stands:
    forecast finish and variance, RAG, progress, and the next milestone from the status date. The
    second row is the plan itself."""
    plan = sched.plan
    chosen = None if selection is None else set(selection.ids(plan.tasks))
    tasks = [st for st in sched.tasks.values() if chosen is None or st.id in chosen]
    milestones = [st for st in tasks if st.task.is_milestone]
    path = sched.critical_path
    path_days = sum(sched.tasks[t].task.duration for t in path)
    standing: list[dict[str, Any]] = []
    cards = [
        {"label": "Start", "value": sched.start_date.isoformat(), "detail": ""},
        {"label": "Planned finish" if status is not None and status.reported else "Finish",
         "value": sched.finish_date.isoformat(), "detail": f"{sched.finish} working days"},
        {"label": "Critical path", "value": f"{len(sched.critical_tasks)} tasks",
         "detail": f"zero float; {path_days} working days of work"},
        {"label": "Tasks", "value": f"{len(tasks)}",
         "detail": f"{_count(len(milestones), 'milestone')}, {_count(len(plan.cadences), 'cadence')}"},
    ]
    if status is not None and status.reported:
        d = status.to_dict()
        standing.append({"label": "Forecast finish", "value": d["forecast_finish"], "css": f"rag-border-{d['rag']}",
                         "detail": f"{d['variance_days']:+d} working days against the baseline "
                                   f"({d['baseline_finish']})"})
        standing.append({"label": "Status", "rag": d["rag"], "css": "",
                         "detail": f"{d['percent_complete']}% done, {d['planned_percent']}% planned, "
                                   f"as of {d['as_of']}"})
        nxt = status.next_milestone()
        if nxt is not None:
            late = f", {nxt['variance_days']:+d} working days" if nxt["variance_days"] else ", on plan"
            standing.append({"label": "Next milestone", "value": nxt["forecast"], "css": "",
                             "detail": f"{nxt['name']} (forecast{late})"})
    else:
        if status is not None:
            standing.append({"label": "Progress", "value": "no progress reported yet", "css": "",
                             "detail": f"as of {status.as_of.isoformat()}: nothing is marked late or red "
                                       "until progress is reported"})
        upcoming = sorted((st for st in milestones if st.finish_date >= day), key=lambda st: st.finish_date)
        if upcoming:
            cards.append({"label": "Next milestone", "value": upcoming[0].finish_date.isoformat(),
                          "detail": upcoming[0].task.name})
    return {"standing": standing, "cards": cards, "counts": checks.counts() if checks is not None else None,
            "chain": [sched.tasks[t].task.name for t in path[:12]], "chain_more": len(path) > 12}


def severity_count(n: int, severity: str) -> str:
    """'2 errors', '1 warning', '3 info' (info has no plural)."""
    return f"{n} {severity}" if severity == "info" else _count(n, severity)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _findings(checks, selection) -> list:
    """The findings to list: all, or with a selection those about its tasks (and those about no task)."""
    if selection is None:
        return list(checks.findings)
    chosen = set(selection.ids(checks.plan.tasks))
    return [f for f in checks.findings if not f.tasks or chosen.intersection(f.tasks)]
