"""Levelled Gantt (ghost bars where levelling moved a task), the per-resource load chart and the change-load
heatmap (`rollout load`), through the real CLI and the real figures."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from click.testing import CliRunner

from rollout.capacity import change_load, level_schedule
from rollout.cli import cli
from rollout.expand import load_plan
from rollout.reports.gantt import gantt_spec
from rollout.schedule import schedule

DAY_MS = 86_400_000

# it has 3 units: a and b (2 each) cannot run together, so levelling holds b until a is done (3 days).
PLAN = """\
plan: lv
title: Levelled
start: 2027-01-04
{extra}
people:
  - {{id: dana, name: Dana <Sponsor>, roles: [sponsor]}}
resources:
  - {{id: it, name: IT & Ops, units: 3}}
audiences:
  - {{id: staff, name: Front line, headcount: 300, tolerance: 4}}
workstreams:
  - id: w
    name: Work
    tasks:
      - {{id: a, name: Alpha, duration: 3d, resources: {{it: 2}}, audience: [staff], impact: 3}}
      - {{id: b, name: Beta, duration: 2d, resources: {{it: 2}}, audience: [staff], impact: 2}}
      - {{id: c, name: Gamma, duration: 1d, depends_on: [a], resources: {{dana: 0.5}}}}
"""


@pytest.fixture
def plan_file(tmp_path):
    def make(extra: str = "") -> str:
        path = tmp_path / "lv.yaml"
        path.write_text(PLAN.format(extra=extra))
        return str(path)
    return make


def figures(html: str) -> dict[str, dict]:
    """Every plotly figure of a page by div id, decoded from its Plotly.newPlot call."""
    out, dec = {}, json.JSONDecoder()
    for m in re.finditer(r'Plotly\.newPlot\("([^"]+)",', html):
        data, end = dec.raw_decode(html, m.end())
        layout, _ = dec.raw_decode(html, end + 1)
        out[m.group(1)] = {"data": data, "layout": layout}
    return out


def kind(spec, name):
    return [t for t in spec["data"] if t["meta"]["rollout"] == name]


def run(*args):
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


# ------------------------------------------------------------------------------------------ levelled Gantt

def test_levelled_gantt_draws_a_ghost_where_levelling_moved_a_task(plan_file, tmp_path):
    out = tmp_path / "g.html"
    run("gantt", plan_file(), "-o", str(out), "--level")
    spec = figures(out.read_text())["gantt"]
    plan = load_plan(plan_file())
    lv, un = level_schedule(plan), schedule(plan)
    moved = [tid for tid in lv.tasks if lv.tasks[tid].start != un.tasks[tid].start]
    assert moved == ["w.b"]
    (ghost,) = kind(spec, "unlevelled")
    b = un.tasks["w.b"]
    x0 = (b.start_date.toordinal() - 719163) * DAY_MS
    x1 = (b.finish_date.toordinal() - 719163 + 1) * DAY_MS
    assert list(zip(ghost["base"], [g + w for g, w in zip(ghost["base"], ghost["x"])])) == [(x0, x1)]
    # the real bar is at the levelled dates, three working days later
    (tasks,) = kind(spec, "tasks")
    assert (lv.tasks["w.b"].start_date.toordinal() - 719163) * DAY_MS in tasks["base"]
    (labels,) = kind(spec, "labels")
    hover = dict(zip(labels["text"], labels["hovertext"]))
    assert "Levelling delay 3 d, held by IT &amp; Ops" in hover["Beta"]
    assert "Unlevelled: 2027-01-04" in hover["Beta"]
    assert "Levelling delay" not in hover["Alpha"]


def test_unlevelled_gantt_has_no_ghost_and_the_plan_can_ask_for_levelling(plan_file, tmp_path):
    out = tmp_path / "g.html"
    run("gantt", plan_file(), "-o", str(out))
    assert kind(figures(out.read_text())["gantt"], "unlevelled") == []
    run("gantt", plan_file("scheduling: {level: true}"), "-o", str(out))
    assert len(kind(figures(out.read_text())["gantt"], "unlevelled")) == 1
    run("gantt", plan_file("scheduling: {level: true}"), "-o", str(out), "--no-level")
    assert kind(figures(out.read_text())["gantt"], "unlevelled") == []


def test_ghost_only_with_an_unlevelled_schedule_for_a_levelled_one(plan_file):
    plan = load_plan(plan_file())
    un = schedule(plan)
    assert kind(gantt_spec(un, unlevelled=un), "unlevelled") == []
    assert kind(gantt_spec(level_schedule(plan)), "unlevelled") == []


# ------------------------------------------------------------------------------------------ resource load

def test_resource_load_per_week_against_capacity(plan_file):
    from rollout.reports.load import resource_load

    plan = load_plan(plan_file())
    un = resource_load(plan, schedule(plan))
    c = un.cell("it", "2027-W01")
    # a (2 units, Mon-Wed) and b (2 units, Mon-Tue) both start Monday: 4 of 3 units on two days
    assert (c.used, c.available, c.peak, c.peak_available, c.over_days) == (10.0, 15.0, 4.0, 3.0, 2)
    assert c.tasks == ("w.a", "w.b") and c.over
    assert [r[0] for r in un.resources] == ["it", "dana"]
    lv = resource_load(plan, level_schedule(plan))
    c = lv.cell("it", "2027-W01")
    assert (c.used, c.peak, c.over_days) == (10.0, 2.0, 0) and lv.over() == []
    assert lv.cell("dana", "2027-W01").used == 0.5


def test_gantt_page_has_the_load_chart_levelled_and_unlevelled(plan_file, tmp_path):
    out = tmp_path / "g.html"
    run("gantt", plan_file(), "-o", str(out), "--level")
    figs = figures(out.read_text())
    spec = figs["load-resources"]
    assert spec["layout"]["meta"]["views"] == ["levelled", "unlevelled"]
    used = {(t["meta"]["view"], t["meta"]["resource"]): t for t in kind(spec, "resource-used")}
    red = "#d62728"
    assert red not in used[("levelled", "it")]["marker"]["color"]
    assert used[("unlevelled", "it")]["marker"]["color"][0] == red
    assert used[("levelled", "it")]["visible"] is True and used[("unlevelled", "it")]["visible"] is False
    (menu,) = spec["layout"]["updatemenus"]
    assert [b["label"] for b in menu["buttons"]] == ["levelled schedule", "unlevelled schedule"]
    hover = used[("unlevelled", "it")]["hovertext"][0]
    assert "Used 10 of 15 unit-days" in hover and "Over on 2 days" in hover and "Alpha, Beta" in hover
    cap = {t["meta"]["view"]: t for t in kind(spec, "resource-capacity") if t["meta"]["resource"] == "it"}
    assert cap["levelled"]["y"][:2] == [15.0, 15.0]
    # the person's name is escaped once on the chart
    assert any("Dana &lt;Sponsor&gt;" in a["text"] for a in spec["layout"]["annotations"])
    text = out.read_text()
    assert "Unlevelled schedule:</b> IT &amp; Ops over in 1 week" in text
    # a plan with no resources in use: the Gantt page has no load section
    plain = tmp_path / "plain.yaml"
    plain.write_text(PLAN.format(extra="").replace("resources: {it: 2}, ", "").replace(
        ", resources: {dana: 0.5}", ""))
    run("gantt", str(plain), "-o", str(out))
    assert "load-resources" not in figures(out.read_text()) and "resource-load" not in out.read_text()


# ------------------------------------------------------------------------------------------ rollout load

def test_load_page_heatmap_marks_the_weeks_over_tolerance(plan_file, tmp_path):
    out = tmp_path / "load.html"
    assert "wrote" in run("load", plan_file(), "-o", str(out)).output
    figs = figures(out.read_text())
    heat = figs["load-audiences"]
    (trace,) = heat["data"]
    plan = load_plan(plan_file())
    cl = change_load(plan, schedule(plan))
    assert [f"{c.audience} {c.week}" for c in cl.over()] == heat["layout"]["meta"]["over"] == ["staff 2027-W01"]
    col = cl.weeks.index("2027-W01")
    assert trace["text"][0][col] == "5" and trace["z"][0][col] == 1.25      # 5 points of 4 tolerated
    assert all(z <= 1 for k, z in enumerate(trace["z"][0]) if k != col)
    (box,) = heat["layout"]["shapes"]
    assert box["meta"] == {"audience": "staff", "week": "2027-W01"}
    hover = trace["hovertext"][0][col]
    assert "Over tolerance by 1" in hover
    assert hover.index("3 · Alpha") < hover.index("2 · Beta")               # largest contributor first
    assert "tolerance 4 a week" in heat["layout"]["yaxis"]["ticktext"][0]
    assert "load-resources" in figs
    page = out.read_text()
    assert "tolerates 4 points a week" in page and "Front line 2027-W01 (5 of 4)" in page


def test_load_json_and_csv(plan_file, tmp_path):
    plan = load_plan(plan_file())
    data = json.loads(run("load", plan_file(), "--format", "json").output)
    expected = change_load(plan, schedule(plan)).to_dict()
    assert {k: data[k] for k in expected} == json.loads(json.dumps(expected))
    assert data["levelled"] is False
    (it,) = [r for r in data["resources"] if r["id"] == "it"]
    assert it["weeks"][0] == {"week": "2027-W01", "monday": "2027-01-04", "used": 10.0, "available": 15.0,
                              "peak": 4.0, "peak_available": 3.0, "over_days": 2, "over": True,
                              "tasks": ["w.a", "w.b"]}
    out = tmp_path / "load.csv"
    run("load", plan_file(), "-o", str(out), "--level")
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    staff = [r for r in rows if r["kind"] == "audience" and r["week"] == "2027-W01"]
    assert staff == [{"kind": "audience", "id": "staff", "name": "Front line", "week": "2027-W01",
                      "monday": "2027-01-04", "load": "5", "limit": "4", "over": "yes", "contributors": "w.a w.b"}]
    it_row = [r for r in rows if r["kind"] == "resource" and r["id"] == "it"][0]
    assert (it_row["load"], it_row["limit"], it_row["over"]) == ("10", "15", "")      # levelled: not over


def test_load_csv_neutralises_formulas(plan_file, tmp_path):
    path = tmp_path / "f.yaml"
    path.write_text(PLAN.format(extra="").replace("name: Front line", "name: '=HYPERLINK(1)'"))
    text = run("load", str(path), "--format", "csv").output
    assert "'=HYPERLINK(1)" in text and ",=HYPERLINK" not in text


def test_load_html_needs_an_output_file_and_something_to_chart(plan_file, tmp_path):
    result = CliRunner().invoke(cli, ["load", plan_file()])
    assert result.exit_code == 2 and "needs -o FILE" in result.output
    empty = tmp_path / "e.yaml"
    empty.write_text("plan: e\ntitle: E\nstart: 2027-01-04\nworkstreams:\n  - id: w\n    name: W\n"
                     "    tasks:\n      - {id: a, name: A, duration: 2d}\n")
    result = CliRunner().invoke(cli, ["load", str(empty), "-o", str(tmp_path / "x.html")])
    assert result.exit_code == 2 and "nothing to chart" in result.output and "Traceback" not in result.output


# ------------------------------------------------------------------------------------------ dashboard

def test_dashboard_has_the_load_section_and_levelled_gantt(plan_file, tmp_path):
    from rollout.reports.dashboard import write_report

    report = write_report(plan_file(), tmp_path / "lv", risk_iterations=0, level=True)
    assert "load" in report.sections and report.schedule.levelled
    page = (tmp_path / "lv" / "index.html").read_text()
    figs = figures(page)
    assert {"gantt", "load-resources", "load-audiences"} <= set(figs)
    assert len(kind(figs["gantt"], "unlevelled")) == 1
    assert "resource-levelled" in page
    # the headline says what levelling costs: b waits for a, so the finish is a day later
    assert re.search(r'<div class="label">Levelling</div><div class="value">\+1 working day</div>', page)
    run("report", plan_file(), "-o", str(tmp_path / "un"), "--risk-iterations", "0")
    figs = figures((tmp_path / "un" / "index.html").read_text())
    assert ">Levelling<" not in (tmp_path / "un" / "index.html").read_text()
    assert kind(figs["gantt"], "unlevelled") == [] and figs["load-resources"]["layout"]["meta"]["views"] == [
        "unlevelled"]


def test_dashboard_without_people_pools_or_audiences_has_no_load_section(tmp_path):
    from rollout.reports.dashboard import write_report

    from .plans import small_plan

    report = write_report(small_plan(), tmp_path, risk_iterations=0)
    assert "load" not in report.sections
    assert "change-load" not in (tmp_path / "index.html").read_text()
