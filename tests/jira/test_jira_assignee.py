"""Owners become assignees: the owner's person (a role held by one person is that person), found by
e-mail through GET /user/search; an owner without a Jira user is reported once, its issues unassigned."""

from __future__ import annotations

import dataclasses

from jira_fixtures import make_plan

from rollout.model import Person, Task
from rollout.trackers import push_plan

PEOPLE = (
    Person("dana", "Dana Whitfield", "Dana@Acme.example"),
    Person("omar", "Omar Haddad", "omar@acme.example"),
    Person("priya", "Priya Raman", "priya@acme.example", roles=("sponsor",)),
    Person("lena", "Lena Vogt", "lena@acme.example", roles=("pm",)),
    Person("tom", "Tom Berg", None, roles=("pm",)),
)
TASKS = (
    Task("disc.interviews", "Customer interviews", "disc", 10, owner="dana"),
    Task("disc.synthesis", "Synthesise findings", "disc", 5, owner="dana"),
    Task("disc.survey", "Survey", "disc", 5, owner="omar"),
    Task("disc.panel", "Customer panel", "disc", 5, owner="omar"),
    Task("design.charter", "Charter", "design", 3, owner="sponsor"),
    Task("design.plan", "Plan the work", "design", 3, owner="pm"),
    Task("design.notes", "Notes", "design", 1, owner="tom"),
    Task("design.free", "Unowned", "design", 1),
)


def _plan(tmp_path, tasks=TASKS):
    return dataclasses.replace(make_plan(tmp_path, tasks=tasks), people=PEOPLE)


def _assignee(standin, task):
    a = standin.issues[standin.task_issues()[task][0]]["fields"]["assignee"]
    return a and a["accountId"]


def test_owners_become_assignees_and_the_rest_is_reported_once(standin, tmp_path):
    dana = standin.add_user("dana@acme.example", "Dana Whitfield")
    priya = standin.add_user("priya@acme.example", "Priya Raman", hidden_email=True)
    standin.add_user("omar@acme.example", "Omar (left)", active=False)
    result = push_plan(_plan(tmp_path))
    assert result.errors == []
    assert _assignee(standin, "disc.interviews") == dana and _assignee(standin, "disc.synthesis") == dana
    assert _assignee(standin, "design.charter") == priya             # the role's one holder
    for task in ("disc.survey", "disc.panel", "design.plan", "design.notes", "design.free"):
        assert _assignee(standin, task) is None
    assert sorted(c.detail for c in result.changes if c.action == "unassigned") == [
        "owner omar (omar@acme.example) has no Jira user: 2 issues left unassigned",
        "owner pm is a role held by 2 people: 1 issue left unassigned",
        "owner tom has no email in the plan: 1 issue left unassigned",
    ]
    searches = [s for s in standin.seen if s.path.endswith("/user/search")]
    assert sorted(s.query["query"][0] for s in searches) == ["dana@acme.example", "omar@acme.example",
                                                             "priya@acme.example"]
    assert result.summary()["unassigned"] == 3
    before = len(standin.writes())
    again = push_plan(_plan(tmp_path))
    assert standin.writes()[before:] == [] and again.summary()["unchanged"] == 10


def test_people_reassigning_in_jira_is_their_call_a_new_owner_in_the_plan_is_pushed(standin, tmp_path):
    dana = standin.add_user("dana@acme.example", "Dana Whitfield")
    priya = standin.add_user("priya@acme.example", "Priya Raman")
    other = standin.add_user("sam@acme.example", "Sam Stone")
    push_plan(_plan(tmp_path))
    key = standin.task_issues()["disc.interviews"][0]
    standin.human_edit(key, assignee=standin._user(other))               # the team hands the work on
    before = len(standin.writes())
    result = push_plan(_plan(tmp_path))
    assert standin.writes()[before:] == [] and result.conflicts == []
    assert _assignee(standin, "disc.interviews") == other
    # the plan moves the synthesis to the sponsor: that is pushed
    tasks = tuple(dataclasses.replace(t, owner="sponsor") if t.id == "disc.synthesis" else t for t in TASKS)
    moved = push_plan(_plan(tmp_path, tasks))
    assert [(c.action, c.task, c.detail) for c in moved.changes if c.action == "update"] == [
        ("update", "disc.synthesis", "description, assignee")]
    assert _assignee(standin, "disc.synthesis") == priya and _assignee(standin, "disc.interviews") == other
    assert dana


def test_the_cli_lists_each_unassigned_owner_once(standin, tmp_path):
    from click.testing import CliRunner

    from rollout.cli import cli

    plan = tmp_path / "acme.yaml"
    plan.write_text("""\
plan: acme
start: 2027-01-11
people:
  - {id: omar, name: Omar Haddad, email: omar@acme.example}
workstreams:
  - id: disc
    tasks:
      - {id: a, name: A, duration: 2d, owner: omar}
      - {id: b, name: B, duration: 2d, owner: omar, depends_on: [disc.a]}
jira: {project: ACME}
""")
    result = CliRunner().invoke(cli, ["push", str(plan)])
    assert result.exit_code == 0, result.output
    lines = [ln for ln in result.stdout.splitlines() if "unassigned" in ln]
    assert lines == ["  unassigned    owner omar (omar@acme.example) has no Jira user: 2 issues left unassigned"]


def test_server_data_center_assigns_by_user_name(openapi_checker, tmp_path, monkeypatch):
    from jira_fixtures import FAST
    from jira_standin import JiraStandIn

    server = JiraStandIn(pat="pat-assign-1", checker=openapi_checker).start()
    try:
        for name in ("JIRA_EMAIL", "JIRA_API_TOKEN", "ROLLOUT_JIRA_API"):
            monkeypatch.delenv(name, raising=False)
        for name, value in {**server.env(), **FAST}.items():
            monkeypatch.setenv(name, value)
        dana = server.add_user("dana@acme.example", "Dana Whitfield")
        result = push_plan(_plan(tmp_path))
        assert result.errors == []
        assert _assignee(server, "disc.interviews") == dana
        searches = [s for s in server.seen if s.path == "/rest/api/2/user/search"]
        assert searches and all("username" in s.query for s in searches)
        before = len(server.writes())
        assert push_plan(_plan(tmp_path)).errors == [] and server.writes()[before:] == []
    finally:
        server.stop()
