"""Communication rules: employees hear about the change steadily and before it reaches them (FM005)."""

from __future__ import annotations

from ..model import Task
from .context import CheckContext, mentions
from .registry import Violation, rule

__all__ = ["employees_in_the_dark", "is_go_live"]

_GO_LIVE_WORDS = ("go live", "go-live", "golive", "goes live", "cutover", "cut over", "switch over")


def is_go_live(t: Task) -> bool:
    """A rollout task, or a milestone named as a go-live or cutover (or as a launch in the pilot or
    rollout phase: a "launch" elsewhere is as likely a newsletter as a change reaching people)."""
    if t.kind == "rollout":
        return True
    if t.duration != 0:
        return False
    text = f"{t.id} {t.name}"
    return mentions(text, _GO_LIVE_WORDS) or (t.phase in ("pilot", "rollout") and mentions(text, ("launch",)))


@rule("FM005", "employees-in-the-dark", severity="warning",
      summary="a stretch of more than 20 working days with no communication (task or cadence) whose "
              "audience is employees; or a rollout/go-live task with no employee communication in the "
              "10 working days before it",
      settings={"comms_gap_days": 20, "golive_notice_days": 10, "extra_employee_roles": ()},
      hint="add an all-staff update cadence, and brief each unit shortly before its go-live")
def employees_in_the_dark(ctx: CheckContext):
    """## What it does
    An employee communication is a task or cadence meeting whose audience includes employees
    (employees, staff, frontline, … plus `extra_employee_roles`), or a communication task in
    which they take part. The rule reports each stretch of more than `comms_gap_days` (20)
    working days without one between the plan's start and its finish, and each rollout task (or
    milestone named go-live or cutover, or launch in the pilot or rollout phase) with no employee
    communication in the `golive_notice_days` (10) working days before it starts.

    ## Why is this bad?
    Silence fills with rumour. Employees who hear nothing for a month assume the worst, and a
    change that reaches a unit before anyone told it what changes for them, and why, meets
    resistance on its first day.

    ## Example
    ```yaml
    tasks:
      - {id: comms.kickoff, kind: communication, audience: [employees], duration: 1d}
      - {id: rollout.golive-north, kind: rollout, duration: 5d, start_no_earlier_than: 2027-06-01}
    ```

    ## Use instead
    ```yaml
    tasks:
      - {id: comms.kickoff, kind: communication, audience: [employees], duration: 1d}
      - {id: comms.brief-north, name: Brief the North unit, kind: communication, audience: [employees],
         duration: 1d, depends_on: [{task: rollout.golive-north, type: SS, lag: -5d}]}
      - {id: rollout.golive-north, kind: rollout, duration: 5d, start_no_earlier_than: 2027-06-01}
    cadences:
      - {id: all-staff, name: All-staff update, every: 2w, audience: [employees]}
    ```
    """
    roles = ctx.employee_roles
    comm_tasks = [t for t in ctx.tasks if ctx.involves(t, roles, audience=True)
                  and (t.kind == "communication" or ctx.involves_audience(t, roles))]
    comm_cadences = [c for c in ctx.plan.cadences if ctx.involves(c, roles, audience=True)]
    covered = ctx.coverage(comm_tasks, comm_cadences)

    limit = ctx.settings.get("comms_gap_days", 20)
    for start, end, before, after in ctx.gaps(covered, limit):
        where = (f", between '{before}' and '{after}'" if before and after else
                 f", after '{before}'" if before else f", before '{after}'" if after else ", none at all")
        yield Violation(f"{end - start} working days without a communication to employees "
                        f"({ctx.date(start).isoformat()} – {ctx.date(end - 1).isoformat()}{where})",
                        tasks=tuple(x for x in (before, after) if x in ctx.by_id),
                        cadences=tuple(x for x in (before, after) if x and x not in ctx.by_id))

    notice = ctx.settings.get("golive_notice_days", 10)
    # prefix sums over covered working days answer "any communication in [a, b)?" in constant time
    size = max(ctx.finish, max((e for _, e, _ in covered), default=0)) + 2
    diff = [0] * (size + 1)
    for s, e, _ in covered:
        diff[s] += 1
        diff[e] -= 1
    prefix = [0] * (size + 1)
    running = 0
    for d in range(size):
        running += diff[d]
        prefix[d + 1] = prefix[d] + (1 if running > 0 else 0)
    for t in ctx.tasks:
        if not is_go_live(t):
            continue
        st = ctx.schedule.tasks[t.id]
        begin = st.start          # a milestone's day is start - 1, inside the window
        lo = max(0, begin - notice)
        if prefix[begin] - prefix[lo] == 0:
            yield Violation(f"'{t.id}' ({t.name}) starts {st.start_date.isoformat()} with no communication "
                            f"to employees in the {notice} working days before it", tasks=(t.id,),
                            hint=f"brief the employees affected by '{t.id}' in the {notice} working days "
                                 f"before it")
