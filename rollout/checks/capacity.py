"""Capacity rules: people and pools used beyond what they have (S006), audiences given more change in a week
than they absorb (FM012). Both read the unlevelled schedule: they show where levelling would move work."""

from __future__ import annotations

from ..capacity import change_load, over_allocations
from .context import CheckContext
from .registry import Violation, rule

__all__ = ["change_saturation", "over_allocated"]

#: days and tasks named in a message before "…"
_SHOWN = 5


def _unlevelled(ctx: CheckContext):
    sched = ctx.schedule
    if getattr(sched, "levelled", False):
        from ..schedule import schedule

        sched = schedule(ctx.plan, sched.calendar)
    return sched


def _some(items, shown: int = _SHOWN) -> str:
    items = list(items)
    return ", ".join(items[:shown]) + (f" and {len(items) - shown} more" if len(items) > shown else "")


@rule("S006", "over-allocated", severity="warning",
      summary="a resource is used beyond what it has free on some day (unlevelled schedules)",
      hint="level the schedule (`rollout schedule PLAN --level`), add units to the pool, or move a task")
def over_allocated(ctx: CheckContext):
    """## What it does
    Schedules the plan as early as possible, as if everyone had unlimited time, and adds up on each
    working day the units every task uses of each pool and person (`resources: {trainers: 2}`).
    Reports each resource used beyond what it has that day: a pool's `units`, a person's `capacity`
    (0 on their leave, their own calendar's days off and holidays). The finding names the resource,
    the first days, the peak use against what was there, and the tasks using it on those days.

    ## Why is this bad?
    An unlevelled schedule assumes infinite hands. Where the same sponsor, trainers or IT team carry
    parallel work, its dates are promises nobody can keep: the work queues up and the plan slips
    later, usually on the critical path and without warning.

    ## Example
    ```yaml
    resources:
      - {id: trainers, name: Trainers, units: 3}
    tasks:
      - {id: roll.train-north, duration: 5d, resources: {trainers: 2}}
      - {id: roll.train-south, duration: 5d, resources: {trainers: 2}}
    ```

    ## Use instead
    ```yaml
    resources:
      - {id: trainers, name: Trainers, units: 3}
    tasks:
      - {id: roll.train-north, duration: 5d, resources: {trainers: 2}}
      - {id: roll.train-south, duration: 5d, resources: {trainers: 2}, depends_on: [roll.train-north]}
    # or: scheduling: {level: true}, which sequences them for you
    ```
    """
    for o in over_allocations(ctx.plan, _unlevelled(ctx)):
        days = _some(d.isoformat() for d in o.dates)
        who = f"'{o.resource}' ({o.name})" if o.name != o.resource else f"'{o.resource}'"
        yield Violation(f"{who} is over-allocated on {len(o.days)} working day(s) ({days}): {o.peak:g} unit(s) "
                        f"used at the peak, {f'{o.available:g} there' if o.available else 'none there (leave or a day off)'}; "
                        f"by {_some(o.tasks)}", tasks=o.tasks)


@rule("FM012", "change-saturation", severity="warning",
      summary="an audience's change load in a week exceeds its tolerance",
      hint="spread the changes over more weeks (`scheduling: {level: {audiences: true}}` does it), or lower "
           "their impact")
def change_saturation(ctx: CheckContext):
    """## What it does
    Adds up, for each audience with a `tolerance` and each ISO week, the change points that land on
    it: the `impact` of every task whose participants or audience include it and that works in the
    week (by default rollout 3, training 2, pilot 2, process design, communication and customer
    feedback 1, other kinds 0; `impact: none` leaves a task out), plus those of each cadence meeting
    in the week. Reports each week over the tolerance, with its largest contributors.

    ## Why is this bad?
    The people a change lands on have a limited capacity to absorb it. Three go-lives, a training
    and a survey in the same week for the same front-line teams is how change fatigue starts:
    adoption drops, and the programme's later waves meet resistance instead of curiosity.

    ## Example
    ```yaml
    audiences:
      - {id: frontline, name: Front-line staff, headcount: 1200, tolerance: 4}
    tasks:
      - {id: roll.go-live, kind: rollout, duration: 3d, audience: [frontline]}
      - {id: roll.training, kind: training, duration: 2d, audience: [frontline]}
    ```

    ## Use instead
    ```yaml
    audiences:
      - {id: frontline, name: Front-line staff, headcount: 1200, tolerance: 4}
    tasks:
      - {id: roll.training, kind: training, duration: 2d, audience: [frontline]}
      - {id: roll.go-live, kind: rollout, duration: 3d, audience: [frontline],
         depends_on: [{task: roll.training, lag: 5d}]}
    ```
    """
    if not any(a.tolerance is not None for a in ctx.plan.audiences):
        return
    load = change_load(ctx.plan, _unlevelled(ctx))
    names = {a.id: a.name for a in ctx.plan.audiences}
    for cell in load.over():
        parts = _some((f"{cid} {points:g}" for cid, points, _ in cell.contributors), 3)
        tasks = tuple(cid for cid, _, kind in cell.contributors if kind == "task")
        cadences = tuple(cid for cid, _, kind in cell.contributors if kind == "cadence")
        yield Violation(f"audience '{cell.audience}' ({names[cell.audience]}) takes {cell.points:g} change points in "
                        f"{cell.week} (week of {cell.monday.isoformat()}), over its tolerance of "
                        f"{cell.tolerance:g}; largest: {parts}", tasks=tasks, cadences=cadences)
