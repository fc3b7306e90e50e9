"""Structure rules (S…): the plan as a graph of tasks, owners and dates holds together."""

from __future__ import annotations

from ..schedule import cycle_among, stuck_positions
from ..util import suggestion
from .context import CUSTOMER_ROLES, EMPLOYEE_ROLES, EXECUTIVE_ROLES, CheckContext, slug
from .registry import Violation, rule

__all__ = ["COMMON_ROLES", "cycle", "dangling_task", "deadline_missed", "no_owner", "unknown_reference"]

#: Roles an owner may name without being listed anywhere else in the plan.
COMMON_ROLES = frozenset({
    "pmo", "it", "hr", "finance", "vendor", "legal", "marketing", "sales", "operations", "service",
    "customer-service", "management", "managers", "process-owner", "process-owners", "analytics", "data",
    "analyst", "analysts", "comms", "communications", "training", "quality", "procurement", "product",
    "design", "change", "change-manager", "programme-manager", "program-manager", "project-manager",
    "business-units", "unit-leads", "unit-lead", "team-leads", "supervisors",
}) | EXECUTIVE_ROLES | CUSTOMER_ROLES | EMPLOYEE_ROLES


@rule("S001", "cycle", severity="error", needs_schedule=False,
      summary="the dependencies form a cycle (also a scheduling error)",
      hint="remove one dependency of the cycle, or split a task into a first and a second part")
def cycle(ctx: CheckContext):
    """## What it does
    Finds a chain of dependencies that leads back to where it started (a → b → c → a).

    ## Why is this bad?
    No task of the cycle can ever start: each waits for another. The plan cannot be scheduled,
    pushed or reported until the loop is broken; usually one arrow was drawn the wrong way round.

    ## Example
    ```yaml
    tasks:
      - {id: exec.charter, depends_on: [exec.scorecard]}
      - {id: exec.scorecard, depends_on: [exec.charter]}
    ```

    ## Use instead
    Decide which comes first and keep only that arrow:
    ```yaml
    tasks:
      - {id: exec.charter}
      - {id: exec.scorecard, depends_on: [exec.charter]}
    ```
    """
    stuck = stuck_positions(ctx.preds, ctx.succs)
    if not stuck:
        return
    ids = [ctx.tasks[k].id for k in cycle_among(ctx.preds, stuck)]
    yield Violation(f"dependency cycle: {' → '.join(ids + [ids[0]])}", tasks=tuple(ids))


@rule("S002", "unknown-reference", severity="error", needs_schedule=False,
      summary="a dependency, owner, mitigation or `from`/`until` names nothing that exists",
      settings={"extra_roles": ()},
      hint="fix the spelling, add the task or person, or list the role in checks.settings.extra_roles")
def unknown_reference(ctx: CheckContext):
    """## What it does
    Reports a reference that points nowhere: a dependency on a task that is not in the plan, a
    cadence starting or ending at an unknown task, a risk mitigated by an unknown task, or an owner
    who is neither a person of `people` nor a role. Owners are only checked when the plan lists
    `people` (without it every owner is taken as a role). A role is known when a person holds it,
    when some task or cadence has it among its participants or audience, when it is a common role
    (executive, sponsor, pmo, it, hr, finance, …), or when `checks.settings.extra_roles` lists it.

    ## Why is this bad?
    A dependency on nothing silently disappears from the schedule; an owner nobody recognises
    means a task nobody does; a mitigation that does not exist mitigates nothing.

    ## Example
    ```yaml
    people: [{id: dana, name: Dana Whitfield, roles: [executive]}]
    tasks:
      - {id: exec.charter, owner: dnaa}
    risks:
      - {id: R1, title: Sponsor turnover, probability: 0.2, impact: 4, mitigation: exec.deputy}
    ```

    ## Use instead
    ```yaml
    tasks:
      - {id: exec.charter, owner: dana}
      - {id: exec.deputy, name: Name a deputy sponsor, owner: dana}
    risks:
      - {id: R1, title: Sponsor turnover, probability: 0.2, impact: 4, mitigation: exec.deputy}
    ```
    """
    plan = ctx.plan
    ids = ctx.by_id
    for t in ctx.tasks:
        for d in t.depends_on:
            if d.task not in ids:
                yield Violation(f"task '{t.id}' depends on unknown task '{d.task}'{_suggest(d.task, ids)}",
                                tasks=(t.id,))
    for task_id, ref, where in getattr(plan, "unresolved", ()):     # kept by a lenient load
        yield Violation(f"task '{task_id}' depends on unknown task '{ref}'{_suggest(ref, ids)}",
                        tasks=(task_id,), source=where)
    for c in plan.cadences:
        for what, ref in (("starts after", c.from_task), ("runs until", c.until)):
            if isinstance(ref, str) and ref != "end" and ref not in ids:
                yield Violation(f"cadence '{c.id}' {what} unknown task '{ref}'{_suggest(ref, ids)}",
                                cadences=(c.id,))
    for r in plan.risks:
        if r.mitigation and r.mitigation not in ids:
            yield Violation(f"risk '{r.id}' is mitigated by unknown task '{r.mitigation}'"
                            f"{_suggest(r.mitigation, ids)}", source=r.source)

    if not plan.people:
        return
    known = set(COMMON_ROLES) | {slug(x) for x in ctx.settings.get("extra_roles", ())}
    people = {p.id for p in plan.people}
    for p in plan.people:
        known.update(slug(r) for r in p.roles)
    seen: set[tuple[str, ...]] = set()
    for item in (*ctx.tasks, *plan.cadences):
        for names in (item.participants, item.audience):
            if names not in seen:
                seen.add(names)
                known.update(slug(r) for r in names)

    def unknown(owner: str | None) -> bool:
        return bool(owner) and owner not in people and slug(owner) not in known

    for t in ctx.tasks:
        if unknown(t.owner):
            yield Violation(f"task '{t.id}' is owned by '{t.owner}', who is neither a person in people "
                            f"nor a known role{_suggest(t.owner, people) or _suggest(t.owner, known)}", tasks=(t.id,))
    for c in plan.cadences:
        if unknown(c.owner):
            yield Violation(f"cadence '{c.id}' is owned by '{c.owner}', who is neither a person in people "
                            f"nor a known role{_suggest(c.owner, people) or _suggest(c.owner, known)}", cadences=(c.id,))
    for m in plan.measures:
        if unknown(m.owner):
            yield Violation(f"measure '{m.name}' is owned by '{m.owner}', who is neither a person in people "
                            f"nor a known role{_suggest(m.owner, people) or _suggest(m.owner, known)}", source=m.source)
    for r in plan.risks:
        if unknown(r.owner):
            yield Violation(f"risk '{r.id}' is owned by '{r.owner}', who is neither a person in people "
                            f"nor a known role{_suggest(r.owner, people) or _suggest(r.owner, known)}", source=r.source)


@rule("S003", "no-owner", severity="info", needs_schedule=False,
      summary="a task without an owner",
      hint="give the task an `owner`: a person id from `people` or a role")
def no_owner(ctx: CheckContext):
    """## What it does
    Lists each task (milestones aside) that has no `owner`.

    ## Why is this bad?
    Work that belongs to everybody is done by nobody. Owners are also who Jira assigns and who the
    status report chases when a task slips. (FM011 reports when most tasks lack one.)

    ## Example
    ```yaml
    tasks:
      - {id: data.baseline, name: Baseline the customer measures, duration: 10d}
    ```

    ## Use instead
    ```yaml
    tasks:
      - {id: data.baseline, name: Baseline the customer measures, duration: 10d, owner: analytics}
    ```
    """
    for t in ctx.tasks:
        if not t.owner and t.duration > 0:
            yield Violation(f"task '{t.id}' ({t.name}) has no owner", tasks=(t.id,))


@rule("S004", "deadline-missed", severity="error",
      summary="a task's scheduled finish is after its `deadline`",
      hint="shorten or overlap its predecessors, move scope out, or renegotiate the deadline")
def deadline_missed(ctx: CheckContext):
    """## What it does
    Compares each task's scheduled finish (as early as its dependencies allow) with its `deadline`.

    ## Why is this bad?
    The plan already says the date will be missed, before any work has slipped. Better to find out
    now than at the steering committee the week before.

    ## Example
    ```yaml
    tasks:
      - {id: pilot.golive, kind: milestone, deadline: 2027-03-01, depends_on: [pilot.training]}
      - {id: pilot.training, duration: 6w, start_no_earlier_than: 2027-02-01}
    ```

    ## Use instead
    Bring the work forward or move the deadline to a date the plan can meet:
    ```yaml
    tasks:
      - {id: pilot.golive, kind: milestone, deadline: 2027-03-19, depends_on: [pilot.training]}
      - {id: pilot.training, duration: 6w, start_no_earlier_than: 2027-02-01}
    ```
    """
    cal = ctx.schedule.calendar
    for t in ctx.tasks:
        if t.deadline is None:
            continue
        st = ctx.schedule.tasks[t.id]
        if st.finish_date > t.deadline:
            late = cal.index_on_or_before(st.finish_date) - cal.index_on_or_before(t.deadline)
            yield Violation(f"task '{t.id}' ({t.name}) finishes {st.finish_date.isoformat()}, "
                            f"{late} working day{'s' if late != 1 else ''} after its deadline "
                            f"{t.deadline.isoformat()}", tasks=(t.id,))


@rule("S005", "dangling-task", severity="warning",
      summary="a task from which no path leads to the plan's final milestone (when there is one)",
      hint="make a later task (or the final milestone) depend on it, or remove it")
def dangling_task(ctx: CheckContext):
    """## What it does
    When the plan ends in a milestone (the latest milestone that nothing depends on), reports
    every task from which no chain of dependencies leads to it.

    ## Why is this bad?
    A task outside the chain to the end can slip without moving the end date, so nobody notices;
    often a dependency was forgotten and the critical path is shorter than the real one.

    ## Example
    ```yaml
    tasks:
      - {id: rollout.training, duration: 10d}
      - {id: rollout.survey, duration: 5d}        # leads nowhere
      - {id: rollout.done, kind: milestone, depends_on: [rollout.training]}
    ```

    ## Use instead
    ```yaml
    tasks:
      - {id: rollout.training, duration: 10d}
      - {id: rollout.survey, duration: 5d}
      - {id: rollout.done, kind: milestone, depends_on: [rollout.training, rollout.survey]}
    ```
    """
    succs = ctx.succs
    ends = [i for i, t in enumerate(ctx.tasks) if t.duration == 0 and not succs[i]]
    if not ends:
        return
    sched = ctx.schedule.tasks
    final = max(ends, key=lambda i: (sched[ctx.tasks[i].id].end, i))
    reaching = ctx.reach([final], ctx.preds, include_seeds=True)
    final_id = ctx.tasks[final].id
    for i, t in enumerate(ctx.tasks):
        if i not in reaching:
            yield Violation(f"task '{t.id}' ({t.name}) leads nowhere: no path from it reaches the final "
                            f"milestone '{final_id}'", tasks=(t.id,))


def _suggest(word: str, choices) -> str:
    return suggestion(word, sorted(choices))
