"""People with capacity, calendars and leave; pools; audiences; task resources and impact; scheduling:
typed at load, every problem at its file:line (exit 2)."""

import datetime as dt

import pytest
from click.testing import CliRunner

from rollout.cli import cli
from rollout.errors import PlanError
from rollout.expand import load_plan
from rollout.model import CalendarSpec, Scheduling

HEAD = """\
plan: cap
title: Capacity
start: 2027-01-04
calendar: {country: US, holidays: [2027-12-24]}
"""


def plan_text(people="", resources="", audiences="", tasks="", extra=""):
    return HEAD + extra + f"""
people:
{people or "  - {id: dana, name: Dana, roles: [sponsor]}"}
resources:
{resources or "  - {id: trainers, name: Trainers, units: 3}"}
audiences:
{audiences or "  - {id: frontline, name: Front line, headcount: 1200, tolerance: 6}"}
workstreams:
  - id: w
    name: W
    tasks:
{tasks or "      - {id: a, name: A, duration: 5d}"}
"""


def test_people_pools_audiences_and_task_fields_are_typed(write):
    path = write("p.yaml", plan_text(
        people="  - {id: dana, name: Dana, roles: [sponsor], capacity: 0.5, "
               "calendar: {country: DE, subdiv: BY, workdays: [mon, tue, wed, thu]}, "
               "leave: [2027-08-02..2027-08-04, 2027-12-27]}",
        resources="  - {id: trainers, name: Trainers, units: 3}\n  - {id: it, name: IT, units: 5, calendar: {country: GB}}",
        tasks="      - {id: a, name: A, duration: 5d, resources: {trainers: 2, dana: 0.25}, audience: [frontline], "
              "impact: high}\n"
              "      - {id: b, name: B, duration: 2d, kind: training, audience: frontline, resources: {sponsor: 0.5}}\n"
              "      - {id: c, name: C, duration: 2d, kind: rollout, impact: none}\n"
              "      - {id: d, name: D, duration: 2d, impact: 4}",
        extra="scheduling: {level: {audiences: true, method: optimal, seed: 7, time_limit: 2m, schedules: 300}}\n"))
    plan = load_plan(path)
    dana = plan.people[0]
    assert dana.capacity == 0.5
    assert dana.calendar == CalendarSpec((0, 1, 2, 3), "DE", "BY", (dt.date(2027, 12, 24),))
    assert dana.leave == (dt.date(2027, 8, 2), dt.date(2027, 8, 3), dt.date(2027, 8, 4), dt.date(2027, 12, 27))
    assert [(r.id, r.units, r.calendar and r.calendar.country) for r in plan.resources] == [
        ("trainers", 3.0, None), ("it", 5.0, "GB")]
    assert [(a.id, a.headcount, a.tolerance) for a in plan.audiences] == [("frontline", 1200, 6.0)]
    t = plan.task_index()
    assert t["w.a"].resources == (("trainers", 2.0), ("dana", 0.25)) and t["w.a"].change_points == 3
    assert t["w.b"].audience == ("frontline",) and t["w.b"].change_points == 2   # training's default
    assert t["w.b"].resources == (("dana", 0.5),)            # a role one person holds is that person
    assert t["w.c"].change_points == 0 and t["w.d"].change_points == 4
    assert plan.scheduling == Scheduling(True, True, "optimal", 7, 120.0, 300)
    assert t["w.a"].to_dict()["resources"] == {"trainers": 2.0, "dana": 0.25}


def test_scheduling_level_true_and_absent(write):
    assert load_plan(write("a.yaml", plan_text(extra="scheduling: {level: true}\n"))).scheduling.level is True
    assert load_plan(write("b.yaml", plan_text())).scheduling == Scheduling()


@pytest.mark.parametrize("tasks, expected", [
    ("      - {id: a, name: A, duration: 5d, resources: {trainers: 4}}",
     "p.yaml:16:47: task 'w.a' needs 4 of pool 'trainers', which has 3 unit(s) at most"),
    ("      - {id: a, name: A, duration: 5d, resources: {dana: 1.0}}",
     "p.yaml:16:47: task 'w.a' needs 1 of person 'dana', which has a capacity of 0.5 at most"),
    ("      - {id: a, name: A, duration: 5d, resources: {trainrs: 1}}",
     "p.yaml:16:47: task 'w.a' uses unknown resource 'trainrs' (did you mean 'trainers'?)"),
    ("      - {id: a, name: A, duration: 5d, resources: {trainers: -1}}",
     "p.yaml:16:47: resources of 'w.a': trainers: expected units used on each working day, above 0"),
    ("      - {id: a, name: A, duration: 5d, impact: huge}",
     "p.yaml:16:46: impact: expected low, medium, high, none or a whole number of change points, found 'huge'"),
])
def test_bad_demands_and_impacts_are_plan_errors_at_the_task(write, tasks, expected):
    path = write("p.yaml", plan_text(people="  - {id: dana, name: Dana, capacity: 0.5}", tasks=tasks))
    with pytest.raises(PlanError) as err:
        load_plan(path)
    where, message = expected.split(": ", 1)
    assert f"{where[:-3]}:" in str(err.value) and message in str(err.value)     # the task's line
    result = CliRunner().invoke(cli, ["schedule", str(path)])
    assert result.exit_code == 2 and message in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("people, resources, audiences, extra, expected", [
    ("  - {id: dana, name: Dana, capacity: 1.5}", "", "", "", "capacity: expected a share of a working day"),
    ("  - {id: dana, name: Dana, capcity: 0.5}", "", "", "", "unknown key 'capcity' in person (did you mean 'capacity'?)"),
    ("  - {id: dana, name: Dana, leave: [2027-08-20..2027-08-02]}", "", "", "",
     "leave: the range '2027-08-20..2027-08-02' ends before it begins"),
    ("  - {id: dana, name: Dana, leave: [someday]}", "", "", "", "leave: expected a date like 2027-01-11"),
    ("  - {id: dana, name: Dana, calendar: {workdays: [mon, funday]}}", "", "", "", "unknown weekday 'funday'"),
    ("", "  - {id: trainers, name: Trainers, unit: 3}", "", "", "unknown key 'unit' in resource pool (did you mean 'units'?)"),
    ("", "  - {id: trainers, name: Trainers, units: lots}", "", "", "units: expected a number of people above 0"),
    ("", "", "  - {id: frontline, tolerance: many}", "", "tolerance: expected the change points a week"),
    ("", "", "  - {id: frontline, headcont: 3}", "", "unknown key 'headcont' in audience (did you mean 'headcount'?)"),
    ("", "", "", "scheduling: {level: {method: fastest}}\n", "unknown levelling method 'fastest'"),
    ("", "", "", "scheduling: {level: {audience: true}}\n", "unknown key 'audience' in level (did you mean 'audiences'?)"),
    ("", "", "", "scheduling: {levle: true}\n", "unknown key 'levle' in scheduling (did you mean 'level'?)"),
    ("", "", "", "scheduling: {level: {time_limit: soon}}\n", "time_limit: expected a time such as 30s or 2m"),
])
def test_bad_people_pools_audiences_and_scheduling(write, people, resources, audiences, extra, expected):
    path = write("p.yaml", plan_text(people=people, resources=resources, audiences=audiences, extra=extra))
    with pytest.raises(PlanError) as err:
        load_plan(path)
    assert expected in str(err.value)
    assert str(err.value).startswith("p.yaml:") or "/p.yaml:" in str(err.value)


def test_a_role_several_people_hold_is_not_a_resource(write):
    path = write("p.yaml", plan_text(
        people="  - {id: ann, name: Ann, roles: [it]}\n  - {id: bob, name: Bob, roles: [it]}",
        tasks="      - {id: a, name: A, duration: 5d, resources: {it: 1}}"))
    with pytest.raises(PlanError, match="uses role 'it', which several people hold"):
        load_plan(path)


def test_template_tasks_carry_resources_and_plan_overrides_change_them(write):
    write("tpl.yaml", """\
        template: tpl
        parameters:
          units: {type: list, default: [North, South]}
          trainers: {type: int, default: 2}
        resources:
          - {id: trainers, name: Trainers, units: "{{ trainers }}"}
        workstreams:
          - id: roll
            name: Roll
            tasks:
              - id: "train-{{ unit }}"
                for_each: {unit: units}
                name: "Train {{ unit }}"
                duration: 3d
                resources: {trainers: 1, "{{ unit }}-lead": 0.5}
        """)
    path = write("p.yaml", """\
        plan: t
        title: T
        start: 2027-01-04
        uses: [{template: tpl.yaml, with: {trainers: 4}}]
        people:
          - {id: north-lead, name: N}
          - {id: south-lead, name: S}
        resources:
          - {id: trainers, units: 5}
        tasks:
          - {id: "roll.train-*", resources: {trainers: 3}}
        """)
    plan = load_plan(path)
    assert plan.resources[0].units == 5.0 and plan.resources[0].name == "Trainers"
    assert [t.resources for t in plan.tasks] == [(("trainers", 3.0),), (("trainers", 3.0),)]
    base = load_plan(write("q.yaml", path.read_text().split("tasks:")[0]))
    assert [t.resources for t in base.tasks] == [(("trainers", 1.0), ("north-lead", 0.5)),
                                                 (("trainers", 1.0), ("south-lead", 0.5))]
