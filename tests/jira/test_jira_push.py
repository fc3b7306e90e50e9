"""Push against the Jira stand-in: what gets created, what a re-push writes, edits, conflicts, removals."""

from __future__ import annotations

import dataclasses
import math

import pytest
from jira_fixtures import make_plan
from jira_standin import START_FIELD

from rollout.model import Dependency, Task
from rollout.schedule import schedule
from rollout.state import StateStore, state_path
from rollout.trackers import push_plan


def _task(plan, task_id):
    return plan.task_index()[task_id]


def _replace(plan, task_id, **changes):
    tasks = tuple(dataclasses.replace(t, **changes) if t.id == task_id else t for t in plan.tasks)
    return dataclasses.replace(plan, tasks=tasks)


def test_first_push_creates_epics_issues_and_blocks_links(standin, tmp_path):
    plan = make_plan(tmp_path)
    result = push_plan(plan)

    issues = standin.task_issues("acme")
    assert sorted(issues) == sorted(["epic:disc", "epic:design", *[t.id for t in plan.tasks]])
    assert all(len(keys) == 1 for keys in issues.values())
    key = {ref: keys[0] for ref, keys in issues.items()}

    sched = schedule(plan)
    for t in plan.tasks:
        fields = standin.issues[key[t.id]]["fields"]
        assert fields["summary"] == t.name
        assert fields["duedate"] == sched[t.id].finish_date.isoformat()
        assert fields[START_FIELD] == sched[t.id].start_date.isoformat()
        assert fields["parent"]["key"] == key[f"epic:{t.workstream}"]
        assert {"rollout", "rollout-acme"} <= set(fields["labels"])
        assert standin.issues[key[t.id]]["properties"]["rollout"] == {"plan": "acme", "task": t.id}
        assert fields["description"]["type"] == "doc"      # ADF on Cloud v3
    milestone = standin.issues[key["design.go"]]["fields"]
    assert milestone[START_FIELD] == milestone["duedate"]
    assert "milestone" in milestone["labels"]
    assert standin.issues[key["epic:disc"]]["fields"]["issuetype"]["name"] == "Epic"

    # "B depends on A": the issue view of A says "blocks B" and B says "is blocked by A"
    assert sorted(standin.issue_view_links(key["disc.synthesis"])) == sorted(
        [f"is blocked by {key['disc.interviews']}", f"blocks {key['design.process']}", f"blocks {key['design.go']}"])
    assert standin.issue_view_links(key["design.go"]) == [f"is blocked by {key['design.tool']}",
                                                          f"is blocked by {key['disc.synthesis']}"] or \
        sorted(standin.issue_view_links(key["design.go"])) == sorted(
            [f"is blocked by {key['design.tool']}", f"is blocked by {key['disc.synthesis']}"])
    assert len(standin.links) == 5

    creates = [s for s in standin.writes() if s.path.endswith("/issue/bulk")]
    assert len(creates) == 2                      # epics, then tasks (each ≤ 50 per call)
    # link types are read once per push, not once per link as jira.JIRA.create_issue_link would
    assert len([s for s in standin.seen if s.path.endswith("/issueLinkType")]) == 1
    assert result.summary()["create"] == 7 and result.summary()["link"] == 5
    with StateStore(plan.path, plan.id) as store:
        assert store.issue_keys() == {t.id: key[t.id] for t in plan.tasks}
        assert store.baseline()["design.go"][1] == sched["design.go"].finish_date
    assert result.baseline_saved


def test_second_push_of_an_unchanged_plan_writes_nothing(standin, tmp_path):
    plan = make_plan(tmp_path)
    push_plan(plan)
    before = len(standin.seen)
    result = push_plan(plan)
    calls = standin.seen[before:]
    assert [c for c in calls if c.method != "GET" and not c.path.endswith("/search/jql")] == []
    assert len(calls) <= math.ceil(len(plan.tasks) / 100) + 5
    assert result.summary()["create"] == result.summary()["update"] == result.summary()["link"] == 0
    assert result.summary()["unchanged"] == 7
    assert not result.baseline_saved


def test_bulk_create_sends_at_most_fifty_per_call(standin, tmp_path):
    tasks = [Task(f"w.t{i:03d}", f"Task {i}", "w", 1) for i in range(120)]
    plan = make_plan(tmp_path, tasks=tasks, jira={"project": "ACME", "epic_per": "none"})
    push_plan(plan)
    sizes = [len(s.body["issueUpdates"]) for s in standin.writes() if s.path.endswith("/issue/bulk")]
    assert sizes == [50, 50, 20]
    assert len(standin.task_issues("acme")) == 120
    before = len(standin.seen)
    push_plan(plan)
    assert len(standin.seen) - before <= math.ceil(120 / 100) + 5
    assert standin.writes() == [s for s in standin.writes() if s in standin.seen[:before]]


def test_an_edited_plan_makes_minimal_updates(standin, tmp_path):
    plan = make_plan(tmp_path)
    push_plan(plan)
    key = {ref: keys[0] for ref, keys in standin.task_issues().items()}
    before = len(standin.writes())

    renamed = _replace(plan, "design.tool", name="Choose the renewal tool")
    result = push_plan(renamed)
    new = standin.writes()[before:]
    assert [(w.method, w.path.rsplit("/", 1)[1]) for w in new] == [("PUT", key["design.tool"])]
    assert new[0].body == {"fields": {"summary": "Choose the renewal tool"}}
    assert result.summary()["update"] == 1

    # a longer tool selection moves its own due date and the milestone's dates, nothing else
    before = len(standin.writes())
    longer = _replace(renamed, "design.tool", duration=9)
    push_plan(longer)
    touched = sorted(w.path.rsplit("/", 1)[1] for w in standin.writes()[before:])
    assert touched == sorted([key["design.tool"], key["design.go"], key["epic:design"]])


def test_dependencies_added_and_removed_change_only_their_links(standin, tmp_path):
    plan = make_plan(tmp_path)
    push_plan(plan)
    key = {ref: keys[0] for ref, keys in standin.task_issues().items()}
    before = len(standin.writes())
    edited = _replace(plan, "design.go", depends_on=(Dependency("design.tool"), Dependency("disc.interviews")))
    result = push_plan(edited)
    new = standin.writes()[before:]
    assert sorted((w.method, w.path.split("/rest/api/3/")[1].split("/")[0]) for w in new) == [
        ("DELETE", "issueLink"), ("POST", "issueLink")]
    assert f"is blocked by {key['disc.interviews']}" in standin.issue_view_links(key["design.go"])
    assert f"is blocked by {key['disc.synthesis']}" not in standin.issue_view_links(key["design.go"])
    assert result.summary()["link"] == 1 and result.summary()["unlink"] == 1


def test_links_people_made_are_left_alone(standin, tmp_path):
    plan = make_plan(tmp_path)
    push_plan(plan)
    key = {ref: keys[0] for ref, keys in standin.task_issues().items()}
    with standin.lock:       # someone links two of our issues by hand
        standin.links["29999"] = ("10000", key["disc.interviews"], key["design.tool"])
    before = len(standin.writes())
    push_plan(plan)
    assert standin.writes()[before:] == []
    assert "29999" in standin.links


def test_a_removed_task_is_labelled_not_deleted(standin, tmp_path):
    plan = make_plan(tmp_path)
    push_plan(plan)
    key = {ref: keys[0] for ref, keys in standin.task_issues().items()}
    smaller = dataclasses.replace(plan, tasks=tuple(t for t in plan.tasks if t.id != "design.tool"))
    smaller = _replace(smaller, "design.go", depends_on=(Dependency("disc.synthesis"),))
    result = push_plan(smaller)
    assert key["design.tool"] in standin.issues
    assert "rollout-removed" in standin.issues[key["design.tool"]]["fields"]["labels"]
    assert [c.task for c in result.changes if c.action == "label-removed"] == ["design.tool"]
    assert not any(s.method == "DELETE" and "/issue/" in s.path for s in standin.seen)
    # labelled once: the next push has nothing to do
    before = len(standin.writes())
    push_plan(smaller)
    assert standin.writes()[before:] == []
    # the task comes back: the label goes, no second issue
    push_plan(plan)
    assert "rollout-removed" not in standin.issues[key["design.tool"]]["fields"]["labels"]
    assert standin.task_issues()["design.tool"] == [key["design.tool"]]


def test_a_field_people_changed_is_a_conflict_left_alone_unless_forced(standin, tmp_path):
    plan = make_plan(tmp_path)
    push_plan(plan)
    key = {ref: keys[0] for ref, keys in standin.task_issues().items()}
    standin.human_edit(key["design.process"], summary="Process redesign (owner: Priya)", duedate="2027-06-30")

    result = push_plan(plan)
    conflicts = result.conflicts
    assert [(c.task, c.issue) for c in conflicts] == [("design.process", key["design.process"])]
    assert "summary" in conflicts[0].detail and "duedate" in conflicts[0].detail
    assert standin.issues[key["design.process"]]["fields"]["summary"] == "Process redesign (owner: Priya)"

    # the plan changes that task's name: still a conflict on summary, still left alone
    renamed = _replace(plan, "design.process", name="Redesign renewals end to end")
    result = push_plan(renamed)
    assert [c.task for c in result.conflicts] == ["design.process"]
    assert standin.issues[key["design.process"]]["fields"]["summary"] == "Process redesign (owner: Priya)"

    result = push_plan(renamed, force=True)
    fields = standin.issues[key["design.process"]]["fields"]
    assert fields["summary"] == "Redesign renewals end to end"
    assert fields["duedate"] == schedule(renamed)["design.process"].finish_date.isoformat()
    assert push_plan(renamed).conflicts == []


def test_dry_run_reads_but_writes_nothing(standin, tmp_path):
    plan = make_plan(tmp_path)
    result = push_plan(plan, dry_run=True)
    assert standin.writes() == [] and standin.issues == {}
    assert result.summary()["create"] == 7 and result.summary()["link"] == 5
    assert not state_path(plan.path, plan.id).exists() or StateStore(plan.path, plan.id).issue_keys() == {}
    push_plan(plan)
    edited = _replace(plan, "disc.interviews", name="Customer interviews, all segments")
    before = len(standin.writes())
    result = push_plan(edited, dry_run=True)
    assert standin.writes()[before:] == []
    assert [(c.action, c.task) for c in result.changes if c.action not in ("unchanged", "unassigned")] == [
        ("update", "disc.interviews")]


def test_lost_state_is_rebuilt_from_the_issue_property(standin, tmp_path):
    plan = make_plan(tmp_path)
    push_plan(plan)
    state_path(plan.path, plan.id).unlink()
    before = len(standin.writes())
    result = push_plan(plan)
    assert standin.writes()[before:] == []
    assert all(len(keys) == 1 for keys in standin.task_issues().values())
    assert result.summary()["unchanged"] == 7
    with StateStore(plan.path, plan.id) as store:
        assert len(store.issue_keys()) == 5 and len(store.links()) == 5


def test_epic_per_plan_and_none(standin, tmp_path):
    plan = make_plan(tmp_path, jira={"project": "ACME", "epic_per": "plan"})
    push_plan(plan)
    issues = standin.task_issues()
    assert "epic:" in issues and len(issues) == 6
    epic = issues["epic:"][0]
    assert {standin.issues[k[0]]["fields"]["parent"]["key"] for r, k in issues.items() if r != "epic:"} == {epic}

    other = make_plan(tmp_path, plan_id="beta", jira={"project": "ACME", "epic_per": "none"})
    push_plan(other)
    beta = standin.task_issues("beta")
    assert len(beta) == 5 and all(standin.issues[k[0]]["fields"]["parent"] is None for k in beta.values())


def test_a_rejected_item_is_reported_and_the_rest_is_created(standin, tmp_path):
    plan = make_plan(tmp_path)
    standin.reject_summaries.add("Select the renewal tool")
    result = push_plan(plan)
    assert [(c.action, c.task) for c in result.errors] == [("error", "design.tool")]
    assert "Summary rejected" in result.errors[0].detail
    assert "design.tool" not in standin.task_issues() and len(standin.task_issues()) == 6
    standin.reject_summaries.clear()
    result = push_plan(plan)
    assert result.errors == []
    assert [c.task for c in result.changes if c.action == "create"] == ["design.tool"]
    assert len(standin.links) == 5


@pytest.mark.parametrize("config, message", [
    ({"project": "NOPE"}, "Jira project 'NOPE' does not exist"),
    ({"project": "ACME", "issue_type": "Story"}, "issue type 'Story' does not exist in Jira project ACME"),
    ({"project": "ACME", "link_type": "Depends"}, "Jira has no issue link type 'Depends'"),
])
def test_configuration_mistakes_say_what_to_fix(standin, tmp_path, config, message):
    from rollout.errors import RemoteError

    with pytest.raises(RemoteError, match=message) as info:
        push_plan(make_plan(tmp_path, jira=config))
    assert info.value.exit_code == 3
    assert standin.writes() == []


def test_where_parent_is_refused_epics_are_linked_through_epic_link(openapi_checker, tmp_path, monkeypatch):
    from jira_fixtures import FAST
    from jira_standin import EPIC_LINK_FIELD, JiraStandIn

    server = JiraStandIn(checker=openapi_checker, refuse_parent=True).start()
    try:
        for name, value in {**server.env(), **FAST}.items():
            monkeypatch.setenv(name, value)
        plan = make_plan(tmp_path)
        result = push_plan(plan)
        assert result.errors == []
        issues = {ref: keys[0] for ref, keys in server.task_issues().items()}
        assert len(issues) == 7
        for t in plan.tasks:
            assert server.issues[issues[t.id]]["fields"][EPIC_LINK_FIELD] == issues[f"epic:{t.workstream}"]
        before = len(server.writes())
        assert push_plan(plan).summary()["unchanged"] == 7
        assert server.writes()[before:] == []
        assert server.violations == []
    finally:
        server.stop()


def test_a_link_people_removed_is_a_conflict_restored_only_with_force(standin, tmp_path):
    plan = make_plan(tmp_path)
    push_plan(plan)
    key = {ref: keys[0] for ref, keys in standin.task_issues().items()}
    link_id = next(i for i, (_, a, b) in standin.links.items()
                   if (a, b) == (key["disc.synthesis"], key["design.process"]))
    standin.delete_link_by_hand(link_id)
    before = len(standin.writes())
    result = push_plan(plan)
    assert standin.writes()[before:] == []
    assert [(c.task, "removed in Jira" in c.detail) for c in result.conflicts] == [("design.process", True)]
    result = push_plan(plan, force=True)
    assert f"is blocked by {key['disc.synthesis']}" in standin.issue_view_links(key["design.process"])
    assert push_plan(plan).conflicts == []


def test_an_issue_that_lost_our_label_is_found_again_not_duplicated(standin, tmp_path):
    plan = make_plan(tmp_path)
    push_plan(plan)
    key = standin.task_issues()["design.tool"][0]
    standin.human_edit(key, labels=["rollout", "priya-was-here"])
    result = push_plan(plan)
    assert standin.task_issues()["design.tool"] == [key]
    assert [(c.action, c.task) for c in result.changes if c.action not in ("unchanged", "unassigned")] == [("update", "design.tool")]
    assert set(standin.issues[key]["fields"]["labels"]) == {"rollout", "priya-was-here", "rollout-acme"}


def test_an_issue_deleted_in_jira_is_a_conflict_recreated_only_with_force(standin, tmp_path):
    plan = make_plan(tmp_path)
    push_plan(plan)
    old = standin.task_issues()["design.tool"][0]
    standin.delete_issue_by_hand(old)
    result = push_plan(plan)
    assert [(c.task, c.issue) for c in result.conflicts] == [("design.tool", old)]
    assert "design.tool" not in standin.task_issues() and result.summary()["create"] == 0
    result = push_plan(plan, force=True)
    new = standin.task_issues()["design.tool"]
    assert len(new) == 1 and new[0] != old
    key = {ref: keys[0] for ref, keys in standin.task_issues().items()}
    assert sorted(standin.issue_view_links(new[0])) == sorted(
        [f"is blocked by {key['design.process']}", f"blocks {key['design.go']}"])
    after = push_plan(plan)
    assert after.conflicts == [] and after.summary()["create"] == 0
