"""Jira settings: the environment (JiraSettings), the plan's jira: section (jira_config), Retry-After."""

from __future__ import annotations

import datetime as _dt
import email.utils
import logging
import os
from dataclasses import dataclass, field
from typing import Mapping
from urllib.parse import urlsplit

from ...errors import PlanError, UsageError
from ...model import JiraConfig


LOG = logging.getLogger("rollout.jira")
LOG.addHandler(logging.NullHandler())     # a library: retries are counted in the result, logged only on request

PROPERTY_KEY = "rollout"
REMOVED_LABEL = "rollout-removed"
MILESTONE_LABEL = "milestone"
BULK_LIMIT = 50
PAGE_SIZE = 100
_CONSISTENT_LOOKS = 4          # searches after an uncertain create, until two in a row agree
_RETRY_STATUSES = {500, 502, 503, 504}
_OWNED = ("summary", "description", "duedate", "start", "parent", "assignee")
_LINKED = ("SS", "FF", "SF")      # dependency types that get jira.link_types (FS gets jira.link_type)
_PLAN_KEYS = {"project", "issue_type", "epic_issue_type", "milestone_issue_type", "epic_per", "link_type", "link_types",
              "start_date_field", "labels"}


# ---------------------------------------------------------------------------------------------
# settings


@dataclass(frozen=True)
class JiraSettings:
    """Where Jira is and how to sign in (from the environment), and how hard to retry."""

    url: str
    email: str | None = field(default=None, repr=False)
    api_token: str | None = field(default=None, repr=False)
    pat: str | None = field(default=None, repr=False)
    api_version: str = "3"
    retries: int = 6
    backoff: float = 0.5          # seconds before the first retry; doubles each time
    max_delay: float = 60.0       # no single wait is longer (Retry-After included)
    timeout: float = 30.0         # connect and read timeout per call
    link_workers: int = 4         # parallel link calls
    deadline: float = 120.0       # the longest one call may take, answer included, however it trickles in
    max_bytes: int = 64_000_000   # the largest answer read (ROLLOUT_JIRA_MAX_MB)
    max_pages: int = 2000         # pages one search or one changelog may take

    @property
    def cloud(self) -> bool:
        return self.pat is None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "JiraSettings":
        env = os.environ if env is None else env
        url = (env.get("JIRA_URL") or "").strip().rstrip("/")
        if not url:
            raise UsageError("JIRA_URL is not set: export JIRA_URL=https://your-site.atlassian.net and "
                             "JIRA_EMAIL + JIRA_API_TOKEN (Cloud) or JIRA_PAT (Server/Data Center)")
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise UsageError("JIRA_URL must look like https://your-site.atlassian.net")
        if parts.username or parts.password:
            raise UsageError("JIRA_URL must not contain a user or password: use JIRA_EMAIL + JIRA_API_TOKEN "
                             "or JIRA_PAT")
        pat = env.get("JIRA_PAT") or None
        email_, token = env.get("JIRA_EMAIL") or None, env.get("JIRA_API_TOKEN") or None
        if pat is None and not (email_ and token):
            raise UsageError("no Jira credentials: set JIRA_EMAIL and JIRA_API_TOKEN (Cloud) or JIRA_PAT "
                             "(Server/Data Center)")
        version = env.get("ROLLOUT_JIRA_API") or ("2" if pat else "3")
        if version not in ("2", "3"):
            raise UsageError("ROLLOUT_JIRA_API must be 2 or 3")
        return cls(
            url=url, email=None if pat else email_, api_token=None if pat else token, pat=pat,
            api_version=version,
            retries=_env_number(env, "ROLLOUT_JIRA_RETRIES", 6, int),
            backoff=_env_number(env, "ROLLOUT_JIRA_BACKOFF", 0.5, float),
            max_delay=_env_number(env, "ROLLOUT_JIRA_MAX_DELAY", 60.0, float),
            timeout=_env_number(env, "ROLLOUT_JIRA_TIMEOUT", 30.0, float),
            link_workers=max(1, _env_number(env, "ROLLOUT_JIRA_WORKERS", 4, int)),
            deadline=max(0.01, _env_number(env, "ROLLOUT_JIRA_DEADLINE", 120.0, float)),
            max_bytes=max(1, int(_env_number(env, "ROLLOUT_JIRA_MAX_MB", 64.0, float) * 1_000_000)),
            max_pages=max(1, _env_number(env, "ROLLOUT_JIRA_MAX_PAGES", 2000, int)),
        )

    def secrets(self) -> list[str]:
        return [s for s in (self.api_token, self.pat) if s]


def _env_number(env, name, default, kind):
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        return kind(raw)
    except ValueError:
        raise UsageError(f"{name} must be a number, not {raw!r}") from None


def jira_config(plan) -> JiraConfig:
    """The plan's typed ``jira:`` section for a push or a pull: it must name a project. A plan loaded from a
    file had its values checked at load, with file:line; one built in code is checked here."""
    raw = dict(plan.jira or {})
    where = getattr(plan.source, "path", None) or plan.path
    at = (getattr(plan, "sources", None) or {}).get("jira")
    line = at.line if at is not None and at.path == where else None
    if not raw.get("project"):
        raise PlanError("the plan has no Jira project: add `jira: {project: KEY}`", path=where)
    unknown = sorted(set(raw) - _PLAN_KEYS)
    if unknown:
        raise PlanError(f"unknown key(s) in jira: {', '.join(unknown)} (expected: {', '.join(sorted(_PLAN_KEYS))})",
                        path=where)
    given = raw.get("link_types") or {}
    if not isinstance(given, dict):
        raise PlanError("jira.link_types maps SS, FF and SF to Jira link type names, e.g. {SS: Relates}",
                        path=where, line=line)
    for key, name in given.items():
        if str(key).upper() not in _LINKED:
            raise PlanError(f"unknown dependency type {key!r} in jira.link_types (expected SS, FF or SF)",
                            path=where, line=line)
        if not isinstance(name, str) or not name.strip():
            raise PlanError(f"jira.link_types.{key} must name a Jira issue link type, not {name!r}",
                            path=where, line=line)
    problems = JiraConfig.problems(raw)
    if problems:
        raise PlanError(problems[0][1], path=where, line=line)
    return JiraConfig.from_mapping(raw)


def retry_after_seconds(value: str | None, now: _dt.datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date; None if absent or bad.

    >>> retry_after_seconds("7")
    7.0
    >>> retry_after_seconds("Wed, 21 Oct 2026 07:28:05 GMT", _dt.datetime(2026, 10, 21, 7, 28, tzinfo=_dt.timezone.utc))
    5.0
    """
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=_dt.timezone.utc)
    now = now or _dt.datetime.now(_dt.timezone.utc)
    return max(0.0, (when - now).total_seconds())


