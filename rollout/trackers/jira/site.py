"""The Jira site: project, issue types, fields and link types, discovered once per run."""

from __future__ import annotations

from dataclasses import dataclass, field

from ...errors import RemoteError
from ...model import JiraConfig
from .http import SHAPE_FIELDS, SHAPE_LINK_TYPES, SHAPE_PROJECT, _Http, _HttpError

# ---------------------------------------------------------------------------------------------
# the site: project, issue types, fields, link type


@dataclass
class _Site:
    project_id: str
    project_key: str
    issue_types: dict[str, str]            # lower-case name -> id
    start_field: str | None
    epic_link_field: str | None
    epic_name_field: str | None
    link_type: str                         # of FS dependencies, as Jira spells it
    cloud: bool
    link_types: dict[str, str] = field(default_factory=dict)   # SS/FF/SF -> link type, as Jira spells it
    epic_link_candidate: str | None = None    # the "Epic Link" field, for instances that refuse `parent`

    def type_id(self, name: str) -> str:
        return self.issue_types[name.lower()]

    def link_type_of(self, dep_type: str) -> str:
        """The Jira link type of a dependency: FS blocks; SS, FF and SF only relate (by default)."""
        return self.link_type if dep_type == "FS" else self.link_types.get(dep_type, self.link_type)

    @property
    def our_link_types(self) -> set[str]:
        return {self.link_type.lower(), *(t.lower() for t in self.link_types.values())}


def _project(http: _Http, cfg: JiraConfig) -> dict:
    """The plan's Jira project; a 404 says what to check."""
    try:
        return http.call("GET", f"project/{cfg.project}", shape=SHAPE_PROJECT, what="the project")
    except _HttpError as exc:
        if exc.status == 404:
            raise RemoteError(f"Jira project {cfg.project!r} does not exist or this account cannot see it: "
                              "check jira.project in the plan and the account's Browse permission") from None
        raise


def _discover(http: _Http, cfg: JiraConfig) -> _Site:
    project = _project(http, cfg)
    types = {t["name"].lower(): str(t["id"]) for t in project.get("issueTypes", []) if not t.get("subtask")}
    wanted = [cfg.issue_type, cfg.milestone_issue_type or cfg.issue_type]
    if cfg.epic_per != "none":
        wanted.append(cfg.epic_issue_type)
    for name in wanted:
        if name.lower() not in types:
            raise RemoteError(f"issue type {name!r} does not exist in Jira project {cfg.project} (it has: "
                              f"{', '.join(sorted(t['name'] for t in project.get('issueTypes', [])))}): "
                              "set jira.issue_type / epic_issue_type / milestone_issue_type in the plan")
    fields = http.call("GET", "field", shape=SHAPE_FIELDS, what="the field list")
    by_name = {(f.get("name") or "").lower(): f["id"] for f in fields}
    link_types = http.call("GET", "issueLinkType", shape=SHAPE_LINK_TYPES, what="the link types")["issueLinkTypes"]
    names = {lt["name"].lower(): lt["name"] for lt in link_types}
    for setting, name in [("jira.link_type", cfg.link_type)] + [(f"jira.link_types.{d}", n) for d, n in cfg.link_types]:
        if name.lower() not in names:
            raise RemoteError(f"Jira has no issue link type {name!r} (it has: "
                              f"{', '.join(sorted(names.values())) or 'none'}): set {setting} in the plan "
                              "or ask an admin to enable issue linking")
    cloud = http.settings.api_version == "3"
    return _Site(project_id=str(project["id"]), project_key=project.get("key", cfg.project), issue_types=types,
                 start_field=by_name.get(cfg.start_date_field.lower()),
                 epic_link_field=None if cloud else by_name.get("epic link"),
                 epic_name_field=None if cloud else by_name.get("epic name"),
                 link_type=names[cfg.link_type.lower()], cloud=cloud,
                 link_types={d: names[n.lower()] for d, n in cfg.link_types},
                 epic_link_candidate=by_name.get("epic link"))


