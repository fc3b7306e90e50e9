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
