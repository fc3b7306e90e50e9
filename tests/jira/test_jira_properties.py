"""Property: after any sequence of plan edits, each push leaves Jira matching the plan, and the next push writes nothing."""

from __future__ import annotations

import dataclasses

from jira_fixtures import make_plan
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jira_standin import START_FIELD

from rollout.model import Dependency, Task
from rollout.schedule import schedule
from rollout.trackers import push_plan

EDITS = st.lists(st.tuples(st.sampled_from(["rename", "duration", "add", "remove", "link", "unlink"]),
                           st.integers(0, 10_000), st.integers(0, 10_000)), min_size=1, max_size=4)


def _edit(plan, edit, serial):
    kind, a, b = edit
    tasks = list(plan.tasks)
    t = tasks[a % len(tasks)]
    if kind == "rename":
        tasks[a % len(tasks)] = dataclasses.replace(t, name=f"{t.name} r{serial}")
    elif kind == "duration":
        tasks[a % len(tasks)] = dataclasses.replace(t, duration=1 + b % 9)
    elif kind == "add":
        deps = (Dependency(tasks[b % len(tasks)].id),)
        tasks.append(Task(f"design.new{serial}", f"New task {serial}", "design", 1 + b % 5, depends_on=deps))
    elif kind == "remove" and len(tasks) > 2:
        gone = tasks.pop(a % len(tasks))
        tasks = [dataclasses.replace(x, depends_on=tuple(d for d in x.depends_on if d.task != gone.id))
                 for x in tasks]
    elif kind == "link":
        i, j = sorted((a % len(tasks), b % len(tasks)))
        if i != j and all(d.task != tasks[i].id for d in tasks[j].depends_on):
            tasks[j] = dataclasses.replace(tasks[j], depends_on=tasks[j].depends_on + (Dependency(tasks[i].id),))
    elif kind == "unlink" and t.depends_on:
        tasks[a % len(tasks)] = dataclasses.replace(t, depends_on=t.depends_on[1:])
    return dataclasses.replace(plan, tasks=tuple(tasks))


def _assert_jira_matches(standin, plan):
    issues = standin.task_issues(plan.id)
    assert all(len(keys) == 1 for keys in issues.values())
    key = {ref: keys[0] for ref, keys in issues.items()}
    sched = schedule(plan)
    in_plan = {t.id for t in plan.tasks}
    for t in plan.tasks:
        fields = standin.issues[key[t.id]]["fields"]
        assert fields["summary"] == t.name
        assert (fields[START_FIELD], fields["duedate"]) == (sched[t.id].start_date.isoformat(),
                                                            sched[t.id].finish_date.isoformat())
        assert "rollout-removed" not in fields["labels"]
    for ref, k in key.items():
        if not ref.startswith("epic:") and ref not in in_plan:
            assert "rollout-removed" in standin.issues[k]["fields"]["labels"]
    wanted = sorted((key[d.task], key[t.id]) for t in plan.tasks for d in t.depends_on)
    ours = set(key.values())
    assert sorted((a, b) for _, a, b in standin.links.values() if a in ours or b in ours) == wanted


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=EDITS)
def test_any_edits_converge_and_settle(standin, tmp_path_factory, edits):
    plan = make_plan(tmp_path_factory.mktemp("p"), plan_id=f"p{len(standin.seen)}")
    push_plan(plan)
    for serial, edit in enumerate(edits):
        plan = _edit(plan, edit, serial)
        result = push_plan(plan)
        assert result.errors == [] and result.conflicts == []
        _assert_jira_matches(standin, plan)
        before = len(standin.writes())
        push_plan(plan)
        assert standin.writes()[before:] == []
