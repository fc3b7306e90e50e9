"""Status, Gantt and report grouped and filtered by tag, owner or workstream."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from rollout.errors import UsageError
from rollout.model import CalendarSpec, Dependency, Plan, Task, Workstream
from rollout.selection import Selection, group_key
from rollout.tracking import Actual, status

from .test_cli_tracking import HEADER, plan_file, run  # noqa: F401  (the fixture)

START = dt.date(2027, 1, 4)

TaggedTask = Task


def units_plan() -> Plan:
    """Retail and corporate each run interviews then a rollout; retail's interviews run late."""
    t = [
        TaggedTask("cust.voc-retail", "Interviews (Retail)", "cust", 5, owner="dana",
                   tags=("unit:retail", "segment:smb")),
        TaggedTask("cust.voc-corp", "Interviews (Corporate)", "cust", 5, owner="markus",
                   tags=("unit:corporate", "segment:enterprise")),
        TaggedTask("roll.retail", "Go live (Retail)", "roll", 5, owner="dana", tags=("unit:retail",),
                   depends_on=(Dependency("cust.voc-retail"),)),
        TaggedTask("roll.corp", "Go live (Corporate)", "roll", 5, owner="markus", tags=("unit:corporate",),
                   depends_on=(Dependency("cust.voc-corp"),)),
    ]
    return Plan("units", "Units", START, CalendarSpec(), tuple(t),
                workstreams=(Workstream("cust", "Customer"), Workstream("roll", "Rollout")))


def test_filters_parse_match_and_explain():
    plan = units_plan()
    assert Selection.parse([]) is None
    assert Selection.parse(["tag:unit:retail"]).ids(plan.tasks) == ["cust.voc-retail", "roll.retail"]
    assert Selection.parse(["tag:unit"]).ids(plan.tasks) == [t.id for t in plan.tasks]
    assert Selection.parse(["owner:markus", "workstream:roll"]).ids(plan.tasks) == ["roll.corp"]
    assert Selection.parse(["workstream:c*"]).ids(plan.tasks) == ["cust.voc-retail", "cust.voc-corp"]
    with pytest.raises(UsageError, match="unknown filter field 'onwer' \\(did you mean 'owner'\\?\\)"):
        Selection.parse(["onwer:dana"])
    with pytest.raises(UsageError, match="no task matches owner:dnaa \\(did you mean 'owner:dana'\\?\\)"):
        Selection.parse(["owner:dnaa"]).ids(plan.tasks)
    with pytest.raises(UsageError, match="expected FIELD:VALUE"):
        Selection.parse(["retail"])
    assert group_key("tag:unit")(plan.tasks[0]) == "retail"
    with pytest.raises(UsageError, match="unknown grouping"):
        group_key("team")


def test_status_of_one_unit_and_grouped_by_unit():
    plan = units_plan()
    acts = {"cust.voc-retail": Actual("cust.voc-retail", "in-progress", START, None, 0.0),
            "cust.voc-corp": Actual("cust.voc-corp", "done", START, START + dt.timedelta(days=4))}
    as_of = START + dt.timedelta(days=7)                  # day 5: retail's interviews have done nothing
    retail = status(plan, as_of, acts, selection=Selection.parse(["tag:unit:retail"])).to_dict()
    assert [r["id"] for r in retail["tasks"]] == ["cust.voc-retail", "roll.retail"]
    assert retail["filter"] == "tag:unit:retail" and retail["variance_days"] == 5 and retail["rag"] == "red"
    corporate = status(plan, as_of, acts, selection=Selection.parse(["tag:unit:corporate"])).to_dict()
    assert corporate["variance_days"] == 0 and corporate["rag"] == "green" and corporate["late"] == []
    grouped = status(plan, as_of, acts, group_by="tag:unit").to_dict()
    assert grouped["group_by"] == "tag:unit"
    units = {g["id"]: g for g in grouped["groups"]}
    assert units["retail"]["rag"] == "red" and units["retail"]["variance_days"] == 5   # and 50 points behind
    assert units["corporate"]["rag"] == "green" and units["corporate"]["tasks"] == 2
    by_owner = {g["id"]: g["rag"] for g in status(plan, as_of, acts, group_by="owner").groups()}
    assert by_owner == {"dana": "red", "markus": "green"}


def test_status_command_filters_and_groups(plan_file, tmp_path):  # noqa: F811
    actuals = tmp_path / "progress.csv"
    actuals.write_text(HEADER + "disc.interviews,done,2027-01-04,2027-01-08,\n")
    result = run("status", plan_file, "--as-of", "2027-01-11", "--actuals", actuals, "--filter", "owner:it",
                 "-f", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [t["id"] for t in data["tasks"]] == ["design.tool"] and data["filter"] == "owner:it"
    result = run("status", plan_file, "--as-of", "2027-01-11", "--actuals", actuals, "--group-by", "owner")
    assert result.exit_code == 0, result.output
    assert "By owner" in result.output and "pmo" in result.output and "  it " in result.output
    result = run("status", plan_file, "--filter", "workstream:desing")
    assert result.exit_code == 2 and "did you mean 'workstream:design'" in result.output
    result = run("status", plan_file, "--group-by", "teams")
    assert result.exit_code == 2 and "unknown grouping 'teams'" in result.output


def test_gantt_and_report_filter(plan_file, tmp_path):  # noqa: F811
    out = tmp_path / "g.html"
    result = run("gantt", plan_file, "-o", out, "--filter", "workstream:design", "--expand")
    assert result.exit_code == 0, result.output
    assert "(2 tasks," in result.output
    page = out.read_text()
    assert "Process maps" in page and "Customer interviews" not in page
    result = run("report", plan_file, "-o", tmp_path / "rep", "--filter", "workstream:design",
                 "--risk-iterations", 0, "--today", "2027-01-11")
    assert result.exit_code == 0, result.output
    index = (tmp_path / "rep" / "index.html").read_text()
    gantt = index[index.index('id="gantt-section"'):index.index('id="findings"')]
    assert "Process maps" in gantt and "Customer interviews" not in gantt
    assert "only workstream:design" in index


def test_retail_on_its_own_in_the_built_in_programme(tmp_path):
    from rollout.expand import load_plan

    plan_path = tmp_path / "acme.yaml"
    made = run("new", "customer-alignment", "-o", plan_path, "--set", "org=Acme", "--set", "start=2027-01-11")
    assert made.exit_code == 0, made.output
    retail = {t.id for t in load_plan(str(plan_path)).tasks if "unit:retail" in t.tags}
    assert retail
    result = run("status", plan_path, "--as-of", "2027-03-01", "--filter", "tag:unit:retail", "-f", "json")
    assert result.exit_code == 0, result.output
    assert {t["id"] for t in json.loads(result.output)["tasks"]} == retail
    grouped = run("status", plan_path, "--as-of", "2027-03-01", "--group-by", "tag:unit", "-f", "json")
    assert {"retail", "commercial", "online"} <= {g["id"] for g in json.loads(grouped.output)["groups"]}
