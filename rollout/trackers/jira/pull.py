"""Pulling progress back: status categories and the changelog's dates into a snapshot."""

from __future__ import annotations

import datetime as _dt

from ...errors import RemoteError
from ...model import JiraConfig
from ...state import TaskProgress
from ..base import Progress, PullResult
from .http import SHAPE_CHANGELOG, SHAPE_STATUSES, _Http
from .site import _project
from .read import _plan_jql, _ref_of, _search, _too_many_pages

# ---------------------------------------------------------------------------------------------
# pull


def _parse_time(text: str | None) -> _dt.datetime | None:
    if not text:
        return None
    for fmt in ("%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%dT%H:%M:%S%z"):
        try:
            return _dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
    try:
        return _dt.datetime.fromisoformat(text)
    except ValueError:
        return None


def _pull(plan, store, cfg: JiraConfig, http: _Http, progress: Progress) -> PullResult:
    site = _discover_light(http, cfg)
    categories = {str(s["id"]): (s.get("statusCategory") or {}).get("key") for s in http.call("GET", "status", shape=SHAPE_STATUSES, what="the status list")}
    progress.start("reading progress", max(1, len(plan.tasks)))
    fields = ["status", "assignee", "resolution", "resolutiondate", "created"]
    found = _search(http, _plan_jql(site, plan.id), fields, expand="changelog", progress=progress)
    progress.finish()
    in_plan = {t.id for t in plan.tasks}
    tasks: dict[str, TaskProgress] = {}
    for issue in found:
        ref = _ref_of(issue, plan.id)
        if ref is None or ref not in in_plan or ref in tasks:
            continue
        f = issue.get("fields") or {}
        status = f.get("status") or {}
        category = (status.get("statusCategory") or {}).get("key") or categories.get(str(status.get("id")))
        histories = _histories(http, issue)
        start, finish = _actuals(histories, categories, category)
        if finish is None and category == "done":
            t = _parse_time(f.get("resolutiondate"))
            finish = t.date() if t else None
        if start is None and finish is not None:
            start = finish
        assignee = f.get("assignee") or {}
        tasks[ref] = TaskProgress(ref, issue["key"], status.get("name"), category,
                                  assignee.get("displayName") or assignee.get("name"),
                                  (f.get("resolution") or {}).get("name"), start, finish)
    missing = sorted(set(store.issue_keys()) & in_plan - set(tasks))
    snap = store.save_snapshot([tasks[t.id] for t in plan.tasks if t.id in tasks], tracker="jira")
    return PullResult(plan=plan.id, taken_at=snap.taken_at, tasks=snap.tasks, missing=missing,
                      calls=dict(http.calls))


def _discover_light(http: _Http, cfg: JiraConfig) -> str:
    return _project(http, cfg).get("key", cfg.project)


def _histories(http: _Http, issue: dict) -> list[dict]:
    log = issue.get("changelog") or {}
    histories = list(log.get("histories") or [])
    total = log.get("total")
    if total is None or total <= len(histories):
        return histories
    histories, start = [], 0       # the search truncated the changelog: read all of it
    for _ in range(http.settings.max_pages):
        page = http.call("GET", f"issue/{issue['key']}/changelog", params={"startAt": start, "maxResults": 100},
                         shape=SHAPE_CHANGELOG, what=f"the changelog of {issue['key']}")
        values = page["values"]
        histories += values
        start += len(values)
        if not values or page.get("isLast", start >= (page.get("total") or 0)) is not False:
            return histories
        if len(histories) > 10 * total + 1000:
            raise RemoteError(f"Jira's changelog of {issue['key']} keeps growing past the {total} entries it "
                              "announced: stopped reading; try again later")
    raise _too_many_pages(f"the changelog of {issue['key']}", http.settings.max_pages)


def _actuals(histories: list[dict], categories: dict[str, str | None], current: str | None):
    moves = []
    for h in histories:
        when = _parse_time(h.get("created"))
        if when is None:
            continue
        for item in h.get("items") or []:
            if item.get("field") == "status" or item.get("fieldId") == "status":
                moves.append((when, categories.get(str(item.get("to")))))
    moves.sort(key=lambda m: m[0])
    start = next((w.date() for w, cat in moves if cat in ("indeterminate", "done")), None)
    finish = None
    if current == "done":
        done_moves = [w for w, cat in moves if cat == "done"]
        finish = done_moves[-1].date() if done_moves else None
    return start, finish


