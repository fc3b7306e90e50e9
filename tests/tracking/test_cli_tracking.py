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
    nothing_started = tmp_path / "progress.csv"
    nothing_started.write_text(HEADER + "disc.interviews,todo,,,\n")
    text = run("status", plan_file, "--as-of", "2027-01-11", "--actuals", nothing_started)
    assert text.exit_code == 0, text.output
    assert "variance +5 working days" in text.output and "RED" in text.output
    out = tmp_path / "status.html"
    page = run("status", plan_file, "--as-of", "2027-01-11", "--actuals", nothing_started, "-f", "html", "-o", out)
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


def test_status_reads_baseline_and_snapshots_from_the_state_store(plan_file):
    import datetime as dt

    from rollout.expand import load_plan
    from rollout.schedule import schedule
    from rollout.state import StateStore, TaskProgress

    plan = load_plan(plan_file)
    with StateStore(plan.path, plan.id) as store:
        store.save_baseline(schedule(plan))
        store.save_snapshot([TaskProgress("disc.interviews", status_category="indeterminate",
                                          actual_start=dt.date(2027, 1, 4))],
                            taken_at=dt.datetime(2027, 1, 8, 17, tzinfo=dt.timezone.utc), as_of=dt.date(2027, 1, 8))
        store.save_snapshot([TaskProgress("disc.interviews", status_category="done",
                                          actual_start=dt.date(2027, 1, 4), actual_finish=dt.date(2027, 1, 8)),
                             TaskProgress("design.maps", status_category="indeterminate",
                                          actual_start=dt.date(2027, 1, 6))],
                            taken_at=dt.datetime(2027, 1, 11, 9, tzinfo=dt.timezone.utc), as_of=dt.date(2027, 1, 11))
    # the plan then grows: synthesis takes a week longer than when the baseline was stored
    plan_file.write_text(PLAN.replace("kind: analysis, duration: 5d", "kind: analysis, duration: 10d"))
    result = run("status", plan_file, "-f", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["as_of"] == "2027-01-11"                     # the latest snapshot's date
    assert data["baseline"] == "stored baseline"
    assert data["actuals"].startswith("pull snapshot of 2027-01-11")
    # against the stored baseline (tool 12..16) the forecast slips three days: synthesis now runs
    # 5..15 and the tool 15..19; against the current schedule there would be no variance at all
    assert data["variance_days"] == 3
    assert data["baseline_finish"] == "2027-01-25" and data["forecast_finish"] == "2027-01-28"
    assert [p["date"] for p in data["burnup"]] == ["2027-01-08", "2027-01-11"]
    # design.maps: 10 days, started day 2, no percent from Jira: 3 of 10 days elapsed by day 5
    maps = next(t for t in data["tasks"] if t["id"] == "design.maps")
    assert maps["status"] == "in-progress" and maps["percent_complete"] == 30.0
    # an earlier as-of date picks the earlier snapshot
    early = json.loads(run("status", plan_file, "-f", "json", "--as-of", "2027-01-08").output)
    assert early["actuals"].startswith("pull snapshot of 2027-01-08")
    assert [p["date"] for p in early["burnup"]] == ["2027-01-08"]


def test_check_findings_are_folded_into_the_register(plan_file):
    checked = run("check", plan_file, "--format", "json")
    findings = json.loads(checked.output)["findings"]
    assert findings, "the pilot plan is expected to draw some findings"
    data = json.loads(run("risk", plan_file, "--seed", 1, "--iterations", 200, "-f", "json").output)
    folded = [r for r in data["risks"] if r["source"] == "check"]
    risks = [f for f in findings if f["code"] not in ("S003", "S005")]   # bookkeeping stays in `check`
    assert any(f["code"] == "S005" for f in findings)
    assert [r["title"] for r in folded] == [f["message"] for f in risks]
    assert [r["id"].split("#")[0] for r in folded] == [f["code"] for f in risks]
    assert data["risks"][0]["source"] == "plan"          # the plan's own register comes first


def test_progress_bar_only_for_large_runs_on_a_terminal(monkeypatch):
    import io

    import rollout.cli.tracking as tracking_cli

    class Tty(io.StringIO):
        def isatty(self):
            return True

    with tracking_cli._progress(20_000, 1_000) as update:
        assert update is None                           # pytest's output is not a terminal
    monkeypatch.setattr(tracking_cli, "is_terminal", lambda: True)
    err = Tty()
    monkeypatch.setattr(sys, "stderr", err)
    with tracking_cli._progress(100, 10) as update:
        assert update is None                           # too small to bother
    with tracking_cli._progress(20_000, 1_000) as update:
        update(10_000, 20_000)
        update(20_000, 20_000)
    assert "simulating" in err.getvalue() and "100%" in err.getvalue()


def test_risk_of_the_remaining_work_matches_the_status_forecast(plan_file, tmp_path):
    csv = tmp_path / "progress.csv"
    csv.write_text(HEADER + "disc.interviews,done,2027-01-04,2027-01-12,\n"
                            "design.maps,in-progress,2027-01-06,,30\n")
    args = ("--actuals", csv, "--as-of", "2027-01-14", "-f", "json")
    status_data = json.loads(run("status", plan_file, *args).output)
    result = run("risk", plan_file, *args, "--seed", 3, "--iterations", 500)
    assert result.exit_code == 0, result.output
    risk_data = json.loads(result.output)
    assert risk_data["as_of"] == "2027-01-14" and risk_data["actuals"] == str(csv)
    assert risk_data["finish"]["deterministic"] == status_data["forecast_finish"]
    assert "disc.interviews" not in {d["id"] for d in risk_data["drivers"]}
    text = run("risk", plan_file, "--actuals", csv, "--as-of", "2027-01-14", "--iterations", 100)
    assert "Remaining work as of 2027-01-14" in text.output


def test_csv_outputs_list_every_task_with_formulas_neutralised(plan_file, tmp_path):
    import csv as csvlib
    import io

    plan_file.write_text(PLAN.replace("name: Synthesis", "name: \"=HYPERLINK(\\\"http://x\\\")\""))
    nothing_started = tmp_path / "progress.csv"
    nothing_started.write_text(HEADER + "disc.interviews,todo,,,\n")
    status_csv = run("status", plan_file, "--as-of", "2027-01-11", "--actuals", nothing_started, "-f", "csv")
    assert status_csv.exit_code == 0, status_csv.output
    rows = list(csvlib.DictReader(io.StringIO(status_csv.output)))
    assert [r["id"] for r in rows] == ["disc.interviews", "disc.synthesis", "disc.gate", "design.maps", "design.tool"]
    assert rows[1]["name"].startswith("'=")
    assert rows[0]["variance_days"] == "5" and rows[0]["status"] == "todo"
    risk_csv = run("risk", plan_file, "--seed", 1, "--iterations", 300, "-f", "csv")
    rows = list(csvlib.DictReader(io.StringIO(risk_csv.output)))
    assert len(rows) == 5 and rows[1]["name"].startswith("'=")
    assert all(0 <= float(r["criticality"]) <= 1 for r in rows)
