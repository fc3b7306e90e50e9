"""The built-in templates: each expands and schedules on its own, and customer-alignment is a whole,
well-formed programme that passes the project's own failure-mode checks and grows with the company."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from rollout.checks import run_checks
from rollout.cli import cli
from rollout.expand import load_plan
from rollout.model import ELEMENTS, KINDS, PHASES
from rollout.plugins import BUILTIN_TEMPLATES
from rollout.schedule import schedule

REPO = Path(__file__).resolve().parents[1]
SMALL = ("executive-involvement", "customer-inclusion", "data-analysis", "communication")
ALL = SMALL + ("customer-alignment",)
FINAL = "sustain.programme-closed"
ID = re.compile(r"[a-z0-9][a-z0-9.-]*\Z")


def write_plan(tmp_path: Path, template: str, with_: dict | None = None, name: str = "plan") -> Path:
    """A plan file that uses one template; ``with_`` is dumped as YAML so lists stay lists."""
    use = {"template": template}
    if with_:
        use["with"] = with_
    doc = {"plan": name, "title": f"Test of {template}", "start": "2027-01-11", "uses": [use]}
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


def expand(tmp_path: Path, template: str = "customer-alignment", **params):
    return load_plan(write_plan(tmp_path, template, params or None))


def successors(plan) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {t.id: set() for t in plan.tasks}
    for t in plan.tasks:
        for d in t.depends_on:
            out[d.task].add(t.id)
    return out


def reaches(plan, target: str) -> set[str]:
    """Ids of tasks from which a chain of dependents leads to ``target`` (target included)."""
    preds = {t.id: [d.task for d in t.depends_on] for t in plan.tasks}
    seen, stack = {target}, [target]
    while stack:
        for p in preds[stack.pop()]:
            if p not in seen:
                seen.add(p)
                stack.append(p)
    return seen


# ------------------------------------------------------------------ every template on its own

@pytest.mark.parametrize("name", ALL)
def test_template_file_starts_with_a_comment_header_and_is_named_like_its_file(name):
    path = BUILTIN_TEMPLATES / f"{name}.yaml"
    text = path.read_text(encoding="utf-8")
    header = text.splitlines()[:3]
    assert all(line.startswith("#") for line in header), f"{path} must open with a comment header"
    assert yaml.safe_load(text)["template"] == name


@pytest.mark.parametrize("name", ALL)
def test_template_expands_and_schedules_alone_with_its_defaults(tmp_path, name):
    plan = expand(tmp_path, name)
    ids = [t.id for t in plan.tasks]
    assert len(ids) == len(set(ids)), "task ids must be unique"
    assert all(ID.match(i) for i in ids), [i for i in ids if not ID.match(i)]
    result = schedule(plan)
    assert result.finish > 0
    # one final milestone that everything leads to and that closes the plan
    sinks = [i for i, succ in successors(plan).items() if not succ]
    assert len(sinks) == 1, f"{name}: expected one final milestone, found sinks {sinks}"
    final = plan.task_index()[sinks[0]]
    assert final.kind == "milestone" and final.duration == 0
    assert result[final.id].end == result.finish


#: Building blocks without executive steering of their own: FM001 (a sponsor, executives in the planning, a
#: governance cadence) is the executive-involvement template's part, so a plan of one of these alone rightly
#: fails it; customer-alignment, which includes executive-involvement, is checked by every rule.
NO_STEERING_OF_THEIR_OWN = ("customer-inclusion", "data-analysis", "communication")


#: The default programme is meant to show where its people are overbooked before levelling: the sponsor, the
#: PMO, IT, the trainers and each unit's lead carry its work (``resources:``), and the unlevelled schedule
#: puts more of it in parallel than they have. S006 (a warning) says where; ``--level`` resolves it.
OVERBOOKED = "S006"


@pytest.mark.parametrize("name", ALL)
def test_template_passes_the_failure_mode_checks_alone(tmp_path, name):
    plan = expand(tmp_path, name)
    ignore = ["FM001"] if name in NO_STEERING_OF_THEIR_OWN else []
    findings = run_checks(plan, schedule(plan), ignore=ignore).findings
    serious = [(f.code, f.message) for f in findings if f.severity in ("error", "warning") and f.code != OVERBOOKED]
    assert serious == []


def test_the_default_programme_shows_its_overbooking_and_levels_cleanly(tmp_path):
    from rollout.capacity import level_schedule, over_allocations

    plan = expand(tmp_path)
    flat = schedule(plan)
    over = {f.tasks for f in run_checks(plan, flat, select=[OVERBOOKED]).findings}
    assert over, "the unlevelled default programme shows where its people are overbooked"
    assert {o.resource for o in over_allocations(plan, flat)} >= {"pmo", "it"}
    levelled = level_schedule(plan)
    assert over_allocations(plan, levelled) == []
    assert levelled.finish >= flat.finish and levelled[FINAL].end == levelled.finish
    # within a third of the unlevelled length: the pools are sized for the programme, not starved
    assert levelled.finish <= flat.finish * 4 // 3


@pytest.mark.parametrize("name", ALL)
def test_every_task_is_fully_described(tmp_path, name):
    for t in expand(tmp_path, name).tasks:
        assert t.owner, f"{t.id} has no owner"
        assert t.kind in KINDS, f"{t.id} has kind {t.kind!r}"
        assert t.phase in PHASES, f"{t.id} has no phase"
        assert t.element in ELEMENTS, f"{t.id} has no element"
        assert t.participants or t.audience, f"{t.id} has neither participants nor audience"
        if t.estimate is not None:
            e = t.estimate
            assert e.optimistic <= e.likely <= e.pessimistic
            assert e.likely == t.duration, f"{t.id}: the likely estimate should be the planned duration"


def test_cli_lists_every_builtin_template_with_its_parameters():
    result = CliRunner().invoke(cli, ["templates"])
    assert result.exit_code == 0, result.output
    for name in ALL:
        assert name in result.output
    for param in ("business_units", "segments", "steering_weeks", "staff_update_weeks", "panel_weeks"):
        assert param in result.output


# ------------------------------------------------------------------ customer-alignment

def test_customer_alignment_default_is_a_programme_of_at_least_80_tasks(tmp_path):
    plan = expand(tmp_path)
    assert len(plan.tasks) >= 80
    assert {t.phase for t in plan.tasks} == set(PHASES)
    assert {t.element for t in plan.tasks} == set(ELEMENTS)
    assert {t.workstream for t in plan.tasks} >= {"exec", "customer", "data", "comms", "design", "pilot",
                                                  "rollout", "sustain"}
    assert sum(1 for t in plan.tasks if t.estimate) >= 30, "uncertain work should carry three-point estimates"
    assert sum(1 for t in plan.tasks if t.depends_on) >= 0.9 * len(plan.tasks)


def test_customer_alignment_everything_leads_to_the_final_milestone(tmp_path):
    plan = expand(tmp_path)
    assert reaches(plan, FINAL) == {t.id for t in plan.tasks}
    result = schedule(plan)
    assert result[FINAL].end == result.finish
    assert FINAL in result.critical_path


def test_customer_alignment_has_the_three_cadences(tmp_path):
    plan = expand(tmp_path, steering_weeks=3, staff_update_weeks=1, panel_weeks=8)
    cadences = {c.id: c for c in plan.cadences}
    steering, staff, panel = cadences["steering"], cadences["staff-update"], cadences["customer-panel"]
    assert "executive" in steering.participants and steering.every == 21
    assert "employees" in staff.audience and staff.every == 7
    assert "customer" in panel.participants and panel.every == 56


def test_customer_alignment_names_the_organisation(tmp_path):
    plan = expand(tmp_path, org="Globex", sponsor="Dana Whitfield")
    names = [t.name for t in plan.tasks]
    assert sum("Globex" in n for n in names) >= 10
    assert not any("Acme" in n for n in names)
    assert any("Dana Whitfield" in n for n in names)


def test_data_flows_from_collection_to_analysis(tmp_path):
    plan = expand(tmp_path)
    consumed = [c for t in plan.tasks if t.kind == "analysis" for c in t.consumes]
    for t in plan.tasks:
        if t.kind == "data-collection":
            assert t.produces, f"{t.id} collects data but names nothing it produces"
            for artefact in t.produces:
                assert any(Path(artefact).match(pattern) for pattern in consumed), \
                    f"{t.id} produces {artefact!r}, which no analysis consumes"


def test_design_follows_the_alignment_chain(tmp_path):
    """Direct dependencies between design tasks never point from an earlier element to a later one."""
    plan = expand(tmp_path)
    rank = {e: k for k, e in enumerate(ELEMENTS)}
    index = plan.task_index()
    design = {t.id for t in plan.tasks if t.phase == "design"}
    for t in plan.tasks:
        if t.id in design:
            for d in t.depends_on:
                if d.task in design:
                    assert rank[index[d.task].element] <= rank[t.element], (t.id, d.task)


# ------------------------------------------------------------------ scaling with the company

def test_more_business_units_give_a_bigger_plan_that_still_schedules_and_checks(tmp_path):
    small = expand(tmp_path, business_units=["North", "South"], pilot_unit="North")
    big = expand(tmp_path, business_units=["North", "South", "East", "West", "Online"], pilot_unit="North")
    assert len(big.tasks) > len(small.tasks)
    for plan, units in ((small, 2), (big, 5)):
        golives = [t for t in plan.tasks if t.id.startswith("rollout.golive-")]
        assert len(golives) == units and all(t.is_milestone for t in golives)
        result = schedule(plan)
        assert result[FINAL].end == result.finish
        serious = [f.code for f in run_checks(plan, result).findings if f.severity != "info" and f.code != OVERBOOKED]
        assert serious == []
    assert schedule(big).finish > schedule(small).finish, "waves run one after another"


def test_more_segments_give_more_listening_and_feedback(tmp_path):
    two = expand(tmp_path, segments=["Enterprise", "SMB"])
    four = expand(tmp_path, segments=["Enterprise", "Mid-market", "SMB", "Consumers"])
    ids = {t.id for t in four.tasks}
    for seg in ("enterprise", "mid-market", "smb", "consumers"):
        assert f"customer.interview-{seg}" in ids and f"data.outcomes-{seg}" in ids
    assert len(four.tasks) > len(two.tasks)


def test_waves_go_unit_by_unit_and_each_unit_is_briefed_just_before_go_live(tmp_path):
    units = ["North", "South", "East", "West"]
    plan = expand(tmp_path, business_units=units, pilot_unit="North")
    result = schedule(plan)
    slugs = [u.lower() for u in units]
    for prev, unit in zip(slugs, slugs[1:]):
        training = plan.task_index()[f"rollout.training-{unit}"]
        assert f"rollout.golive-{prev}" in {d.task for d in training.depends_on}
        assert result[f"rollout.golive-{prev}"].end <= result[f"rollout.training-{unit}"].start
    for unit in slugs:
        golive = result[f"rollout.golive-{unit}"]
        brief = result[f"comms.brief-{unit}"]
        assert "employees" in brief.task.audience
        assert brief.end <= golive.start and golive.start - brief.end < 10
        told = [t for t in plan.tasks if t.id.startswith(f"customer.tell-{unit}-")]
        assert told and all("customer" in t.participants for t in told)
    pilot_run = result["pilot.run"]
    assert all(result[f"rollout.golive-{u}"].start > pilot_run.end for u in slugs)


def test_the_events_a_steering_committee_governs_by_are_milestones_in_calendar_and_risk_tables(tmp_path):
    import icalendar

    path = write_plan(tmp_path, "customer-alignment", {"business_units": ["Retail", "Commercial"],
                                                       "pilot_unit": "Retail"})
    key_events = {"exec.design-gate", "exec.rollout-decision", "rollout.golive-retail", "rollout.golive-commercial"}
    plan = load_plan(path)
    for tid in key_events:
        task = plan.task_index()[tid]
        assert task.kind == "milestone" and task.duration == 0, tid
    runner = CliRunner()
    ics = tmp_path / "plan.ics"
    result = runner.invoke(cli, ["calendar", str(path), "-o", str(ics)])
    assert result.exit_code == 0, result.output
    cal = icalendar.Calendar.from_ical(ics.read_bytes())
    names = {str(ev.get("summary")) for ev in cal.walk("VEVENT")}
    for tid in key_events:
        assert any(plan.task_index()[tid].name in n for n in names), tid
    result = runner.invoke(cli, ["risk", str(path), "-n", "200", "--seed", "1", "--format", "json"])
    assert result.exit_code == 0, result.output
    in_table = {m["id"] for m in json.loads(result.output)["milestones"]}
    assert key_events <= in_table


_DOUBLED = re.compile(r"\b(\w+)\s+\1\b", re.I)


@pytest.mark.parametrize("name", ALL)
def test_no_text_doubles_a_word_whatever_the_segments_and_units_are_called(tmp_path, name):
    from rollout.expand import find_template

    names = {"segments": ["Private customers", "Key accounts"], "business_units": ["Retail", "Online units"],
             "pilot_unit": "Retail", "org": "Acme"}
    params = {k: v for k, v in names.items() if k in find_template(name).parameters}
    plan = expand(tmp_path, name, **params)
    texts = [(t.id, x) for t in plan.tasks for x in (t.name, t.objective, t.description)]
    texts += [(c.id, c.name) for c in plan.cadences]
    doubled = [(i, x) for i, x in texts if _DOUBLED.search(x or "") or re.search(r"customers customer", x or "", re.I)]
    assert doubled == []


def test_unit_names_that_share_a_prefix_do_not_cross_link(tmp_path):
    plan = expand(tmp_path, business_units=["North", "North East"], pilot_unit="North")
    for t in plan.tasks:
        if t.id.endswith("-north"):
            assert not [d.task for d in t.depends_on if "north-east" in d.task], t.id
    schedule(plan)


def test_optional_steps_can_be_switched_off(tmp_path):
    plan = expand(tmp_path, surveys=False, vendor_demos=False, cost_of_poor_quality=False)
    ids = {t.id for t in plan.tasks}
    assert not any(i.startswith("customer.survey-") for i in ids)
    assert "design.vendor-demos" not in ids and "data.cost-of-poor-quality" not in ids
    assert "design.tech-requirements" in {d.task for d in plan.task_index()["design.tech-selection"].depends_on}
    schedule(plan)


# ------------------------------------------------------------------ through the command line

def test_expand_through_the_cli_runner(tmp_path):
    path = write_plan(tmp_path, "customer-alignment", {"org": "Initech"})
    result = CliRunner().invoke(cli, ["expand", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert len(data["tasks"]) >= 80
    assert all(t["owner"] and t["element"] and t["phase"] for t in data["tasks"])


def test_schedule_and_check_as_a_subprocess(tmp_path):
    path = write_plan(tmp_path, "customer-alignment", {"business_units": ["A", "B", "C", "D"], "pilot_unit": "A"})
    env_cmd = [sys.executable, "-m", "rollout"]
    out = subprocess.run(env_cmd + ["schedule", str(path), "--format", "json"], cwd=REPO,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    final = next(t for t in data["tasks"] if t["id"] == FINAL)
    assert final["finish"] == data["finish"] and final["critical"]
    check = subprocess.run(env_cmd + ["check", str(path), "--format", "json"], cwd=REPO,
                           capture_output=True, text=True, timeout=60)
    assert check.returncode == 0, check.stdout + check.stderr
    assert [f for f in json.loads(check.stdout)["findings"] if f["severity"] != "info" and f["code"] != OVERBOOKED] == []


# ------------------------------------------------------------------ the authoring guide's example

def _doc_blocks(heading_file: str) -> str:
    """The ```yaml block that follows the line naming ``heading_file`` in docs/templates.md."""
    text = (REPO / "docs" / "templates.md").read_text(encoding="utf-8")
    start = text.index("```yaml", text.index(f"`{heading_file}`"))
    body = text[start + len("```yaml"):]
    return body[:body.index("```")].lstrip("\n")


def test_the_worked_example_in_the_guide_expands_as_described(tmp_path):
    for name in ("store-openings.yaml", "launch.yaml", "plan.yaml"):
        (tmp_path / name).write_text(_doc_blocks(name), encoding="utf-8")
    plan = load_plan(tmp_path / "plan.yaml")
    index = plan.task_index()
    assert len(plan.tasks) == 22 and len(plan.cadences) == 4
    assert {d.task for d in index["stores.train-york"].depends_on} == {"launch.process-signed-off",
                                                                       "stores.open-leeds"}
    assert index["stores.train-leeds"].participants == ("frontline", "hr")
    assert index["stores.train-leeds"].duration == 5
    assert index["stores.brief-leeds"].name == "Brief LEEDS staff on opening day"
    assert [d.task for d in index["stores.open-selby"].depends_on] == ["stores.train-selby"]
    assert sum(1 for t in plan.tasks if t.id.startswith("stores.survey-")) == 8
    assert index["launch.process-signed-off"].duration == 3
    schedule(plan)


def test_the_guide_documents_every_builtin_template_and_parameter():
    text = (REPO / "docs" / "templates.md").read_text(encoding="utf-8")
    for name in ALL:
        assert f"### {name}" in text
        params = yaml.safe_load((BUILTIN_TEMPLATES / f"{name}.yaml").read_text(encoding="utf-8"))["parameters"]
        section = text.split(f"### {name}", 1)[1].split("\n### ", 1)[0]
        for param in params:
            assert f"| `{param}` |" in section, f"docs/templates.md: {name} does not document {param}"


@pytest.mark.parametrize("units,segments", [(1, 1), (4, 3)])
def test_the_size_formula_in_the_guide_holds(tmp_path, units, segments):
    """docs/templates.md: 69 + 12·U + 9·S + U·S tasks for U business units and S segments."""
    plan = expand(tmp_path, business_units=[f"Unit {i}" for i in range(units)], pilot_unit="Unit 0",
                  segments=[f"Segment {i}" for i in range(segments)])
    assert len(plan.tasks) == 69 + 12 * units + 9 * segments + units * segments
