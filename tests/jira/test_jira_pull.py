"""Pull: status category, assignee, resolution and actual dates from the changelog, as a dated snapshot."""

from __future__ import annotations

import datetime as dt

from jira_fixtures import make_plan

from rollout.state import StateStore
from rollout.trackers import pull_plan, push_plan

UTC = dt.timezone.utc


def test_pull_stores_a_snapshot_with_actual_dates(standin, tmp_path):
    plan = make_plan(tmp_path)
    push_plan(plan)
    key = {ref: keys[0] for ref, keys in standin.task_issues().items()}
    standin.transition(key["disc.interviews"], "3", dt.datetime(2027, 1, 12, 9, 30, tzinfo=UTC))
    standin.transition(key["disc.interviews"], "10001", dt.datetime(2027, 1, 26, 17, 0, tzinfo=UTC))
    standin.assign(key["disc.interviews"], "Dana Whitfield")
    standin.transition(key["disc.synthesis"], "3", dt.datetime(2027, 1, 27, 8, 0, tzinfo=UTC))

    result = pull_plan(plan)
    assert result.summary() == {"todo": 3, "in-progress": 1, "done": 1}
    done = result.tasks["disc.interviews"]
    assert (done.status, done.status_category, done.state) == ("Done", "done", "done")
    assert (done.actual_start, done.actual_finish) == (dt.date(2027, 1, 12), dt.date(2027, 1, 26))
    assert done.assignee == "Dana Whitfield" and done.resolution == "Done"
    going = result.tasks["disc.synthesis"]
    assert (going.state, going.actual_start, going.actual_finish) == ("in-progress", dt.date(2027, 1, 27), None)
    assert result.tasks["design.go"].state == "todo"
    assert "epic:disc" not in result.tasks

    with StateStore(plan.path, plan.id) as store:
        latest = store.latest_snapshot()
        assert latest.tasks["disc.interviews"].actual_finish == dt.date(2027, 1, 26)
        assert len(store.snapshots()) == 1


def test_pull_writes_nothing_to_jira(standin, tmp_path):
    plan = make_plan(tmp_path)
    push_plan(plan)
    before = len(standin.writes())
    pull_plan(plan)
    assert standin.writes()[before:] == []


def test_a_long_changelog_is_read_to_the_end(standin, tmp_path):
    standin.changelog_page = 2          # the search returns only the first two histories
    plan = make_plan(tmp_path)
    push_plan(plan)
    key = standin.task_issues()["design.tool"][0]
    moves = [("3", 1), ("1", 2), ("3", 3), ("10001", 5), ("3", 8), ("10001", 9)]
    for status, day in moves:
        standin.transition(key, status, dt.datetime(2027, 2, day, 10, tzinfo=UTC))
    result = pull_plan(plan)
    tool = result.tasks["design.tool"]
    assert (tool.actual_start, tool.actual_finish) == (dt.date(2027, 2, 1), dt.date(2027, 2, 9))
    assert any(s.path.endswith(f"/issue/{key}/changelog") for s in standin.seen)


def test_snapshots_accumulate_and_the_latest_wins(standin, tmp_path):
    plan = make_plan(tmp_path)
    push_plan(plan)
    key = standin.task_issues()["disc.interviews"][0]
    pull_plan(plan)
    standin.transition(key, "10001", dt.datetime(2027, 1, 20, 12, tzinfo=UTC))
    pull_plan(plan)
    with StateStore(plan.path, plan.id) as store:
        states = [s.tasks["disc.interviews"].state for s in store.snapshots()]
        assert states == ["todo", "done"]
        assert store.latest_snapshot().tasks["disc.interviews"].actual_start == dt.date(2027, 1, 20)


def test_jira_timestamps_with_or_without_a_colon_in_the_offset():
    from rollout.trackers.jira.pull import _parse_time

    assert _parse_time("2027-01-20T23:30:00.000+0000") == _parse_time("2027-01-20T23:30:00.000+00:00")
    assert _parse_time("2027-01-20T23:30:00.000-0500").date() == dt.date(2027, 1, 20)
    assert _parse_time("yesterday") is None
