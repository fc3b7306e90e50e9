"""gantt, calendar and report through click's runner and as a real process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import icalendar
import pytest
from click.testing import CliRunner

from rollout.cli import cli
from rollout.reports import gantt

from .plans import HOSTILE, plan_yaml


def esc(text: str) -> str:
    """HTML-escaped once, as the report templates (Jinja2 autoescape) escape it."""
    from markupsafe import escape

    return str(escape(text))

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def plan_file(tmp_path):
    path = tmp_path / "acme.yaml"
    path.write_text(plan_yaml())
    return path


def test_help_has_examples(runner):
    for name in ("gantt", "calendar", "report"):
        result = runner.invoke(cli, [name, "--help"])
        assert result.exit_code == 0 and "Example:" in result.output


def test_gantt_html(runner, plan_file, tmp_path):
    out = tmp_path / "g.html"
    result = runner.invoke(cli, ["gantt", str(plan_file), "-o", str(out), "--today", "2027-01-25"])
    assert result.exit_code == 0, result.output
    assert "6 tasks" in result.output
    page = out.read_text()
    assert esc(HOSTILE) in page and HOSTILE not in page


def test_gantt_collapse_flag(runner, plan_file, tmp_path):
    out = tmp_path / "g.html"
    assert runner.invoke(cli, ["gantt", str(plan_file), "-o", str(out), "--collapse"]).exit_code == 0
    collapsed = out.read_text()
    assert runner.invoke(cli, ["gantt", str(plan_file), "-o", str(out)]).exit_code == 0
    assert '"collapsed":true' in collapsed.replace(" ", "") and '"collapsed":false' in out.read_text().replace(" ", "")


def test_gantt_png_without_a_browser_is_a_clear_usage_error(runner, plan_file, tmp_path, monkeypatch):
    monkeypatch.setattr(gantt, "browser_engine", lambda: None)
    result = runner.invoke(cli, ["gantt", str(plan_file), "-o", str(tmp_path / "g.png")])
    assert result.exit_code == 2
    assert "browser engine" in result.output and "write html" in result.output and "(--format)" in result.output
    assert "Traceback" not in result.output


def test_calendar_to_stdout_and_file(runner, plan_file, tmp_path):
    result = runner.invoke(cli, ["calendar", str(plan_file)])
    assert result.exit_code == 0
    cal = icalendar.Calendar.from_ical(result.stdout_bytes)
    assert {str(e["UID"]) for e in cal.walk("VEVENT")} == {
        "acme-2027.exec.go-live@rollout", "acme-2027.steering@rollout"}
    out = tmp_path / "all.ics"
    assert runner.invoke(cli, ["calendar", str(plan_file), "--tasks", "--no-cadences", "-o", str(out)]).exit_code == 0
    assert len(icalendar.Calendar.from_ical(out.read_bytes()).walk("VEVENT")) == 6


def test_report_fail_on(runner, plan_file, tmp_path):
    args = ["report", str(plan_file), "-o", str(tmp_path / "r"), "--risk-iterations", "0"]
    ok = runner.invoke(cli, args)
    assert ok.exit_code == 0, ok.output
    assert "findings:" in ok.output and "index.html" in ok.output
    failing = runner.invoke(cli, args + ["--fail-on", "warning"])
    assert failing.exit_code == 1
    assert (tmp_path / "r" / "index.html").exists()


def test_bad_plan_exits_2(runner, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("plan: x\ntitle: X\nstart: 2027-01-11\nworkstreams: [{id: w, tasks: [{id: a, duration: 2d, "
                   "depends_on: [w.b]}, {id: b, duration: 2d, depends_on: [w.a]}]}]\n")
    for args in (["gantt", str(bad), "-o", str(tmp_path / "g.html")], ["calendar", str(bad)],
                 ["report", str(bad), "-o", str(tmp_path / "r")]):
        result = runner.invoke(cli, args)
        assert result.exit_code == 2 and "cycle" in result.output, args


def test_report_as_a_process(plan_file, tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-m", "rollout", "report", str(plan_file), "-o", str(tmp_path / "r"),
                           "--today", "2027-01-25", "--risk-iterations", "100"],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in (tmp_path / "r").iterdir()) == [
        "findings.sarif", "index.html", "plan.ics", "risk.json", "schedule.csv"]
    assert HOSTILE not in (tmp_path / "r" / "index.html").read_text()
