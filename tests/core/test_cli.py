"""The plan commands through click's runner and as a real process."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from rollout.cli import cli

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def acme(tmp_path, runner):
    path = tmp_path / "acme.yaml"
    result = runner.invoke(cli, ["new", "customer-alignment", "-o", str(path), "--set", "org=Acme",
                                 "--set", "sponsor=Dana Whitfield", "--set", "start=2027-01-11",
                                 "--set", "business_units=North,South"])
    assert result.exit_code == 0, result.output
    return path


def test_every_command_has_help_with_an_example(runner):
    for name, command in cli.commands.items():
        result = runner.invoke(cli, [name, "--help"])
        assert result.exit_code == 0, name
        assert "Example:" in result.output, f"{name} --help has no example"


def test_version(runner):
    result = runner.invoke(cli, ["--version"])
    assert result.exit_code == 0 and "rollout" in result.output


def test_templates_lists_builtins(runner):
    result = runner.invoke(cli, ["templates", "--format", "json"])
    names = {t["name"] for t in json.loads(result.output)["templates"]}
    assert {"customer-alignment", "executive-involvement", "customer-inclusion", "data-analysis",
            "communication"} <= names


def test_new_then_schedule_json_shape(runner, acme):
    text = acme.read_text()
    assert "template: customer-alignment" in text and "org: Acme" in text
    result = runner.invoke(cli, ["schedule", str(acme), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["plan"] == "acme-2027" and data["start"] == "2027-01-11"
    task = data["tasks"][0]
    assert set(task) >= {"id", "name", "workstream", "kind", "duration", "start", "finish", "total_float", "critical"}
    assert max(t["finish"] for t in data["tasks"]) == data["finish"]
    assert any(t["critical"] for t in data["tasks"])


def test_bigger_company_bigger_plan(runner, tmp_path, acme):
    small = json.loads(runner.invoke(cli, ["expand", str(acme), "-f", "json"]).output)["tasks"]
    big_path = tmp_path / "big.yaml"
    runner.invoke(cli, ["new", "customer-alignment", "-o", str(big_path), "--set",
                        "business_units=North,South,East,West,Central"])
    big = json.loads(runner.invoke(cli, ["expand", str(big_path), "-f", "json"]).output)["tasks"]
    assert len(big) > len(small)


def test_expand_csv_is_formula_safe(runner, tmp_path):
    path = tmp_path / "evil.yaml"
    path.write_text("plan: evil\ntitle: E\nstart: 2027-01-11\n"
                    "workstreams: [{id: w, tasks: [{id: a, name: '=HYPERLINK(\"http://x\")', duration: 1d}]}]\n")
    out = runner.invoke(cli, ["expand", str(path), "-f", "csv"]).output
    assert "\n" + "w.a,'=HYPERLINK" in out.replace('"', "")


def test_new_rejects_unknown_parameter(runner, tmp_path):
    result = runner.invoke(cli, ["new", "customer-alignment", "-o", str(tmp_path / "x.yaml"), "--set", "orgg=Acme"])
    assert result.exit_code == 2
    assert "did you mean 'org'" in result.output
    assert not (tmp_path / "x.yaml").exists()


def run(*args, cwd=None):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "rollout", *args], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=60)


def test_subprocess_bad_input_exits_2_without_traceback(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("plan: x\ntitle: X\nstart: 2027-01-11\nworkstreams:\n  - id: w\n    tasks:\n"
                   "      - {id: a, duration: 2d, depends_on: [b]}\n      - {id: b, duration: 2d, depends_on: [a]}\n")
    proc = run("schedule", str(bad))
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "cycle" in proc.stderr and "→" in proc.stderr and "bad.yaml:" in proc.stderr
    assert proc.stdout == ""


def test_subprocess_schedule_table(tmp_path, acme):
    proc = run("schedule", str(acme))
    assert proc.returncode == 0, proc.stderr
    assert "critical path" in proc.stdout


def test_cli_does_not_import_heavy_modules():
    code = ("import sys, rollout.cli; heavy = {'pandas', 'plotly', 'jira', 'numpy'} & set(sys.modules); "
            "print(sorted(heavy))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert proc.stdout.strip() == "[]", proc.stdout + proc.stderr


def test_written_files_are_readable_by_others(tmp_path, acme, runner):
    import os
    import stat

    out = tmp_path / "schedule.csv"
    old = os.umask(0o022)
    try:
        assert runner.invoke(cli, ["schedule", str(acme), "-f", "csv", "-o", str(out)]).exit_code == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE(out.stat().st_mode) == 0o644


def test_every_command_is_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    missing = [name for name in cli.commands if f"rollout {name}" not in readme]
    assert not missing, f"README.md does not show: {missing}"


@pytest.mark.parametrize("args", [
    ["report", "{plan}", "-o", "{plan}/sub/"],
    ["gantt", "{plan}", "-o", "{plan}/g.html"],
    ["schedule", "{plan}", "-o", "{plan}/s.txt"],
    ["new", "customer-alignment", "-o", "{plan}/n.yaml"],
    ["report", "{plan}", "-o", "/proc/nope/"],
])
def test_unwritable_output_is_one_line_exit_2(acme, args):
    proc = run(*[a.format(plan=acme) for a in args])
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("error: cannot ") and proc.stderr.count("\n") == 1, proc.stderr
