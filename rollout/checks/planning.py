"""Planning rules: the rollout is run as a real project plan, with owners and dependencies (FM011)."""

from __future__ import annotations

from .context import CheckContext
from .registry import Violation, rule

__all__ = ["plan_light"]


@rule("FM011", "plan-light", severity="warning", needs_schedule=False,
      summary="most tasks have no owner, or most tasks have no dependencies",
      settings={"plan_light_share": 0.5, "plan_light_min_tasks": 5},
      hint="give every task an owner and link tasks to what they really wait for")
def plan_light(ctx: CheckContext):
    """## What it does
    In a plan of at least `plan_light_min_tasks` (5) tasks, milestones aside, reports when more
    than `plan_light_share` (half) of them have no `owner`, and when more than that share have no
    `depends_on`.

    ## Why is this bad?
    Alignment programmes are often run as "project management light": a list of workshops with
    dates, but nobody accountable and no record of what waits for what. Then a slip in one
    workstream surfaces weeks later in another, and nobody can say what the critical path is.

    ## Example
    ```yaml
    tasks:
      - {id: work.interviews, duration: 3w}
      - {id: work.synthesis, duration: 1w}
      - {id: work.strategy, duration: 2w}
      - {id: work.processes, duration: 6w}
      - {id: work.pilot, duration: 4w}
    ```

    ## Use instead
    ```yaml
    tasks:
      - {id: work.interviews, duration: 3w, owner: research}
      - {id: work.synthesis, duration: 1w, owner: research, depends_on: [work.interviews]}
      - {id: work.strategy, duration: 2w, owner: dana, depends_on: [work.synthesis]}
      - {id: work.processes, duration: 6w, owner: ops, depends_on: [work.strategy]}
      - {id: work.pilot, duration: 4w, owner: ops, depends_on: [work.processes]}
    ```
    """
    work = [t for t in ctx.tasks if t.duration > 0]
    if len(work) < ctx.settings.get("plan_light_min_tasks", 5):
        return
    share = ctx.settings.get("plan_light_share", 0.5)
    unowned = [t.id for t in work if not t.owner]
    unlinked = [t.id for t in work if not t.depends_on]
    if len(unowned) > share * len(work):
        yield Violation(f"{len(unowned)} of {len(work)} tasks have no owner", tasks=tuple(unowned[:10]),
                        hint="give each task an owner: a person from `people` or a role")
    if len(unlinked) > share * len(work):
        yield Violation(f"{len(unlinked)} of {len(work)} tasks depend on nothing", tasks=tuple(unlinked[:10]),
                        hint="add `depends_on` to each task for what it really waits for")
