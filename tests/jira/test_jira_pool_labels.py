"""A task that uses a pool (task ``resources:`` naming a pool) carries the pool as a Jira label."""

from __future__ import annotations

import dataclasses

from jira_fixtures import make_plan

from rollout.model import Person, ResourcePool, Task
from rollout.trackers import push_plan

TASKS = (
    Task("disc.train", "Train the branches", "disc", 5, resources=(("trainers", 2.0),)),
    Task("disc.cutover", "Cut over", "disc", 3, resources=(("it", 1.0), ("dana", 0.5))),
    Task("disc.notes", "Notes", "disc", 1, resources=(("dana", 0.25),)),
)


def test_a_pools_tasks_carry_the_pool_as_a_label(standin, tmp_path):
    plan = dataclasses.replace(make_plan(tmp_path, tasks=TASKS),
                               people=(Person("dana", "Dana Whitfield", "dana@acme.example"),),
                               resources=(ResourcePool("trainers", "Trainers", 3), ResourcePool("it", "IT", 2)))
    result = push_plan(plan)
    assert result.errors == []
    labels = {task: standin.issues[keys[0]]["fields"]["labels"] for task, keys in standin.task_issues().items()}
    assert "pool-trainers" in labels["disc.train"] and "pool-it" not in labels["disc.train"]
    assert "pool-it" in labels["disc.cutover"] and "pool-dana" not in labels["disc.cutover"]   # a person is no pool
    assert not [x for x in labels["disc.notes"] if x.startswith("pool-")]
    assert all(" " not in x for xs in labels.values() for x in xs)
