"""Customer rules: customers take part in every phase of the change (FM003)."""

from __future__ import annotations

from .context import CheckContext
from .registry import Violation, rule

__all__ = ["customer_neglected"]

_WATCHED_PHASES = ("design", "pilot", "rollout")


@rule("FM003", "customer-neglected", severity="error",
      summary="a design, pilot or rollout phase with no customer participation, or a stretch of more than "
              "40 working days between customer touchpoints (tasks or cadences with `customer` "
              "participants) while the programme runs",
      settings={"customer_gap_days": 40, "extra_customer_roles": ()},
      hint="add customer sessions (co-design, pilot feedback, a customer panel cadence) in that stretch")
def customer_neglected(ctx: CheckContext):
    """## What it does
    A customer touchpoint is a task or a cadence meeting with customers among its participants or
    audience (customer, customers, client, key-accounts, … plus `extra_customer_roles`; a person
    id counts by the person's roles). The rule reports each of the design, pilot and rollout
    phases present in the plan during which no touchpoint happens (from the first start to the
    last finish of the phase's tasks), and each stretch of more than `customer_gap_days` (40)
    working days without a touchpoint between the plan's start and its finish.

    ## Why is this bad?
    Programmes listen to customers at the start, then turn inward: design, pilot and rollout
    decisions get made on internal convenience, and the result drifts from what customers asked
    for. Customers should be heard before, during and after the change.

    ## Example
    ```yaml
    tasks:
      - {id: customer.interviews, kind: data-collection, participants: [customer], duration: 3w}
      - {id: design.processes, kind: process-design, phase: design, duration: 12w,
         participants: [process-owner], depends_on: [customer.interviews]}
    ```

    ## Use instead
    ```yaml
    tasks:
      - {id: customer.interviews, kind: data-collection, participants: [customer], duration: 3w}
      - {id: design.processes, kind: process-design, phase: design, duration: 12w,
         participants: [process-owner], depends_on: [customer.interviews]}
      - {id: design.play-the-customer, name: Play-the-customer review, phase: design,
         participants: [customer, process-owner], depends_on: [design.processes]}
    cadences:
      - {id: customer-panel, name: Customer advisory panel, every: 6w, participants: [customer]}
    ```
    """
    roles = ctx.customer_roles
    touch_tasks = [t for t in ctx.tasks if ctx.involves(t, roles, audience=True)]
    touch_cadences = [c for c in ctx.plan.cadences if ctx.involves(c, roles, audience=True)]
    covered = ctx.coverage(touch_tasks, touch_cadences)

    for phase in _WATCHED_PHASES:
        members = [t for t in ctx.tasks if t.phase == phase]
        if not members:
            continue
        spans = [ctx.span(t) for t in members]
        start, end = min(s for s, _ in spans), max(e for _, e in spans)
        if not any(s < end and e > start for s, e, _ in covered):
            first, last = ctx.date(start), ctx.date(max(end - 1, start))
            ids = tuple(t.id for t in members)
            yield Violation(f"no customer takes part in the {phase} phase ({first.isoformat()} – "
                            f"{last.isoformat()}, {len(ids)} task{'s' if len(ids) != 1 else ''})",
                            tasks=ids[:10],
                            hint=f"involve customers during the {phase} phase (e.g. "
                                 + {"design": "co-design or play-the-customer reviews",
                                    "pilot": "feedback sessions with pilot customers",
                                    "rollout": "telling customers what improves and asking how it lands"}[phase]
                                 + ")")

    limit = ctx.settings.get("customer_gap_days", 40)
    for start, end, before, after in ctx.gaps(covered, limit):
        days = end - start
        between = _between(before, after)
        yield Violation(f"{days} working days without a customer touchpoint ({ctx.date(start).isoformat()} – "
                        f"{ctx.date(end - 1).isoformat()}{between})",
                        tasks=tuple(x for x in (before, after) if x in ctx.by_id),
                        cadences=tuple(x for x in (before, after) if x and x not in ctx.by_id))


def _between(before: str | None, after: str | None) -> str:
    if before and after:
        return f", between '{before}' and '{after}'"
    if before:
        return f", after '{before}'"
    if after:
        return f", before '{after}'"
    return ", none at all"
