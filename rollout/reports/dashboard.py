"""The steering-committee dashboard: one self-contained index.html plus the files behind it.

``write_report`` reads one :class:`rollout.Analysis` and writes ``index.html`` (headline, Gantt,
findings, status and risk sections), ``schedule.csv``,
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

from ..schedule import Schedule
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
    checks: Any = None                                       # rollout.checks.CheckResult
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


def write_report(source, out_dir: str | os.PathLike, *, today: _dt.date | None = None,
                 collapse: bool | None = None, calendar_tasks: bool = False, fail_on: str = "error",
                 actuals: str | None = None, risk_iterations: int = 2000, seed: int = 1,
                 selection=None, level: bool | None = None) -> Report:
    """Write the dashboard of an :class:`rollout.Analysis` (or a Plan, or the path of a plan file) into
    ``out_dir``.

    Every section reads the one analysis: the schedule, the findings, the status and the risk are each
    computed once, and the risk section simulates the remaining work when the status reports progress.
    Given a plan, the analysis is made from the options: ``today`` (also the status date when given),
    ``actuals`` (a progress CSV for the status section and the Gantt's progress shading), ``fail_on``,
    ``risk_iterations`` (0 leaves the risk section out), ``seed`` and ``selection`` (a
    :class:`rollout.selection.Selection`: the headline, Gantt, findings and status are narrowed to its
    tasks; the risk section stays the whole plan's). ``level`` (None: the plan's ``scheduling: {level: ...}``)
    shows the resource-levelled schedule, with the unlevelled positions as ghosts in the Gantt (the analysis's
    schedule is the unlevelled one). When tasks use people or pools, or the plan has audiences, a load section
    charts them (:mod:`rollout.reports.load`).
    """
    from ..analysis import Analysis

    run = source if isinstance(source, Analysis) else Analysis(
        source, as_of=today, actuals=actuals, fail_on=fail_on, iterations=risk_iterations, seed=seed,
        selection=selection)
    plan, selection = run.plan, run.selection
    as_of = run.as_of                  # the status date only when the caller fixed one
    today = today or as_of or _dt.date.today()
    out = Path(out_dir)
    levelled = level if level is not None else run.is_levelled
    sched, unlevelled = (run.levelled, run.schedule) if levelled else (run.schedule, None)
    report = Report(out, sched)
    if selection is not None:
        selection.ids(plan.tasks)      # nothing matches: say so before any work

    checks = run.checks
    report.checks = checks

    from .gantt import gantt_html, select, state_overlay
    from .html import plotly_js_tag, render
    from .ical import calendar_bytes
    from .risk import risk_context
    from .status import status_context

    status = run.status
    overlay = state_overlay(run)
    sections = ["headline", "gantt", "findings", "status"]
    context: dict[str, Any] = {
        "title": f"{plan.title} — rollout dashboard", "heading": plan.title, "plan_id": plan.id,
        "today": today.isoformat(), "plotly_js": plotly_js_tag(), "severity_count": severity_count,
        "selection": None if selection is None else f"only {selection.label}",
        "gantt": gantt_html(select(sched, selection), full_html=False, div_id="gantt", today=today,
                            collapse=collapse, overlay=overlay, title="", unlevelled=unlevelled),
        "findings": _findings(checks, selection), "task_names": {t.id: t.name for t in plan.tasks},
        "s": status_context(status), "r": None, "levelled": sched.levelled,
    }
    context.update(_headline(sched, checks, status, as_of or today, selection))
    from .load import load_section

    context["l"] = load_section(plan, select(sched, selection),
                                None if unlevelled is None else select(unlevelled, selection))
    if context["l"] is not None:
        sections.insert(2, "load")
    context.update(_quality_and_trend(run, sections))
    risk = run.risk if run.iterations > 0 else None
    if risk is not None:
        sections.append("risk")
        context["r"] = risk_context(risk)

    files = report.files
    content: dict[str, bytes] = {"csv": schedule_csv(sched).encode("utf-8"),
                                 "ics": calendar_bytes(sched, tasks=calendar_tasks),
                                 "sarif": checks.render("sarif").encode("utf-8")}
    names = {"csv": "schedule.csv", "ics": "plan.ics", "sarif": "findings.sarif", "risk": "risk.json",
             "index": "index.html"}
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


def _quality_and_trend(run, sections: list[str]) -> dict[str, Any]:
    """The schedule-quality table (always) and the trend charts (with two or more forecast snapshots) of
    one analysis; ``sections`` gets their names."""
    from .quality import quality_rows

    plan, sched, status = run.plan, run.schedule, run.status
    baseline = run.stored.baseline
    given = run.as_of is not None or run.actuals_path is not None or status.actuals_source is not None
    day = status.as_of if given else None
    rows = quality_rows(plan, sched, status=status, status_date=day, baseline=baseline)
    note = ", ".join(filter(None, [f"status date {day.isoformat()}" if day else "no status date",
                                   "stored baseline" if baseline else "the current schedule as the baseline"]))
    if rows is not None:         # shown between the findings and the status
        sections.insert(sections.index("status") if "status" in sections else len(sections), "quality")
    t = run.trend
    trend_ctx = None
    if len(t.snapshots) >= 2:
        from .trend import trend_context

        sections.append("trend")
        trend_ctx = trend_context(t, id_prefix="dash-")
    return {"quality": rows, "quality_note": note, "t": trend_ctx}


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
    lv = sched.levelling if sched.levelled else None
    if lv is not None and getattr(lv, "unlevelled_finish", None) is not None:
        late = sched.finish - lv.unlevelled_finish
        cards.insert(2, {"label": "Levelling", "value": f"{late:+d} working day{'s' if abs(late) != 1 else ''}" if late else "no delay",
                         "detail": "no one booked beyond what they have; unlevelled finish "
                                   f"{sched.calendar.date(max(lv.unlevelled_finish - 1, 0)).isoformat()}"})
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
