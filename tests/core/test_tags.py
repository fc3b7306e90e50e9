"""Task tags: free labels checked at load, carried through expand and schedule output; for_each over
business units or segments tags what it generates (SPEC 1.3a)."""

import csv
import io
import json

import pytest
from click.testing import CliRunner

from rollout.cli import cli
from rollout.errors import PlanError
from rollout.expand import load_plan

TEMPLATE = """\
template: waves
parameters:
  business_units: {type: list, default: [Retail, Private customers]}
  segments: {type: list, default: [Small business]}
workstreams:
  - id: rollout
    name: Rollout
    tasks:
      - id: "golive-{{ unit }}"
        for_each: {unit: business_units}
        name: "{{ unit }} goes live"
        duration: 2d
        tags: [wave-task]
      - id: "tell-{{ unit }}-{{ segment }}"
        for_each: {unit: business_units, segment: segments}
        name: "Tell {{ segment }} in {{ unit }}"
        duration: 1d
      - id: "step-{{ n }}"
        for_each: {n: [1, 2]}
        duration: 1d
"""


def _plan(write, tasks=""):
    write("waves.yaml", TEMPLATE)
    return write("plan.yaml", "plan: p\ntitle: P\nstart: 2027-01-11\nuses:\n  - template: waves.yaml\n"
                 + tasks)


def test_for_each_over_units_and_segments_tags_what_it_generates(write):
    tags = {t.id: t.tags for t in load_plan(_plan(write)).tasks}
    assert tags["rollout.golive-retail"] == ("wave-task", "unit:retail")
    assert tags["rollout.golive-private-customers"] == ("wave-task", "unit:private-customers")
    assert tags["rollout.tell-retail-small-business"] == ("unit:retail", "segment:small-business")
    assert tags["rollout.step-1"] == ()          # a for_each over anything else adds no tag


def test_plan_tags_reach_expand_and_schedule_output(write):
    path = _plan(write, "tasks:\n  - {id: extra.a, name: A, duration: 1d, tags: [wave:1, quick-win, 2027]}\n")
    runner = CliRunner()
    out = runner.invoke(cli, ["expand", str(path), "--format", "json"])
    assert out.exit_code == 0, out.output
    by_id = {t["id"]: t for t in json.loads(out.output)["tasks"]}
    assert by_id["extra.a"]["tags"] == ["wave:1", "quick-win", "2027"]
    out = runner.invoke(cli, ["expand", str(path), "--format", "csv"])
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(out.output))}
    assert rows["rollout.tell-retail-small-business"]["tags"] == "unit:retail segment:small-business"
    out = runner.invoke(cli, ["schedule", str(path), "--format", "json"])
    by_id = {t["id"]: t for t in json.loads(out.output)["tasks"]}
    assert by_id["rollout.golive-retail"]["tags"] == ["wave-task", "unit:retail"]
    out = runner.invoke(cli, ["schedule", str(path), "--format", "csv"])
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(out.output))}
    assert rows["extra.a"]["tags"] == "wave:1 quick-win 2027"


def test_an_override_replaces_own_tags_and_keeps_the_generated_ones(write):
    path = _plan(write, "tasks:\n  - {id: rollout.golive-retail, tags: [wave:1]}\n")
    assert load_plan(path).task_index()["rollout.golive-retail"].tags == ("wave:1", "unit:retail")


@pytest.mark.parametrize("tags", ['["two words"]', '["a,b"]', '["unit:"]', '[{x: 1}]', '{x: 1}'])
def test_a_bad_tag_is_an_error_at_its_line(write, tags):
    path = write("plan.yaml", "plan: p\ntitle: P\nstart: 2027-01-11\ntasks:\n  - id: w.a\n    name: A\n"
                 f"    duration: 1d\n    tags: {tags}\n")
    with pytest.raises(PlanError) as exc:
        load_plan(path)
    problem = exc.value.problems[0]
    assert problem.line == 8
    assert "tag" in problem.message
