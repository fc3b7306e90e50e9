"""`rollout check` and `rollout rules` through click, and once as a real process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from rollout.cli import cli

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).parents[2]


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def test_findings_at_error_exit_1_and_show_task_names_and_file_lines():
    r = run("check", FIXTURES / "FM006.yaml", "--select", "FM006")
    assert r.exit_code == 1
    assert "ERROR (1)" in r.output
    assert "tech.crm-selection  Select the CRM" in r.output
    assert "FM006.yaml:9" in r.output


def test_fail_on_decides_the_exit_code():
    path = FIXTURES / "S003.yaml"                         # one info finding
    assert run("check", path, "--select", "S003").exit_code == 0
    assert run("check", path, "--select", "S003", "--fail-on", "warning").exit_code == 0
    assert run("check", path, "--select", "S003", "--fail-on", "info").exit_code == 1


def test_json_has_the_spec_shape():
    r = run("check", FIXTURES / "FM004.yaml", "--select", "FM004", "--format", "json")
    data = json.loads(r.output)
    assert data["plan"] == "fm004"
    assert [(f["code"], f["severity"], f["tasks"]) for f in data["findings"]] == [
        ("FM004", "warning", ["data.survey"]), ("FM004", "warning", ["data.churn-review"])]
    assert all({"code", "severity", "message", "tasks", "hint"} <= set(f) for f in data["findings"])
    (where,) = data["findings"][0]["locations"]
    assert (where["id"], Path(where["path"]).resolve(), where["line"]) == (
        "data.survey", (FIXTURES / "FM004.yaml").resolve(), 9)
    assert r.exit_code == 0                                # warnings do not fail by default


def test_select_and_ignore_take_prefixes():
    path = FIXTURES / "FM011.yaml"
    codes = lambda r: {f["code"] for f in json.loads(r.output)["findings"]}  # noqa: E731
    everything = codes(run("check", path, "-f", "json"))
    assert {"FM011", "FM001", "S003"} <= everything
    assert codes(run("check", path, "-f", "json", "--select", "S")) == {"S003"}
    assert codes(run("check", path, "-f", "json", "--select", "FM", "--ignore", "FM00")) == {"FM011"}
    assert codes(run("check", path, "-f", "json", "--ignore", "FM001,S")) == everything - {"FM001", "S003"}


def test_unknown_selector_is_a_usage_error_with_a_suggestion():
    r = CliRunner().invoke(cli, ["check", str(FIXTURES / "FM006.yaml"), "--select", "FM06"])
    assert r.exit_code == 2
    assert "'FM06' is not a rule code or prefix" in r.output
    assert "Traceback" not in r.output


def test_plan_checks_mapping_ignores_regrades_and_sets_thresholds(tmp_path):
    base = (FIXTURES / "FM005.yaml").read_text()
    plan = tmp_path / "plan.yaml"

    plan.write_text(base + "checks: {severity: {FM005: error}}\n")
    r = run("check", plan, "--select", "FM005", "-f", "json")
    assert {f["severity"] for f in json.loads(r.output)["findings"]} == {"error"} and r.exit_code == 1

    plan.write_text(base + "checks: {settings: {comms_gap_days: 30, golive_notice_days: 25}}\n")
    r = run("check", plan, "--select", "FM005", "-f", "json")
    assert [f["tasks"] for f in json.loads(r.output)["findings"]] == []   # 24-day gap, kickoff 19 days before

    plan.write_text(base + "checks: {ignore: [FM005]}\n")
    assert "no findings" in run("check", plan, "--select", "FM005").output

    plan.write_text(base + "checks: {setings: {}}\n")
    r = CliRunner().invoke(cli, ["check", str(plan)])
    assert r.exit_code == 2 and "did you mean 'settings'" in r.output

    plan.write_text(base + "checks: {settings: {comms_gap_day: 30}}\n")
    r = CliRunner().invoke(cli, ["check", str(plan)])
    assert r.exit_code == 2 and "unknown setting 'comms_gap_day'" in r.output and "comms_gap_days" in r.output


def test_sarif_points_at_the_lines_where_tasks_are_defined(monkeypatch):
    monkeypatch.chdir(FIXTURES)
    r = run("check", "FM010.yaml", "--select", "FM010", "--format", "sarif")
    log = json.loads(r.output)
    assert log["version"] == "2.1.0"
    run_ = log["runs"][0]
    assert {rule["id"] for rule in run_["tool"]["driver"]["rules"]} >= {"FM001", "FM010", "S005"}
    (res,) = run_["results"]
    assert res["ruleId"] == "FM010" and res["level"] == "warning"
    assert run_["tool"]["driver"]["rules"][res["ruleIndex"]]["id"] == "FM010"
    loc = res["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"] == {"uri": "FM010.yaml", "uriBaseId": "%SRCROOT%"}
    assert loc["region"]["startLine"] == 13
    assert res["relatedLocations"][0]["physicalLocation"]["region"]["startLine"] == 9


def test_rules_lists_the_catalogue_and_explains_one():
    listing = run("rules")
    assert listing.exit_code == 0
    for code in ("FM001", "FM011", "S005"):
        assert code in listing.output
    one = run("rules", "fm006")
    assert one.exit_code == 0
    for heading in ("## What it does", "## Why is this bad?", "## Example", "## Use instead"):
        assert heading in one.output
    assert run("rules", "technology-before-process").output == one.output
    assert json.loads(run("rules", "FM003", "-f", "json").output)["settings"] == {
        "customer_gap_days": 40, "extra_customer_roles": []}
    bad = CliRunner().invoke(cli, ["rules", "FM600"])
    assert bad.exit_code == 2 and "unknown rule 'FM600'" in bad.output


def test_a_cycle_is_reported_as_a_finding_and_date_rules_are_skipped():
    r = run("check", FIXTURES / "S001.yaml", "-f", "json")
    data = json.loads(r.output)
    assert r.exit_code == 1
    assert [f["code"] for f in data["findings"] if f["code"].startswith("S")] == ["S001"]
    assert set(data["skipped"]) == {"FM003", "FM005", "FM012", "S004", "S005", "S006"}


def test_check_runs_as_a_process():
    proc = subprocess.run([sys.executable, "-m", "rollout", "check", str(FIXTURES / "FM006.yaml"),
                           "--select", "FM006", "--format", "json"],
                          capture_output=True, text=True, cwd=REPO, env={"PYTHONPATH": str(REPO), "PATH": ""})
    assert proc.returncode == 1, proc.stderr
    assert json.loads(proc.stdout)["findings"][0]["tasks"] == ["tech.crm-selection"]
    bad = subprocess.run([sys.executable, "-m", "rollout", "check", str(FIXTURES / "nope.yaml")],
                         capture_output=True, text=True, cwd=REPO, env={"PYTHONPATH": str(REPO), "PATH": ""})
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


@pytest.mark.parametrize("command", ["check", "rules"])
def test_help_has_an_example(command):
    r = run(command, "--help")
    assert r.exit_code == 0 and "Example:" in r.output and f"rollout {command}" in r.output
