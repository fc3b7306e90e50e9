"""Edges of the rules, on plans built directly from the model: thresholds are exclusive, cadences
count, people count by their roles, selection follows the longest selector."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

import rollout.checks as checks
from rollout.checks import run_checks
from rollout.errors import PlanError, UsageError
from rollout.model import Cadence, CalendarSpec, Dependency, Measure, Person, Plan, Task
from rollout.schedule import schedule

START = dt.date(2027, 1, 4)      # a Monday


def plan(*tasks, cadences=(), people=(), checks=None, mission=None, measures=()):
    return Plan("p", "P", START, CalendarSpec(), tuple(tasks), cadences=tuple(cadences), people=tuple(people),
                checks=checks or {}, mission=mission, measures=tuple(measures))


def T(id, duration=5, **kw):
    deps = kw.pop("after", ())
    kw.setdefault("owner", "pmo")
    name = kw.pop("name", id.split(".")[-1].replace("-", " ").title())
    return Task(id, name, id.split(".")[0], duration,
                depends_on=tuple(Dependency(d) for d in ([deps] if isinstance(deps, str) else deps)), **kw)


def found(p, code, **kw):
    return [f for f in run_checks(p, schedule(p), select=[code], **kw).findings]


def test_public_surface_is_sorted_and_complete():
    assert checks.__all__ == sorted(checks.__all__, key=lambda n: (not n.isupper(), n))
    for name in checks.__all__:
        assert hasattr(checks, name)


# ---------------------------------------------------------------- FM003 gaps

@pytest.mark.parametrize("gap, fires", [(40, False), (41, True)])
def test_customer_gap_threshold_is_exclusive(gap, fires):
    p = plan(T("c.a", 5, participants=("customer",)),
             T("w.quiet", gap, after="c.a"),
             T("c.b", 5, participants=("customers",), after="w.quiet"))
    assert bool(found(p, "FM003")) is fires


def test_a_customer_panel_cadence_closes_the_gap_and_a_person_counts_by_role():
    long_gap = (T("c.a", 5, participants=("customer",)), T("w.quiet", 60, after="c.a"),
                T("c.b", 5, participants=("ada",), after="w.quiet"))
    people = [Person("ada", "Ada", roles=("customer",))]
    assert [f.tasks for f in found(plan(*long_gap, people=people), "FM003")] == [("c.a", "c.b")]
    panel = Cadence("panel", "Customer panel", 42, participants=("customer",), from_task="c.a")
    assert found(plan(*long_gap, people=people, cadences=[panel]), "FM003") == []
    # without the person's role, the last task is no touchpoint: the gap runs to the end
    assert [f.tasks for f in found(plan(*long_gap), "FM003")] == [("c.a",)]


def test_gap_threshold_is_a_setting():
    p = plan(T("c.a", 5, participants=("customer",)), T("w.quiet", 30, after="c.a"),
             T("c.b", 5, participants=("customer",), after="w.quiet"),
             checks={"settings": {"customer_gap_days": 20}})
    assert len(found(p, "FM003")) == 1


# ---------------------------------------------------------------- FM005 go-live notice

@pytest.mark.parametrize("lead, fires", [(10, False), (11, True)])
def test_golive_needs_a_briefing_within_ten_working_days(lead, fires):
    # the briefing (in the go-live's workstream) is on working day 0; the go-live starts `lead` working days later
    golive_day = START + dt.timedelta(days=lead // 5 * 7 + lead % 5)
    p = plan(T("r.brief", 1, kind="communication", audience=("employees",)),
             T("r.golive", 5, kind="rollout", start_no_earlier_than=golive_day),
             checks={"settings": {"comms_gap_days": 100}})
    assert schedule(p)["r.golive"].start == lead
    assert bool([f for f in found(p, "FM005") if f.tasks == ("r.golive",)]) is fires


def test_a_milestone_named_go_live_counts_and_a_briefing_the_same_day_is_in_time():
    p = plan(T("w.build", 30), T("c.brief", 1, kind="communication", audience=("staff",), after="w.build"),
             T("r.go-live", 0, kind="milestone", after="c.brief"),
             checks={"settings": {"comms_gap_days": 100}})
    assert found(p, "FM005") == []
    p2 = plan(T("w.build", 30), T("r.go-live", 0, kind="milestone", after="w.build"),
              checks={"settings": {"comms_gap_days": 100}})
    assert [f.tasks for f in found(p2, "FM005")] == [("r.go-live",)]


def test_what_counts_as_a_go_live():
    from rollout.checks.communication import is_go_live

    assert is_go_live(T("r.wave-1", kind="rollout"))
    assert is_go_live(T("r.north-goes-live", 0, kind="milestone"))
    assert is_go_live(T("r.launch-north", 0, kind="milestone", phase="rollout"))
    assert not is_go_live(T("c.newsletter-launched", 0, kind="milestone", phase="design"))
    assert not is_go_live(T("d.go-live-plan", 5, kind="planning"))


# ---------------------------------------------------------------- FM010 through gates only

def test_misaligned_order_follows_design_work_but_not_a_pilot_in_between():
    org = T("d.org", kind="org-design", element="organization")
    via_pilot = plan(org, T("p.pilot", kind="pilot", phase="pilot", element="front-line", after="d.org"),
                     T("d.strategy-refresh", kind="strategy", element="strategy", after="p.pilot"))
    assert found(via_pilot, "FM010") == []
    via_gate = plan(org, T("d.gate", 1, kind="decision", phase="design", after="d.org"),
                    T("d.scorecard", kind="measurement", element="measures", after="d.gate"))
    assert [f.tasks for f in found(via_gate, "FM010")] == [("d.scorecard", "d.org")]


# ---------------------------------------------------------------- FM002 mission text

@pytest.mark.parametrize("n, fires", [(30, False), (31, True)])
def test_mission_word_limit(n, fires):
    text = "Make renewals effortless for customers " + " ".join(["today"] * (n - 5))
    assert bool([f for f in found(plan(T("w.a"), mission=text), "FM002") if "words" in f.message]) is fires


def test_mission_buzzwords_and_customer_naming():
    assert found(plan(T("w.a"), mission="Settle every patient's claim on the first call"), "FM002") == []
    msgs = [f.message for f in found(plan(T("w.a"), mission="World-class synergy and excellence"), "FM002")]
    assert any("buzzwords" in m for m in msgs) and any("never names the customer" in m for m in msgs)
    extra = plan(T("w.a"), mission="Every learner leaves with a job", checks={"settings": {
        "extra_customer_words": ["learner"]}})
    assert found(extra, "FM002") == []


# ---------------------------------------------------------------- FM008, S005, FM011

def test_measures_rule_is_silent_without_measures_and_fires_without_customer_outcomes():
    assert found(plan(T("w.a")), "FM008") == []
    assert len(found(plan(T("w.a"), measures=[Measure("Handle time", "internal-efficiency")]), "FM008")) == 1


def test_dangling_is_silent_when_the_plan_does_not_end_in_a_milestone():
    assert found(plan(T("w.a"), T("w.b")), "S005") == []


def test_plan_light_needs_enough_tasks_and_a_majority():
    few = plan(*[T(f"w.t{k}", owner=None) for k in range(4)])
    assert found(few, "FM011") == []
    half = plan(*[T(f"w.t{k}", owner=None if k < 3 else "pmo", after=f"w.t{k - 1}" if k else ()) for k in range(6)])
    assert found(half, "FM011") == []             # 3 of 6 is not most


# ---------------------------------------------------------------- selection and configuration

def test_longest_selector_wins_and_ties_go_to_ignore():
    p = plan(T("t.crm", kind="technology-selection"), checks={"ignore": ["FM"]})
    assert run_checks(p, schedule(p), select=["FM006"]).findings[0].code == "FM006"
    p2 = plan(T("t.crm", kind="technology-selection"), checks={"ignore": ["FM006"]})
    assert run_checks(p2, schedule(p2), select=["FM006"]).findings == ()


def test_severity_can_be_set_for_a_whole_prefix_in_the_plan():
    p = plan(T("t.crm", kind="technology-selection"), checks={"severity": {"FM": "info"}})
    result = run_checks(p, schedule(p), select=["FM006"])
    assert [f.severity for f in result.findings] == ["info"] and not result.failed


def test_bad_plan_configuration_is_a_plan_error_and_bad_cli_selector_a_usage_error():
    with pytest.raises(PlanError, match="severity of FM003 must be error, warning or info"):
        run_checks(plan(T("w.a"), checks={"severity": {"FM003": "fatal"}}))
    with pytest.raises(PlanError, match="customer_gap_days must be a whole number"):
        run_checks(plan(T("w.a"), checks={"settings": {"customer_gap_days": "soon"}}))
    with pytest.raises(UsageError, match="did you mean 'FM006'"):
        run_checks(plan(T("w.a")), select=["FM0066"])
    with pytest.raises(UsageError):
        run_checks(plan(T("w.a")), fail_on="fatal")


def test_without_a_schedule_date_rules_are_skipped_not_guessed():
    p = plan(T("w.a", deadline=START))
    result = run_checks(p, None)
    assert {r.code for r in result.skipped} == {"FM003", "FM005", "FM012", "S004", "S005", "S006"}
    assert all(f.code not in {"FM003", "FM005", "FM012", "S004", "S005", "S006"} for f in result.findings)


def test_findings_come_most_serious_first_then_by_code():
    p = plan(T("t.crm", kind="technology-selection", owner=None), T("w.b", owner=None))
    sev = [(f.severity, f.code) for f in run_checks(p, schedule(p)).findings]
    order = {"error": 0, "warning": 1, "info": 2}
    assert sev == sorted(sev, key=lambda x: (order[x[0]], x[1][:2] != "FM", x[1]))


# ---------------------------------------------------------------- FM005 a go-live briefing is aimed at its people

def tagged(task: Task, *tags: str) -> Task:
    """``task`` with tags (``Task.tags`` where the model has it, else a stand-in subclass)."""
    if "tags" in Task.__dataclass_fields__:
        return dataclasses.replace(task, tags=tags)
    return _Tagged(**{f: getattr(task, f) for f in Task.__dataclass_fields__}, tags=tags)


@dataclasses.dataclass(frozen=True)
class _Tagged(Task):
    tags: tuple[str, ...] = ()


def _golive_north(**kw):
    return T("r.golive-north", 5, kind="rollout", participants=("frontline",),
             start_no_earlier_than=START + dt.timedelta(days=14), **kw)


def _fm005(*tasks, cadences=()):
    return [f for f in found(plan(*tasks, cadences=cadences, checks={"settings": {"comms_gap_days": 100}}), "FM005")
            if f.tasks == ("r.golive-north",)]


def test_an_all_staff_cadence_in_the_window_is_not_a_go_live_briefing():
    update = Cadence("staff-update", "All-staff update", 14, audience=("employees",))
    got = _fm005(_golive_north(), cadences=[update])
    assert len(got) == 1 and "only general updates ('staff-update')" in got[0].message


def test_an_all_staff_message_in_the_go_lives_workstream_is_general_unless_the_go_live_depends_on_it():
    news = T("r.all-staff-news", 1, kind="communication", audience=("employees",),
             start_no_earlier_than=START + dt.timedelta(days=7))
    assert len(_fm005(news, _golive_north())) == 1
    assert _fm005(news, _golive_north(after="r.all-staff-news")) == []


def test_a_briefing_is_tied_by_unit_tag_or_by_naming_the_unit():
    when = START + dt.timedelta(days=7)
    untied = T("c.briefing", 1, kind="communication", audience=("employees",), start_no_earlier_than=when)
    assert len(_fm005(untied, tagged(_golive_north(), "unit:north"))) == 1
    assert _fm005(tagged(untied, "unit:north"), tagged(_golive_north(), "unit:north")) == []
    named = T("c.brief-north", 1, kind="communication", audience=("employees",), start_no_earlier_than=when)
    assert _fm005(named, tagged(_golive_north(), "unit:north")) == []
    # another unit's briefing in the same workstream does not count
    south = tagged(T("r.brief-south", 1, kind="communication", audience=("employees",), start_no_earlier_than=when),
                   "unit:south")
    assert len(_fm005(south, tagged(_golive_north(), "unit:north"))) == 1


def test_a_linked_briefing_must_reach_the_go_lives_people():
    to_customers = T("c.tell-customers", 1, kind="communication", audience=("customers",),
                     start_no_earlier_than=START + dt.timedelta(days=7))
    assert len(_fm005(to_customers, _golive_north(after="c.tell-customers"))) == 1
    to_it = T("c.tell-it", 1, kind="communication", audience=("it",),
              start_no_earlier_than=START + dt.timedelta(days=7))
    it_golive = T("r.golive-north", 5, kind="rollout", participants=("it",), after="c.tell-it")
    assert _fm005(to_it, it_golive) == []


# ---------------------------------------------------------------- FM001 executives in the planning, a governance cadence

def _fm001_messages(*tasks, cadences=()):
    people = [Person("dana", "Dana", roles=("executive", "sponsor"))]
    return [f.message for f in found(plan(*tasks, cadences=cadences, people=people), "FM001")]


_EXEC_PLANNING = T("x.plan", 2, kind="planning", participants=("dana", "pmo"))


@pytest.mark.parametrize("cadence, governance", [
    (Cadence("steering", "Steering committee", 14, participants=("dana",)), True),
    (Cadence("monthly", "Monthly forum", 28, kind="decision", participants=("executive",)), True),
    (Cadence("forum", "Monthly forum", 28, participants=("steering-committee", "pmo")), True),
    (Cadence("sponsor", "Sponsor review", 28, participants=("sponsor", "pmo")), True),
    (Cadence("board", "Programme board", 28, participants=("pmo",)), False),      # no executive in it
    (Cadence("cab", "Customer advisory board", 42, participants=("customer", "dana")), False),
    (Cadence("panel", "Customer panel", 42, kind="customer-feedback", participants=("customer", "dana")), False),
    (Cadence("update", "All-staff update", 14, participants=("sponsor",), audience=("employees",)), False),
])
def test_what_counts_as_a_steering_cadence(cadence, governance):
    messages = _fm001_messages(_EXEC_PLANNING, cadences=[cadence])
    assert (not any("steering cadence" in m for m in messages)) is governance


def test_executives_only_at_decisions_are_not_in_the_planning():
    steering = Cadence("steering", "Steering committee", 14, participants=("dana",))
    only_decisions = (T("x.plan", 2, kind="planning", participants=("pmo",)),
                      T("x.go", 1, kind="decision", participants=("dana",), after="x.plan"))
    messages = _fm001_messages(*only_decisions, cadences=[steering])
    assert len(messages) == 1 and "executives only take part in decisions ('x.go')" in messages[0]
    # an untagged strategy session with the sponsor is planning work
    session = T("x.session", 2, participants=("dana",), after="x.plan")
    assert session.kind == "other"
    assert _fm001_messages(*only_decisions, dataclasses.replace(session, name="Strategy session"),
                           cadences=[steering]) == []


# ---------------------------------------------------------------- kinds inferred from the words

@pytest.mark.parametrize("name, kind", [
    ("Choose the CRM vendor", "technology-selection"),
    ("Select the contact-centre platform", "technology-selection"),
    ("Map the claims workflow", "process-design"),
    ("Redraw the service organisation", "org-design"),
    ("Rewrite job profiles for the new structure", "job-design"),
    ("Train Retail staff on the new process", "training"),
    ("Brief the North branch teams", "communication"),
    ("Customer satisfaction survey", "data-collection"),
    ("Summarise interview themes", "analysis"),
    ("Go/no-go for the rollout", "decision"),
    ("Plan the Retail go-live", "planning"),
    ("Retail goes live", "rollout"),
    ("Configure and integrate the chosen system", None),
    ("Fix what the pilot showed in processes, system and training", None),
    ("Switch on the new system for Retail", None),
])
def test_kind_inference_table(name, kind):
    from rollout.checks.kinds import infer_kind

    assert infer_kind(name) == kind


def test_a_tagged_kind_is_never_overridden_and_the_objective_is_read_when_the_name_says_nothing():
    from rollout.checks.kinds import kind_of

    assert kind_of(T("t.x", kind="analysis", name="Choose the CRM vendor")).kind == "analysis"
    by_objective = kind_of(T("t.x", name="Workstream T", objective="Choose the CRM vendor"))
    assert by_objective == ("technology-selection", "objective") and by_objective.note == \
        "kind inferred from its objective"


def test_findings_on_an_inferred_kind_say_so():
    p = plan(T("t.crm", 20, name="Choose the CRM vendor"), T("t.train", 5, name="Train the agents",
                                                              participants=("frontline",)))
    fm006 = found(p, "FM006")
    assert [f.tasks for f in fm006] == [("t.crm",)] and "kind inferred from its name" in fm006[0].message
    assert "kind inferred from its name" in found(p, "FM007")[0].message
