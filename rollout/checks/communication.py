"""Communication rules: employees hear about the change steadily and before it reaches them (FM005)."""

from __future__ import annotations

from bisect import bisect_left

from ..model import Task
from .context import CheckContext, mentions
from .registry import Violation, rule

__all__ = ["GENERAL_AUDIENCE_WORDS", "employees_in_the_dark", "is_go_live", "unit_tags"]

_GO_LIVE_WORDS = ("go live", "go-live", "golive", "goes live", "cutover", "cut over", "switch over")
#: Words in a communication's id or name that address everyone: such a message is a general update,
#: not a briefing of the people one go-live reaches (unless the go-live depends on it).
GENERAL_AUDIENCE_WORDS = ("all staff", "all-staff", "all employees", "every employee", "everyone", "all hands",
                          "all-hands", "company-wide", "company wide", "organisation-wide", "organization-wide",
                          "whole company", "newsletter")


def is_go_live(t: Task, kind: str | None = None) -> bool:
    """A rollout task, or a milestone named as a go-live or cutover (or as a launch in the pilot or
    rollout phase: a "launch" elsewhere is as likely a newsletter as a change reaching people).
    ``kind`` is the kind the rules judge the task by (its own unless given)."""
    if (kind or t.kind) == "rollout":
        return True
    if t.duration != 0:
        return False
    text = f"{t.id} {t.name}"
    return mentions(text, _GO_LIVE_WORDS) or (t.phase in ("pilot", "rollout") and mentions(text, ("launch",)))


def unit_tags(item) -> frozenset[str]:
    """The `unit:<slug>` tags of a task (none before tags exist on the model)."""
    return frozenset(x for x in getattr(item, "tags", ()) or () if x.startswith("unit:"))


@rule("FM005", "employees-in-the-dark", severity="warning",
      summary="a stretch of more than 20 working days with no communication (task or cadence) whose "
              "audience is employees; or a rollout/go-live task with no briefing in the 10 working days "
              "before it aimed at the people it reaches (a communication task tied to it by a dependency, "
              "its `unit:` tag, its unit's name or its workstream; a general all-staff update does not count)",
      settings={"comms_gap_days": 20, "golive_notice_days": 10, "extra_employee_roles": ()},
      hint="add an all-staff update cadence, and brief each unit shortly before its go-live")
def employees_in_the_dark(ctx: CheckContext):
    """## What it does
    An employee communication is a task or cadence meeting whose audience includes employees
    (employees, staff, frontline, … plus `extra_employee_roles`), or a communication task in
    which they take part. The rule reports each stretch of more than `comms_gap_days` (20)
    working days without one between the plan's start and its finish.

    It also checks every go-live: a rollout task (or a milestone named go-live or cutover, or
    launch in the pilot or rollout phase). A go-live needs a **briefing** whose working days
    overlap the `golive_notice_days` (10) working days before it starts. A briefing is a task
    (never a cadence) of kind `communication` that is

    1. aimed at the go-live's people: its audience (or, without one, its participants) shares
       a role with the go-live's participants and audience, or both reach employees (a go-live
       that names no participants and no audience reaches employees); and
    2. tied to this go-live by one of:
       - a dependency between the two, in either direction, of any type;
       - the same `unit:<slug>` tag;
       - its id or name naming the go-live's unit (the `<slug>` of the go-live's `unit:` tag);
       - the same workstream, when its id and name do not address everyone (all staff, every
         employee, everyone, company-wide, newsletter, …) and it carries no other unit's tag.

    A fortnightly all-staff cadence, or an all-staff message that happens to fall in the window,
    keeps the first check quiet but is not a go-live briefing. A task whose kind is missing or
    `other` is judged by the kind its name or objective speaks of (see "Kinds inferred from a
    task's words").

    ## Why is this bad?
    Silence fills with rumour. Employees who hear nothing for a month assume the worst, and a
    change that reaches a unit before anyone told that unit what changes for them, and why,
    meets resistance on its first day. A general update says the programme is going well; it
    does not tell the North branch what happens to its work on Monday.

    ## Example
    ```yaml
    tasks:
      - {id: comms.kickoff, kind: communication, audience: [employees], duration: 1d}
      - {id: rollout.golive-north, kind: rollout, duration: 5d, participants: [frontline],
         start_no_earlier_than: 2027-06-01}
    cadences:
      - {id: all-staff, name: All-staff update, every: 2w, audience: [employees]}
    ```

    ## Use instead
    ```yaml
    tasks:
      - {id: comms.kickoff, kind: communication, audience: [employees], duration: 1d}
      - {id: comms.brief-north, name: Brief the North unit, kind: communication, audience: [employees],
         duration: 1d, depends_on: [{task: rollout.golive-north, type: SS, lag: -5d}]}
      - {id: rollout.golive-north, kind: rollout, duration: 5d, participants: [frontline],
         start_no_earlier_than: 2027-06-01}
    cadences:
      - {id: all-staff, name: All-staff update, every: 2w, audience: [employees]}
    ```
    """
    roles = ctx.employee_roles
    comm_tasks = [t for t in ctx.tasks if ctx.involves(t, roles, audience=True)
                  and (ctx.kind(t) == "communication" or ctx.involves_audience(t, roles))]
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

    yield from _unbriefed_go_lives(ctx, roles, covered)


def _unbriefed_go_lives(ctx: CheckContext, roles: frozenset[str], covered):
    notice = ctx.settings.get("golive_notice_days", 10)
    tasks = ctx.tasks
    kinds = [k.kind for k in ctx.task_kinds]
    briefings = [i for i, t in enumerate(tasks) if kinds[i] == "communication"]
    if not any(is_go_live(t, k) for t, k in zip(tasks, kinds)):
        return
    by_unit: dict[str, list[int]] = {}
    by_workstream: dict[str, list[int]] = {}
    general = set()
    for i in briefings:
        t = tasks[i]
        for tag in unit_tags(t):
            by_unit.setdefault(tag, []).append(i)
        by_workstream.setdefault(t.workstream, []).append(i)
        if mentions(f"{t.id} {t.name}", GENERAL_AUDIENCE_WORDS):
            general.add(i)
    is_briefing = set(briefings)
    meetings = sorted((s, ident) for s, _, ident in covered if ident not in ctx.by_id)   # cadence meetings
    named_cache: dict[str, list[int]] = {}

    def names_unit(tag: str) -> list[int]:
        if tag not in named_cache:
            unit = tag.split(":", 1)[1]
            named_cache[tag] = [i for i in briefings if mentions(f"{tasks[i].id} {tasks[i].name}", (unit,))]
        return named_cache[tag]

    def reaches(i: int) -> frozenset[str]:
        t = tasks[i]
        return ctx._roles_of(tuple(t.audience or t.participants))

    for g, t in enumerate(tasks):
        if not is_go_live(t, kinds[g]):
            continue
        st = ctx.schedule.tasks[t.id]
        begin = st.start          # a milestone's day is start - 1, inside the window
        lo = max(0, begin - notice)
        people = ctx._roles_of((*t.participants, *t.audience)) or roles   # naming nobody, it reaches staff
        units = unit_tags(t)
        linked = {k for k in (*ctx.preds[g], *ctx.succs[g]) if k in is_briefing}
        candidates = set(linked)
        for tag in units:
            candidates.update(by_unit.get(tag, ()))
            candidates.update(names_unit(tag))
        for k in by_workstream.get(t.workstream, ()):
            other_units = unit_tags(tasks[k])
            if k not in general and not (other_units and units and other_units.isdisjoint(units)):
                candidates.add(k)
        candidates.discard(g)

        def briefs(k: int) -> bool:
            s, e = ctx.span(tasks[k])
            if not (s < begin and e > lo):
                return False
            heard = reaches(k)
            return not heard.isdisjoint(people) or (not heard.isdisjoint(roles) and not people.isdisjoint(roles))

        if any(briefs(k) for k in candidates):
            continue
        general_here = [k for k in by_workstream.get(t.workstream, ()) if k in general
                        and ctx.span(tasks[k])[0] < begin and ctx.span(tasks[k])[1] > lo]
        met = meetings[bisect_left(meetings, (lo, "")):bisect_left(meetings, (begin, ""))]
        in_window = sorted({tasks[k].id for k in general_here} | {c for _, c in met})
        general_note = (f"; only general updates ({', '.join(repr(x) for x in in_window[:3])}) fall in that window"
                        if in_window else "")
        yield Violation(f"{ctx.kind_label(t)} starts {st.start_date.isoformat()} with no briefing of the "
                        f"people it reaches in the {notice} working days before it{general_note}",
                        tasks=(t.id,),
                        hint=f"brief the people '{t.id}' reaches in the {notice} working days before it, with a "
                             f"communication tied to it (a dependency, its unit tag, or its workstream)")
