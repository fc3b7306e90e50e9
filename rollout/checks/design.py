"""Design rules: the alignment chain is designed in order, process before technology, with the
customer in the objective (FM006, FM007, FM009, FM010)."""

from __future__ import annotations

from ..model import ELEMENTS, Task
from .context import DESIGN_KINDS, CheckContext, mentions
from .leadership import CUSTOMER_WORDS
from .registry import Violation, rule

__all__ = ["CUSTOMER_VALUE_WORDS", "EFFICIENCY_WORDS", "efficiency_only_redesign", "misaligned_order",
           "smile_training", "technology_before_process"]

#: Words in a process-design objective that speak only of the organisation's own efficiency.
EFFICIENCY_WORDS = (
    "efficiency", "efficient", "efficiently", "cost", "costs", "cost-cutting", "cheaper", "saving", "savings",
    "save", "headcount", "fte", "ftes", "productivity", "throughput", "handle time", "aht", "utilisation",
    "utilization", "overhead", "overheads", "opex", "budget", "lean", "automate", "automation", "reduce staff",
    "staff reduction", "calls per hour", "cost per transaction", "margin", "margins",
)
#: Words that put customer value in an objective (besides the customer words of FM002).
CUSTOMER_VALUE_WORDS = CUSTOMER_WORDS + (
    "experience", "satisfaction", "satisfied", "loyalty", "retention", "churn", "effort", "effortless",
    "easier", "easy", "convenience", "convenient", "needs", "first-time-right", "first time right",
    "right first time", "resolution", "complaint", "complaints", "nps", "net promoter", "trust", "wait",
    "waiting", "promise", "promises", "delight", "renewal", "renewals", "service level", "responsiveness",
    "accuracy", "reliability", "on-time", "on time", "outcome", "outcomes",
)


def _is_process_work(t: Task, kind: str) -> bool:
    return kind == "process-design" or (t.element == "processes" and kind != "technology-selection")


def _is_change_behind_training(t: Task, kind: str) -> bool:
    if kind in ("training", "communication"):
        return False
    return kind in ("process-design", "technology-selection") or t.element in ("processes", "technology")


@rule("FM006", "technology-before-process", severity="error", needs_schedule=False,
      summary="a technology-selection task that does not depend (transitively) on a process-design task",
      hint="make the selection depend on the mapped process, and have vendors demonstrate against it")
def technology_before_process(ctx: CheckContext):
    """## What it does
    Reports each `technology-selection` task that has no process design before it in its chain of
    dependencies (a `process-design` task, or any task of element `processes`).

    ## Why is this bad?
    A system chosen before the work is mapped decides the process by default: the organisation
    ends up bending its customer contact around the vendor's screens. Selecting against the mapped
    process, with vendors demonstrating that flow, is the cheap way round.

    ## Example
    ```yaml
    tasks:
      - {id: tech.crm-selection, kind: technology-selection, duration: 6w}
      - {id: design.contact-process, kind: process-design, duration: 4w}
    ```

    ## Use instead
    ```yaml
    tasks:
      - {id: design.contact-process, kind: process-design, duration: 4w}
      - {id: tech.crm-selection, kind: technology-selection, duration: 6w,
         depends_on: [design.contact-process]}
    ```
    """
    after_process = ctx.downstream(lambda t: _is_process_work(t, ctx.kind(t)))
    for i, t in enumerate(ctx.tasks):
        if ctx.kind(t) == "technology-selection" and i not in after_process:
            yield Violation(f"technology selection {ctx.kind_label(t)} does not wait for any process design",
                            tasks=(t.id,),
                            hint=f"make '{t.id}' depend on the process-design task that maps the workflow")


@rule("FM007", "smile-training", severity="warning", needs_schedule=False,
      summary="a training task for front-line or employees with no process-design or technology task it "
              "depends on or that runs in the same phase",
      hint="tie the training to the process or system change it prepares people for")
def smile_training(ctx: CheckContext):
    """## What it does
    Reports a `training` task whose participants or audience are employees or front-line staff
    when no process or technology change stands behind it: no task of kind `process-design` or
    `technology-selection` (or of element `processes` or `technology`) comes before it in its
    dependencies, and none runs in the same `phase`.

    ## Why is this bad?
    Training front-line staff to smile and be friendly, while the processes and systems they work
    with stay as they were, changes nothing customers notice. People go back to the old way within
    weeks, and the next programme is met with cynicism.

    ## Example
    ```yaml
    tasks:
      - {id: people.service-training, name: Customer-friendliness training, kind: training,
         phase: rollout, participants: [frontline]}
    ```

    ## Use instead
    ```yaml
    tasks:
      - {id: design.contact-process, kind: process-design, phase: design}
      - {id: people.process-training, name: Train the new contact process, kind: training,
         phase: rollout, participants: [frontline], depends_on: [design.contact-process]}
    ```
    """
    roles = ctx.employee_roles
    behind = ctx.downstream(lambda t: _is_change_behind_training(t, ctx.kind(t)))
    phases = {t.phase for t in ctx.tasks if t.phase and _is_change_behind_training(t, ctx.kind(t))}
    for i, t in enumerate(ctx.tasks):
        if ctx.kind(t) != "training" or not ctx.involves(t, roles, audience=True):
            continue
        if i in behind or (t.phase and t.phase in phases):
            continue
        yield Violation(f"training {ctx.kind_label(t)} has no process or technology change behind it",
                        tasks=(t.id,),
                        hint=f"make '{t.id}' depend on the process or system change it trains people for")


@rule("FM009", "efficiency-only-redesign", severity="warning", needs_schedule=False,
      summary="a process-design task whose stated objective mentions only efficiency/cost and no "
              "customer value",
      hint="state what the redesign changes for the customer as well as what it saves")
def efficiency_only_redesign(ctx: CheckContext):
    """## What it does
    Reads the `objective` of each `process-design` task. It fires when the objective speaks of
    efficiency or cost (efficiency, cost, savings, headcount, productivity, handle time, …; the
    list is `rollout.checks.design.EFFICIENCY_WORDS`) and of nothing customers value (customers,
    experience, satisfaction, effort, first-time-right, complaints, …:
    `rollout.checks.design.CUSTOMER_VALUE_WORDS`). A task without an objective is not judged.

    ## Why is this bad?
    Redesigns aimed only at internal efficiency cut the steps customers valued along with the
    waste, and usually move the cost to the customer (more effort, more repeat contacts). A
    redesign judged from the customer's side tends to remove rework, which is where the cost is.

    ## Example
    ```yaml
    tasks:
      - {id: design.claims-process, kind: process-design,
         objective: Cut handling cost per claim by 20% and reduce headcount}
    ```

    ## Use instead
    ```yaml
    tasks:
      - {id: design.claims-process, kind: process-design,
         objective: Settle claims right first time so customers never chase us; cut rework cost}
    ```
    """
    for t in ctx.tasks:
        if ctx.kind(t) != "process-design" or not t.objective.strip():
            continue
        if mentions(t.objective, EFFICIENCY_WORDS) and not mentions(t.objective, CUSTOMER_VALUE_WORDS):
            yield Violation(f"process redesign {ctx.kind_label(t)} states only efficiency or cost as its "
                            f"objective", tasks=(t.id,))


def _is_design_work(t: Task, kind: str) -> bool:
    return t.phase == "design" or kind in DESIGN_KINDS


@rule("FM010", "misaligned-order", severity="warning", needs_schedule=False,
      summary="among design work, a task of an earlier alignment element depends on a task of a later "
              "one (e.g. process design waits for org design)",
      hint="design the alignment chain in order: strategy, measures, products, processes, technology, "
           "organization, jobs, process management, front line")
def misaligned_order(ctx: CheckContext):
    """## What it does
    Design work is a task in phase `design` or of kind strategy, measurement, process-design,
    technology-selection, org-design or job-design. Following dependencies through design work
    only, the rule reports a design task whose `element` comes earlier in the alignment chain
    (strategy → measures → products → processes → technology → organization → jobs →
    process-management → front-line) than the element of a design task it waits for.

    ## Why is this bad?
    Each element of the chain serves the customer and the element after it. Designing a later
    element first fixes what the earlier one must fit: the org chart drawn before the processes
    makes the processes follow the boxes; the system chosen before the workflow makes the workflow
    follow the system.

    ## Example
    ```yaml
    tasks:
      - {id: design.org-structure, kind: org-design, element: organization}
      - {id: design.processes, kind: process-design, element: processes,
         depends_on: [design.org-structure]}
    ```

    ## Use instead
    ```yaml
    tasks:
      - {id: design.processes, kind: process-design, element: processes}
      - {id: design.org-structure, kind: org-design, element: organization,
         depends_on: [design.processes]}
    ```
    """
    rank = {e: k for k, e in enumerate(ELEMENTS)}
    tasks = ctx.tasks
    design = [_is_design_work(t, k.kind) for t, k in zip(tasks, ctx.task_kinds)]
    # latest[i]: the design task with the latest element that task i waits for, through design work
    latest: list[int | None] = [None] * len(tasks)
    for i in _topological(ctx):
        if not design[i]:
            continue
        best = None
        for j in ctx.preds[i]:
            if not design[j]:
                continue
            for cand in (j if tasks[j].element in rank else None, latest[j]):
                if cand is not None and (best is None or rank[tasks[cand].element] > rank[tasks[best].element]):
                    best = cand
        latest[i] = best
        t = tasks[i]
        if best is not None and t.element in rank and rank[t.element] < rank[tasks[best].element]:
            b = tasks[best]
            yield Violation(f"'{t.id}' ({t.element}) waits for '{b.id}' ({b.element}): {t.element} should be "
                            f"designed before {b.element}", tasks=(t.id, b.id))


def _topological(ctx: CheckContext) -> list[int]:
    from collections import deque

    indegree = [len(p) for p in ctx.preds]
    queue = deque(i for i, d in enumerate(indegree) if d == 0)
    order = []
    while queue:
        i = queue.popleft()
        order.append(i)
        for k in ctx.succs[i]:
            indegree[k] -= 1
            if indegree[k] == 0:
                queue.append(k)
    return order     # tasks in a cycle are left out (S001 reports the cycle)
