"""What is in Jira: searching the plan's issues and reading each into a view."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...errors import RemoteError
from ..base import NO_PROGRESS, Progress
from .settings import PAGE_SIZE, PROPERTY_KEY
from .http import SHAPE_SEARCH, SHAPE_SEARCH_V2, _Http
from .site import _Site
from .adf import _text_of

# ---------------------------------------------------------------------------------------------
# what is in Jira


@dataclass
class _View:
    """One of our issues as Jira holds it."""

    ref: str
    key: str
    id: str
    owned: dict[str, Any]
    labels: list[str]
    links: list[tuple[str, str, str, str]]  # (link id, 'outward' | 'inward', other key, link type lower) of our types
    raw: dict[str, Any]


def _search(http: _Http, jql: str, fields: list[str], expand: str | None = None,
            progress: Progress = NO_PROGRESS) -> list[dict]:
    """Every issue matching ``jql`` with the ``rollout`` property; one call per page of 100."""
    issues: list[dict] = []
    limit = http.settings.max_pages
    if http.settings.api_version == "3":
        token, tokens = None, set()
        for _ in range(limit):
            body: dict[str, Any] = {"jql": jql, "maxResults": PAGE_SIZE, "fields": fields,
                                    "properties": [PROPERTY_KEY]}
            if expand:
                body["expand"] = expand
            if token:
                body["nextPageToken"] = token
            page = http.call("POST", "search/jql", body=body, kind="read", shape=SHAPE_SEARCH, what="the search")
            issues += page["issues"]
            progress.advance(len(page["issues"]))
            token = page.get("nextPageToken")
            if not token or page.get("isLast") is True:
                return issues
            if token in tokens:
                raise RemoteError(f"Jira's search repeated a page (nextPageToken {token[:40]!r} came back after "
                                  f"{len(tokens) + 1} pages): stopped reading; try again later")
            tokens.add(token)
        raise _too_many_pages("the search", limit)
    start = 0
    for _ in range(limit):
        body = {"jql": jql, "startAt": start, "maxResults": PAGE_SIZE, "fields": fields,
                "properties": [PROPERTY_KEY]}
        if expand:
            body["expand"] = [expand]
        page = http.call("POST", "search", body=body, kind="read", shape=SHAPE_SEARCH_V2, what="the search")
        got = page["issues"]
        issues += got
        progress.advance(len(got))
        start += len(got)
        if not got or start >= (page.get("total") or 0):
            return issues
    raise _too_many_pages("the search", limit)


def _too_many_pages(what: str, limit: int) -> RemoteError:
    return RemoteError(f"Jira's answer to {what} ran past {limit} pages (ROLLOUT_JIRA_MAX_PAGES): stopped "
                       "reading; try again later, or raise the limit if the project is that large")


def _jql_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _plan_jql(site_key: str, plan_id: str) -> str:
    return f"project = {_jql_string(site_key)} AND labels = {_jql_string('rollout-' + plan_id)} ORDER BY key ASC"


def _ref_of(issue: dict, plan_id: str) -> str | None:
    prop = (issue.get("properties") or {}).get(PROPERTY_KEY)
    if not isinstance(prop, dict) or prop.get("plan") != plan_id:
        return None
    if prop.get("epic") is not None:
        return "epic:" + str(prop["epic"])
    task = prop.get("task")
    return str(task) if task else None


def _view(issue: dict, ref: str, site: _Site) -> _View:
    f = issue.get("fields") or {}
    parent = None
    if site.epic_link_field and f.get(site.epic_link_field):
        parent = f.get(site.epic_link_field)
    elif isinstance(f.get("parent"), dict):
        parent = f["parent"].get("key")
    owned = {
        "summary": f.get("summary") or "",
        "description": _text_of(f.get("description")),
        "duedate": f.get("duedate"),
        "start": (f.get(site.start_field) if site.start_field else None),
        "parent": parent,
        "assignee": ((f.get("assignee") or {}).get("accountId" if site.cloud else "name")
                     if isinstance(f.get("assignee"), dict) else None),
    }
    links = []
    for link in f.get("issuelinks") or []:
        type_name = ((link.get("type") or {}).get("name") or "").lower()
        if type_name not in site.our_link_types:
            continue
        if link.get("outwardIssue"):
            links.append((str(link.get("id")), "outward", link["outwardIssue"]["key"], type_name))
        elif link.get("inwardIssue"):
            links.append((str(link.get("id")), "inward", link["inwardIssue"]["key"], type_name))
    return _View(ref, issue["key"], str(issue.get("id")), owned, list(f.get("labels") or []), links, issue)


