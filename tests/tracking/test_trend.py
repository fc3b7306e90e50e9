"""Forecast snapshots (`status --record`, pull) and `rollout trend` (text, json, html)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner

from rollout.cli import cli
from rollout.expand import load_plan
from rollout.state import StateStore, state_path
from rollout.trend import SNAPSHOT_ITERATIONS, SNAPSHOT_SEED, record_forecast, trend

from .test_cli_tracking import HEADER, PLAN

WEEK1 = HEADER + "disc.interviews,in-progress,2027-01-04,,40\n"
WEEK2 = HEADER + "disc.interviews,done,2027-01-04,2027-01-12,\ndisc.synthesis,in-progress,2027-01-13,,20\n"
WEEK3 = WEEK2.replace("in-progress,2027-01-13,,20", "done,2027-01-13,2027-01-19,") + \
    "disc.gate,done,2027-01-19,2027-01-19,\n"


@pytest.fixture
def plan_file(tmp_path):
    path = tmp_path / "pilot.yaml"
    path.write_text(PLAN)
    return path


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def record(plan_file, text, as_of, *extra):
    csv = plan_file.parent / f"{as_of}.csv"
    csv.write_text(text)
    return run("status", plan_file, "--actuals", csv, "--as-of", as_of, "--record", *extra, "--format", "json")


def test_status_record_stores_the_forecast_it_reports(plan_file):
    out = record(plan_file, WEEK1, "2027-01-07")
    assert out.exit_code == 0, out.output
    status = json.loads(out.stdout)                     # the note goes to stderr: stdout stays JSON
    assert "recorded the forecast of 2027-01-07" in out.stderr
    with StateStore(plan_file, "pilot") as store:
        (snap,) = store.forecasts()
    assert (snap.as_of, snap.source) == (dt.date(2027, 1, 7), "status")
    assert snap.finish.isoformat() == status["forecast_finish"]
    assert snap.baseline_finish.isoformat() == status["baseline_finish"]
    assert [(m.task_id, m.forecast.isoformat(), m.baseline.isoformat(), m.done) for m in snap.milestones] == \
        [(m["id"], m["forecast"], m["baseline"], False) for m in status["milestones"]]
    assert snap.p50 is None and snap.iterations is None


def test_one_snapshot_per_status_date_the_latest_kept(plan_file):
    first = json.loads(record(plan_file, WEEK1, "2027-01-07").stdout)
    fixed = record(plan_file, HEADER + "disc.interviews,todo,,,\n", "2027-01-07")    # a corrected report
    fixed = json.loads(fixed.stdout)
    assert record(plan_file, WEEK2, "2027-01-14").exit_code == 0
    t = trend(load_plan(plan_file))
    assert [s.as_of.isoformat() for s in t.snapshots] == ["2027-01-07", "2027-01-14"]
    assert fixed["forecast_finish"] > first["forecast_finish"]
    assert t.snapshots[0].finish.isoformat() == fixed["forecast_finish"]


def test_risk_adds_p50_and_p80_from_a_fixed_seed(plan_file):
    out = record(plan_file, WEEK1, "2027-01-07", "--risk")
    assert out.exit_code == 0, out.output
    risk = run("risk", plan_file, "--actuals", plan_file.parent / "2027-01-07.csv", "--as-of", "2027-01-07",
               "--seed", SNAPSHOT_SEED, "--iterations", SNAPSHOT_ITERATIONS, "--format", "json")
    expected = json.loads(risk.output)
    with StateStore(plan_file, "pilot") as store:
        (snap,) = store.forecasts()
    assert (snap.p50.isoformat(), snap.p80.isoformat()) == (expected["finish"]["p50"], expected["finish"]["p80"])
    assert (snap.iterations, snap.seed) == (SNAPSHOT_ITERATIONS, SNAPSHOT_SEED)
    gate = next(m for m in expected["milestones"] if m["id"] == "disc.gate")
    (stored,) = [m for m in snap.milestones if m.task_id == "disc.gate"]
    assert (stored.p50.isoformat(), stored.p80.isoformat()) == (gate["p50"], gate["p80"])


@pytest.mark.parametrize("extra, message", [
    (("--risk",), "--risk goes with --record"),
    (("--record", "--filter", "workstream:disc"), "--record stores the whole plan's forecast"),
])
def test_record_options_that_do_not_fit_are_usage_errors(plan_file, extra, message):
    out = run("status", plan_file, *extra)
    assert out.exit_code == 2 and message in out.output
    assert not state_path(plan_file, "pilot").exists()


def test_record_forecast_is_a_library_call(plan_file):
    csv = plan_file.parent / "w.csv"
    csv.write_text(WEEK3)
    plan = load_plan(plan_file)
    snap = record_forecast(plan, as_of=dt.date(2027, 1, 21), actuals_path=str(csv))
    gate = next(m for m in snap.milestones if m.task_id == "disc.gate")
    assert gate.done and gate.forecast == dt.date(2027, 1, 19)
    assert trend(plan).snapshots[0].milestones == snap.milestones


def test_the_trend_page_needs_a_file(plan_file):
    out = run("trend", plan_file)
    assert out.exit_code == 2 and "the trend page needs a file: -o trend.html" in out.output


def test_trend_text_and_json(plan_file):
    empty = run("trend", plan_file, "--format", "text")
    assert empty.exit_code == 0 and "no forecast snapshots yet" in empty.output
    assert json.loads(run("trend", plan_file, "--format", "json").output)["snapshots"] == 0
    for text, day in ((WEEK1, "2027-01-07"), (WEEK2, "2027-01-14"), (WEEK3, "2027-01-21")):
        assert record(plan_file, text, day).exit_code == 0
    data = json.loads(run("trend", plan_file, "--format", "json").output)
    assert data["snapshots"] == 3 and [f["as_of"] for f in data["finish"]] == ["2027-01-07", "2027-01-14",
                                                                                "2027-01-21"]
    (gate,) = [m for m in data["milestones"] if m["id"] == "disc.gate"]
    assert gate["name"] == "Insight agreed" and [p["done"] for p in gate["points"]] == [False, False, True]
    assert gate["points"][-1]["forecast"] == "2027-01-19"
    text = run("trend", plan_file, "--format", "text").output
    assert "3 forecast snapshot(s), 2027-01-07 to 2027-01-21" in text and "disc.gate" in text


def test_a_failed_save_keeps_the_earlier_snapshot_of_that_date(plan_file):
    import dataclasses

    from rollout.state import MilestoneForecast

    assert record(plan_file, WEEK1, "2027-01-07").exit_code == 0
    with StateStore(plan_file, "pilot") as store:
        (before,) = store.forecasts()
        broken = dataclasses.replace(before, milestones=(MilestoneForecast("x", "X", None),))   # no date
        with pytest.raises(AttributeError):
            store.save_forecast(broken)          # fails after the earlier one of the date was deleted
        assert store.forecasts() == [before]


def test_a_damaged_forecast_row_is_one_line_exit_2(plan_file):
    import sqlite3

    assert record(plan_file, WEEK1, "2027-01-07").exit_code == 0
    conn = sqlite3.connect(state_path(plan_file, "pilot"))
    conn.execute("UPDATE forecast_tasks SET forecast_date = 'soon'")
    conn.commit()
    conn.close()
    out = run("trend", plan_file, "--format", "json")
    assert out.exit_code == 2 and "damaged (a stored value cannot be read" in out.output
    assert "Traceback" not in out.output and len(out.output.strip().splitlines()) == 1
