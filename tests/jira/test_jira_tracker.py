"""The tracker interface and the settings Jira reads from the plan and the environment."""

from __future__ import annotations

import pytest
from jira_fixtures import make_plan

from rollout.errors import PlanError, UsageError
from rollout.trackers import Tracker, available_trackers, load_tracker
from rollout.trackers.jira import JiraConfig, JiraSettings, JiraTracker, jira_config


def test_jira_is_a_tracker_found_by_name():
    assert available_trackers()["jira"] == "rollout.trackers.jira:JiraTracker"
    tracker = load_tracker("jira")
    assert isinstance(tracker, JiraTracker) and isinstance(tracker, Tracker)
    with pytest.raises(UsageError, match="unknown tracker 'asana'"):
        load_tracker("asana")


def test_settings_come_from_the_environment_only():
    cloud = JiraSettings.from_env({"JIRA_URL": "https://acme.atlassian.net/", "JIRA_EMAIL": "a@b.c",
                                   "JIRA_API_TOKEN": "tok-1"})
    assert cloud.cloud and cloud.api_version == "3" and cloud.url == "https://acme.atlassian.net"
    assert "tok-1" not in repr(cloud)
    server = JiraSettings.from_env({"JIRA_URL": "https://jira.acme.example", "JIRA_PAT": "pat-1",
                                    "ROLLOUT_JIRA_RETRIES": "2"})
    assert not server.cloud and server.api_version == "2" and server.retries == 2
    assert "pat-1" not in repr(server)


@pytest.mark.parametrize("env, message", [
    ({}, "JIRA_URL is not set"),
    ({"JIRA_URL": "acme.atlassian.net", "JIRA_PAT": "x"}, "JIRA_URL must look like"),
    ({"JIRA_URL": "https://me:secret@acme.atlassian.net", "JIRA_PAT": "x"}, "must not contain a user or password"),
    ({"JIRA_URL": "https://acme.atlassian.net", "JIRA_EMAIL": "a@b.c"}, "no Jira credentials"),
    ({"JIRA_URL": "https://acme.atlassian.net", "JIRA_PAT": "x", "ROLLOUT_JIRA_TIMEOUT": "soon"},
     "ROLLOUT_JIRA_TIMEOUT must be a number"),
])
def test_bad_settings_are_usage_errors(env, message):
    with pytest.raises(UsageError, match=message) as info:
        JiraSettings.from_env(env)
    assert info.value.exit_code == 2
    assert "secret" not in str(info.value)


def test_the_plans_jira_section(tmp_path):
    cfg = jira_config(make_plan(tmp_path, jira={"project": "ACME", "epic_per": "plan", "labels": "cx"}))
    assert (cfg.project, cfg.epic_per, cfg.labels, cfg.link_type) == ("ACME", "plan", ("cx",), "Blocks")
    with pytest.raises(PlanError, match="the plan has no Jira project"):
        jira_config(make_plan(tmp_path, jira={}))
    with pytest.raises(PlanError, match=r"unknown key\(s\) in jira: projekt"):
        jira_config(make_plan(tmp_path, jira={"project": "ACME", "projekt": "X"}))
    with pytest.raises(PlanError, match="epic_per must be workstream, plan or none"):
        jira_config(make_plan(tmp_path, jira={"project": "ACME", "epic_per": "team"}))
    with pytest.raises(PlanError, match="labels cannot be empty or contain spaces: 'cx programme'"):
        jira_config(make_plan(tmp_path, jira={"project": "ACME", "labels": ["cx programme"]}))


def test_a_bad_jira_value_fails_at_load_and_check_with_file_and_line(tmp_path):
    """A bad epic_per used to pass `rollout check` and fail at the first push, with no line."""
    from click.testing import CliRunner

    from rollout.cli import cli
    from rollout.expand import load_plan

    path = tmp_path / "acme.yaml"
    path.write_text("plan: acme\ntitle: Acme\nstart: 2027-01-11\njira:\n  project: ACME\n  epic_per: team\n"
                    "  labels: [cx programme]\nworkstreams:\n  - id: w\n    name: W\n    tasks:\n"
                    "      - {id: a, name: A, duration: 5d, owner: pmo}\n")
    line = path.read_text().splitlines().index("  epic_per: team") + 1
    with pytest.raises(PlanError) as info:
        load_plan(str(path))
    assert f"acme.yaml:{line}:" in str(info.value) and "epic_per must be workstream, plan or none" in str(info.value)
    assert f"acme.yaml:{line + 1}:" in str(info.value) and "contain spaces" in str(info.value)
    result = CliRunner().invoke(cli, ["check", str(path)])
    assert result.exit_code == 2 and f"acme.yaml:{line}:" in result.output
