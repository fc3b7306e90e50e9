"""The dashboard's schedule-quality table (always the 14 DCMA metrics) and its trend charts."""

from __future__ import annotations

import datetime as dt
import json
import re
from html import escape

from click.testing import CliRunner

from rollout.checks.quality import schedule_quality
from rollout.cli import cli
from rollout.expand import load_plan
from rollout.reports.dashboard import write_report
from rollout.schedule import schedule

from .plans import HOSTILE, small_plan
from .trendplans import recorded_plan

TODAY = dt.date(2027, 1, 25)


def _rows(page: str) -> dict[str, tuple[str, ...]]:
    section = page[page.index('<section id="quality">'):]
    section = section[:section.index("</section>")]
    rows = re.findall(r'<tr class="metric metric-(\w+)" data-code="(D\d{3})">(.*?)</tr>', section, re.S)
    return {code: (status, body) for status, code, body in rows}


def test_the_table_has_the_fourteen_metrics_and_shows_a_failing_one(tmp_path):
    plan = small_plan()
    report = write_report(plan, tmp_path, risk_iterations=0)           # no status date given
    assert "quality" in report.sections
    rows = _rows((tmp_path / "index.html").read_text())
    assert sorted(rows) == [f"D{i:03d}" for i in range(1, 15)]
    # 6 dependencies, one SS+2: lags 1/6 = 16.7 % > 5 % fails D003; FS 5/6 = 83.3 % < 90 % fails D004
    status, body = rows["D003"]
    assert status == "fail" and "16.7 %" in body and "≤ 5.0 %" in body and ">fail<" in body
    assert rows["D004"][0] == "fail" and "83.3 %" in rows["D004"][1]
    assert rows["D008"][0] == "pass"                                 # no task longer than 44 working days
    # no status date: the metrics that need one are skipped, with the reason
    assert rows["D009"][0] == "skipped" and "skipped: " in rows["D009"][1]
    expected = {m.code: m.status for m in schedule_quality(plan, schedule(plan))}
    assert {code: s for code, (s, _) in rows.items()} == expected


def test_a_long_task_fails_high_duration_in_the_table(tmp_path):
    import dataclasses

    plan = small_plan()
    long = tuple(dataclasses.replace(t, duration=60) if t.id == "customer.voc" else t for t in plan.tasks)
    write_report(dataclasses.replace(plan, tasks=long), tmp_path, today=TODAY, risk_iterations=0)
    rows = _rows((tmp_path / "index.html").read_text())
    # 1 of the 5 tasks with a duration (the milestone has none) is over 44 working days: 20 % > 5 %
    assert rows["D008"][0] == "fail" and "1 of 5" in rows["D008"][1] and "20.0 %" in rows["D008"][1]
    # with the status date fixed (today=), the metrics that need one are evaluated: nothing has started
    # by 2027-01-25, so work not started is forecast to start before the status date (D009 fails)
    assert rows["D009"][0] == "fail" and rows["D014"][0] != "skipped"


def test_trend_charts_appear_in_the_dashboard_from_two_snapshots(tmp_path):
    one = tmp_path / "one"
    one.mkdir()
    path = recorded_plan(one, weeks=1)
    report = write_report(load_plan(path), one / "out", today=TODAY, risk_iterations=0)
    assert "trend" not in report.sections
    assert 'id="dash-trend-mta"' not in (one / "out" / "index.html").read_text()
    path = recorded_plan(tmp_path, weeks=3)
    report = write_report(load_plan(path), tmp_path / "out", today=TODAY, risk_iterations=0)
    assert "trend" in report.sections
    page = (tmp_path / "out" / "index.html").read_text()
    assert 'id="dash-trend-mta"' in page and 'id="dash-trend-finish"' in page
    assert HOSTILE not in page                                            # escaped, never markup
    assert escape(HOSTILE) in page                                        # the milestone table
    assert "&amp;lt;img" not in page                                      # and never twice


def test_trend_page_figures(tmp_path):
    path = recorded_plan(tmp_path)
    out = CliRunner().invoke(cli, ["trend", str(path), "-o", str(tmp_path / "trend.html")])
    assert out.exit_code == 0, out.output
    from rollout.reports.trend import finish_figure, milestone_figure
    from rollout.trend import trend

    t = trend(load_plan(path))
    mta = milestone_figure(t)
    lines = [d for d in mta["data"] if d["meta"]["rollout"] == "milestone"]
    assert [d["meta"]["id"] for d in lines] == ["disc.gate", "design.signoff"]
    assert lines[1]["name"] == "&lt;img src=x onerror=alert(1)&gt;"      # plotly text: escaped once
    # the gate, done on 2027-01-21 (reported on the 25th), ends on the diagonal at its finish
    assert lines[0]["x"] == ["2027-01-07", "2027-01-14", "2027-01-21"]
    assert lines[0]["y"][-1] == "2027-01-21" and lines[0]["marker"]["symbol"][-1] == "diamond"
    assert lines[1]["x"] == ["2027-01-07", "2027-01-14", "2027-01-25"]      # not done: at each report date
    diagonal = next(d for d in mta["data"] if d["meta"]["rollout"] == "diagonal")
    assert diagonal["x"] == diagonal["y"]
    fin = {d["meta"]["rollout"]: d for d in finish_figure(t)["data"]}
    assert set(fin) == {"p50", "p80", "forecast", "baseline"} and fin["p50"]["fill"] == "tonexty"
    assert all(a <= b for a, b in zip(fin["p50"]["y"], fin["p80"]["y"]))
    data = json.loads(CliRunner().invoke(cli, ["trend", str(path), "--format", "json"]).output)
    assert [p["forecast"] for p in data["milestones"][1]["points"]] == lines[1]["y"]


def test_the_milestone_chart_keeps_the_lines_that_moved_most():
    from rollout.model import CalendarSpec, Plan, Task
    from rollout.reports.trend import MTA_MAX_LINES, milestone_figure
    from rollout.state import ForecastSnapshot, MilestoneForecast
    from rollout.trend import Trend

    n = MTA_MAX_LINES + 5
    plan = Plan("p", "P", dt.date(2027, 1, 4), CalendarSpec(),
                tuple(Task(f"w.m{i:02d}", f"M{i}", "w", 0, kind="milestone") for i in range(n)))
    day = dt.date(2027, 3, 1)

    def snap(as_of, slip):        # milestone i slips by i days between the two snapshots, times `slip`
        return ForecastSnapshot(dt.datetime(2027, 1, 1), as_of, "status", day,
                                tuple(MilestoneForecast(f"w.m{i:02d}", f"M{i}", day + dt.timedelta(days=i * slip))
                                      for i in range(n)))

    fig = milestone_figure(Trend(plan, (snap(dt.date(2027, 1, 4), 0), snap(dt.date(2027, 1, 11), 1))))
    ids = [d["meta"]["id"] for d in fig["data"] if d["meta"]["rollout"] == "milestone"]
    assert ids == [f"w.m{i:02d}" for i in range(5, n)]              # the 5 that moved least are left out
    assert f"({MTA_MAX_LINES} of {n} milestones: those that moved most)" in fig["layout"]["title"]["text"]
