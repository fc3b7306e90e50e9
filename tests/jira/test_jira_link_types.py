"""Only finish-to-start dependencies block: SS, FF and SF become the link type of jira.link_types
(Relates by default), and the issue description says how the work overlaps."""

from __future__ import annotations

import dataclasses
import textwrap

import pytest
from click.testing import CliRunner
from jira_fixtures import make_plan

from rollout.cli import cli
from rollout.errors import PlanError
from rollout.expand import load_plan
from rollout.model import Dependency, Task
from rollout.trackers import push_plan

TASKS = (
    Task("disc.interviews", "Customer interviews", "disc", 10),
    Task("disc.synthesis", "Synthesise findings", "disc", 5, depends_on=(Dependency("disc.interviews", "SS", 2),)),
    Task("design.process", "Redesign the process", "design", 8, depends_on=(Dependency("disc.synthesis", "FF"),)),
    Task("design.tool", "Select the tool", "design", 4, depends_on=(Dependency("design.process", "SF", -1),)),
    Task("design.go", "Design signed off", "design", 0, depends_on=(Dependency("design.tool"),)),
)


def _links(standin):
    keys = {ref: keys[0] for ref, keys in standin.task_issues().items()}
    ref = {k: r for r, k in keys.items()}
    types = {lt["id"]: lt["name"] for lt in standin.link_types}
    return sorted((ref[a], types[t], ref[b]) for t, a, b in standin.links.values())


def _description(standin, task):
    key = standin.task_issues()[task][0]
    doc = standin.issues[key]["fields"]["description"]
    return "\n".join(n["content"][0]["text"] for n in doc["content"])


def test_only_fs_blocks_the_others_relate_and_say_how(standin, tmp_path):
    plan = make_plan(tmp_path, tasks=TASKS)
    result = push_plan(plan)
    assert result.errors == []
    assert _links(standin) == [
        ("design.process", "Relates", "design.tool"),
        ("design.tool", "Blocks", "design.go"),
        ("disc.interviews", "Relates", "disc.synthesis"),
        ("disc.synthesis", "Relates", "design.process"),
    ]
    go, tool = standin.task_issues()["design.go"][0], standin.task_issues()["design.tool"][0]
    assert standin.issue_view_links(go) == [f"is blocked by {tool}"]
    synthesis = standin.task_issues()["disc.synthesis"][0]
    assert standin.issue_view_links(synthesis) == []           # overlapping work is never "blocked by"
    assert "Starts with Customer interviews (disc.interviews) + 2d (SS dependency)." in _description(standin, "disc.synthesis")
    assert "Finishes with Synthesise findings (disc.synthesis) (FF dependency)." in _description(standin, "design.process")
    assert ("Finishes after the start of Redesign the process (design.process) - 1d (SF dependency)."
            in _description(standin, "design.tool"))
    assert "dependency" not in _description(standin, "design.go")
    details = {c.task: c.detail for c in result.changes if c.action == "link"}
    assert details["disc.synthesis"] == "disc.synthesis starts with disc.interviews (SS, Relates)"
    assert details["design.go"] == "design.tool blocks design.go"
    before = len(standin.writes())
    assert push_plan(plan).summary()["unchanged"] == 7 and standin.writes()[before:] == []


def test_link_types_are_configurable_and_a_changed_type_replaces_the_link(standin, tmp_path):
    plan = make_plan(tmp_path, tasks=TASKS, jira={"project": "ACME", "link_types": {"SS": "Cloners"}})
    push_plan(plan)
    assert ("disc.interviews", "Cloners", "disc.synthesis") in _links(standin)
    assert ("disc.synthesis", "Relates", "design.process") in _links(standin)       # FF keeps the default
    # the plan turns the SS dependency into FS: the Cloners link push made goes, a Blocks link comes
    tasks = tuple(dataclasses.replace(t, depends_on=(Dependency("disc.interviews"),)) if t.id == "disc.synthesis" else t
                  for t in TASKS)
    again = push_plan(dataclasses.replace(plan, tasks=tasks))
    assert again.errors == []
    assert ("disc.interviews", "Blocks", "disc.synthesis") in _links(standin)
    assert ("disc.interviews", "Cloners", "disc.synthesis") not in _links(standin)
    assert len(_links(standin)) == 4


def test_a_relates_link_people_made_is_left_alone(standin, tmp_path):
    plan = make_plan(tmp_path, tasks=TASKS)
    push_plan(plan)
    keys = {ref: keys[0] for ref, keys in standin.task_issues().items()}
    standin.links["99999"] = ("10003", keys["disc.interviews"], keys["design.go"])     # by hand, in Jira
    push_plan(plan)
    assert ("disc.interviews", "Relates", "design.go") in _links(standin)


def test_a_link_type_jira_lacks_is_named_with_the_setting(standin, tmp_path):
    from rollout.errors import RemoteError

    plan = make_plan(tmp_path, tasks=TASKS, jira={"project": "ACME", "link_types": {"FF": "Duplicate"}})
    with pytest.raises(RemoteError, match=r"Jira has no issue link type 'Duplicate' .*set jira.link_types.FF"):
        push_plan(plan)


@pytest.mark.parametrize("setting, line, message", [
    ("{SS: Relates, XX: Relates}", 9, "unknown dependency type 'XX' in jira.link_types (expected SS, FF or SF)"),
    ("{FS: Relates}", 9, "unknown dependency type 'FS' in jira.link_types (expected SS, FF or SF) (FS dependencies use jira.link_type)"),
    ("{SS: [Relates, Blocks]}", 9, "jira.link_types.SS must name a Jira issue link type (e.g. Relates), not ['Relates', 'Blocks']"),
    ("{SS: ''}", 9, "jira.link_types.SS must name a Jira issue link type (e.g. Relates), not ''"),
    ("Relates", 9, "'jira.link_types:' maps SS, FF and SF to Jira link type names"),
])
def test_bad_link_types_are_plan_errors_with_file_and_line(tmp_path, setting, line, message):
    path = tmp_path / "p.yaml"
    path.write_text(textwrap.dedent(f"""\
        plan: p
        start: 2027-01-11
        workstreams:
          - id: a
            tasks:
              - {{id: one, name: One, duration: 2d}}
        jira:
          project: ACME
          link_types: {setting}
        """))
    with pytest.raises(PlanError) as info:
        load_plan(path)
    assert info.value.line == line and message in str(info.value)
    result = CliRunner().invoke(cli, ["push", str(path)])
    assert result.exit_code == 2 and f"{path}:{line}" in result.stderr and message in result.stderr
