"""Jira as a tracker: push a scheduled plan as epics, issues and Blocks links; pull progress back.

The only module that imports the ``jira`` package. Talks REST v3 to Jira Cloud (email + API token,
ADF descriptions, ``/search/jql`` with ``nextPageToken``) and v2 to Server/Data Center (personal
access token). Settings come from the environment only; credentials never reach output, logs,
state or exception text.

How a push stays cheap and safe to repeat:

* one search (``labels = rollout-<plan>``, the ``rollout`` issue property in the results) finds
  everything earlier pushes made, whether or not the local state survived;
* owned fields are compared with what Jira holds and with what we last wrote: equal → no write,
  changed in the plan → update, changed by people in Jira → conflict (left alone unless ``force``);
* creation is idempotent: the intent is recorded before a bulk create, the ``rollout`` property is
  set in the create call itself, and an uncertain outcome (dropped connection, 5xx) is reconciled by
  searching again before anything is created a second time;
* reads and updates are retried on 429 (Retry-After, seconds or HTTP date), 5xx and dropped
  connections with bounded exponential backoff and jitter; the jira package's own retry is off.
"""

from __future__ import annotations

import datetime as _dt
import email.utils
import json
import logging
import os
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping
from urllib.parse import urlsplit

from ..errors import PlanError, RemoteError, UsageError
from ..model import JiraConfig
from ..state import TaskProgress
from .base import NO_PROGRESS, Change, Progress, PullResult, PushResult

__all__ = ["JiraConfig", "JiraSettings", "JiraTracker", "jira_config", "retry_after_seconds"]

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


# ---------------------------------------------------------------------------------------------
# HTTP through the jira package's session, with our own retry policy


class _Uncertain(Exception):
    """A non-idempotent call may or may not have taken effect (connection dropped, 5xx, timeout).

    ``timed_out``: we stopped waiting while the server may still be working on it (a read timeout or
    the deadline), so its effect may appear later; after a 5xx or a dropped connection the server is done.
    """

    def __init__(self, message: str, timed_out: bool = False):
        super().__init__(message)
        self.timed_out = timed_out


class _HttpError(RemoteError):
    def __init__(self, message: str, status: int | None, detail: str = ""):
        super().__init__(message)
        self.status, self.detail = status, detail


class _Http:
    """One Jira connection: counts calls, retries what is safe to retry, translates errors."""

    def __init__(self, settings: JiraSettings, sleep: Callable[[float], None] = time.sleep):
        from jira import JIRA

        self.settings = settings
        self.sleep = sleep
        self.calls: Counter[str] = Counter()
        self._lock = threading.Lock()
        auth = ({"basic_auth": (settings.email, settings.api_token)} if settings.cloud
                else {"token_auth": settings.pat})
        self.client = JIRA(server=settings.url, options={"rest_api_version": settings.api_version,
                                                         "check_update": False},
                           get_server_info=False, max_retries=0, timeout=settings.timeout, logging=False, **auth)
        self.session = self.client._session   # used without its retry (which skips 503 without Retry-After
                                              # and sleeps 10 s and more): ours is in call()

    def close(self) -> None:
        try:
            self.client.close()
        except Exception:  # noqa: BLE001 - closing must never mask the real outcome
            pass

    def url(self, path: str) -> str:
        return self.client._get_url(path)

    def call(self, method: str, path: str, *, params: dict | None = None, body: Any = None,
             idempotent: bool = True, accept: tuple[int, ...] = (), kind: str | None = None,
             shape: Any = None, what: str | None = None) -> Any:
        """Send one request; return its JSON (or None). Retries per the policy; raises RemoteError.

        ``shape`` is what a good answer looks like (see ``_shape_problem``); an answer that is not
        JSON, or not of that shape, is an error (exit 3), never an empty result. ``what`` names the
        answer in that message ("the search").
        """
        import requests

        kind = kind or ("read" if method == "GET" else "write")
        what = what or f"{method} {path}"
        data = None if body is None else json.dumps(body)
        url = self.url(path)
        attempt = 0
        while True:
            attempt += 1
            self._count("http")
            failure: str
            resp = None
            try:
                resp = self._exchange(method, url, params, data, what)
                status = resp.status_code
                if 200 <= status < 300 or status in accept:
                    self._count(kind)
                    return self._decode(resp, shape, what)
                if status != 429 and status not in _RETRY_STATUSES:
                    raise self._refused(status, _error_detail(resp), method, path)
                if status != 429 and not idempotent:
                    raise _Uncertain(f"HTTP {status}")
                failure = f"HTTP {status}"
            except _Deadline as exc:
                if not idempotent:
                    raise _Uncertain(str(exc), timed_out=True) from None
                raise RemoteError(f"Jira did not finish answering {what} within {self.settings.deadline:g} s "
                                  "(ROLLOUT_JIRA_DEADLINE): check JIRA_URL and the network; the next push resumes "
                                  "where this one stopped") from None
            except (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError,
                    requests.exceptions.ContentDecodingError) as exc:
                _scrub(exc)
                if not idempotent:
                    timed_out = isinstance(exc, requests.Timeout) and not isinstance(exc, requests.ConnectTimeout)
                    raise _Uncertain(type(exc).__name__, timed_out=timed_out) from exc
                failure = type(exc).__name__
                if attempt > self.settings.retries:
                    raise RemoteError(f"cannot reach Jira at {self.settings.url} ({failure} after {attempt} "
                                      "attempts): check JIRA_URL and the network") from exc
            if attempt > self.settings.retries:
                raise RemoteError(f"Jira kept failing ({failure} on {method} {path}, {attempt} attempts): "
                                  "try again later; the next push resumes where this one stopped")
            delay = self.delay(attempt, resp)
            self._count("retries")
            LOG.warning("Jira %s on %s %s; retry %d/%d in %.2fs", failure, method, path, attempt,
                        self.settings.retries, delay)
            self.sleep(delay)

    def _exchange(self, method: str, url: str, params: dict | None, data: str | None, what: str):
        """One HTTP exchange within the overall deadline, the answer read in full up to the size cap.

        The read timeout of ``requests`` is per read: a server that dribbles a byte a second never
        trips it. The exchange therefore runs in a helper thread that the caller stops waiting for
        at the deadline (closing the connection under it).
        """
        import requests

        box: dict[str, Any] = {}
        done = threading.Event()
        limit = self.settings.max_bytes

        def work() -> None:
            try:
                # the jira package's session (auth, headers, pool) without its retrying wrapper
                resp = requests.Session.request(self.session, method, url, params=params, data=data,
                                                timeout=self.settings.timeout, stream=True)
                box["resp"] = resp
                chunks, size = [], 0
                for chunk in resp.iter_content(65536):
                    size += len(chunk)
                    if size > limit:
                        box["too_big"] = True
                        resp.close()
                        return
                    chunks.append(chunk)
                resp._content = b"".join(chunks)
                resp._content_consumed = True
            except BaseException as exc:  # noqa: BLE001 - handed to the caller
                box["error"] = exc
            finally:
                done.set()

        threading.Thread(target=work, name="jira-call", daemon=True).start()
        if not done.wait(self.settings.deadline):
            _hang_up(box.get("resp"))
            raise _Deadline(f"no complete answer within {self.settings.deadline:g} s")
        if "error" in box:
            raise box["error"]
        if box.get("too_big"):
            raise RemoteError(f"Jira's answer to {what} is larger than {limit / 1e6:g} MB (ROLLOUT_JIRA_MAX_MB): "
                              "stopped reading it; check JIRA_URL, or raise the limit if the answer is genuine")
        return box["resp"]

    def _decode(self, resp, shape: Any, what: str) -> Any:
        content = resp.content or b""
        if not content.strip():
            if shape is None:
                return None
            raise RemoteError(f"Jira answered {what} with an empty page, not JSON: check JIRA_URL")
        try:
            value = json.loads(content)
        except ValueError:
            ctype = (resp.headers.get("Content-Type") or "").lower()
            head = content.lstrip()[:200].lower()
            if "html" in ctype or head.startswith((b"<!doctype", b"<html", b"<")):
                raise RemoteError(f"Jira answered {what} with a web page, not JSON: check JIRA_URL and single "
                                  "sign-on (a login or proxy page answers instead of Jira)") from None
            raise RemoteError(f"Jira answered {what} with something that is not JSON: check JIRA_URL") from None
        if shape is not None:
            problem = _shape_problem(value, shape, "")
            if problem:
                raise RemoteError(f"Jira answered {what} in an unexpected shape ({problem}): check JIRA_URL; "
                                  "a proxy or an add-on may be answering instead of Jira")
        return value

    def settle(self, attempt: int, timed_out: bool) -> None:
        """Before looking at the outcome of an uncertain write. After a timeout the server may still be
        working on the request: wait two client timeouts plus backoff for it to finish. After a 5xx or
        a dropped connection it has finished: look at once (``recheck`` paces any further looks)."""
        if timed_out:
            self.sleep(2 * self.settings.timeout + self.delay(attempt, None))

    def recheck(self, look: int) -> None:
        """A short pause before looking again for the outcome of a write (search may lag behind)."""
        self.sleep(min(self.settings.max_delay, self.settings.backoff * 2 ** look) * 0.5)

    def _count(self, kind: str) -> None:
        with self._lock:
            self.calls[kind] += 1

    def delay(self, attempt: int, resp) -> float:
        """Retry-After when the server gives one, otherwise exponential backoff with jitter."""
        told = retry_after_seconds(resp.headers.get("Retry-After")) if resp is not None else None
        if told is not None:
            return min(self.settings.max_delay, told)
        return min(self.settings.max_delay, self.settings.backoff * 2 ** (attempt - 1)) * random.uniform(0.5, 1.0)

    def _refused(self, status: int | None, detail: str, method: str, path: str) -> _HttpError:
        cred = ("JIRA_EMAIL and JIRA_API_TOKEN" if self.settings.cloud else "JIRA_PAT")
        if status == 401:
            msg = f"Jira rejected the credentials (HTTP 401): check {cred}"
        elif status == 403 or (status in (400, 404) and "permission" in detail.lower()):
            msg = (f"Jira denied permission (HTTP {status}) for {method} {path}: the account needs to browse, "
                   "create, edit and link issues in the project" + (f" ({detail})" if detail else ""))
        elif status == 404:
            msg = f"Jira has nothing at {path} (HTTP 404)" + (f": {detail}" if detail else "")
        else:
            msg = f"Jira refused {method} {path} (HTTP {status})" + (f": {detail}" if detail else "")
        return _HttpError(self._clean(msg), status, self._clean(detail))

    def _clean(self, text: str) -> str:
        for secret in self.settings.secrets():
            text = text.replace(secret, "***")
        return text


class _Deadline(Exception):
    """A call did not complete within the overall deadline."""


def _hang_up(resp) -> None:
    """Close a response another thread is still reading (best effort: wake a blocked read)."""
    if resp is None:
        return
    try:
        import socket

        sock = getattr(getattr(resp.raw, "_connection", None), "sock", None)
        if sock is not None:
            sock.shutdown(socket.SHUT_RDWR)
    except Exception:  # noqa: BLE001 - closing is a courtesy
        pass
    try:
        resp.close()
    except Exception:  # noqa: BLE001
        pass


def _error_detail(resp) -> str:
    """Jira's error messages from an error answer, on one line, shortened."""
    from jira.resilientsession import parse_error_msg

    try:
        text = parse_error_msg(resp)
    except Exception:  # noqa: BLE001 - a malformed error body is not worth a second error
        return ""
    text = " ".join(str(text).split())
    if text.lstrip().lower().startswith(("<!doctype", "<html")):
        return "a web page instead of Jira's error message"
    return text[:300]


# What good answers look like. A dict is an object whose keys must be there ("key?" when optional);
# a one-item list is a list of that; a type or tuple of types is a value of that type; Null(x) also
# allows null. Only what rollout reads is described: anything else in an answer is ignored.


class _Null:
    def __init__(self, spec: Any):
        self.spec = spec


def _shape_problem(value: Any, spec: Any, where: str) -> str | None:
    """The first place where ``value`` does not match ``spec`` (None when it does)."""
    if isinstance(spec, _Null):
        return None if value is None else _shape_problem(value, spec.spec, where)
    here = where or "the answer"
    if isinstance(spec, dict):
        if not isinstance(value, dict):
            return f"{here} is {_kind(value)}, not an object"
        for key, sub in spec.items():
            name, optional = (key[:-1], True) if key.endswith("?") else (key, False)
            if name not in value:
                if optional:
                    continue
                return f"{where + '.' if where else ''}{name} is missing"
            problem = _shape_problem(value[name], sub, f"{where + '.' if where else ''}{name}")
            if problem:
                return problem
        return None
    if isinstance(spec, list):
        if not isinstance(value, list):
            return f"{here} is {_kind(value)}, not a list"
        for i, item in enumerate(value):
            problem = _shape_problem(item, spec[0], f"{where}[{i}]")
            if problem:
                return problem
        return None
    types = spec if isinstance(spec, tuple) else (spec,)
    if isinstance(value, bool) and bool not in types:
        return f"{here} is {_kind(value)}"
    if not isinstance(value, types):
        return f"{here} is {_kind(value)}, not {' or '.join(_TYPE_WORDS.get(t, t.__name__) for t in types)}"
    return None


_TYPE_WORDS = {str: "a string", int: "a number", bool: "true/false", dict: "an object", list: "a list"}


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


_ID = (str, int)
_NAMED = _Null({"name?": _Null(str)})
_HISTORY = {"created?": _Null(str), "items?": _Null([{"field?": _Null(str), "fieldId?": _Null(str),
                                                       "to?": _Null(_ID)}])}
_ISSUE_FIELDS = {
    "summary?": _Null(str), "duedate?": _Null(str), "labels?": _Null([str]), "parent?": _Null({"key?": str}),
    "issuelinks?": _Null([{"id?": _ID, "type?": _NAMED, "outwardIssue?": _Null({"key": str}),
                           "inwardIssue?": _Null({"key": str})}]),
    "status?": _Null({"id?": _ID, "name?": _Null(str), "statusCategory?": _Null({"key?": _Null(str)})}),
    "assignee?": _Null({"accountId?": _Null(str), "displayName?": _Null(str), "name?": _Null(str)}),
    "resolution?": _NAMED, "resolutiondate?": _Null(str), "created?": _Null(str),
}
SHAPE_ISSUE = {"key": str, "id?": _ID, "fields?": _Null(_ISSUE_FIELDS), "properties?": _Null(dict),
               "changelog?": _Null({"histories?": _Null([_HISTORY]), "total?": _Null(int)})}
SHAPE_PROJECT = {"id": _ID, "key?": str, "issueTypes?": [{"id": _ID, "name": str, "subtask?": _Null(bool)}]}
SHAPE_FIELDS = [{"id": str, "name?": _Null(str)}]
SHAPE_LINK_TYPES = {"issueLinkTypes": [{"name": str}]}
SHAPE_STATUSES = [{"id": _ID, "statusCategory?": _Null({"key?": _Null(str)})}]
SHAPE_SEARCH = {"issues": [SHAPE_ISSUE], "nextPageToken?": _Null(str), "isLast?": _Null(bool)}
SHAPE_SEARCH_V2 = {"issues": [SHAPE_ISSUE], "total?": _Null(int)}
SHAPE_CHANGELOG = {"values": [_HISTORY], "isLast?": _Null(bool), "total?": _Null(int)}
SHAPE_USERS = [{"accountId?": str, "name?": _Null(str), "emailAddress?": _Null(str), "active?": _Null(bool)}]
SHAPE_BULK = {"issues?": [{"key": str}], "errors?": [{"status?": _Null(int), "failedElementNumber?": _Null(int),
                                                     "elementErrors?": _Null(dict)}]}


def _scrub(exc: BaseException) -> None:
    """Drop the request (and its Authorization header) from an exception before it travels further."""
    for attr in ("request", "response", "headers"):
        if hasattr(exc, attr):
            try:
                setattr(exc, attr, None)
            except AttributeError:
                pass


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


# ---------------------------------------------------------------------------------------------
# descriptions: ADF (v3) or plain text (v2), compared as plain text


def _adf(text: str) -> dict:
    paragraphs = [{"type": "paragraph", "content": [{"type": "text", "text": line}]}
                  for line in text.split("\n") if line.strip()]
    return {"type": "doc", "version": 1, "content": paragraphs}


def _text_of(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return "\n".join(line for line in value.replace("\r\n", "\n").split("\n") if line.strip())
    lines: list[str] = []

    def walk(node: Any, buf: list[str]) -> None:
        if isinstance(node, dict):
            if node.get("type") == "text":
                buf.append(str(node.get("text", "")))
            for child in node.get("content") or []:
                walk(child, buf)

    for block in (value.get("content") or []) if isinstance(value, dict) else []:
        buf: list[str] = []
        walk(block, buf)
        if "".join(buf).strip():
            lines.append("".join(buf))
    return "\n".join(lines)


def _description(plan, task, names: Mapping[str, str] | None = None) -> str:
    lines = []
    if task.objective:
        lines.append(task.objective.strip())
    if task.description:
        lines += [ln for ln in task.description.strip().split("\n")]
    # SS/FF/SF links only relate: the description says how the work overlaps (FS is the Blocks link)
    for dep in task.depends_on:
        if dep.type != "FS" and dep.task != task.id:
            other = (names or {}).get(dep.task)
            who = f"{other} ({dep.task})" if other else dep.task
            lag = f" + {dep.lag}d" if dep.lag > 0 else (f" - {-dep.lag}d" if dep.lag < 0 else "")
            lines.append(f"{_DEP_WORDS[dep.type].capitalize()} {who}{lag} ({dep.type} dependency).")
    facts = [f"{task.kind}", "milestone" if task.is_milestone else f"{task.duration} working days"]
    if task.owner:
        facts.append(f"owner {task.owner}")
    lines.append(f"Rollout task {task.id} ({', '.join(facts)}) in plan {plan.id}.")
    return "\n".join(ln.strip() for ln in lines if ln.strip())


# ---------------------------------------------------------------------------------------------
# push


@dataclass
class _Want:
    ref: str
    kind: str                    # task or epic
    type_name: str
    fields: dict[str, Any]       # owned fields; 'parent' holds an epic ref until resolved
    labels: list[str]
    task: Any = None


class _Push:
    def __init__(self, plan, sched, store, cfg: JiraConfig, http: _Http, *, force: bool, dry_run: bool,
                 progress: Progress):
        self.plan, self.sched, self.store, self.cfg, self.http = plan, sched, store, cfg, http
        self.force, self.dry_run, self.progress = force, dry_run, progress
        self.result = PushResult(plan=plan.id, dry_run=dry_run)
        self.site: _Site
        self.views: dict[str, _View] = {}
        self.keys: dict[str, str] = {}
        self.assignees: dict[str, str] = {}

    # -- the whole push ---------------------------------------------------------------------------

    def run(self) -> PushResult:
        self.site = _discover(self.http, self.cfg)
        if self.site.epic_link_candidate and self.store.get_meta("jira_epic_link") == "yes":
            self.site.epic_link_field = self.site.epic_link_candidate    # learnt on an earlier push
        self.views = self._find_existing()
        self.assignees = self._assignees()
        wants = self._desired()
        records = self.store.records()
        gone = self._find_strays(records, {w.ref for w in wants})
        self.keys = {ref: v.key for ref, v in self.views.items()}
        # creates an interrupted push announced but never confirmed: the search above settled them
        self.result.resumed = sum(1 for r in records.values() if r.status == "pending")

        epics = [w for w in wants if w.kind == "epic"]
        tasks = [w for w in wants if w.kind == "task"]
        for group in (epics, tasks):
            new = [w for w in group if w.ref not in self.views]
            for w in new:
                if w.ref in gone:
                    self.result.changes.append(Change("conflict", w.ref, gone[w.ref], (
                        f"{gone[w.ref]} is gone from Jira (deleted or moved) since the last push; "
                        + ("created again (forced push)" if self.force else "left alone (a forced push creates it again)"))))
            self._create([w for w in new if w.ref not in gone or self.force])
            self._update([w for w in group if w.ref in self.views], records)
        self._label_removed({w.ref for w in wants})
        self._links(tasks)
        self.result.calls = dict(self.http.calls)
        return self.result

    # -- reading what exists --------------------------------------------------------------------

    def _fields(self) -> list[str]:
        out = ["summary", "description", "duedate", "labels", "parent", "issuelinks", "issuetype", "assignee"]
        for extra in (self.site.start_field, self.site.epic_link_field):
            if extra:
                out.append(extra)
        return out

    def _find_existing(self) -> dict[str, _View]:
        self.progress.start("reading Jira", max(1, len(self.plan.tasks)))
        found = _search(self.http, _plan_jql(self.site.project_key, self.plan.id), self._fields(),
                        progress=self.progress)
        self.progress.finish()
        views: dict[str, _View] = {}
        for issue in sorted(found, key=lambda i: int(i.get("id") or 0)):
            ref = _ref_of(issue, self.plan.id)
            if ref is None:
                continue
            if ref in views:     # two issues claim one task: keep the oldest, say so
                self.result.changes.append(Change("error", ref, issue["key"],
                                                  f"duplicate of {views[ref].key}; resolve by hand"))
                continue
            views[ref] = _view(issue, ref, self.site)
        return views

    def _find_strays(self, records, wanted: set[str]) -> dict[str, str]:
        """Look up pushed issues the search missed (someone removed our label): found ones join the
        views; returns task id -> old key for those Jira no longer has."""
        gone: dict[str, str] = {}
        for rec in records.values():
            if rec.status != "pushed" or not rec.issue_key or rec.task_id in self.views or rec.task_id not in wanted:
                continue
            try:
                issue = self.http.call("GET", f"issue/{rec.issue_key}",
                                       params={"fields": ",".join(self._fields()), "properties": PROPERTY_KEY},
                                       shape=SHAPE_ISSUE, what="the issue")
            except _HttpError as exc:
                if exc.status != 404:
                    raise
                gone[rec.task_id] = rec.issue_key
                continue
            if _ref_of(issue or {}, self.plan.id) == rec.task_id:
                self.views[rec.task_id] = _view(issue, rec.task_id, self.site)
            else:
                gone[rec.task_id] = rec.issue_key
        return gone

    # -- who does the work -------------------------------------------------------------------------

    def _assignees(self) -> dict[str, str]:
        """Task id -> Jira account of its owner's person (a role held by exactly one person counts as
        that person), found by e-mail through user search; each owner without one is reported once."""
        people = {p.id: p for p in self.plan.people}
        holders: dict[str, list] = {}
        for person in self.plan.people:
            for role in person.roles:
                holders.setdefault(role, []).append(person)
        by_owner: dict[str, str | None] = {}
        tasks_of: dict[str, list[str]] = {}
        for t in self.plan.tasks:
            if t.owner:
                tasks_of.setdefault(t.owner, []).append(t.id)
        accounts: dict[str, str | None] = {}
        for owner, task_ids in tasks_of.items():
            person = people.get(owner)
            if person is None and len(holders.get(owner, [])) == 1:
                person = holders[owner][0]
            count = f"{len(task_ids)} issue{'s' if len(task_ids) != 1 else ''}"
            why = None
            if person is None:
                several = len(holders.get(owner, []))
                why = (f"owner {owner} is a role held by {several} people" if several
                       else f"owner {owner} is not a person of the plan")
            elif not person.email:
                why = f"owner {owner} has no email in the plan"
            else:
                email = person.email.strip().lower()
                if email not in accounts:
                    accounts[email] = self._account_of(email)
                by_owner[owner] = accounts[email]
                if accounts[email] is None:
                    why = f"owner {owner} ({person.email}) has no Jira user"
            if why:
                self.result.changes.append(Change("unassigned", None, None, f"{why}: {count} left unassigned"))
        return {t: by_owner[o] for o, ids in tasks_of.items() for t in ids if by_owner.get(o)}

    def _account_of(self, email: str) -> str | None:
        """The active Jira account with this e-mail (one hiding its address counts when it is the only hit)."""
        cloud = self.site.cloud
        users = self.http.call("GET", "user/search", params={"query" if cloud else "username": email,
                                                             "maxResults": 20},
                               shape=SHAPE_USERS, what="the user search")
        active = [u for u in users if u.get("active", True)]
        exact = [u for u in active if (u.get("emailAddress") or "").strip().lower() == email]
        hidden = [u for u in active if not u.get("emailAddress")]
        chosen = exact[0] if len(exact) == 1 else (hidden[0] if not exact and len(hidden) == 1 else None)
        if chosen is None:
            return None
        return chosen.get("accountId") if cloud else (chosen.get("name") or None)

    # -- what the plan wants ----------------------------------------------------------------------

    def _desired(self) -> list[_Want]:
        plan, cfg = self.plan, self.cfg
        base_labels = ["rollout", f"rollout-{plan.id}", *cfg.labels]
        wants: list[_Want] = []
        epic_of: dict[str, str | None] = {}
        if cfg.epic_per == "plan":
            wants.append(_Want("epic:", "epic", cfg.epic_issue_type, {
                "summary": plan.title[:255] or plan.id, "description": f"Rollout plan {plan.id}.",
                "duedate": self.sched.finish_date.isoformat(),
                "start": plan.start.isoformat() if self.site.start_field else None, "parent": None},
                list(base_labels)))
        elif cfg.epic_per == "workstream":
            names = {ws.id: ws.name for ws in plan.workstreams}
            spans: dict[str, list] = {}
            for t in plan.tasks:
                spans.setdefault(t.workstream, []).append(self.sched.tasks[t.id])
            for ws_id, sts in spans.items():
                wants.append(_Want(f"epic:{ws_id}", "epic", cfg.epic_issue_type, {
                    "summary": (names.get(ws_id) or ws_id)[:255],
                    "description": f"Workstream {ws_id} of rollout plan {plan.id}.",
                    "duedate": max(st.finish_date for st in sts).isoformat(),
                    "start": min(st.start_date for st in sts).isoformat() if self.site.start_field else None,
                    "parent": None}, list(base_labels)))
        names_of = {t.id: " ".join((t.name or t.id).split()) for t in plan.tasks}
        for t in plan.tasks:
            st = self.sched.tasks[t.id]
            parent = None if cfg.epic_per == "none" else ("epic:" if cfg.epic_per == "plan" else f"epic:{t.workstream}")
            epic_of[t.id] = parent
            labels = list(base_labels) + ([MILESTONE_LABEL] if t.is_milestone else [])
            type_name = (cfg.milestone_issue_type or cfg.issue_type) if t.is_milestone else cfg.issue_type
            wants.append(_Want(t.id, "task", type_name, {
                "summary": " ".join((t.name or t.id).split())[:255],     # one line, as Jira requires
                "description": _description(plan, t, names_of),
                "duedate": st.finish_date.isoformat(),
                "start": st.start_date.isoformat() if self.site.start_field else None,
                "parent": parent, "assignee": self.assignees.get(t.id)}, labels, t))
        return wants

    def _resolved(self, want: _Want) -> dict[str, Any]:
        out = dict(want.fields)
        if out.get("parent"):
            out["parent"] = self.keys.get(out["parent"])
        return out

    def _jira_fields(self, values: Mapping[str, Any], want: _Want | None = None) -> dict[str, Any]:
        """Owned values in Jira's field names and shapes."""
        site = self.site
        out: dict[str, Any] = {}
        for name, value in values.items():
            if name == "summary":
                out["summary"] = value
            elif name == "description":
                out["description"] = _adf(value) if site.cloud else value
            elif name == "duedate":
                out["duedate"] = value
            elif name == "start" and site.start_field:
                out[site.start_field] = value
            elif name == "assignee":
                if value is not None:       # never unassign: an owner without a Jira user leaves it as it is
                    out["assignee"] = {"accountId": value} if site.cloud else {"name": value}
            elif name == "parent":
                if site.epic_link_field:
                    if value is not None or want is None:
                        out[site.epic_link_field] = value
                elif value is not None or want is None:
                    out["parent"] = {"key": value} if value else None
        return out

    # -- create -----------------------------------------------------------------------------------

    def _create(self, wants: list[_Want]) -> None:
        if not wants:
            return
        if self.dry_run:
            for w in wants:
                self.result.changes.append(Change("create", w.ref, None, f"{w.type_name}: {w.fields['summary']}"))
            return
        self.progress.start("creating issues", len(wants))
        for i in range(0, len(wants), BULK_LIMIT):
            self._create_batch(wants[i:i + BULK_LIMIT])
        self.progress.finish()

    def _payload(self, w: _Want) -> dict[str, Any]:
        values = self._resolved(w)
        fields = {"project": {"id": self.site.project_id}, "issuetype": {"id": self.site.type_id(w.type_name)},
                  "labels": list(w.labels), **self._jira_fields(values, w)}
        if w.kind == "epic" and self.site.epic_name_field:
            fields[self.site.epic_name_field] = values["summary"]
        prop = {"plan": self.plan.id, "task": w.ref if w.kind == "task" else None}
        if w.kind == "epic":
            prop["epic"] = w.ref.split(":", 1)[1]
        return {"fields": fields, "properties": [{"key": PROPERTY_KEY, "value": prop}]}

    def _create_batch(self, batch: list[_Want]) -> None:
        self.store.record_intent([(w.ref, w.kind) for w in batch])
        pending = list(batch)
        for attempt in range(1, self.http.settings.retries + 2):
            body = {"issueUpdates": [self._payload(w) for w in pending]}
            try:
                reply = self.http.call("POST", "issue/bulk", body=body, idempotent=False, accept=(400,),
                                       kind="create", shape=SHAPE_BULK, what="the bulk create")
            except _Uncertain as exc:
                LOG.warning("bulk create outcome unknown (%s); reconciling by search", exc)
                self.http.settle(attempt, exc.timed_out)
                pending = self._reconcile(pending)
                if not pending:
                    return
                continue
            retry = self._record_created(pending, reply or {})
            if retry:
                self._create_batch(retry)
            return
        for w in pending:
            self.store.forget_intent([w.ref])
            self.result.changes.append(Change("error", w.ref, None, "not created: Jira kept failing"))

    def _record_created(self, batch: list[_Want], reply: dict) -> list[_Want]:
        """Record what a bulk create made and report what it refused; return the items worth sending again."""
        if not isinstance(reply.get("issues"), list) or not isinstance(reply.get("errors", []), list):
            raise RemoteError("Jira answered the bulk create with something unexpected; nothing was recorded")
        failed: dict[int, str] = {}
        parent_refused: set[int] = set()
        for err in reply.get("errors") or []:
            ee = err.get("elementErrors") or {}
            index = err.get("failedElementNumber")
            index = -1 if index is None else int(index)
            parts = [f"{k}: {v}" for k, v in (ee.get("errors") or {}).items()] + list(ee.get("errorMessages") or [])
            failed[index] = "; ".join(parts) or f"HTTP {err.get('status')}"
            if "parent" in (ee.get("errors") or {}):
                parent_refused.add(index)
        retry: list[_Want] = []
        if parent_refused and self.site.epic_link_candidate and not self.site.epic_link_field:
            # this instance keeps epics in the "Epic Link" field: use it from now on
            LOG.warning("Jira refused `parent`; linking issues to epics through the Epic Link field")
            self.site.epic_link_field = self.site.epic_link_candidate
            self.store.set_meta("jira_epic_link", "yes")
            retry = [batch[i] for i in sorted(parent_refused)]
            for i in parent_refused:
                failed[i] = ""
        if failed and len(failed) == len(batch) and all(
                int(e.get("status") or 0) == 403 for e in reply.get("errors") or []):
            self.store.forget_intent([w.ref for w in batch])
            reason = next(iter(failed.values()))
            raise RemoteError(f"Jira denied permission (HTTP 403) to create issues in project {self.site.project_key}: "
                              f"{reason}; the account needs the Create issues permission")
        created = iter(reply.get("issues") or [])
        done = []
        for index, w in enumerate(batch):
            if index in failed:
                if failed[index]:
                    self.store.forget_intent([w.ref])
                    self.result.changes.append(Change("error", w.ref, None, "not created: " + failed[index]))
                continue
            issue = next(created, None)
            if issue is None:
                raise RemoteError("Jira's bulk create answer lists fewer issues than were sent")
            self.keys[w.ref] = issue["key"]
            done.append((w.ref, w.kind, issue["key"], self._resolved(w)))
            self.result.changes.append(Change("create", w.ref, issue["key"], w.fields["summary"]))
        self.store.record_pushed(done)
        self.progress.advance(len(batch) - len(retry))
        return retry

    def _reconcile(self, pending: list[_Want]) -> list[_Want]:
        """After an uncertain create: record what Jira made, return what is still missing.

        Jira's search may lag behind a create that just happened, so when something looks missing the
        search is repeated (with a short pause) until two searches in a row agree."""
        previous: set[str] | None = None
        for look in range(_CONSISTENT_LOOKS):
            by_ref = self._search_refs({w.ref for w in pending})
            found = set(by_ref)
            if len(found) == len(pending) or found == previous:
                break
            previous = found
            self.http.recheck(look)
        done, missing = [], []
        for w in pending:
            issue = by_ref.get(w.ref)
            if issue is None:
                missing.append(w)
                continue
            self.keys[w.ref] = issue["key"]
            self.views[w.ref] = _view(issue, w.ref, self.site)
            done.append((w.ref, w.kind, issue["key"], self._resolved(w)))
            self.result.changes.append(Change("create", w.ref, issue["key"], w.fields["summary"]))
        if done:
            self.store.record_pushed(done)
            self.progress.advance(len(done))
        return missing

    def _search_refs(self, refs: set[str]) -> dict[str, dict]:
        found = _search(self.http, _plan_jql(self.site.project_key, self.plan.id), self._fields())
        by_ref: dict[str, dict] = {}
        for issue in found:
            ref = _ref_of(issue, self.plan.id)
            if ref in refs and ref not in by_ref:
                by_ref[ref] = issue
        return by_ref

    # -- update -----------------------------------------------------------------------------------

    def _update(self, wants: list[_Want], records) -> None:
        if not wants:
            return
        self.progress.start("updating issues", len(wants))
        quiet_records = []
        for w in wants:
            view = self.views[w.ref]
            want = self._resolved(w)
            rec = records.get(w.ref)
            last = rec.fields if rec is not None and rec.issue_key == view.key and rec.fields else None
            if not self.site.start_field:
                want.pop("start", None)
            changed, conflicts = {}, []
            for name, value in want.items():
                cur = view.owned.get(name)
                if cur == value:
                    continue
                if name == "parent" and value is None:
                    continue                      # its epic is not (yet) there: never unset by accident
                if name == "assignee" and (value is None or (last is not None and (
                        last.get("assignee") == value or ("assignee" not in last and cur is not None)))):
                    continue                      # who does the work is the team's call once it is assigned
                if last is not None and name in last and cur != last[name]:
                    conflicts.append(name)
                    if not self.force:
                        continue
                changed[name] = value
            add = [lb for lb in w.labels if lb not in view.labels]
            remove = [REMOVED_LABEL] if REMOVED_LABEL in view.labels else []
            # what we now own: written or already equal → the plan's value; a conflict left alone keeps
            # the last value we wrote, so it is reported again until someone resolves it
            recorded = dict(last) if last else dict(view.owned)
            for name, value in want.items():
                if name in changed or view.owned.get(name) == value:
                    recorded[name] = value
            if conflicts:
                what = ", ".join(conflicts)
                detail = (f"{what} changed in Jira since the last push; overwritten (forced push)" if self.force
                          else f"{what} changed in Jira since the last push; left alone (a forced push overwrites it)")
                self.result.changes.append(Change("conflict", w.ref, view.key, detail))
            if not changed and not add and not remove:
                self.result.changes.append(Change("unchanged", w.ref, view.key))
                if rec is None or rec.fields != recorded or rec.status != "pushed":
                    quiet_records.append((w.ref, w.kind, view.key, recorded))
                self.progress.advance()
                continue
            what = ", ".join(list(changed) + [f"+label {a}" for a in add] + [f"-label {r}" for r in remove])
            self.result.changes.append(Change("update", w.ref, view.key, what))
            if self.dry_run:
                continue
            body: dict[str, Any] = {}
            if changed:
                body["fields"] = self._jira_fields(changed)
                if "parent" in changed and changed["parent"] is None:
                    body["fields"].pop("parent", None)
            ops = [{"add": a} for a in add] + [{"remove": r} for r in remove]
            if ops:
                body["update"] = {"labels": ops}
            self.http.call("PUT", f"issue/{view.key}", body=body, kind="update")
            self.store.record_pushed([(w.ref, w.kind, view.key, recorded)])
            self.progress.advance()
        if quiet_records and not self.dry_run:
            self.store.record_pushed(quiet_records)
        self.progress.finish()

    def _label_removed(self, wanted_refs: set[str]) -> None:
        gone = [v for ref, v in self.views.items() if ref not in wanted_refs]
        done = []
        for view in gone:
            done.append(view.ref)
            if REMOVED_LABEL in view.labels:
                continue
            self.result.changes.append(Change("label-removed", view.ref, view.key,
                                              "no longer in the plan: labelled rollout-removed, not deleted"))
            if not self.dry_run:
                self.http.call("PUT", f"issue/{view.key}", body={"update": {"labels": [{"add": REMOVED_LABEL}]}},
                               kind="update")
        if done and not self.dry_run:
            self.store.mark_removed(done)

    # -- links ------------------------------------------------------------------------------------

    def _links(self, tasks: list[_Want]) -> None:
        """Make the links the dependencies ask for, drop the ones push made that the plan no longer has.

        A link is (blocker task, dependent task, link type): FS dependencies are `Blocks` links, SS, FF
        and SF ones the type of jira.link_types (`Relates` by default)."""
        ref_of_key = {key: ref for ref, key in self.keys.items()}
        existing: dict[tuple[str, str, str], str] = {}       # (a, b, link type lower) -> link id
        duplicates: set[tuple[tuple[str, str, str], str]] = set()
        for view in self.views.values():
            for link_id, direction, other, type_name in view.links:
                other_ref = ref_of_key.get(other)
                if other_ref is None:
                    continue
                a, b = (view.ref, other_ref) if direction == "outward" else (other_ref, view.ref)
                if existing.setdefault((a, b, type_name), link_id) != link_id:
                    duplicates.add(((a, b, type_name), link_id))   # the same link twice (an earlier uncertain call)
        wanted: dict[tuple[str, str], tuple[str, str]] = {}   # (a, b) -> (link type, dependency type)
        for w in tasks:
            for dep in w.task.depends_on:
                pair = (dep.task, w.ref)
                if pair not in wanted and dep.task != w.ref:
                    wanted[pair] = (self.site.link_type_of(dep.type), dep.type)
        self.dep_types = {pair: dep_type for pair, (_, dep_type) in wanted.items()}
        ours = self.store.link_kinds()                        # (a, b) -> link type push made (None: the FS type)
        ours_type = {pair: (t or self.site.link_type).lower() for pair, t in ours.items()}
        want_key = {(a, b, t.lower()): (a, b, t) for (a, b), (t, _) in wanted.items()}
        to_make = [spec for key, spec in want_key.items() if key not in existing]
        # a link push made that people removed in Jira is a conflict, like an edited field
        created_now = {c.task for c in self.result.changes if c.action == "create"}
        removed_by_people = [(a, b, t) for a, b, t in to_make
                             if ours_type.get((a, b)) == t.lower() and a in self.keys and b in self.keys
                             and a not in created_now and b not in created_now]
        for a, b, t in removed_by_people:
            self.result.changes.append(Change("conflict", b, self.keys.get(b), (
                f"link {self._words(a, b, t)} was removed in Jira since the last push; "
                + ("restored (forced push)" if self.force else "left alone (a forced push restores it)"))))
        if not self.force:
            to_make = [spec for spec in to_make if spec not in removed_by_people]
        present_pairs = {(a, b) for a, b, t in existing if ours_type.get((a, b)) == t}
        stale = [p for p in ours if p not in present_pairs and p not in wanted]
        to_drop = [((a, b, t), link_id) for (a, b, t), link_id in existing.items()
                   if ours_type.get((a, b)) == t and (a, b, t) not in want_key]
        extra = sorted((key, link_id) for key, link_id in duplicates if key in want_key)
        known = [(a, b, existing[key], t) for key, (a, b, t) in want_key.items()
                 if key in existing and ours_type.get((a, b)) != key[2]]
        if self.dry_run:
            for a, b, t in to_make:
                self.result.changes.append(Change("link", b, self.keys.get(b), self._words(a, b, t)))
            for (a, b, t), _ in to_drop + extra:
                self.result.changes.append(Change("unlink", b, self.keys.get(b), f"no longer: {self._words(a, b, t)}"))
            return
        for (a, b, t), link_id in to_drop:
            self._unlink(link_id)
            self.store.forget_links([(a, b)])
            self.result.changes.append(Change("unlink", b, self.keys.get(b), f"no longer: {self._words(a, b, t)}"))
        if known:
            self.store.record_links(known)
        if stale:
            self.store.forget_links(stale)
        for (a, b, t), link_id in extra:
            self._unlink(link_id)
            self.result.changes.append(Change("unlink", b, self.keys.get(b), f"duplicate link {self._words(a, b, t)}"))
        # a link whose issue could not be created waits for the next push (the create error says why)
        makeable = [(a, b, t) for a, b, t in to_make if a in self.keys and b in self.keys]
        if not makeable:
            return
        self.progress.start("linking issues", len(makeable))
        self._make_links(makeable)
        self.progress.finish()

    def _words(self, a: str, b: str, link_type: str) -> str:
        """How a link reads in push's report: `a blocks b`, or `b starts with a (SS, Relates)`."""
        dep_type = getattr(self, "dep_types", {}).get((a, b), "FS")
        if dep_type == "FS" and link_type.lower() == self.site.link_type.lower():
            return f"{a} blocks {b}" if link_type.lower() == "blocks" else f"{a} {link_type} {b}"
        return f"{b} {_DEP_WORDS.get(dep_type, dep_type)} {a} ({dep_type}, {link_type})"

    def _unlink(self, link_id: str) -> None:
        # 404 means gone already (e.g. a retried delete) -- or, in Jira's words, no permission to link
        reply = self.http.call("DELETE", f"issueLink/{link_id}", accept=(404,), kind="unlink")
        detail = " ".join((reply or {}).get("errorMessages") or []) if isinstance(reply, dict) else ""
        if "permission" in detail.lower():
            raise RemoteError(f"Jira denied permission (HTTP 404) to delete issue link {link_id}: {detail}; "
                              "the account needs the Link issues permission")

    def _make_links(self, specs: list[tuple[str, str, str]]) -> None:
        """Create links in parallel; those with an uncertain outcome are checked, then retried, in rounds."""
        from concurrent.futures import ThreadPoolExecutor

        pending = list(specs)
        workers = min(self.http.settings.link_workers, len(specs))
        pool = ThreadPoolExecutor(workers) if workers > 1 else None
        try:
            for attempt in range(1, self.http.settings.retries + 2):
                outcomes = list(pool.map(self._make_link, pending) if pool else map(self._make_link, pending))
                made, uncertain = [], []
                for spec, outcome in zip(pending, outcomes):
                    if outcome is None:
                        made.append(spec)
                    elif isinstance(outcome, _Uncertain):
                        uncertain.append(spec)
                    else:
                        a, b, t = spec
                        self.result.changes.append(Change("error", b, self.keys[b],
                                                          f"link {self._words(a, b, t)}: {outcome}"))
                self._made_links(made)
                if not uncertain:
                    return
                # a call that timed out may still be carried out: wait, then look before trying again;
                # after a 5xx or a dropped connection look at once (an issue's links are read directly)
                self.http.settle(attempt, any(o.timed_out for o in outcomes if isinstance(o, _Uncertain)))
                present = self._links_present({self.keys[a] for a, _, _ in uncertain})
                there = [(a, b, t) for a, b, t in uncertain if (self.keys[a], self.keys[b], t.lower()) in present]
                self._made_links(there)
                pending = [spec for spec in uncertain if spec not in there]
                if not pending:
                    return
            for a, b, t in pending:
                self.result.changes.append(Change("error", b, self.keys[b],
                                                  f"link {self._words(a, b, t)}: Jira kept failing"))
        finally:
            if pool:
                pool.shutdown()

    def _made_links(self, made: list[tuple[str, str, str]]) -> None:
        self.progress.advance(len(made))
        for a, b, t in made:
            self.result.changes.append(Change("link", b, self.keys[b], self._words(a, b, t)))
        self.store.record_links([(a, b, None, t) for a, b, t in made])

    def _make_link(self, spec: tuple[str, str, str]):
        """Create one link (blocker = inwardIssue): None when made, the _Uncertain, or why it failed."""
        a, b, link_type = spec
        body = {"type": {"name": link_type}, "inwardIssue": {"key": self.keys[a]},
                "outwardIssue": {"key": self.keys[b]}}
        try:
            self.http.call("POST", "issueLink", body=body, idempotent=False, kind="link")
            return None
        except _Uncertain as exc:
            return exc
        except _HttpError as exc:
            if exc.status == 401 or "permission" in str(exc):
                raise                   # every other link would fail the same way: stop here
            return str(exc)

    def _links_present(self, blockers: set[str]) -> set[tuple[str, str, str]]:
        """(blocker key, other key, link type lower) of our link types, read from the blockers' issue links."""
        present = set()
        ours = self.site.our_link_types
        for blocker in sorted(blockers):
            issue = self.http.call("GET", f"issue/{blocker}", params={"fields": "issuelinks"}, shape=SHAPE_ISSUE,
                                   what="the issue")
            for link in ((issue or {}).get("fields") or {}).get("issuelinks") or []:
                type_name = ((link.get("type") or {}).get("name") or "").lower()
                if type_name in ours and link.get("outwardIssue"):
                    present.add((blocker, link["outwardIssue"]["key"], type_name))
        return present


_DEP_WORDS = {"SS": "starts with", "FF": "finishes with", "SF": "finishes after the start of", "FS": "follows"}

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


# ---------------------------------------------------------------------------------------------
# the tracker


class JiraTracker:
    """Jira Cloud or Server/Data Center, configured from JIRA_URL and JIRA_EMAIL/JIRA_API_TOKEN or JIRA_PAT."""

    name = "jira"

    def __init__(self, env: Mapping[str, str] | None = None, sleep: Callable[[float], None] = time.sleep):
        self._env = env
        self._sleep = sleep
        self.last_calls: dict[str, int] = {}

    def _connect(self) -> _Http:
        settings = JiraSettings.from_env(self._env)
        return _Http(settings, sleep=self._sleep)

    def push(self, plan, schedule, store, *, dry_run: bool = False, force: bool = False,
             progress: Progress = NO_PROGRESS) -> PushResult:
        cfg = jira_config(plan)
        http = self._connect()
        try:
            return _Push(plan, schedule, store, cfg, http, force=force, dry_run=dry_run, progress=progress).run()
        finally:
            self.last_calls = dict(http.calls)
            http.close()

    def pull(self, plan, store, *, progress: Progress = NO_PROGRESS) -> PullResult:
        cfg = jira_config(plan)
        http = self._connect()
        try:
            return _pull(plan, store, cfg, http, progress)
        finally:
            self.last_calls = dict(http.calls)
            http.close()

