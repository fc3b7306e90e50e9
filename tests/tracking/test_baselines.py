"""Named baselines in the state store: stored, listed, compared against; schema 2 files migrated."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3

import pytest
from click.testing import CliRunner

from rollout.cli import cli
from rollout.expand import load_plan
from rollout.schedule import schedule
from rollout.state import _MIGRATIONS, SCHEMA_VERSION, StateStore, _statements, state_path

from .test_cli_tracking import HEADER, PLAN


@pytest.fixture
def plan_file(tmp_path):
    path = tmp_path / "pilot.yaml"
    path.write_text(PLAN)
    return path


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_a_schema_2_file_keeps_its_baseline_as_the_default(plan_file):
    path = state_path(plan_file, "pilot")
    path.parent.mkdir()
    conn = sqlite3.connect(path, isolation_level=None)
    for step in _MIGRATIONS[:2]:                                 # a file written by the previous rollout
        for statement in _statements(step):
            conn.execute(statement)
    conn.executemany("INSERT INTO meta VALUES (?, ?)", [("schema_version", "2"), ("plan", "pilot"),
                                                        ("baseline_saved_at", "2027-01-02T08:00:00+00:00"),
                                                        ("baseline_finish", "2027-02-01")])
    conn.execute("INSERT INTO baseline VALUES ('disc.gate', '2027-01-15', '2027-01-15', 9, 9)")
    conn.close()
    with StateStore(plan_file, "pilot") as store:
        assert store.get_meta("schema_version") == str(SCHEMA_VERSION) == "3"
        assert store.baseline() == {"disc.gate": (dt.date(2027, 1, 15), dt.date(2027, 1, 15))}
        assert store.baseline_edges() == {"disc.gate": (9, 9)}
        (info,) = store.baselines()
        assert (info.name, info.finish_date, info.tasks) == ("default", dt.date(2027, 2, 1), 1)
        assert info.saved_at == dt.datetime(2027, 1, 2, 8, tzinfo=dt.timezone.utc)


def test_a_schema_2_file_without_a_baseline_has_none(plan_file):
    path = state_path(plan_file, "pilot")
    path.parent.mkdir()
    conn = sqlite3.connect(path, isolation_level=None)
    for step in _MIGRATIONS[:2]:
        for statement in _statements(step):
            conn.execute(statement)
    conn.execute("INSERT INTO meta VALUES ('schema_version', '2')")
    conn.close()
    with StateStore(plan_file, "pilot") as store:
        assert store.baseline() is None and store.baselines() == []


def test_named_baselines_are_stored_listed_and_kept_apart(plan_file):
    assert run("baseline", plan_file).exit_code == 0
    plan_file.write_text(PLAN.replace("duration: 5d, owner: pmo, depends_on", "duration: 9d, owner: pmo, depends_on"))
    out = run("baseline", plan_file, "--name", "SteerCo 2027-03")
    assert out.exit_code == 0 and "saved baseline 'SteerCo 2027-03': 5 tasks, finish 2027-01-27" in out.output
    listed = run("baselines", plan_file)
    assert listed.exit_code == 0, listed.output
    rows = listed.output.splitlines()
    assert rows[0].split() == ["name", "stored", "at", "finish", "tasks"]
    assert rows[2].startswith("default ") and rows[2].split()[-2:] == ["2027-01-25", "5"]
    assert rows[3].startswith("SteerCo 2027-03 ") and rows[3].split()[-2:] == ["2027-01-27", "5"]
    data = json.loads(run("baselines", plan_file, "--format", "json").output)
    assert [(b["name"], b["finish"], b["tasks"]) for b in data["baselines"]] == \
        [("default", "2027-01-25", 5), ("SteerCo 2027-03", "2027-01-27", 5)]
    assert dt.datetime.fromisoformat(data["baselines"][1]["saved_at"]).tzinfo is not None
    # --keep keeps the named one; the default is untouched by a named save
    kept = run("baseline", plan_file, "--name", "SteerCo 2027-03", "--keep", "--format", "json")
    assert json.loads(kept.output)["saved"] is False
    with StateStore(plan_file, "pilot") as store:
        assert store.baseline()["disc.gate"][1] == dt.date(2027, 1, 15)
        assert store.baseline("SteerCo 2027-03")["disc.gate"][1] == dt.date(2027, 1, 21)


def test_status_and_diff_against_a_named_baseline(plan_file, tmp_path):
    plan_file.write_text(PLAN.replace("duration: 5d, owner: pmo, depends_on", "duration: 9d, owner: pmo, depends_on"))
    assert run("baseline", plan_file, "--name", "SteerCo").exit_code == 0
    plan_file.write_text(PLAN)
    assert run("baseline", plan_file).exit_code == 0               # default: the plan as it is now
    actuals = tmp_path / "a.csv"
    actuals.write_text(HEADER + "disc.interviews,done,2027-01-04,2027-01-08,\n")
    default = json.loads(run("status", plan_file, "--actuals", actuals, "--as-of", "2027-01-11", "-f", "json").output)
    named = run("status", plan_file, "--actuals", actuals, "--as-of", "2027-01-11", "-f", "json", "--baseline", "SteerCo")
    assert named.exit_code == 0, named.output
    named = json.loads(named.output)
    assert default["baseline_finish"] == "2027-01-25" and named["baseline_finish"] == "2027-01-27"
    assert named["forecast_finish"] == default["forecast_finish"]
    assert named["variance_days"] == default["variance_days"] - 2        # measured against the later baseline
    assert named["baseline"] == "baseline 'SteerCo'"
    text = run("status", plan_file, "--actuals", actuals, "--as-of", "2027-01-11", "--baseline", "SteerCo")
    assert "Baseline finish 2027-01-27 (baseline 'SteerCo')" in text.output
    diff = json.loads(run("diff", "baseline:SteerCo", plan_file, "--format", "json").output)
    assert diff["old"] == "baseline:SteerCo" and diff["finish"]["delta_days"] == -2


@pytest.mark.parametrize("args, message", [
    (("status", "{plan}", "--baseline", "nope"),
     "error: no baseline named 'nope' for plan 'pilot' (stored: 'default')\n"),
    (("baseline", "{plan}", "--name", "  "),
     "error: a baseline name cannot be empty (leave the name out for the default baseline) (--name)\n"),
    (("baseline", "{plan}", "--name", "a\x1bb"), "error: a baseline name cannot hold control characters: 'a\\x1bb'\n"),
    (("diff", "baseline:nope", "{plan}"),
     "error: 'baseline:nope': no baseline named 'nope' for plan 'pilot' (stored: 'default')\n"),
])
def test_bad_baseline_names_are_one_line_usage_errors(plan_file, args, message):
    assert run("baseline", plan_file).exit_code == 0
    out = CliRunner().invoke(cli, [a.format(plan=plan_file) for a in args])
    assert out.exit_code == 2 and out.stderr == message and "Traceback" not in out.stderr


def test_baselines_without_a_state_file(plan_file):
    out = run("baselines", plan_file)
    assert out.exit_code == 0 and "no baseline stored yet" in out.output
    assert not state_path(plan_file, "pilot").exists()                # listing creates nothing


def test_a_failed_save_leaves_the_stored_baseline_as_it_was(plan_file):
    plan = load_plan(plan_file)
    good = schedule(plan)
    with StateStore(plan_file, "pilot") as store:
        store.save_baseline(good, name="SteerCo")

        class Broken:                                          # the write fails after the old rows are deleted
            finish_date = good.finish_date
            tasks = {"x": None}

        with pytest.raises(AttributeError):
            store.save_baseline(Broken(), name="SteerCo")
        assert store.baseline("SteerCo") == {tid: (st.start_date, st.finish_date) for tid, st in good.tasks.items()}
        assert [b.name for b in store.baselines()] == ["SteerCo"]


def test_every_option_of_the_new_commands_is_documented():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    doc = (root / "docs" / "tracking-and-risk.md").read_text()
    for name in ("baseline", "baselines", "trend", "pull"):
        assert f"rollout {name}" in doc, name
        for param in cli.commands[name].params:
            for opt in getattr(param, "opts", []):
                if opt.startswith("--") and opt not in ("--help", "--output", "--format"):
                    assert f"`{opt}" in doc or f"{opt} " in doc or f"{name} {opt}" in doc, f"{name} {opt}"
    for name in ("baseline", "baselines", "trend"):
        assert "Example:" in cli.commands[name].help
