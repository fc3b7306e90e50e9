"""Leadership rules: executives in the planning (FM001) and a mission worth the name (FM002)."""

from __future__ import annotations

from ..model import Source, Task
from .context import CheckContext, mentions, slug, words
from .registry import Violation, rule

__all__ = ["BUZZWORDS", "CUSTOMER_WORDS", "drab_mission", "executives_left_out"]

#: Words and phrases that fill a mission statement without saying anything a customer or an
#: employee could act on. A statement counts as "mostly buzzwords" when more than
#: ``mission_buzzword_share`` of its content words (stop words aside) come from this list.
BUZZWORDS = (
    "world-class", "world class", "best-in-class", "best in class", "best of breed", "leading-edge",
    "cutting-edge", "state-of-the-art", "next-generation", "premier", "excellence", "synergy", "synergies",
    "synergistic", "leverage", "leveraging", "paradigm", "holistic", "innovative", "innovation", "dynamic",
    "robust", "seamless", "seamlessly", "strategic", "stakeholder", "stakeholders", "shareholder value",
    "value-added", "added value", "optimize", "optimise", "optimized", "optimised", "streamline",
    "streamlined", "empower", "empowered", "empowering", "transform", "transformation",
    "transformational", "disruptive", "disrupt", "game-changing", "game changer", "ecosystem", "scalable",
    "agile", "proactive", "proactively", "impactful", "mission-critical", "solutions", "solution",
    "integrated", "maximize", "maximise", "passion", "passionate", "commitment", "committed", "dedicated",
    "journey", "customer-centric", "customer centric", "thought leadership", "best practice",
    "best practices", "core competencies", "core competency", "win-win", "world-leading", "unparalleled",
    "unrivalled", "unrivaled", "superior", "total quality", "strive", "striving", "exceed expectations",
    "exceeding expectations", "industry-leading", "market-leading", "values-driven", "premium",
)

#: Words that name a customer in a mission statement.
CUSTOMER_WORDS = (
    "customer", "customers", "client", "clients", "patient", "patients", "guest", "guests", "passenger",
    "passengers", "shopper", "shoppers", "consumer", "consumers", "buyer", "buyers", "user", "users",
    "member", "members", "subscriber", "subscribers", "policyholder", "policyholders", "traveller",
    "travellers", "traveler", "travelers", "student", "students", "citizen", "citizens", "resident",
    "residents", "diner", "diners", "account holder", "account holders", "homeowner", "homeowners",
    "tenant", "tenants", "donor", "donors", "visitor", "visitors", "fans",
)

_STOP_WORDS = frozenset("""
a an the and or but of to for in on at by with from into onto as is are be being been we our us you
your their them they it its this that these those every each all any most more very so such than then
who whom which what when where how will shall can could would should may might must do does did
through across within about over under per via not no nor only own same both also just
""".split())

_MISSION_WORDS = ("mission", "vision", "mission statement", "vision statement", "purpose statement")


def _has_role(ctx: CheckContext, item, roles) -> bool:
    return ctx.involves(item, roles)


@rule("FM001", "executives-left-out", severity="error", needs_schedule=False,
      summary="no planning/strategy/decision task has an `executive` or `sponsor` participant, or no "
              "person/role is the sponsor, or there is no steering cadence with executives",
      hint="put executives among the participants of the planning work, name a sponsor, and add a "
           "steering cadence with executives")
def executives_left_out(ctx: CheckContext):
    """## What it does
    Looks for three signs that senior executives take part in the programme rather than receive
    its slides: at least one planning, strategy or decision task with an executive or sponsor
    among its participants; a sponsor (a person with the `sponsor` role, or `sponsor` as a
    participant or owner); and a cadence (a steering meeting) with executives among its
    participants. Each missing sign is one finding.

    ## Why is this bad?
    A customer-alignment programme changes how units are measured, organised and paid. Without
    executives in the planning itself, the plan meets the first conflict between units with nobody
    able to settle it; without a sponsor and a steering rhythm, decisions wait and the programme
    drifts.

    ## Example
    ```yaml
    tasks:
      - {id: exec.planning-workshop, kind: planning, participants: [pmo, it]}
    cadences: []
    ```

    ## Use instead
    ```yaml
    people:
      - {id: dana, name: Dana Whitfield, roles: [executive, sponsor]}
    tasks:
      - {id: exec.planning-workshop, kind: planning, participants: [executive, pmo, it], owner: dana}
    cadences:
      - {id: steering, name: Steering committee, every: 2w, participants: [executive, sponsor, pmo]}
    ```
    """
    execs = ctx.executive_roles
    planning = [t for t in ctx.tasks if t.kind in ("planning", "strategy", "decision")]
    if not planning:
        yield Violation("the plan has no planning, strategy or decision task, so no executive takes part "
                        "in planning", source=ctx.plan.source,
                        hint="add a planning workshop or strategy session with executives among its participants")
    elif not any(_has_role(ctx, t, execs) for t in planning):
        ids = tuple(t.id for t in planning)
        shown = ", ".join(f"'{i}'" for i in ids[:3]) + (f" and {len(ids) - 3} more" if len(ids) > 3 else "")
        yield Violation(f"no executive or sponsor takes part in the planning, strategy or decision tasks "
                        f"({shown})", tasks=ids[:10],
                        hint="put an executive or the sponsor among the participants of the planning work")

    sponsor_roles = {"sponsor", "sponsors", "executive-sponsor"}
    has_sponsor = any(sponsor_roles & {slug(r) for r in p.roles} for p in ctx.plan.people) or any(
        sponsor_roles & ({slug(x) for x in (*item.participants, *item.audience)}
                         | ({slug(item.owner)} if item.owner else set()))
        for item in (*ctx.tasks, *ctx.plan.cadences))
    if not has_sponsor:
        yield Violation("nobody is the sponsor: no person has the sponsor role and no task or cadence "
                        "names a sponsor", source=ctx.plan.source,
                        hint="give a person the sponsor role in `people` (roles: [executive, sponsor])")

    if not any(_has_role(ctx, c, execs) for c in ctx.plan.cadences):
        yield Violation("there is no steering cadence with executives (no cadence has an executive or "
                        "sponsor participant)", source=ctx.plan.source,
                        hint="add a steering cadence, e.g. {id: steering, every: 2w, participants: [executive, "
                             "sponsor, pmo]}")


def _is_mission_task(t: Task) -> bool:
    if t.kind == "communication":
        return False
    return mentions(f"{t.id} {t.name}", _MISSION_WORDS) or any(
        "mission" in a or "vision" in a for a in t.produces)


@rule("FM002", "drab-mission", severity="warning", needs_schedule=False,
      summary="a mission/vision task does not depend (transitively) on a customer-insight analysis, or "
              "is never tested with employees or customers; or the `mission` text is mostly buzzwords, "
              "over 30 words, or never names the customer",
      settings={"mission_max_words": 30, "mission_buzzword_share": 0.5, "extra_customer_words": ()},
      hint="shape the mission from customer insight, test it with staff and customers, and write it in "
           "plain words that name the customer")
def drab_mission(ctx: CheckContext):
    """## What it does
    A mission/vision task is one (not a communication) whose id or name mentions a mission or a
    vision, or that produces an artefact so named. The rule checks that each depends, directly or
    through other tasks or consumed artefacts, on an analysis task fed by customers (a task with
    customer participants upstream of it), and that somewhere after it employees or customers take
    part in a task about the mission (or that they take part in a mission task itself).

    The plan's `mission` text is checked too: more than `mission_max_words` words (30), mostly
    buzzwords (more than `mission_buzzword_share`, half, of its content words come from the
    lexicon `rollout.checks.leadership.BUZZWORDS`, e.g. world-class, synergy, leverage,
    excellence, innovative, stakeholder value), or no word for a customer (customer, client,
    patient, guest, member, user, … plus `extra_customer_words`).

    ## Why is this bad?
    A mission written in the boardroom from internal ambitions says nothing a front-line employee
    can act on and nothing a customer would recognise. It is then broadcast, ignored, and the
    programme loses the one sentence that should line everything up behind the customer.

    ## Example
    ```yaml
    mission: "To leverage synergies and deliver world-class, innovative solutions that maximise
      stakeholder value"
    tasks:
      - {id: exec.mission, name: Write the mission statement, kind: strategy, participants: [executive]}
    ```

    ## Use instead
    ```yaml
    mission: "Make every renewal effortless for the customer"
    tasks:
      - {id: customer.voc-synthesis, kind: analysis, depends_on: [customer.interviews]}
      - {id: exec.mission, name: Draft the mission, kind: strategy, depends_on: [customer.voc-synthesis]}
      - {id: comms.mission-test, name: Test the mission with staff and customers,
         participants: [employees, customer], depends_on: [exec.mission]}
    ```
    """
    tasks = ctx.tasks
    missions = [i for i, t in enumerate(tasks) if _is_mission_task(t)]
    if missions:
        customers = ctx.customer_roles
        touched = ctx.reach([i for i, t in enumerate(tasks) if ctx.involves(t, customers)],
                            ctx.flow_succs, include_seeds=True)
        insight = [i for i in touched if tasks[i].kind == "analysis"]
        informed = ctx.reach(insight, ctx.flow_succs)
        for i in missions:
            if i not in informed:
                t = tasks[i]
                yield Violation(f"mission task '{t.id}' ({t.name}) is not informed by any analysis of "
                                f"customer insight", tasks=(t.id,),
                                hint=f"make '{t.id}' depend on an analysis of what customers said "
                                     f"(e.g. a voice-of-customer synthesis)")
        people = customers | ctx.employee_roles
        mission_artefacts = {a for i in missions for a in tasks[i].produces}
        tested = any(ctx.involves(tasks[i], people) for i in missions)
        if not tested:
            for k in ctx.reach(missions, ctx.flow_succs):
                t = tasks[k]
                about = mentions(f"{t.id} {t.name} {t.objective}", _MISSION_WORDS) or (
                    bool(mission_artefacts) and any(a in mission_artefacts for a in _consumed(ctx, k)))
                if about and ctx.involves(t, people):
                    tested = True
                    break
        if not tested:
            ids = tuple(tasks[i].id for i in missions)
            yield Violation(f"the mission ({', '.join(repr(x) for x in ids)}) is never tested with employees "
                            f"or customers", tasks=ids,
                            hint="add a task after it where employees and customers react to the draft "
                                 "mission")

    text = (ctx.plan.mission or "").strip()
    if text:
        yield from _mission_text(ctx, text)


def _consumed(ctx: CheckContext, k: int) -> set[str]:
    return {a for j in ctx.artefact_preds[k] for a in ctx.tasks[j].produces}


def _mission_text(ctx: CheckContext, text: str):
    source = (ctx.plan.sources.get("mission") or ctx.plan.source
              or (Source(ctx.plan.path) if ctx.plan.path else None))
    tokens = words(text)
    limit = ctx.settings.get("mission_max_words", 30)
    if len(tokens) > limit:
        yield Violation(f"the mission statement has {len(tokens)} words (more than {limit}): nobody will "
                        f"remember it", source=source,
                        hint=f"say it in {limit} words or fewer")
    content = [w for w in tokens if w not in _STOP_WORDS]
    buzz = _buzzword_count(text)
    share = ctx.settings.get("mission_buzzword_share", 0.5)
    if content and buzz / len(content) > share:
        yield Violation(f"the mission statement is mostly buzzwords ({buzz} of {len(content)} content words)",
                        source=source, hint="say what changes for the customer, in words they would use")
    customer_words = CUSTOMER_WORDS + tuple(ctx.settings.get("extra_customer_words", ()))
    if not mentions(text, customer_words):
        yield Violation("the mission statement never names the customer", source=source,
                        hint="name who the business serves (customers, clients, patients, members, …)")


def _buzzword_count(text: str) -> int:
    """Content words of ``text`` covered by the buzzword lexicon (phrases count each of their words)."""
    tokens = words(text)
    covered = [False] * len(tokens)
    for phrase in sorted(BUZZWORDS, key=len, reverse=True):
        parts = words(phrase)
        n = len(parts)
        for k in range(len(tokens) - n + 1):
            if tokens[k:k + n] == parts:
                for j in range(k, k + n):
                    covered[j] = True
    return sum(1 for tok, c in zip(tokens, covered) if c and tok not in _STOP_WORDS)
