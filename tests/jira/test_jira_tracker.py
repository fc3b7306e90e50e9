"""The tracker interface and the settings Jira reads from the plan and the environment."""

from __future__ import annotations

import pytest
from jira_fixtures import make_plan

from rollout.errors import PlanError, UsageError
from rollout.trackers import Tracker, available_trackers, load_tracker
from rollout.trackers.jira import JiraConfig, JiraSettings, JiraTracker


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
    cfg = JiraConfig.from_plan(make_plan(tmp_path, jira={"project": "ACME", "epic_per": "plan", "labels": "cx"}))
    assert (cfg.project, cfg.epic_per, cfg.labels, cfg.link_type) == ("ACME", "plan", ("cx",), "Blocks")
    with pytest.raises(PlanError, match="the plan has no Jira project"):
        JiraConfig.from_plan(make_plan(tmp_path, jira={}))
    with pytest.raises(PlanError, match=r"unknown key\(s\) in jira: projekt"):
        JiraConfig.from_plan(make_plan(tmp_path, jira={"project": "ACME", "projekt": "X"}))
    with pytest.raises(PlanError, match="epic_per must be workstream, plan or none"):
        JiraConfig.from_plan(make_plan(tmp_path, jira={"project": "ACME", "epic_per": "team"}))
    with pytest.raises(PlanError, match="labels cannot be empty or contain spaces: 'cx programme'"):
        JiraConfig.from_plan(make_plan(tmp_path, jira={"project": "ACME", "labels": ["cx programme"]}))
