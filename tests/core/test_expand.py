"""Templates, parameters, for_each, includes, overrides and removals expand as documented."""

from pathlib import Path

import pytest

from rollout.errors import PlanError
from rollout.expand import load_plan

TEMPLATE = """\
template: listening
parameters:
  segments: {type: list, default: [Key accounts, Small business]}
  interview_weeks: {type: int, default: 3}
  with_survey: {type: bool, default: false}
workstreams:
  - id: customer
    name: Customer inclusion
    tasks:
      - id: "voc-{{ segment }}"
        for_each: {segment: segments}
        name: "Interviews: {{ segment }}"
        kind: data-collection
        duration: "{{ interview_weeks }}w"
        produces: ["voc-{{ segment }}"]
      - id: survey
        when: "{{ with_survey }}"
        duration: 2d
      - id: synthesis
        kind: analysis
        duration: 1w
        consumes: ["voc-*"]
        depends_on: ["customer.voc-*"]
cadences:
  - {id: panel, name: Panel, every: 6w, participants: [customer], from: customer.synthesis}
"""


def plan_text(uses="", extra=""):
    return f"plan: demo\ntitle: Demo\nstart: 2027-01-11\n{uses}{extra}"


def test_for_each_globs_and_slugs(write):
    write("listening.yaml", TEMPLATE)
    path = write("plan.yaml", plan_text("uses:\n  - template: listening.yaml\n    with: {segments: [Enterprise, Mid Market]}\n"))
    plan = load_plan(path)
    ids = [t.id for t in plan.tasks]
    assert ids == ["customer.voc-enterprise", "customer.voc-mid-market", "customer.synthesis"]
    assert plan.tasks[1].name == "Interviews: Mid Market"
    assert plan.tasks[0].duration == 15
    assert [d.task for d in plan.tasks[2].depends_on] == ids[:2]
    assert plan.cadences[0].every == 42 and plan.cadences[0].from_task == "customer.synthesis"


def test_when_and_typed_parameters(write):
    write("listening.yaml", TEMPLATE)
    path = write("plan.yaml", plan_text("uses:\n  - template: listening.yaml\n    with: {with_survey: yes, interview_weeks: 1}\n"))
    plan = load_plan(path)
    assert "customer.survey" in plan.task_index()
    assert plan.task_index()["customer.voc-key-accounts"].duration == 5


def test_bad_parameter_values_and_unknown_parameters(write):
    write("listening.yaml", TEMPLATE)
    path = write("plan.yaml", plan_text("uses:\n  - template: listening.yaml\n    with: {interview_wekks: 2, with_survey: maybe}\n"))
    with pytest.raises(PlanError) as info:
        load_plan(path)
    text = str(info.value)
    assert "no parameter 'interview_wekks' (did you mean 'interview_weeks'?)" in text
    assert "expected true or false" in text
    assert [p.line for p in info.value.problems] == [6, 6], text


def test_overrides_additions_and_removal_relinks(write):
    write("listening.yaml", TEMPLATE)
    path = write("plan.yaml", plan_text(
        "uses: [{template: listening.yaml}]\n",
        "tasks:\n"
        "  - {id: customer.synthesis, duration: 8d, owner: dana}\n"
        "  - {id: extra.readout, name: Readout, duration: 1d, depends_on: [customer.synthesis]}\n"
        "remove: [customer.synthesis]\n"))
    plan = load_plan(path)
    idx = plan.task_index()
    assert "customer.synthesis" not in idx
    # the readout depended on the removed synthesis: it now waits for the synthesis's own predecessors
    assert {d.task for d in idx["extra.readout"].depends_on} == {"customer.voc-key-accounts", "customer.voc-small-business"}


def test_override_sets_fields_and_source(write):
    write("listening.yaml", TEMPLATE)
    path = write("plan.yaml", plan_text("uses: [{template: listening.yaml}]\n",
                                        "tasks:\n  - {id: customer.synthesis, duration: 8d, owner: dana}\n"))
    t = load_plan(path).task_index()["customer.synthesis"]
    assert (t.duration, t.owner, t.kind) == (8, "dana", "analysis")
    assert t.source.path.endswith("plan.yaml") and t.source.line == 6   # where the PMO changed it


def test_includes_pass_parameters_and_detect_loops(write):
    write("child.yaml", "template: child\nparameters: {org: {type: str}}\n"
                        "workstreams: [{id: c, tasks: [{id: hello, name: 'Hello {{ org }}', duration: 1d}]}]\n")
    write("parent.yaml", "template: parent\nparameters: {org: {type: str, default: Acme}}\n"
                         "includes: [{template: child.yaml}]\n"
                         "workstreams: [{id: p, tasks: [{id: after, duration: 1d, depends_on: [c.hello]}]}]\n")
    plan = load_plan(write("plan.yaml", plan_text("uses: [{template: parent.yaml, with: {org: Initech}}]\n")))
    assert plan.task_index()["c.hello"].name == "Hello Initech"
    assert plan.task_index()["p.after"].depends_on[0].task == "c.hello"
    write("loop-a.yaml", "template: loop-a\nincludes: [{template: loop-b.yaml}]\n")
    write("loop-b.yaml", "template: loop-b\nincludes: [{template: loop-a.yaml}]\n")
    with pytest.raises(PlanError, match="loop"):
        load_plan(write("plan2.yaml", plan_text("uses: [{template: loop-a.yaml}]\n")))


@pytest.mark.parametrize("payload", [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "{{ open('/etc/passwd').read() }}",
    "{{ segments[0] }}",
    "{% for x in y %}x{% endfor %}{{ x",
])
def test_template_injection_is_inert(write, payload):
    write("evil.yaml", "template: evil\nparameters: {segments: {type: list, default: [a]}}\n"
                       f"workstreams: [{{id: w, tasks: [{{id: t, name: \"{payload}\", duration: 1d}}]}}]\n")
    with pytest.raises(PlanError) as info:
        load_plan(write("plan.yaml", plan_text("uses: [{template: evil.yaml}]\n")))
    assert info.value.exit_code == 2
    assert "evil.yaml:" in str(info.value)
    assert "root:" not in str(info.value)


def test_parameter_value_cannot_inject_placeholders(write):
    # a value that itself contains {{ }} is text, never rendered again
    write("t.yaml", "template: t\nparameters: {org: {type: str}}\n"
                    "workstreams: [{id: w, tasks: [{id: t, name: 'Org {{ org }}', duration: 1d}]}]\n")
    plan = load_plan(write("plan.yaml", plan_text("uses: [{template: t.yaml, with: {org: '{{ secret }}'}}]\n")))
    assert plan.tasks[0].name == "Org {{ secret }}"


def test_duplicate_ids_and_unknown_template(write):
    path = write("plan.yaml", plan_text("uses: [{template: customer-alinement}]\n"))
    with pytest.raises(PlanError, match="did you mean 'customer-alignment'"):
        load_plan(path)
    path = write("dup.yaml", plan_text("", "workstreams: [{id: w, tasks: [{id: a, duration: 1d}, {id: a, duration: 2d}]}]\n"))
    with pytest.raises(PlanError, match="duplicate task id 'w.a'"):
        load_plan(path)


def test_dependency_types_lags_and_estimates(write):
    path = write("plan.yaml", plan_text("", """\
workstreams:
  - id: w
    tasks:
      - {id: a, duration: 5d}
      - {id: b, estimate: {optimistic: 2d, likely: 3d, pessimistic: 8d}, depends_on: [{task: a, type: ff, lag: -1d}]}
      - {id: c, kind: milestone, depends_on: [b]}
      - {id: d, duration: 2d, estimate: {optimistic: 3d, likely: 2d, pessimistic: 4d}}
"""))
    with pytest.raises(PlanError, match="optimistic ≤ likely ≤ pessimistic") as info:
        load_plan(path)
    assert info.value.line == 10
    path.write_text(path.read_text().replace("{optimistic: 3d, likely: 2d", "{optimistic: 1d, likely: 2d"))
    plan = load_plan(path)
    b = plan.task_index()["w.b"]
    assert b.duration == 3 and b.depends_on[0].type == "FF" and b.depends_on[0].lag == -1
    assert plan.task_index()["w.c"].is_milestone


def test_lenient_load_records_unknown_dependencies(write):
    path = write("plan.yaml", plan_text("", "workstreams: [{id: w, tasks: [{id: a, duration: 1d, depends_on: [w.ghost]}]}]\n"))
    with pytest.raises(PlanError, match="unknown task 'w.ghost'"):
        load_plan(path)
    plan = load_plan(path, strict=False)
    assert plan.unresolved[0][:2] == ("w.a", "w.ghost")
    assert plan.tasks[0].depends_on == ()


def test_problems_inside_a_template_keep_the_template_line(write):
    write("t.yaml", "template: t\nworkstreams:\n  - id: w\n    colour: red\n    tasks: []\n")
    write("u.yaml", "template: u\nincludes: [{template: t.yaml}]\n")
    with pytest.raises(PlanError) as info:
        load_plan(write("plan.yaml", plan_text("uses: [{template: t.yaml}]\n")))
    assert (Path(info.value.path).name, info.value.line) == ("t.yaml", 4)
    with pytest.raises(PlanError) as info:
        load_plan(write("plan2.yaml", plan_text("uses: [{template: u.yaml}]\n")))
    assert (Path(info.value.path).name, info.value.line) == ("t.yaml", 4)
    with pytest.raises(PlanError) as info:
        load_plan(write("plan3.yaml", plan_text("uses: [{template: missing.yaml}]\n")))
    assert (Path(info.value.path).name, info.value.line) == ("plan3.yaml", 4)


def test_override_typo_is_an_error_not_a_new_task(write):
    write("listening.yaml", TEMPLATE)
    path = write("plan.yaml", plan_text("uses: [{template: listening.yaml}]\n",
                                        "tasks:\n  - {id: customer.synthesys, duration: 8d}\n"))
    with pytest.raises(PlanError, match="no task 'customer.synthesys' to change \\(did you mean 'customer.synthesis'") \
            as info:
        load_plan(path)
    assert (Path(info.value.path).name, info.value.line) == ("plan.yaml", 6)


def test_a_changed_task_is_reported_at_the_plan_line(write):
    write("listening.yaml", TEMPLATE)
    path = write("plan.yaml", plan_text("uses: [{template: listening.yaml}]\n",
                                        "tasks:\n  - {id: customer.voc-key-accounts, depends_on: [customer.synthesis]}\n"))
    with pytest.raises(PlanError, match="cycle") as info:
        from rollout.schedule import schedule
        schedule(load_plan(path))
    assert (Path(info.value.path).name, info.value.line) == ("plan.yaml", 6)


def test_an_unknown_template_stops_before_its_tasks_are_missed(write):
    path = write("plan.yaml", plan_text("uses: [{template: customer-alignmnet}]\n",
                                        "tasks:\n  - {id: exec.charter, duration: 8d}\nremove: [exec.sponsor-named]\n"))
    with pytest.raises(PlanError) as info:
        load_plan(path)
    assert len(info.value.problems) == 1 and "did you mean 'customer-alignment'" in str(info.value)


def test_defaults_from_earlier_parameters_and_choices(write):
    write("waves.yaml", "template: waves\nparameters:\n"
                        "  units: {type: list, default: [North, South]}\n"
                        "  pilot: {type: str, default: '{{ units | first }}', choices: units}\n"
                        "  last: {type: str, default: '{{ units | last }}'}\n"
                        "workstreams: [{id: w, tasks: [{id: pilot, name: 'Pilot in {{ pilot }}, then to {{ last }}', "
                        "duration: 1d}]}]\n")
    plan = load_plan(write("plan.yaml", plan_text("uses: [{template: waves.yaml, with: {units: [East, West, Bay]}}]\n")))
    assert plan.tasks[0].name == "Pilot in East, then to Bay"
    with pytest.raises(PlanError, match="'Wets' is not one of East, West \\(did you mean 'West'\\?\\)"):
        load_plan(write("plan2.yaml", plan_text("uses: [{template: waves.yaml, with: {units: [East, West], pilot: Wets}}]\n")))
