"""Issue 10 (plan engine): self-dependencies, measure kinds, overrides, cadence removal, role owners,
schedule output and the starter plan's calendar, each through the real load and CLI paths."""

import subprocess
import sys

import pytest
from click.testing import CliRunner

from rollout.cli import cli
from rollout.errors import PlanError
from rollout.expand import load_plan

HEAD = "plan: p\ntitle: P\nstart: 2027-01-11\n"


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


# ------------------------------------------------------------------ a task that depends on itself

def test_a_task_that_depends_on_itself_is_a_cycle_exit_2_at_its_line(write):
    path = write("plan.yaml", HEAD + "tasks:\n  - {id: w.a, name: A, duration: 2d}\n"
                 "  - {id: w.b, name: B, duration: 2d, depends_on: [a, b]}\n")
    proc = subprocess.run([sys.executable, "-m", "rollout", "schedule", str(path)], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "w.b → w.b" in proc.stderr and "plan.yaml:6" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_glob_that_matches_the_task_itself_is_not_a_cycle(write):
    path = write("plan.yaml", HEAD + "tasks:\n  - {id: w.a, name: A, duration: 2d}\n"
                 "  - {id: w.c, name: C, duration: 2d, depends_on: ['w.*']}\n")
    assert [d.task for d in load_plan(path).task_index()["w.c"].depends_on] == ["w.a"]
    assert run("schedule", path).exit_code == 0


def test_removing_a_task_that_sat_in_a_cycle_with_its_dependent_still_reports_the_cycle(write):
    path = write("plan.yaml", HEAD + "tasks:\n  - {id: w.a, name: A, duration: 2d, depends_on: [b]}\n"
                 "  - {id: w.b, name: B, duration: 2d, depends_on: [a]}\nremove: [w.b]\n")
    result = run("schedule", path)
    assert result.exit_code == 2 and "w.a → w.a" in result.output


# ------------------------------------------------------------------ measure kinds

def test_measure_kinds_are_read_in_any_case_so_customer_outcomes_count(write):
    path = write("plan.yaml", HEAD + "tasks:\n  - {id: w.a, name: A, duration: 2d}\nmeasures:\n"
                 "  - {name: Effort, kind: Customer-Outcome}\n  - {name: Handle time, kind: Internal_Efficiency}\n")
    assert [m.kind for m in load_plan(path).measures] == ["customer-outcome", "internal-efficiency"]
    result = run("check", path, "--format", "json")
    import json

    assert "FM008" not in {f["code"] for f in json.loads(result.output)["findings"]}


def test_an_unknown_measure_kind_is_an_error_with_the_closest_match(write):
    path = write("plan.yaml", HEAD + "tasks:\n  - {id: w.a, name: A, duration: 2d}\nmeasures:\n"
                 "  - {name: Effort, kind: customer-outcome}\n  - {name: Handle time, kind: internal-efficency}\n")
    result = run("schedule", path)
    assert result.exit_code == 2
    assert "plan.yaml:8" in result.output and "did you mean 'internal-efficiency'" in result.output


# ------------------------------------------------------------------ overrides

TEMPLATE = """\
template: small
workstreams:
  - id: customer
    name: Customer
    tasks:
      - {id: interview, duration: 2d, owner: pmo}
      - {id: survey, duration: 2d}
      - {id: synthesis, duration: 1d, depends_on: [interview, survey]}
  - id: design
    name: Design
    tasks:
      - {id: sketch, duration: 1d, depends_on: [customer.synthesis]}
cadences:
  - {id: steering, name: Steering, every: 2w, participants: [executive]}
  - {id: panel, name: Panel, every: 6w, participants: [customer]}
  - {id: staff-update, name: Staff update, every: 2w, audience: [employees]}
"""


def small_plan(write, extra):
    write("small.yaml", TEMPLATE)
    return write("plan.yaml", HEAD + "uses: [{template: small.yaml}]\n" + extra)


def deps(plan, tid):
    return [d.task for d in plan.task_index()[tid].depends_on]


def test_depends_on_plus_adds_to_the_template_predecessors(write):
    path = small_plan(write, "tasks:\n  - {id: extra.kickoff, name: Kick-off, duration: 1d}\n"
                      "  - {id: customer.synthesis, depends_on+: [extra.kickoff]}\n"
                      "  - {id: design.sketch, depends_on+: {task: extra.kickoff, type: SS, lag: 1d}}\n")
    plan = load_plan(path)
    assert deps(plan, "customer.synthesis") == ["customer.interview", "customer.survey", "extra.kickoff"]
    sketch = plan.task_index()["design.sketch"].depends_on
    assert [(d.task, d.type, d.lag) for d in sketch] == [("customer.synthesis", "FS", 0), ("extra.kickoff", "SS", 1)]
    assert plan.notes == ()


def test_a_bad_entry_in_depends_on_plus_is_reported_at_the_plan_line(write):
    path = small_plan(write, "tasks:\n  - {id: customer.synthesis, depends_on+: [customer.intervew]}\n")
    with pytest.raises(PlanError) as exc:
        load_plan(path)
    assert exc.value.problems[0].line == 6 and "did you mean 'customer.interview'" in str(exc.value)


def test_depends_on_replaces_and_the_plan_reports_what_it_dropped(write):
    path = small_plan(write, "tasks:\n  - {id: customer.synthesis, depends_on: [interview]}\n")
    plan = load_plan(path)
    assert deps(plan, "customer.synthesis") == ["customer.interview"]
    (note,) = plan.notes
    assert note.line == 6 and "customer.survey" in note.message and "customer.interview" not in note.message
    proc = subprocess.run([sys.executable, "-m", "rollout", "schedule", str(path)], capture_output=True, text=True)
    assert proc.returncode == 0
    assert "info: " in proc.stderr and "plan.yaml:6" in proc.stderr and "drops customer.survey" in proc.stderr


def test_an_override_glob_applies_to_every_match_and_one_matching_nothing_is_an_error(write):
    plan = load_plan(small_plan(write, "tasks:\n  - {id: 'customer.*', owner: markus}\n"))
    assert {t.id: t.owner for t in plan.tasks} == {"customer.interview": "markus", "customer.survey": "markus",
                                                   "customer.synthesis": "markus", "design.sketch": None}
    path = small_plan(write, "tasks:\n  - {id: 'custmer.*', owner: markus}\n")
    result = run("schedule", path)
    assert result.exit_code == 2
    assert "plan.yaml:6" in result.output and "no task matches 'custmer.*'" in result.output
    assert "did you mean 'customer.*'" in result.output


# ------------------------------------------------------------------ removing cadences

def test_remove_takes_cadences_by_id_or_glob(write):
    plan = load_plan(small_plan(write, "remove: [panel, 'staff-*']\n"))
    assert [c.id for c in plan.cadences] == ["steering"]
    result = run("schedule", small_plan(write, "remove: [stering]\n"))
    assert result.exit_code == 2 and "did you mean 'steering'" in result.output and "plan.yaml:5" in result.output


# ------------------------------------------------------------------ role owners

def test_a_role_held_by_one_person_resolves_to_that_person(write):
    path = small_plan(write, "people:\n  - {id: dana, name: Dana, roles: [executive, sponsor]}\n"
                      "  - {id: tom, name: Tom, roles: [executive, pmo]}\n"
                      "tasks:\n  - {id: customer.survey, owner: sponsor}\n  - {id: design.sketch, owner: executive}\n"
                      "risks:\n  - {id: R1, title: Churn, probability: 0.2, impact: 3, owner: sponsor}\n")
    plan = load_plan(path)
    owners = {t.id: t.owner for t in plan.tasks}
    assert owners["customer.interview"] == "tom"          # the template's pmo: only Tom holds it
    assert owners["customer.survey"] == "dana"
    assert owners["design.sketch"] == "executive"          # two executives: stays a role
    assert plan.risks[0].owner == "dana"
    import json

    result = run("schedule", path, "--format", "json")
    rows = {t["id"]: t for t in json.loads(result.output)["tasks"]}
    assert rows["customer.survey"]["owner"] == "dana"


# ------------------------------------------------------------------ schedule output

PARALLEL = HEAD + """tasks:
  - {id: w.a, name: A, duration: 5d}
  - {id: w.b, name: B, duration: 5d}
  - {id: w.x, name: X, duration: 2d}
  - {id: w.c, name: C, duration: 3d, depends_on: [a, b, {task: x, type: FS, lag: 2d}]}
  - {id: w.d, name: D, duration: 1d, depends_on: [{task: a, type: SS, lag: -1d}]}
  - {id: w.end, name: End, kind: milestone, depends_on: [c, d]}
"""


def test_schedule_json_has_late_dates_free_float_and_predecessors(write):
    import json

    path = write("plan.yaml", PARALLEL)
    result = run("schedule", path, "--format", "json")
    assert result.exit_code == 0, result.output
    rows = {t["id"]: t for t in json.loads(result.output)["tasks"]}
    x = rows["w.x"]            # Mon 11 .. Tue 12 Jan; C needs it done 2 days before Mon 18: float 1
    assert (x["start"], x["finish"], x["late_start"], x["late_finish"]) == \
        ("2027-01-11", "2027-01-12", "2027-01-12", "2027-01-13")
    assert (x["total_float"], x["free_float"]) == (1, 1)
    d = rows["w.d"]            # SS-1d from A: starts day 0, 1 day; the milestone waits for C (day 8)
    assert (d["total_float"], d["free_float"]) == (7, 7)
    assert rows["w.c"]["depends_on"] == [{"task": "w.a", "type": "FS", "lag": 0},
                                         {"task": "w.b", "type": "FS", "lag": 0},
                                         {"task": "w.x", "type": "FS", "lag": 2}]
    assert rows["w.end"]["late_start"] == rows["w.end"]["start"] == "2027-01-20"


def test_schedule_csv_writes_predecessors_as_a_scheduler_does(write):
    import csv
    import io

    result = run("schedule", write("plan.yaml", PARALLEL), "--format", "csv")
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(result.output))}
    assert rows["w.c"]["depends_on"] == "w.a FS; w.b FS; w.x FS+2d"
    assert rows["w.d"]["depends_on"] == "w.a SS-1d"
    assert (rows["w.x"]["late_start"], rows["w.x"]["free_float"]) == ("2027-01-12", "1")


def test_the_headline_counts_the_critical_tasks_schedule_critical_lists(write, tmp_path):
    import re

    from rollout.reports.dashboard import write_report

    path = write("plan.yaml", PARALLEL)
    listed = run("schedule", path, "--critical", "--format", "json")
    import json

    critical = [t["id"] for t in json.loads(listed.output)["tasks"]]
    assert critical == ["w.a", "w.b", "w.c", "w.end"]       # two parallel zero-float branches
    summary = run("schedule", path).output
    assert re.search(r"critical path: (\d+) tasks", summary).group(1) == str(len(critical))
    write_report(load_plan(path), tmp_path / "report", risk_iterations=0)
    page = (tmp_path / "report" / "index.html").read_text()
    headline = page[page.index('<section id="headline">'):page.index("</section>")]
    card = re.search(r'Critical path</div><div class="value">(\d+) tasks', headline)
    assert card and card.group(1) == str(len(critical))


# ------------------------------------------------------------------ the starter plan's calendar

def test_new_takes_the_calendar_country_and_subdivision(tmp_path):
    out = tmp_path / "acme.yaml"
    result = run("new", "customer-alignment", "-o", out, "--set", "org=Acme", "--set", "start=2027-01-04",
                 "--set", "country=de", "--set", "subdiv=by")
    assert result.exit_code == 0, result.output
    plan = load_plan(out)
    assert (plan.calendar.country, plan.calendar.subdiv) == ("DE", "BY")
    from rollout.calendar import WorkCalendar

    cal = WorkCalendar(plan.start, plan.calendar)
    import datetime as dt

    days = [cal.date(i) for i in range(5)]
    assert dt.date(2027, 1, 6) not in days          # Epiphany, a Bavarian holiday


@pytest.mark.parametrize("sets, expected", [
    (["country=Germny"], "did you mean 'DE'?"),
    (["country=XY"], "unknown country 'XY'"),
    (["country=DE", "subdiv=BX"], "DE has no subdivision 'BX'"),
    (["subdiv=BY"], "needs --set country"),
])
def test_new_refuses_a_country_or_region_the_holidays_package_does_not_know(tmp_path, sets, expected):
    out = tmp_path / "acme.yaml"
    args = ["new", "customer-alignment", "-o", out]
    for item in sets:
        args += ["--set", item]
    result = run(*args)
    assert result.exit_code == 2 and expected in result.output and "Traceback" not in result.output
    assert not out.exists()


# ------------------------------------------------------------------ docs say what they mean

def test_docs_and_help_texts_say_what_they_mean_instead_of_citing_the_spec():
    import re
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    cited = [f"{p.name}:{n}" for p in [repo / "README.md", *sorted((repo / "docs").glob("*.md"))]
             for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if re.search(r"\bSPEC\b", line)]
    assert cited == []
    for name in [None, *cli.commands]:
        result = run(*([name] if name else []), "--help")
        assert result.exit_code == 0 and not re.search(r"\bSPEC\b", result.output), name
    assert not re.search(r"\bSPEC\b", run("rules", "FM005").output)
