"""Answers that are not what Jira says: sign-in pages, odd shapes, endless pages, trickles, floods.

Each ends in one clear line and exit 3 -- never an empty result (which would recreate every issue),
never an AttributeError, never a push that hangs."""

from __future__ import annotations

import time

import pytest
from click.testing import CliRunner
from jira_fixtures import make_plan, write_plan_yaml
from jira_standin import Fault

from rollout.cli import cli
from rollout.errors import RemoteError
from rollout.trackers import pull_plan, push_plan

SIGN_IN = "with a web page, not JSON: check JIRA_URL and single sign-on"


@pytest.mark.parametrize("match, what", [
    ("GET /rest/api/3/project/", "the project"),
    ("GET /rest/api/3/field", "the field list"),
    ("POST /rest/api/3/search/jql", "the search"),
])
def test_a_sign_in_page_is_not_an_empty_project(standin, tmp_path, match, what):
    plan = make_plan(tmp_path)
    push_plan(plan)
    issues = dict(standin.issues)
    standin.faults.append(Fault("html", match))
    with pytest.raises(RemoteError, match=f"Jira answered {what} {SIGN_IN}") as info:
        push_plan(plan)
    assert info.value.exit_code == 3
    assert standin.issues.keys() == issues.keys()          # nothing created a second time


def test_a_sign_in_page_on_the_changelog_stops_pull(standin, tmp_path):
    plan = make_plan(tmp_path)
    push_plan(plan)
    key = standin.task_issues()["disc.interviews"][0]
    for _ in range(25):                                    # longer than the search's embedded page (20)
        standin.transition(key, "3", standin_time())
    standin.faults.append(Fault("html", f"GET /rest/api/3/issue/{key}/changelog"))
    with pytest.raises(RemoteError, match=f"Jira answered the changelog of {key} {SIGN_IN}"):
        pull_plan(plan)


def standin_time():
    import datetime as dt

    return dt.datetime(2027, 1, 12, 9, tzinfo=dt.timezone.utc)


def test_the_cli_says_it_in_one_line_with_exit_3(standin, tmp_path):
    plan = write_plan_yaml(tmp_path, 3)
    standin.faults.append(Fault("html", "POST /rest/api/3/search/jql"))
    result = CliRunner().invoke(cli, ["push", str(plan)])
    assert result.exit_code == 3
    assert result.stderr.strip().splitlines() == [
        "error: Jira answered the search with a web page, not JSON: check JIRA_URL and single sign-on "
        "(a login or proxy page answers instead of Jira)"]
    assert standin.issues == {}


def _first_issue(payload, change):
    change(payload["issues"][0]["fields"])
    return payload


@pytest.mark.parametrize("match, tamper, message", [
    ("GET /rest/api/3/project/", lambda p: [p], r"the project in an unexpected shape \(the answer is a list, not an object\)"),
    ("GET /rest/api/3/field", lambda p: {"fields": p}, r"the field list in an unexpected shape \(the answer is an object, not a list\)"),
    ("GET /rest/api/3/issueLinkType", lambda p: {"issueLinkTypes": "Blocks"}, r"issueLinkTypes is a string, not a list"),
    ("POST /rest/api/3/search/jql", lambda p: {**p, "issues": {"ACME-1": {}}}, r"the search in an unexpected shape \(issues is an object, not a list\)"),
    ("POST /rest/api/3/search/jql", lambda p: _first_issue(p, lambda f: f.update(duedate=20270115)),
     r"issues\[0\]\.fields\.duedate is a number, not a string"),
    ("POST /rest/api/3/search/jql", lambda p: _first_issue(p, lambda f: f.update(labels="rollout")),
     r"issues\[0\]\.fields\.labels is a string, not a list"),
])
def test_odd_shapes_on_push_are_one_clear_error(standin, tmp_path, match, tamper, message):
    plan = make_plan(tmp_path)
    push_plan(plan)
    standin.faults.append(Fault("tamper", match, tamper=tamper))
    with pytest.raises(RemoteError, match=message):
        push_plan(plan)


@pytest.mark.parametrize("change, message", [
    (lambda f: f.update(status="Done"), r"fields\.status is a string, not an object"),
    (lambda f: f.update(assignee="dana"), r"fields\.assignee is a string, not an object"),
    (lambda f: f.update(resolutiondate=1799999999), r"fields\.resolutiondate is a number, not a string"),
])
def test_odd_shapes_on_pull_are_one_clear_error(standin, tmp_path, change, message):
    plan = make_plan(tmp_path)
    push_plan(plan)
    standin.faults.append(Fault("tamper", "POST /rest/api/3/search/jql", tamper=lambda p: _first_issue(p, change)))
    with pytest.raises(RemoteError, match=message):
        pull_plan(plan)


def test_odd_changelog_entries_are_one_clear_error(standin, tmp_path):
    plan = make_plan(tmp_path)
    push_plan(plan)
    key = standin.task_issues()["disc.interviews"][0]
    for _ in range(25):
        standin.transition(key, "3", standin_time())
    standin.faults.append(Fault("tamper", "/changelog", tamper=lambda p: {**p, "values": ["moved to done"]}))
    with pytest.raises(RemoteError, match=rf"the changelog of {key} in an unexpected shape \(values\[0\] is a string"):
        pull_plan(plan)


# -- bounded conversations ------------------------------------------------------------------------


def test_a_search_that_repeats_its_page_token_is_stopped(standin, tmp_path):
    plan = make_plan(tmp_path)
    push_plan(plan)
    standin.faults.append(Fault("tamper", "POST /rest/api/3/search/jql", count=1000,
                                tamper=lambda p: {**p, "isLast": False, "nextPageToken": "3"}))
    with pytest.raises(RemoteError, match=r"search repeated a page \(nextPageToken '3' came back after 2 pages\)"):
        push_plan(plan)
    assert len([s for s in standin.seen if s.fault == "tamper"]) == 2


def test_a_search_that_never_ends_is_capped(standin, tmp_path, monkeypatch):
    plan = make_plan(tmp_path)
    push_plan(plan)
    tokens = iter(range(10**6))
    standin.faults.append(Fault("tamper", "POST /rest/api/3/search/jql", count=1000,
                                tamper=lambda p: {**p, "isLast": False, "nextPageToken": str(next(tokens))}))
    monkeypatch.setenv("ROLLOUT_JIRA_MAX_PAGES", "30")
    with pytest.raises(RemoteError, match=r"search ran past 30 pages \(ROLLOUT_JIRA_MAX_PAGES\)"):
        push_plan(plan)
    assert len([s for s in standin.seen if s.fault == "tamper"]) == 30


def test_a_changelog_that_never_ends_is_bounded(standin, tmp_path):
    plan = make_plan(tmp_path)
    push_plan(plan)
    key = standin.task_issues()["disc.interviews"][0]
    for _ in range(25):
        standin.transition(key, "3", standin_time())
    page = list(standin.issues[key]["changelog"][:10])      # the same ten entries, again and again
    standin.faults.append(Fault("tamper", "/changelog", count=100_000,
                                tamper=lambda p: {**p, "isLast": False, "values": page}))
    with pytest.raises(RemoteError, match=f"changelog of {key} keeps growing past the 25 entries"):
        pull_plan(plan)


def test_a_server_that_dribbles_its_answer_meets_the_deadline(standin, tmp_path, monkeypatch):
    # every byte arrives well within the 0.5 s read timeout, so only an overall deadline stops it
    plan = make_plan(tmp_path)
    standin.dribble_delay = 0.05
    standin.faults.append(Fault("dribble", "GET /rest/api/3/field"))
    monkeypatch.setenv("ROLLOUT_JIRA_DEADLINE", "1")
    began = time.monotonic()
    with pytest.raises(RemoteError, match=r"did not finish answering the field list within 1 s \(ROLLOUT_JIRA_DEADLINE\)"):
        push_plan(plan)
    assert time.monotonic() - began < 10
    assert standin.issues == {}


def test_an_uncertain_write_that_dribbles_is_reconciled(standin, tmp_path, monkeypatch):
    plan = make_plan(tmp_path)
    standin.dribble_delay = 0.05
    standin.faults.append(Fault("dribble", "POST /rest/api/3/issue/bulk"))
    monkeypatch.setenv("ROLLOUT_JIRA_DEADLINE", "1")
    result = push_plan(plan)
    assert result.errors == []
    assert all(len(keys) == 1 for keys in standin.task_issues().values())
    assert len(standin.task_issues()) == 7


def test_a_huge_answer_is_cut_off_at_the_size_cap(standin, tmp_path, monkeypatch):
    import tracemalloc

    plan = make_plan(tmp_path)
    push_plan(plan)
    standin.huge_bytes = 50_000_000
    standin.faults.append(Fault("huge", "POST /rest/api/3/search/jql"))
    monkeypatch.setenv("ROLLOUT_JIRA_MAX_MB", "2")
    tracemalloc.start()
    try:
        with pytest.raises(RemoteError, match=r"answer to the search is larger than 2 MB \(ROLLOUT_JIRA_MAX_MB\)"):
            push_plan(plan)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20_000_000            # stopped reading: the 50 MB answer was never held


@pytest.mark.parametrize("fault, message", [
    (Fault("html", "GET /rest/api/3/user/search"), f"Jira answered the user search {SIGN_IN}"),
    (Fault("tamper", "GET /rest/api/3/user/search", tamper=lambda p: {"users": p}),
     r"the user search in an unexpected shape \(the answer is an object, not a list\)"),
    (Fault("tamper", "GET /rest/api/3/user/search", tamper=lambda p: [{"accountId": 42}]),
     r"the user search in an unexpected shape \(\[0\]\.accountId is a number, not a string\)"),
])
def test_a_user_search_that_is_not_jiras_is_an_error(standin, tmp_path, fault, message):
    import dataclasses

    from rollout.model import Person

    standin.add_user("dana@acme.example", "Dana Whitfield")
    plan = dataclasses.replace(make_plan(tmp_path), people=(Person("dana", "Dana Whitfield", "dana@acme.example"),))
    standin.faults.append(fault)
    with pytest.raises(RemoteError, match=message):
        push_plan(plan)
    assert standin.issues == {}
