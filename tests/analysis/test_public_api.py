"""The README's Python API runs as written, against a real plan, and does what the commands do."""

from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner

import rollout
from rollout.cli import cli

ROOT = Path(__file__).resolve().parents[2]


def test_the_readme_python_api_block_runs(tmp_path, monkeypatch):
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Python API"):readme.index("## Exit codes")]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    plan = tmp_path / "acme.yaml"
    assert CliRunner().invoke(cli, ["new", "customer-alignment", "-o", str(plan), "--set", "org=Acme"]).exit_code == 0
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)          # noqa: S102 - our own README
    assert (tmp_path / "report" / "index.html").is_file() and (tmp_path / "gantt.html").is_file()
    assert (tmp_path / "plan.ics").is_file() and (tmp_path / "acme.xlsx").is_file()
    run = namespace["run"]
    assert run.checks.to_frame().shape[0] == len(run.findings)
    assert list(run.status.to_frame()["id"]) == [t.id for t in run.plan.tasks]


def test_the_analysis_gives_what_the_commands_print(tmp_path):
    plan = tmp_path / "acme.yaml"
    CliRunner().invoke(cli, ["new", "customer-alignment", "-o", str(plan), "--set", "org=Acme"])
    run = rollout.Analysis(str(plan), iterations=300, seed=4)
    cli_check = json.loads(CliRunner().invoke(cli, ["check", str(plan), "-f", "json"]).output)
    assert run.checks.to_dict()["counts"] == cli_check["counts"]
    cli_risk = json.loads(CliRunner().invoke(cli, ["risk", str(plan), "-n", "300", "--seed", "4", "-f", "json"]).output)
    assert run.risk.to_dict()["finish"] == cli_risk["finish"]
    sched = json.loads(CliRunner().invoke(cli, ["schedule", str(plan), "-f", "json"]).output)
    assert run.schedule.to_dict()["finish"] == sched["finish"]
