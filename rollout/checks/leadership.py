"""Leadership rules: executives in the planning (FM001) and a mission worth the name (FM002)."""

from __future__ import annotations

from ..model import Cadence, Source, Task
from .context import CheckContext, mentions, slug, words
from .registry import Violation, rule

__all__ = ["BUZZWORDS", "CUSTOMER_WORDS", "GOVERNANCE_WORDS", "drab_mission", "executives_left_out",
           "is_governance_cadence"]

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


#: Words in a cadence's id or name that make it a governance meeting (phrases match whole words).
GOVERNANCE_WORDS = ("steer", "steering", "steerco", "governance", "board", "programme board", "program board",
                    "sponsor review", "sponsor reviews", "executive committee", "exco")
#: Participants that are themselves a governance body.
GOVERNANCE_BODIES = frozenset({"steering-committee", "steerco", "board", "programme-board", "program-board",
                               "governance-board"})
#: A name that speaks of customers is a customer meeting, whatever else it says ("customer advisory board").
_CUSTOMER_MEETING_WORDS = ("customer", "customers", "client", "clients", "advisory", "panel", "user", "users")


def is_governance_cadence(ctx: CheckContext, cadence: Cadence) -> bool:
    """A steering meeting: executives or the sponsor take part, and its kind is `decision`, its id or
    name speaks of steering or governance (and not of customers), or a governance body takes part."""
    if not ctx.involves(cadence, ctx.executive_roles):
        return False
    if cadence.kind == "decision":
        return True
    text = f"{cadence.id} {cadence.name}"
    if mentions(text, GOVERNANCE_WORDS) and not mentions(text, _CUSTOMER_MEETING_WORDS):
        return True
    return any(slug(p) in GOVERNANCE_BODIES for p in cadence.participants)


def _listed(ids: tuple[str, ...], limit: int = 3) -> str:
    return ", ".join(f"'{i}'" for i in ids[:limit]) + (f" and {len(ids) - limit} more" if len(ids) > limit else "")


@rule("FM001", "executives-left-out", severity="error", needs_schedule=False,
      summary="no planning or strategy task has an `executive` or `sponsor` participant (decisions alone do "
              "not count), or no person/role is the sponsor, or there is no steering cadence: a governance "
              "meeting (by its kind `decision`, its name or a governance body among its participants) with "
              "executives",
      hint="put executives among the participants of the planning work, name a sponsor, and add a "
           "steering cadence with executives")
def executives_left_out(ctx: CheckContext):
    """## What it does
    Looks for three signs that senior executives take part in the programme rather than receive
    its slides; each missing sign is one finding.

    1. **Executives in the planning.** At least one task of kind `planning` or `strategy` has an
       executive or the sponsor among its participants (a person id counts by the person's roles).
       Decisions do not count: executives who only attend go/no-go decisions and sign-offs are
       not in the planning. A task whose kind is missing or `other` is judged by the kind its name
       or objective speaks of (see "Kinds inferred from a task's words").
    2. **A sponsor.** A person with the `sponsor` role, or `sponsor` as a participant, audience or
       owner of a task or cadence.
    3. **A steering cadence.** A cadence with an executive or sponsor participant that is a
       governance meeting: its kind is `decision`; or its id or name contains one of the words
       steer, steering, steerco, governance, board, programme board, sponsor review, executive
       committee, exco (and does not speak of customers: customer, client, advisory, panel, user);
       or a governance body (steering-committee, steerco, board, programme-board,
       governance-board) is among its participants. A customer panel or an all-staff update an
       executive happens to attend is not one.

    ## Why is this bad?
    A customer-alignment programme changes how units are measured, organised and paid. Without
    executives in the planning itself, the plan meets the first conflict between units with nobody
    able to settle it; without a sponsor and a steering rhythm, decisions wait and the programme
    drifts. Executives who only turn up to approve what others planned own none of it.

    ## Example
    ```yaml
    tasks:
      - {id: exec.planning-workshop, kind: planning, participants: [pmo, it]}
      - {id: exec.go-no-go, kind: decision, participants: [executive, sponsor]}
    cadences:
      - {id: customer-panel, name: Customer advisory panel, every: 6w,
         kind: customer-feedback, participants: [customer, executive]}
    ```

    ## Use instead
    ```yaml
    people:
      - {id: dana, name: Dana Whitfield, roles: [executive, sponsor]}
    tasks:
      - {id: exec.planning-workshop, kind: planning, participants: [executive, pmo, it], owner: dana}
      - {id: exec.go-no-go, kind: decision, participants: [executive, sponsor]}
    cadences:
      - {id: steering, name: Steering committee, every: 2w, kind: decision,
         participants: [executive, sponsor, pmo]}
    ```
    """
    execs = ctx.executive_roles
    planning = [t for t in ctx.tasks if ctx.kind(t) in ("planning", "strategy")]
    decisions = tuple(t.id for t in ctx.tasks if ctx.kind(t) == "decision" and ctx.involves(t, execs))
    only = (f"; executives only take part in decisions ({_listed(decisions)}), which is not planning"
            if decisions else "")
    if not planning:
        yield Violation(f"the plan has no planning or strategy task, so no executive takes part in planning"
                        f"{only}", source=ctx.plan.source, tasks=decisions[:10],
                        hint="add a planning workshop or strategy session with executives among its participants")
    elif not any(ctx.involves(t, execs) for t in planning):
        ids = tuple(t.id for t in planning)
        yield Violation(f"no executive or sponsor takes part in the planning or strategy tasks "
                        f"({_listed(ids)}){only}", tasks=ids[:10],
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

    cadences = ctx.plan.cadences
    if not any(is_governance_cadence(ctx, c) for c in cadences):
        attended = tuple(c.id for c in cadences if ctx.involves(c, execs))
        if attended:
            message = (f"there is no steering cadence: the cadences executives attend ({_listed(attended)}) "
                       f"are not governance meetings")
        else:
            message = "there is no steering cadence with executives (no cadence has an executive or sponsor participant)"
        yield Violation(message, source=ctx.plan.source, cadences=attended[:10],
                        hint="add a steering cadence, e.g. {id: steering, name: Steering committee, every: 2w, "
                             "kind: decision, participants: [executive, sponsor, pmo]}")


def _is_mission_task(t: Task, kind: str) -> bool:
    if kind == "communication":
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
    kinds = [k.kind for k in ctx.task_kinds]
    missions = [i for i, t in enumerate(tasks) if _is_mission_task(t, kinds[i])]
    if missions:
        customers = ctx.customer_roles
        touched = ctx.reach([i for i, t in enumerate(tasks) if ctx.involves(t, customers)],
                            ctx.flow_succs, include_seeds=True)
        insight = [i for i in touched if kinds[i] == "analysis"]
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
