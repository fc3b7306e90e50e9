"""`rollout status` and `rollout risk` through the command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from rollout.cli import cli

ROOT = Path(__file__).resolve().parents[2]

PLAN = """\
plan: pilot
title: Pilot <b>rollout</b>
start: 2027-01-04
workstreams:
  - id: disc
    name: Discovery
    tasks:
      - {id: interviews, name: Customer interviews, kind: data-collection, duration: 5d, owner: pmo,
         estimate: {optimistic: 4d, likely: 5d, pessimistic: 12d}}
      - {id: synthesis, name: Synthesis, kind: analysis, duration: 5d, owner: pmo, depends_on: [disc.interviews]}
      - {id: gate, name: Insight agreed, kind: milestone, duration: 0, depends_on: [disc.synthesis],
         deadline: 2027-01-20}
  - id: design
    name: Design
    tasks:
      - {id: maps, name: Process maps, kind: process-design, duration: 2w, owner: pmo,
         depends_on: [{task: disc.interviews, type: SS, lag: 2d}]}
      - {id: tool, name: Tool choice, kind: technology-selection, duration: 4d, owner: it,
         depends_on: [design.maps, disc.synthesis]}
risks:
  - {id: R1, title: Sponsor turnover, probability: 0.3, impact: 4, mitigation: disc.synthesis}
"""

HEADER = "task,status,actual_start,actual_finish,percent_complete\n"


@pytest.fixture
def plan_file(tmp_path):
    path = tmp_path / "pilot.yaml"
    path.write_text(PLAN)
    return path


def run(*args):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    return result


def test_risk_json_is_reproducible_and_has_the_spec_shape(plan_file):
    first = run("risk", plan_file, "--seed", 5, "--iterations", 3000, "--format", "json")
    assert first.exit_code == 0, first.output
    data = json.loads(first.output)
    assert set(data) >= {"plan", "iterations", "seed", "finish", "milestones", "tasks", "drivers", "risks"}
    assert data["iterations"] == 3000 and data["seed"] == 5
    assert set(data["finish"]) >= {"deterministic", "mean_days", "p50", "p80", "p95", "p50_days", "p80_days",
                                   "p95_days"}
    assert data["finish"]["p50_days"] <= data["finish"]["p80_days"] <= data["finish"]["p95_days"]
    gate = next(m for m in data["milestones"] if m["id"] == "disc.gate")
    assert gate["deadline"] == "2027-01-20" and 0 <= gate["p_meet"] <= 1
    assert data["risks"][0]["id"] == "R1" and data["risks"][0]["score"] == 1.2
    again = run("risk", plan_file, "--seed", 5, "--iterations", 3000, "--format", "json")
    assert again.output == first.output


def test_risk_text_and_html(plan_file, tmp_path):
    text = run("risk", plan_file, "--seed", 1, "--iterations", 500)
    assert text.exit_code == 0, text.output
    assert "P50" in text.output and "disc.gate" in text.output and "Sponsor turnover" in text.output
    out = tmp_path / "risk.html"
    page = run("risk", plan_file, "--seed", 1, "--iterations", 500, "-f", "html", "-o", out)
    assert page.exit_code == 0, page.output
    body = out.read_text()
    assert body.startswith("<!DOCTYPE html>") and "Pilot &lt;b&gt;rollout&lt;/b&gt;" in body
    assert "Pilot <b>rollout" not in body


def test_risk_rejects_bad_options(plan_file):
    assert run("risk", plan_file, "--iterations", 0).exit_code == 2
    assert run("risk", plan_file, "--seed", -1).exit_code == 2


def test_status_with_actuals_json(plan_file, tmp_path):
    csv = tmp_path / "progress.csv"
    csv.write_text(HEADER + "disc.interviews,done,2027-01-04,2027-01-08,\n"
                            "design.maps,in-progress,2027-01-06,,30\n")
    result = run("status", plan_file, "--actuals", csv, "--as-of", "2027-01-11", "-f", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["plan"] == "pilot" and data["as_of"] == "2027-01-11"
    assert set(data) >= {"percent_complete", "baseline_finish", "forecast_finish", "variance_days",
                         "workstreams", "late"}
    assert {w["id"] for w in data["workstreams"]} == {"disc", "design"}
    assert all(w["rag"] in ("green", "amber", "red") for w in data["workstreams"])
    assert data["percent_complete"] == round(100 * (5 + 3) / 24, 1)


def test_status_bad_csv_exits_2_with_file_and_line(plan_file, tmp_path):
    csv = tmp_path / "progress.csv"
    csv.write_text(HEADER + "disc.interviews,done,2027-01-04,2027-01-08,\n"
                            "disc.nope,done,,,\n")
    result = run("status", plan_file, "--actuals", csv, "--as-of", "2027-01-11")
    assert result.exit_code == 2
    assert f"{csv}:3: unknown task 'disc.nope'" in result.output
    assert "Traceback" not in result.output


def test_status_text_and_html(plan_file, tmp_path):
    text = run("status", plan_file, "--as-of", "2027-01-11")
    assert text.exit_code == 0, text.output
    assert "variance +5 working days" in text.output and "RED" in text.output
    out = tmp_path / "status.html"
    page = run("status", plan_file, "--as-of", "2027-01-11", "-f", "html", "-o", out)
    assert page.exit_code == 0, page.output
    assert "Burn-up" in out.read_text() and "<b>rollout" not in out.read_text()


def test_status_bad_date_is_a_usage_error(plan_file):
    result = run("status", plan_file, "--as-of", "11/01/2027")
    assert result.exit_code == 2 and "YYYY-MM-DD" in result.output


def test_commands_have_help_with_an_example():
    for name in ("status", "risk"):
        result = run(name, "--help")
        assert result.exit_code == 0 and "Example:" in result.output


def test_risk_as_a_subprocess(plan_file):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-m", "rollout", "risk", str(plan_file), "--seed", "2",
                           "--iterations", "1000", "--format", "json"],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["seed"] == 2
    assert proc.stderr == ""        # no progress bar when not on a terminal
