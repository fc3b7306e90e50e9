"""HTTP through the jira package's session with our own retry policy, and the shapes of good answers."""

from __future__ import annotations

import json
import random
import threading
import time
from collections import Counter
from typing import Any, Callable

from ...errors import RemoteError
from .settings import JiraSettings, LOG, _RETRY_STATUSES, retry_after_seconds

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


