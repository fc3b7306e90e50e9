"""A real network misbehaves: rate limits, 5xx, slow answers, timeouts, connections cut mid-answer."""

from __future__ import annotations

import datetime as dt
import socket
import time

import pytest
from jira_fixtures import make_plan
from jira_standin import Fault

from rollout.errors import RemoteError
from rollout.model import Dependency, Task
from rollout.schedule import schedule
from rollout.state import StateStore
from rollout.trackers import push_plan
from rollout.trackers.jira import JiraTracker, retry_after_seconds


def _push_recording_sleeps(plan, monkeypatch, really_sleep=False, **env):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    waits: list[float] = []

    def sleep(seconds):
        waits.append(seconds)
        if really_sleep:
            time.sleep(seconds)

    with StateStore(plan.path, plan.id) as store:
        result = JiraTracker(sleep=sleep).push(plan, schedule(plan), store)
    return result, waits


def _assert_complete(standin, plan):
    issues = standin.task_issues(plan.id)
    duplicates = {ref: keys for ref, keys in issues.items() if len(keys) > 1}
    assert duplicates == {}
    assert {t.id for t in plan.tasks} <= set(issues)
    key = {ref: keys[0] for ref, keys in issues.items()}
    wanted = sorted((key[d.task], key[t.id]) for t in plan.tasks for d in t.depends_on)
    made = sorted((blocker, blocked) for _, blocker, blocked in standin.links.values())
    assert made == wanted


def test_retry_after_reads_seconds_and_http_dates():
    now = dt.datetime(2027, 3, 1, 12, 0, 0, tzinfo=dt.timezone.utc)
    assert retry_after_seconds("12", now) == 12.0
    assert retry_after_seconds("Mon, 01 Mar 2027 12:00:30 GMT", now) == 30.0
    assert retry_after_seconds("Mon, 01 Mar 2027 11:59:00 GMT", now) == 0.0     # already past
    assert retry_after_seconds("soon", now) is None
    assert retry_after_seconds(None, now) is None


def test_429_waits_as_long_as_retry_after_says(standin, tmp_path, monkeypatch):
    plan = make_plan(tmp_path)
    standin.faults.append(Fault("429", "search/jql", count=2, retry_after="7"))
    result, waits = _push_recording_sleeps(plan, monkeypatch, ROLLOUT_JIRA_MAX_DELAY="60")
    assert waits[:2] == [7.0, 7.0]
    assert result.errors == []
    _assert_complete(standin, plan)


def test_429_with_an_http_date(standin, tmp_path, monkeypatch):
    plan = make_plan(tmp_path)
    standin.faults.append(Fault("429-date", "GET /rest/api/3/field"))
    result, waits = _push_recording_sleeps(plan, monkeypatch, ROLLOUT_JIRA_MAX_DELAY="60")
    assert waits[0] == 0.0            # the date given is already past: go at once
    assert result.errors == []


def test_503_without_retry_after_is_retried_with_growing_backoff(standin, tmp_path, monkeypatch):
    # the jira package's own retry gives up on a 503 that has no Retry-After; ours does not
    plan = make_plan(tmp_path)
    standin.faults.append(Fault("503", "GET /rest/api/3/project/", count=3))
    result, waits = _push_recording_sleeps(plan, monkeypatch, ROLLOUT_JIRA_BACKOFF="1", ROLLOUT_JIRA_MAX_DELAY="60")
    assert len(waits) == 3
    assert 0.5 <= waits[0] <= 1 and 1 <= waits[1] <= 2 and 2 <= waits[2] <= 4     # doubling, jittered
    assert len([s for s in standin.seen if "/project/" in s.path]) == 4
    assert result.errors == []


@pytest.mark.parametrize("kind", ["drop", "timeout", "500", "502", "reset"])
def test_an_uncertain_bulk_create_is_reconciled_not_repeated(standin, tmp_path, kind):
    plan = make_plan(tmp_path)
    standin.faults.append(Fault(kind, "POST /rest/api/3/issue/bulk"))
    result = push_plan(plan)
    assert result.errors == []
    _assert_complete(standin, plan)
    assert sorted(c.task for c in result.changes if c.action == "create") == sorted(
        ["epic:disc", "epic:design", *[t.id for t in plan.tasks]])


@pytest.mark.parametrize("kind", ["drop", "timeout", "503"])
def test_an_uncertain_link_is_checked_before_it_is_made_again(standin, tmp_path, monkeypatch, kind):
    monkeypatch.setenv("ROLLOUT_JIRA_WORKERS", "1")
    plan = make_plan(tmp_path)
    standin.faults.append(Fault(kind, "POST /rest/api/3/issueLink", count=2))
    result = push_plan(plan)
    assert result.errors == []
    _assert_complete(standin, plan)


@pytest.mark.parametrize("kind", ["drop", "slow", "500", "timeout"])
def test_reads_and_updates_survive_faults(standin, tmp_path, kind):
    plan = make_plan(tmp_path)
    push_plan(plan)
    standin.faults += [Fault(kind, "search/jql"), Fault(kind, "PUT /rest/api/3/issue/")]
    import dataclasses

    renamed = dataclasses.replace(plan, tasks=tuple(
        dataclasses.replace(t, name=t.name + " (v2)") if t.id == "disc.synthesis" else t for t in plan.tasks))
    result = push_plan(renamed)
    assert result.summary()["update"] == 1 and result.errors == []
    key = standin.task_issues()["disc.synthesis"][0]
    assert standin.issues[key]["fields"]["summary"] == "Synthesise findings (v2)"


def test_a_fifth_of_all_calls_faulted_still_converges(standin, tmp_path):
    tasks = [Task(f"w.t{i:03d}", f"Task {i}", "w" if i % 2 else "v", 1,
                  depends_on=tuple(Dependency(f"w.t{j:03d}") for j in (i - 1, i - 7) if j >= 0))
             for i in range(70)]
    plan = make_plan(tmp_path, tasks=tasks)
    standin.fault_rate = 0.2
    standin.fault_kinds = ("429", "429-date", "500", "502", "503", "drop", "reset", "slow", "timeout")
    runs = 0
    while True:
        runs += 1
        try:
            result = push_plan(plan)
        except RemoteError:
            result = None
        if result is not None and result.errors == []:
            break
        assert runs < 4, "did not converge"
    faulted = [s for s in standin.seen if s.fault]
    assert len(faulted) >= 0.1 * len(standin.seen)
    _assert_complete(standin, plan)
    standin.fault_rate = 0.0
    before = len(standin.writes())
    again = push_plan(plan)
    assert standin.writes()[before:] == [] and again.summary()["unchanged"] == 72


def test_jira_that_keeps_failing_ends_with_exit_code_3(standin, tmp_path):
    standin.faults.append(Fault("503", "GET /rest/api/3/project/", count=100))
    with pytest.raises(RemoteError, match=r"Jira kept failing \(HTTP 503") as info:
        push_plan(make_plan(tmp_path))
    assert info.value.exit_code == 3
    assert len(standin.seen) == 9          # the first try and ROLLOUT_JIRA_RETRIES=8 retries, no more


def test_an_unreachable_server_says_check_jira_url(standin, tmp_path, monkeypatch):
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()                               # nothing listens there now
    monkeypatch.setenv("JIRA_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("ROLLOUT_JIRA_RETRIES", "2")
    with pytest.raises(RemoteError, match=f"cannot reach Jira at http://127.0.0.1:{port}.*check JIRA_URL"):
        push_plan(make_plan(tmp_path))


def test_bad_credentials_and_missing_permission(standin, tmp_path, monkeypatch):
    monkeypatch.setenv("JIRA_API_TOKEN", "wrong-token-123")
    with pytest.raises(RemoteError, match=r"rejected the credentials \(HTTP 401\): check JIRA_EMAIL and JIRA_API_TOKEN"):
        push_plan(make_plan(tmp_path))
    monkeypatch.setenv("JIRA_API_TOKEN", standin.token)
    standin.denied.add("create")
    with pytest.raises(RemoteError, match=r"denied permission \(HTTP 403\).*create issues"):
        push_plan(make_plan(tmp_path))
    assert standin.issues == {}


def test_no_permission_to_link_or_edit_stops_the_push_with_a_clear_message(standin, tmp_path):
    plan = make_plan(tmp_path)
    standin.denied.add("link")
    with pytest.raises(RemoteError, match=r"denied permission \(HTTP 404\) for POST issueLink.*link issues"):
        push_plan(plan)
    standin.denied = {"edit"}
    import dataclasses

    renamed = dataclasses.replace(plan, tasks=tuple(dataclasses.replace(t, name="Renamed") if t.id == "design.go"
                                                    else t for t in plan.tasks))
    with pytest.raises(RemoteError, match=r"denied permission \(HTTP 400\) for PUT issue/ACME-\d+"):
        push_plan(renamed)
    standin.denied = set()
    assert push_plan(renamed).errors == []
    _assert_complete(standin, plan)


def test_an_interrupted_create_is_reported_as_resumed(standin, tmp_path, monkeypatch):
    plan = make_plan(tmp_path)
    standin.faults.append(Fault("503", "POST /rest/api/3/issue/bulk", count=100))   # never goes through
    monkeypatch.setenv("ROLLOUT_JIRA_RETRIES", "1")
    result = push_plan(plan)
    assert [c.task for c in result.errors] == ["epic:disc", "epic:design", *[t.id for t in plan.tasks]]
    with StateStore(plan.path, plan.id) as store:
        assert store.records() == {}            # refused creates leave no intent behind
    standin.faults.clear()
    with StateStore(plan.path, plan.id) as store:
        store.record_intent([("epic:disc", "epic")])   # as a push killed right after announcing a create
    again = push_plan(plan)
    assert again.resumed == 1 and again.errors == []
    _assert_complete(standin, plan)


@pytest.mark.parametrize("kind, call", [("reset", "POST /rest/api/3/issue/bulk"), ("503", "POST /rest/api/3/issue/bulk"),
                                        ("drop", "POST /rest/api/3/issueLink"), ("500", "POST /rest/api/3/issueLink")])
def test_after_a_reset_or_5xx_reconciling_starts_at_once(standin, tmp_path, monkeypatch, kind, call):
    # the server has finished with a call it answered 5xx or hung up on: no reason to wait two timeouts
    monkeypatch.setenv("ROLLOUT_JIRA_WORKERS", "1")
    plan = make_plan(tmp_path)
    standin.faults.append(Fault(kind, call))
    result, waits = _push_recording_sleeps(plan, monkeypatch, ROLLOUT_JIRA_TIMEOUT="5")
    assert result.errors == []
    _assert_complete(standin, plan)
    assert max(waits, default=0) < 1, waits


@pytest.mark.parametrize("call", ["POST /rest/api/3/issue/bulk", "POST /rest/api/3/issueLink"])
def test_after_a_timeout_reconciling_waits_for_the_server(standin, tmp_path, monkeypatch, call):
    # a call we gave up on may still be carried out: look only once it must have finished
    monkeypatch.setenv("ROLLOUT_JIRA_WORKERS", "1")
    plan = make_plan(tmp_path)
    standin.faults.append(Fault("timeout", call))
    result, waits = _push_recording_sleeps(plan, monkeypatch, really_sleep=True)
    assert result.errors == []
    _assert_complete(standin, plan)
    assert len([w for w in waits if w >= 2 * 0.5]) == 1, waits


def test_a_search_that_lags_behind_a_create_is_asked_again(standin, tmp_path, monkeypatch):
    # the create went through, Jira hung up, and the first search does not show the new issues yet
    plan = make_plan(tmp_path)
    standin.faults.append(Fault("drop", "POST /rest/api/3/issue/bulk"))
    def stale(payload):
        return {**payload, "issues": [], "isLast": True}

    standin.faults.append(Fault("tamper", "POST /rest/api/3/search/jql", count=2, tamper=stale))
    # the first tampered answer is push's own search (nothing there yet); the second the lagging one
    result, waits = _push_recording_sleeps(plan, monkeypatch)
    assert result.errors == []
    _assert_complete(standin, plan)
