"""The dashboard: index.html and the files beside it, from a Plan or a plan file."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re

import icalendar
import pytest

from rollout.reports.dashboard import schedule_csv, write_report
from rollout.util import csv_safe
from rollout.schedule import schedule

from .plans import HOSTILE, plan_yaml, small_plan


def esc(text: str) -> str:
    """HTML-escaped once, as the report templates (Jinja2 autoescape) escape it."""
    from markupsafe import escape

    return str(escape(text))

TODAY = dt.date(2027, 1, 25)


def test_writes_every_file(tmp_path, hostile_plan):
    report = write_report(hostile_plan, tmp_path / "out", today=TODAY, risk_iterations=200)
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == ["findings.sarif", "index.html", "plan.ics", "risk.json", "schedule.csv"]
    assert {k: p.name for k, p in report.files.items()} == {
        "csv": "schedule.csv", "ics": "plan.ics", "sarif": "findings.sarif", "risk": "risk.json",
        "index": "index.html"}
    risk = json.loads((tmp_path / "out" / "risk.json").read_text())
    assert risk["iterations"] == 200 and set(risk["finish"]) >= {"p50", "p80", "p95", "p_meet_plan"}
    assert report.sections == ("headline", "gantt", "findings", "quality", "status", "risk")


def test_index_is_self_contained_with_plotly_once(tmp_path, plan):
    write_report(plan, tmp_path, today=TODAY, risk_iterations=200)
    page = (tmp_path / "index.html").read_text()
    assert page.count("* plotly.js v") == 1
    assert not re.search(r"<script[^>]+src=", page)
    assert not re.search(r"<link[^>]+href=\"?https?:", page)
    assert 'id="gantt"' in page and 'id="findings"' in page and 'id="status"' in page and 'id="risk"' in page


def test_headline_figures(tmp_path, plan):
    report = write_report(plan, tmp_path, today=TODAY, risk_iterations=0)
    page = (tmp_path / "index.html").read_text()
    headline = page[page.index('<section id="headline">'):page.index("</section>")]
    assert "2027-01-11" in headline and "2027-02-09" in headline and "22 working days" in headline
    assert "5 tasks" in headline                                            # critical path length
    counts = report.counts()
    for severity, n in counts.items():
        noun = severity if n == 1 or severity == "info" else severity + "s"
        assert f'<span class="sev-{severity}">{n} {noun}</span>' in headline
    assert "Next milestone" in headline and "Go-live decision" in headline
    assert "1 milestone, 2 cadences" in headline
    assert report.sections == ("headline", "gantt", "findings", "quality", "status")   # 0 iterations: no risk


def test_findings_table_lists_every_finding(tmp_path, plan):
    report = write_report(plan, tmp_path, today=TODAY, risk_iterations=0)
    page = (tmp_path / "index.html").read_text()
    assert report.checks.findings                                # the small plan has warnings
    assert page.count('<tr class="finding') == len(report.checks.findings)
    for f in report.checks.findings:
        assert esc(f.message) in page


def test_plan_text_is_escaped(tmp_path, hostile_plan):
    write_report(hostile_plan, tmp_path, today=TODAY, risk_iterations=200)
    page = (tmp_path / "index.html").read_text()
    assert HOSTILE not in page
    assert "<b>alignment</b>" not in page                         # the plan title holds markup
    assert esc(HOSTILE) in page


def test_schedule_csv_is_formula_safe(tmp_path, plan):
    write_report(plan, tmp_path, today=TODAY, risk_iterations=0)
    rows = list(csv.DictReader((tmp_path / "schedule.csv").open()))
    assert [r["id"] for r in rows] == [t.id for t in plan.tasks]
    pilot = next(r for r in rows if r["id"] == "exec.pilot")
    assert pilot["owner"] == "'=HYPERLINK(\"x\")"
    assert pilot["start"] == "2027-02-04" and pilot["critical"] == "true"
    assert next(r for r in rows if r["id"] == "exec.comms")["total_float"] == "13"


def test_csv_safe():
    assert [csv_safe(v) for v in ("+1 call", "@me", "-x", "-3", "\tx", 2.5, None, False)] == [
        "'+1 call", "'@me", "'-x", "-3", "'\tx", "2.5", "", "false"]
    assert schedule_csv(schedule(small_plan())).splitlines()[0].startswith("id,name,workstream")


def test_calendar_and_sarif(tmp_path, plan):
    report = write_report(plan, tmp_path, today=TODAY, risk_iterations=0, calendar_tasks=True)
    cal = icalendar.Calendar.from_ical((tmp_path / "plan.ics").read_bytes())
    assert len(cal.walk("VEVENT")) == len(plan.tasks) + len(plan.cadences)
    sarif = json.loads((tmp_path / "findings.sarif").read_text())
    assert sarif["version"] == "2.1.0"
    assert len(sarif["runs"][0]["results"]) == len(report.checks.findings)


def test_from_a_plan_file(tmp_path):
    path = tmp_path / "acme.yaml"
    path.write_text(plan_yaml())
    report = write_report(str(path), tmp_path / "out", today=TODAY, risk_iterations=0)
    assert report.schedule.finish_date == dt.date(2027, 2, 9)
    assert esc(HOSTILE) in (tmp_path / "out" / "index.html").read_text()


def test_fail_on(tmp_path, plan):
    assert write_report(plan, tmp_path, today=TODAY, risk_iterations=0, fail_on="warning").failed
    assert not write_report(plan, tmp_path, today=TODAY, risk_iterations=0, fail_on="error").failed


def test_an_import_error_in_the_checks_fails_the_report_loudly(tmp_path, plan, monkeypatch):
    """A broken rollout.checks must not drop the findings section and let `--fail-on error` pass."""
    import sys

    from click.testing import CliRunner

    from rollout.cli import cli

    path = tmp_path / "acme.yaml"
    path.write_text(plan_yaml("Pilot"))
    monkeypatch.setitem(sys.modules, "rollout.checks", None)      # import fails as for a broken module
    with pytest.raises(ImportError):
        write_report(plan, tmp_path / "lib", today=TODAY)
    result = CliRunner().invoke(cli, ["report", str(path), "-o", str(tmp_path / "cli"), "--fail-on", "error"])
    assert result.exit_code != 0 and isinstance(result.exception, ImportError)
    assert not (tmp_path / "cli" / "index.html").exists()
    monkeypatch.setitem(sys.modules, "rollout.risk", None)
    monkeypatch.delitem(sys.modules, "rollout.checks")
    with pytest.raises(ImportError):                              # and so does a broken rollout.risk
        write_report(plan, tmp_path / "lib", today=TODAY)


def test_actuals_shade_the_gantt_and_feed_the_status(tmp_path):
    path = tmp_path / "acme.yaml"
    path.write_text(plan_yaml("Pilot"))
    actuals = tmp_path / "progress.csv"
    actuals.write_text("task,status,actual_start,actual_finish,percent_complete\n"
                       "exec.charter,done,2027-01-11,2027-01-15,\n"
                       "customer.voc,in-progress,2027-01-18,,30\n")
    report = write_report(str(path), tmp_path / "out", today=TODAY, risk_iterations=0, actuals=str(actuals))
    page = (tmp_path / "out" / "index.html").read_text()
    assert '"name":"Progress"' in page
    assert "Progress: 30%" in page and "Progress: 100%" in page        # in the hover of the two tasks
    assert "status" in report.sections


def _headline(page: str) -> str:
    return page[page.index('<section id="headline">'):page.index("</section>")]


def test_headline_leads_with_where_the_programme_stands(tmp_path):
    from rollout.model import CalendarSpec, Dependency, Plan, Task

    tasks = (Task("w.a", "Discovery", "w", 5), Task("w.m1", "Design gate", "w", 0, depends_on=(Dependency("w.a"),)),
             Task("w.b", "Build", "w", 5, depends_on=(Dependency("w.m1"),)),
             Task("w.m2", "Go-live", "w", 0, depends_on=(Dependency("w.b"),)))
    plan = Plan("p", "P", dt.date(2027, 1, 4), CalendarSpec(), tasks)
    actuals = tmp_path / "progress.csv"
    # discovery took two days longer; the design gate was passed on its last day
    actuals.write_text("task,status,actual_start,actual_finish,percent_complete\n"
                       "w.a,done,2027-01-04,2027-01-12,\nw.m1,done,,2027-01-12,\n")
    write_report(plan, tmp_path / "out", today=dt.date(2027, 1, 13), risk_iterations=0, actuals=str(actuals))
    headline = _headline((tmp_path / "out" / "index.html").read_text())
    standing = headline[:headline.index('<div class="cards">')]
    assert "Forecast finish" in standing and "2027-01-19" in standing          # planned 2027-01-15
    assert "+2 working days against the baseline (2027-01-15)" in standing
    assert 'class="rag rag-amber"' in standing
    # the next milestone from the status date, at its forecast date: not the gate already passed
    assert "Next milestone" in standing and "Go-live" in standing and "Design gate" not in standing
    assert "2027-01-19" in standing[standing.index("Next milestone"):]
    assert headline.index("Forecast finish") < headline.index("Planned finish")


def test_today_without_progress_says_so_and_paints_nothing_red(tmp_path, plan):
    write_report(plan, tmp_path, today=dt.date(2027, 3, 1), risk_iterations=0)     # after the plan's end
    page = (tmp_path / "index.html").read_text()
    assert "no progress reported yet" in _headline(page)
    status = page[page.index('<div id="status">'):]
    status = status[:status.index('<section id="files">')]
    assert "no progress reported yet" in status
    assert "rag-red" not in status and "rag-amber" not in status and "#c62828" not in status
