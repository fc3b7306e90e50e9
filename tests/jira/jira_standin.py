"""A stateful Jira stand-in: a small HTTP server on 127.0.0.1 that answers like Jira Cloud's REST v3.

It holds projects, issues (fields, labels, properties, changelogs), links, fields, statuses and link
types, checks credentials, and can be told to misbehave: 429 with Retry-After, 500/502/503, slow
answers, answers slower than the client's timeout, and connections dropped mid-response (after the
request took effect, the nastiest case for a client). Every request and every answer can be checked
against Atlassian's OpenAPI document by an ``OpenAPIChecker``; what does not conform is collected in
``violations``.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import email.utils
import json
import random
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

API = "/rest/api/3/"
API_V2 = "/rest/api/2/"
STATUSES = {
    "1": ("To Do", {"id": 2, "key": "new", "name": "To Do", "colorName": "blue-gray"}),
    "3": ("In Progress", {"id": 4, "key": "indeterminate", "name": "In Progress", "colorName": "yellow"}),
    "10001": ("Done", {"id": 3, "key": "done", "name": "Done", "colorName": "green"}),
}
LINK_TYPES = [
    {"id": "10000", "name": "Blocks", "inward": "is blocked by", "outward": "blocks"},
    {"id": "10001", "name": "Cloners", "inward": "is cloned by", "outward": "clones"},
    {"id": "10003", "name": "Relates", "inward": "relates to", "outward": "relates to"},
]
START_FIELD = "customfield_10015"
EPIC_LINK_FIELD = "customfield_10014"
SYSTEM_FIELDS = ["summary", "description", "duedate", "labels", "parent", "issuelinks", "issuetype", "status",
                 "assignee", "resolution", "resolutiondate", "created", "updated", "project"]


@dataclass
class Fault:
    kind: str                      # 429, 429-date, 500, 502, 503, slow, timeout, drop, reset,
                                   # html (a sign-in page, 200), dribble (a byte at a time), huge, tamper
    match: str = ""                # substring of "METHOD /path"; empty matches every call
    count: int = 1
    retry_after: str | None = None # for 429: the Retry-After header (default "0")
    tamper: Any = None             # for tamper: payload -> the answer actually sent (a lying server)


SIGN_IN_PAGE = b"""<!DOCTYPE html>
<html><head><title>Sign in - Acme single sign-on</title></head>
<body><form method="post" action="/sso/login"><input name="username"><input name="password" type="password">
<button>Sign in</button></form></body></html>
"""


@dataclass
class Hold:
    """Keep the next ``count`` calls matching ``match`` waiting until ``release`` is set."""

    match: str
    count: int = 1
    reached: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, list[str]]
    body: Any
    status: int = 0
    fault: str | None = None
    authorization: str | None = field(default=None, repr=False)


class JiraStandIn:
    def __init__(self, *, email: str = "pmo@acme.example", token: str = "atl-token-9f8e7d6c5b4a",
                 pat: str | None = None, project: str = "ACME", latency: float = 0.0, start_field: bool = True,
                 checker=None, changelog_page: int = 20, timeout_sleep: float = 1.5, refuse_parent: bool = False):
        self.email, self.token, self.pat = email, token, pat
        self.latency, self.checker = latency, checker
        self.changelog_page = changelog_page
        self.timeout_sleep = timeout_sleep
        self.lock = threading.RLock()
        self.projects = {project: {"id": "10000", "key": project, "name": f"{project} project",
                                   "types": {"10001": "Task", "10002": "Epic", "10003": "Sub-task",
                                             "10004": "Milestone"}}}
        self.fields = [{"id": f, "key": f, "name": f.capitalize(), "custom": False, "navigable": True,
                        "orderable": True, "searchable": True, "clauseNames": [f]} for f in SYSTEM_FIELDS]
        if start_field:
            self.fields.append({"id": START_FIELD, "key": START_FIELD, "name": "Start date", "custom": True,
                                "navigable": True, "orderable": True, "searchable": True,
                                "clauseNames": ["cf[10015]", "Start date"],
                                "schema": {"type": "date", "custom": "com.atlassian.jira.plugin.system.customfieldtypes:datepicker",
                                           "customId": 10015}})
        self.refuse_parent = refuse_parent     # an older company-managed project: epics through "Epic Link"
        if refuse_parent:
            self.fields.append({"id": EPIC_LINK_FIELD, "key": EPIC_LINK_FIELD, "name": "Epic Link", "custom": True,
                                "navigable": True, "orderable": True, "searchable": True,
                                "clauseNames": ["cf[10014]", "Epic Link"],
                                "schema": {"type": "any", "custom": "com.pyxis.greenhopper.jira:gh-epic-link",
                                           "customId": 10014}})
        self.link_types = list(LINK_TYPES)
        self.issues: dict[str, dict] = {}
        self.users: list[dict] = []                         # Jira accounts (user/search finds them by email)
        self.links: dict[str, tuple[str, str, str]] = {}    # id -> (type id, blocker key, blocked key)
        self.seen: list[Seen] = []
        self.violations: list[str] = []
        self.faults: list[Fault] = []
        self.holds: list[Hold] = []
        self.fault_rate = 0.0
        self.dribble_delay = 1.0                            # seconds between the bytes of a "dribble" answer
        self.huge_bytes = 600_000_000                       # size a "huge" answer claims (and sends until cut off)
        self.fault_kinds: tuple[str, ...] = ()
        self.rng = random.Random(7)
        self.reject_summaries: set[str] = set()             # bulk create: per-item error for these summaries
        self.denied: set[str] = set()                       # "create", "edit", "link": answer as the document says (400, 404, per-item 403)
        self._next_id = 10001
        self._next_link = 20001
        self.server: ThreadingHTTPServer | None = None
        self._v2 = False

    # -- life cycle ---------------------------------------------------------------------------

    def start(self) -> "JiraStandIn":
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True     # headers and body go out as separate writes: no 40 ms stalls

            def log_message(self, *args):      # keep test output quiet
                pass

            def _any(self):
                standin._serve(self)

            do_GET = do_POST = do_PUT = do_DELETE = _any

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def env(self) -> dict[str, str]:
        base = {"JIRA_URL": self.url}
        if self.pat:
            base["JIRA_PAT"] = self.pat
        else:
            base.update({"JIRA_EMAIL": self.email, "JIRA_API_TOKEN": self.token})
        return base

    # -- what tests look at -------------------------------------------------------------------

    def task_issues(self, plan: str | None = None) -> dict[str, list[str]]:
        """Task id (or 'epic:<ws>') -> every issue key that carries it (more than one = duplicate)."""
        out: dict[str, list[str]] = {}
        with self.lock:
            for key, issue in self.issues.items():
                prop = issue["properties"].get("rollout")
                if not prop or (plan and prop.get("plan") != plan):
                    continue
                ref = "epic:" + prop["epic"] if prop.get("epic") is not None else prop.get("task")
                out.setdefault(ref, []).append(key)
        return out

    def issue_view_links(self, key: str) -> list[str]:
        """The link lines the issue view shows, e.g. 'blocks ACME-3', 'is blocked by ACME-1'."""
        return [f"{'blocks' if 'outwardIssue' in ln else 'is blocked by'} "
                f"{(ln.get('outwardIssue') or ln.get('inwardIssue'))['key']}"
                for ln in self._issuelinks(key) if ln["type"]["name"] == "Blocks"]

    def writes(self) -> list[Seen]:
        return [s for s in self.seen if s.method in ("POST", "PUT", "DELETE")
                and not s.path.endswith("/search/jql") and not s.path.endswith("/search") and s.fault is None]

    def reads(self) -> list[Seen]:
        writes = {id(s) for s in self.writes()}
        return [s for s in self.seen if id(s) not in writes and s.fault is None]

    def hold(self, match: str, count: int = 1) -> Hold:
        """Park the next matching calls (e.g. a bulk create) until the returned Hold is released."""
        held = Hold(match, count)
        with self.lock:
            self.holds.append(held)
        return held

    def add_user(self, email: str | None, name: str, *, hidden_email: bool = False, active: bool = True) -> str:
        """A Jira account; ``hidden_email``: its profile hides the address (search still finds it by it)."""
        with self.lock:
            account = f"5b10ac8d82e05b22cc7d{len(self.users):04d}"
            self.users.append({"accountId": account, "accountType": "atlassian", "active": active,
                               "displayName": name, "_email": email, "hidden": hidden_email})
            return account

    def _user(self, account: str | None) -> dict | None:
        for u in self.users:
            if account is not None and u["accountId"] == account:
                out = {k: v for k, v in u.items() if not k.startswith("_") and k != "hidden"}
                out["self"] = f"{self.url}{API}user?accountId={account}"
                if not u["hidden"] and u["_email"]:
                    out["emailAddress"] = u["_email"]
                if self._v2:
                    out["name"] = u["_email"] or account
                return out
        return None

    def _user_search(self, query: dict):
        """GET /user/search: users whose e-mail or display name contains ``query`` (v2: ``username``)."""
        text = ((query.get("query") or query.get("username") or [""])[0]).lower()
        account = (query.get("accountId") or [None])[0]
        if not text and not account:
            return 400, {"errorMessages": ["One of 'query' or 'accountId' query parameters must be provided."],
                         "errors": {}}
        start = int((query.get("startAt") or ["0"])[0])
        size = int((query.get("maxResults") or ["50"])[0])
        found = [self._user(u["accountId"]) for u in self.users
                 if (account and u["accountId"] == account)
                 or (text and (text in (u["_email"] or "").lower() or text in u["displayName"].lower()))]
        return 200, found[start:start + size]

    def human_edit(self, key: str, author: str = "Priya Human", **fields: Any) -> None:
        """Someone edits an issue in Jira's UI (changelog entry included)."""
        with self.lock:
            issue = self.issues[key]
            items = []
            for name, value in fields.items():
                fid = START_FIELD if name == "start" else name
                old = issue["fields"].get(fid)
                issue["fields"][fid] = value
                items.append({"field": name, "fieldtype": "jira", "fieldId": fid,
                              "fromString": _str(old), "toString": _str(value)})
            self._history(issue, items, author)

    def transition(self, key: str, status_id: str, when: dt.datetime, author: str = "Priya Human") -> None:
        with self.lock:
            issue = self.issues[key]
            old = issue["fields"]["status"]
            issue["fields"]["status"] = _status(status_id)
            if STATUSES[status_id][1]["key"] == "done":
                issue["fields"]["resolution"] = {"id": "10000", "name": "Done"}
                issue["fields"]["resolutiondate"] = _ts(when)
            self._history(issue, [{"field": "status", "fieldtype": "jira", "fieldId": "status",
                                   "from": old["id"], "fromString": old["name"], "to": status_id,
                                   "toString": STATUSES[status_id][0]}], author, when)

    def assign(self, key: str, name: str) -> None:
        with self.lock:
            self.issues[key]["fields"]["assignee"] = {"accountId": "5b10" + str(abs(hash(name)) % 10**8),
                                                      "displayName": name, "active": True}

    def delete_link_by_hand(self, link_id: str) -> None:
        with self.lock:
            self.links.pop(link_id)

    def delete_issue_by_hand(self, key: str) -> None:
        with self.lock:
            del self.issues[key]
            for link_id in [i for i, (_, a, b) in self.links.items() if key in (a, b)]:
                del self.links[link_id]

    # -- the HTTP side --------------------------------------------------------------------------

    def _serve(self, h: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(h.path)
        length = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(length) if length else b""
        if len(raw) < length:
            # the client went away mid-request (a push killed while sending): like a real server, never
            # act on (or judge) a request that did not arrive whole
            h.close_connection = True
            return
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = "<not json>"
        seen = Seen(h.command, parts.path, parse_qs(parts.query), body,
                    authorization=h.headers.get("Authorization"))
        with self.lock:
            self.seen.append(seen)
        checker = self.checker if parts.path.startswith(API) else None   # the document is REST v3
        if checker is not None:
            self._check(checker.check_request(h.command, parts.path, parts.query, dict(h.headers), raw),
                        h.command, parts.path, "request")
        held = self._pick_hold(f"{h.command} {parts.path}")
        if held is not None:
            held.reached.set()
            held.release.wait(60)
        if self.latency:
            time.sleep(self.latency)
        fault, retry_after, tamper = self._pick_fault(f"{h.command} {parts.path}")
        seen.fault = fault
        if fault == "html":           # an SSO or proxy login page, answered with 200 as they do
            seen.status = 200
            return self._send_raw(h, 200, SIGN_IN_PAGE, "text/html;charset=UTF-8")
        if fault == "huge":
            seen.status = 200
            return self._send_huge(h)
        if fault in ("429", "429-date", "500", "502", "503"):
            status = int(fault[:3])
            headers = {}
            if fault == "429":
                headers["Retry-After"] = retry_after or "0"
            elif fault == "429-date":
                headers["Retry-After"] = email.utils.formatdate(time.time() - 5, usegmt=True)
            payload = {"errorMessages": ["Rate limit exceeded."] if status == 429 else ["Internal server error"]}
            seen.status = status
            return self._send(h, status, payload, headers)
        if fault == "reset":
            seen.status = -1
            return self._cut(h, b"")
        if fault == "slow":
            time.sleep(0.2)
        if fault == "timeout":
            time.sleep(self.timeout_sleep)       # the client has given up; the request still takes effect
        status, payload = self._answer(h.command, parts.path, parse_qs(parts.query), body, h.headers)
        seen.status = status
        data = b"" if payload is None else json.dumps(payload).encode()
        if fault == "tamper":         # deliberately outside the document: not checked against it
            payload = tamper(copy.deepcopy(payload))
            data = json.dumps(payload).encode()
        elif checker is not None and status < 500:
            self._check(checker.check_response(h.command, parts.path, parts.query, dict(h.headers), raw,
                                               status, data), h.command, parts.path, "response")
        if fault == "drop":
            return self._cut(h, data, status)
        if fault == "dribble":
            return self._dribble(h, status, data)
        try:
            self._send(h, status, payload)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _check(self, problems: list[str], method: str, path: str, what: str) -> None:
        if problems:
            with self.lock:
                self.violations += [f"{what} {method} {path}: {p}" for p in problems]

    def _pick_hold(self, call: str) -> Hold | None:
        with self.lock:
            for held in self.holds:
                if held.count > 0 and held.match in call:
                    held.count -= 1
                    return held
        return None

    def _pick_fault(self, call: str) -> tuple[str | None, str | None, Any]:
        with self.lock:
            for fault in self.faults:
                if fault.count > 0 and fault.match in call:
                    fault.count -= 1
                    return fault.kind, fault.retry_after, fault.tamper
            if self.fault_rate and self.rng.random() < self.fault_rate:
                return self.rng.choice(self.fault_kinds), None, None
        return None, None, None

    def _send_raw(self, h, status: int, data: bytes, ctype: str) -> None:
        try:
            h.send_response(status)
            h.send_header("Content-Type", ctype)
            h.send_header("Content-Length", str(len(data)))
            h.end_headers()
            h.wfile.write(data)
        except OSError:
            pass

    def _dribble(self, h, status: int, data: bytes) -> None:
        """The whole answer, one byte at a time: no single read ever waits long enough to time out."""
        try:
            h.send_response(status)
            h.send_header("Content-Type", "application/json;charset=UTF-8")
            h.send_header("Content-Length", str(len(data)))
            h.end_headers()
            h.wfile.flush()
            for i in range(len(data)):
                h.wfile.write(data[i:i + 1])
                h.wfile.flush()
                time.sleep(self.dribble_delay)
        except OSError:
            pass
        h.close_connection = True

    def _send_huge(self, h) -> None:
        """A JSON answer of ``huge_bytes`` (a search whose issue list is mostly blanks), sent until cut off."""
        head, tail = b'{"isLast": true, "issues": [', b"]}"
        chunk = b" " * 65536
        try:
            h.send_response(200)
            h.send_header("Content-Type", "application/json;charset=UTF-8")
            h.send_header("Content-Length", str(self.huge_bytes))
            h.end_headers()
            h.wfile.write(head)
            left = self.huge_bytes - len(head) - len(tail)
            while left > 0:
                h.wfile.write(chunk[:left])
                left -= len(chunk)
            h.wfile.write(tail)
        except OSError:
            pass
        h.close_connection = True

    def _send(self, h, status: int, payload: Any, headers: dict | None = None) -> None:
        data = b"" if payload is None else json.dumps(payload).encode()
        h.send_response(status)
        if data:
            h.send_header("Content-Type", "application/json;charset=UTF-8")
        h.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(data)

    def _cut(self, h, data: bytes, status: int = 200) -> None:
        """Promise a whole answer, send half of it, hang up."""
        try:
            h.send_response(status)
            h.send_header("Content-Type", "application/json;charset=UTF-8")
            h.send_header("Content-Length", str(max(len(data), 10)))
            h.end_headers()
            h.wfile.write(data[: len(data) // 2])
            h.wfile.flush()
            h.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        h.close_connection = True

    # -- Jira's behaviour -------------------------------------------------------------------------

    def _authorised(self, headers) -> bool:
        auth = headers.get("Authorization") or ""
        if self.pat:
            return auth == f"Bearer {self.pat}"
        want = "Basic " + base64.b64encode(f"{self.email}:{self.token}".encode()).decode()
        return auth == want

    def _answer(self, method: str, path: str, query: dict, body: Any, headers) -> tuple[int, Any]:
        if not self._authorised(headers):
            return 401, {"errorMessages": ["Client must be authenticated to access this resource."], "errors": {}}
        with self.lock:       # one call at a time, like a transaction
            return self._route(method, path, query, body)

    def _route(self, method: str, path: str, query: dict, body: Any) -> tuple[int, Any]:
        if path.startswith(API):
            route, self._v2 = path[len(API):], False
        elif path.startswith(API_V2):
            route, self._v2 = path[len(API_V2):], True     # Server/DC: same operations, plain-text bodies
        else:
            return 404, {"errorMessages": ["Not found"], "errors": {}}
        if method == "POST" and route == "search" and self._v2:
            return self._search_v2(body or {})
        if method == "GET" and route.startswith("project/"):
            return self._project(route.split("/", 1)[1])
        if method == "GET" and route == "field":
            return 200, copy.deepcopy(self.fields)
        if method == "GET" and route == "issueLinkType":
            return 200, {"issueLinkTypes": [dict(lt, self=f"{self.url}{API}issueLinkType/{lt['id']}")
                                            for lt in self.link_types]}
        if method == "GET" and route == "user/search":
            return self._user_search(query)
        if method == "GET" and route == "status":
            return 200, [dict(_status(sid), self=f"{self.url}{API}status/{sid}") for sid in STATUSES]
        if method == "POST" and route == "search/jql":
            return self._search(body or {})
        if method == "POST" and route == "issue/bulk":
            return self._bulk(body or {})
        if method == "POST" and route == "issueLink":
            return self._link(body or {})
        m = re.fullmatch(r"issueLink/(\d+)", route)
        if m and method == "DELETE":
            if "link" in self.denied:       # the document: 404 covers "no permission" too
                return 404, {"errorMessages": ["You do not have the permission to link issues."], "errors": {}}
            if self.links.pop(m.group(1), None) is None:
                return 404, {"errorMessages": [f"No issue link with id '{m.group(1)}' exists."], "errors": {}}
            return 204, None
        m = re.fullmatch(r"issue/([A-Z][A-Z0-9]*-\d+)(/changelog)?", route)
        if m:
            key = m.group(1)
            if key not in self.issues:
                return 404, {"errorMessages": ["Issue does not exist or you do not have permission to see it."],
                             "errors": {}}
            if method == "GET" and m.group(2):
                return self._changelog(key, query)
            if method == "GET":
                wanted = (query.get("fields") or ["*all"])[0].split(",")
                props = [p for p in (query.get("properties") or [""])[0].split(",") if p]
                return 200, self._bean(key, wanted, props, "")
            if method == "PUT":
                return self._edit(key, body or {})
        return 404, {"errorMessages": [f"No route for {method} {path}"], "errors": {}}

    def _project(self, key: str):
        p = self.projects.get(key)
        if p is None:
            return 404, {"errorMessages": [f"No project could be found with key '{key}'."], "errors": {}}
        return 200, {"id": p["id"], "key": key, "name": p["name"], "self": f"{self.url}{API}project/{p['id']}",
                     "issueTypes": [{"id": tid, "name": name, "subtask": name == "Sub-task",
                                     "hierarchyLevel": 1 if name == "Epic" else (-1 if name == "Sub-task" else 0),
                                     "self": f"{self.url}{API}issuetype/{tid}"}
                                    for tid, name in p["types"].items()]}

    def _search(self, body: dict):
        jql = body.get("jql", "")
        try:
            match = _jql_filter(jql)
        except ValueError as exc:
            return 400, {"errorMessages": [str(exc)], "errors": {}}
        keys = sorted((k for k, i in self.issues.items() if match(i)), key=lambda k: self.issues[k]["id"])
        start = int(body.get("nextPageToken") or 0)
        size = min(int(body.get("maxResults") or 50), 5000)
        page = keys[start:start + size]
        fields = body.get("fields") or ["*navigable"]
        beans = [self._bean(k, fields, body.get("properties") or [], body.get("expand") or "") for k in page]
        out: dict[str, Any] = {"issues": beans, "isLast": start + size >= len(keys)}
        if not out["isLast"]:
            out["nextPageToken"] = str(start + size)
        return 200, out

    def _search_v2(self, body: dict):
        try:
            match = _jql_filter(body.get("jql", ""))
        except ValueError as exc:
            return 400, {"errorMessages": [str(exc)], "errors": {}}
        keys = sorted((k for k, i in self.issues.items() if match(i)), key=lambda k: self.issues[k]["id"])
        start, size = int(body.get("startAt") or 0), int(body.get("maxResults") or 50)
        expand = ",".join(body.get("expand") or [])
        beans = [self._bean(k, body.get("fields") or ["*navigable"], body.get("properties") or [], expand)
                 for k in keys[start:start + size]]
        return 200, {"startAt": start, "maxResults": size, "total": len(keys), "issues": beans}

    def _bean(self, key: str, fields: list[str], properties: list[str], expand: str) -> dict:
        issue = self.issues[key]
        every = "*all" in fields or "*navigable" in fields
        f = {}
        for name, value in issue["fields"].items():
            if every or name in fields:
                f[name] = copy.deepcopy(value)
        if every or "issuelinks" in fields:
            f["issuelinks"] = self._issuelinks(key)
        bean = {"id": issue["id"], "key": key, "self": f"{self.url}{API}issue/{issue['id']}", "fields": f}
        props = {p: copy.deepcopy(issue["properties"][p]) for p in properties if p in issue["properties"]}
        if properties:
            bean["properties"] = props
        if "changelog" in expand:
            hist = issue["changelog"]
            bean["changelog"] = {"startAt": 0, "maxResults": self.changelog_page, "total": len(hist),
                                 "histories": copy.deepcopy(hist[: self.changelog_page])}
        return bean

    def _issuelinks(self, key: str) -> list[dict]:
        out = []
        types = {lt["id"]: lt for lt in self.link_types}
        for link_id, (type_id, blocker, blocked) in self.links.items():
            lt = dict(types[type_id])
            if blocker == key:
                out.append({"id": link_id, "type": lt, "outwardIssue": self._ref(blocked)})
            elif blocked == key:
                out.append({"id": link_id, "type": lt, "inwardIssue": self._ref(blocker)})
        return out

    def _ref(self, key: str) -> dict:
        issue = self.issues[key]
        return {"id": issue["id"], "key": key, "self": f"{self.url}{API}issue/{issue['id']}"}

    def _bulk(self, body: dict):
        updates = body.get("issueUpdates") or []
        if len(updates) > 50:
            return 400, {"errorMessages": ["The number of issues exceeds the limit of 50."], "errors": {}}
        created, errors = [], []
        for index, upd in enumerate(updates):
            if "create" in self.denied:     # bulk create reports permission per element (403 is not documented)
                errors.append({"status": 403, "failedElementNumber": index, "elementErrors": {
                    "errorMessages": ["You do not have permission to create issues in this project."], "errors": {}}})
                continue
            problems = self._validate_create(upd)
            if problems:
                errors.append({"status": 400, "failedElementNumber": index,
                               "elementErrors": {"errorMessages": [], "errors": problems}})
                continue
            key = self._create(upd)
            created.append({"id": self.issues[key]["id"], "key": key,
                            "self": f"{self.url}{API}issue/{self.issues[key]['id']}"})
        return (201 if created else 400), {"issues": created, "errors": errors}

    def _validate_create(self, upd: dict) -> dict[str, str]:
        f = upd.get("fields") or {}
        problems = {}
        project = next((p for p in self.projects.values() if p["id"] == (f.get("project") or {}).get("id")), None)
        if project is None:
            problems["project"] = "Specify a valid project ID or key"
        elif (f.get("issuetype") or {}).get("id") not in project["types"]:
            problems["issuetype"] = "The issue type selected is invalid."
        if not f.get("summary"):
            problems["summary"] = "You must specify a summary of the issue."
        elif f["summary"] in self.reject_summaries:
            problems["summary"] = "Summary rejected by a validator."
        problems.update(self._validate_values(f))
        return problems

    def _validate_values(self, f: dict) -> dict[str, str]:
        problems = {}
        if self._v2 and f.get("description") is not None and not isinstance(f["description"], str):
            problems["description"] = "Operation value must be a string"
        elif not self._v2 and "description" in f and f["description"] is not None and not (
                isinstance(f["description"], dict) and f["description"].get("type") == "doc"):
            problems["description"] = "Operation value must be an Atlassian Document (see the Atlassian Document Format)."
        for name in ("duedate", START_FIELD):
            if f.get(name) is not None:
                try:
                    dt.date.fromisoformat(f[name])
                except (TypeError, ValueError):
                    problems[name] = "Error parsing date string: " + str(f[name])
        if START_FIELD in f and not any(x["id"] == START_FIELD for x in self.fields):
            problems[START_FIELD] = "Field 'customfield_10015' cannot be set. It is not on the appropriate screen, or unknown."
        if f.get("assignee") and self._assignee(f["assignee"]) is None:
            problems["assignee"] = "Specified user does not exist or you do not have required permissions"
        for label in f.get("labels") or []:
            if " " in label:
                problems["labels"] = "The label can't contain spaces."
        parent = f.get("parent")
        if "parent" in f and self.refuse_parent:
            problems["parent"] = "Field 'parent' cannot be set. It is not on the appropriate screen, or unknown."
        elif EPIC_LINK_FIELD in f and not self.refuse_parent:
            problems[EPIC_LINK_FIELD] = "Field 'customfield_10014' cannot be set. It is not on the appropriate screen, or unknown."
        elif f.get(EPIC_LINK_FIELD) and f[EPIC_LINK_FIELD] not in self.issues:
            problems[EPIC_LINK_FIELD] = "The epic does not exist."
        elif parent:
            pkey = parent.get("key")
            if pkey not in self.issues:
                problems["parent"] = "Could not find issue by id or key."
        return problems

    def _create(self, upd: dict) -> str:
        f = upd["fields"]
        project = next(p for p in self.projects.values() if p["id"] == f["project"]["id"])
        project["counter"] = project.get("counter", 0) + 1          # keys are never reused, as in Jira
        key = f"{project['key']}-{project['counter']}"
        iid = str(self._next_id)
        self._next_id += 1
        now = _ts(dt.datetime.now(dt.timezone.utc))
        fields = {
            "summary": f["summary"], "description": f.get("description"), "duedate": f.get("duedate"),
            "labels": list(f.get("labels") or []),
            "issuetype": {"id": f["issuetype"]["id"], "name": project["types"][f["issuetype"]["id"]]},
            "status": _status("1"), "assignee": self._assignee(f.get("assignee")), "resolution": None,
            "resolutiondate": None,
            "created": now, "updated": now,
            "project": {"id": project["id"], "key": project["key"]},
            "parent": None,
        }
        if any(x["id"] == START_FIELD for x in self.fields):
            fields[START_FIELD] = f.get(START_FIELD)
        if self.refuse_parent:
            fields[EPIC_LINK_FIELD] = f.get(EPIC_LINK_FIELD)
        if f.get("parent"):
            fields["parent"] = self._parent(f["parent"]["key"])
        self.issues[key] = {"id": iid, "key": key, "fields": fields, "changelog": [],
                            "properties": {p["key"]: p.get("value") for p in upd.get("properties") or []}}
        return key

    def _assignee(self, value: dict | None) -> dict | None:
        if not value:
            return None
        account = value.get("accountId")
        if account is None and value.get("name"):          # Server/DC: by user name (here, the e-mail)
            account = next((u["accountId"] for u in self.users if u["_email"] == value["name"]), None)
        return self._user(account)

    def _parent(self, key: str) -> dict:
        p = self.issues[key]
        return {"id": p["id"], "key": key, "fields": {"summary": p["fields"]["summary"]}}

    def _edit(self, key: str, body: dict):
        if "edit" in self.denied:
            return 400, {"errorMessages": ["You do not have permission to edit issues in this project."], "errors": {}}
        issue = self.issues[key]
        fields = body.get("fields") or {}
        problems = self._validate_values(fields)
        if problems:
            return 400, {"errorMessages": [], "errors": problems}
        items = []
        for name, value in fields.items():
            old = issue["fields"].get(name)
            if name == "parent":
                value = self._parent(value["key"]) if value else None
            elif name == "assignee":
                value = self._assignee(value)
            issue["fields"][name] = value
            items.append({"field": name, "fieldtype": "jira", "fieldId": name, "fromString": _str(old),
                          "toString": _str(value)})
        for op in (body.get("update") or {}).get("labels", []):
            labels = issue["fields"]["labels"]
            if "add" in op and op["add"] not in labels:
                labels.append(op["add"])
            if "remove" in op and op["remove"] in labels:
                labels.remove(op["remove"])
            items.append({"field": "labels", "fieldtype": "jira", "fieldId": "labels", "toString": " ".join(labels)})
        if items:
            self._history(issue, items, "rollout bot")
        return 204, None

    def _link(self, body: dict):
        if "link" in self.denied:
            return 404, {"errorMessages": ["You do not have the permission to link issues."], "errors": {}}
        name = (body.get("type") or {}).get("name")
        lt = next((x for x in self.link_types if x["name"] == name or x["id"] == (body.get("type") or {}).get("id")), None)
        if lt is None:
            return 404, {"errorMessages": [f"No issue link type with name '{name}' found."], "errors": {}}
        inward, outward = (body.get("inwardIssue") or {}).get("key"), (body.get("outwardIssue") or {}).get("key")
        for k in (inward, outward):
            if k not in self.issues:
                return 404, {"errorMessages": [f"Issue {k} does not exist"], "errors": {}}
        link_id = str(self._next_link)
        self._next_link += 1
        # Jira's naming: the inwardIssue is the one doing the outward action (it "blocks" the outwardIssue).
        self.links[link_id] = (lt["id"], inward, outward)
        return 201, None

    def _changelog(self, key: str, query: dict):
        hist = self.issues[key]["changelog"]
        start = int((query.get("startAt") or ["0"])[0])
        size = int((query.get("maxResults") or ["100"])[0])
        values = copy.deepcopy(hist[start:start + size])
        return 200, {"startAt": start, "maxResults": size, "total": len(hist), "isLast": start + size >= len(hist),
                     "values": values, "self": f"{self.url}{API}issue/{key}/changelog"}

    def _history(self, issue: dict, items: list[dict], author: str, when: dt.datetime | None = None) -> None:
        when = when or dt.datetime.now(dt.timezone.utc)
        issue["changelog"].append({"id": str(len(issue["changelog"]) + 1), "created": _ts(when),
                                   "author": {"displayName": author, "accountId": "5b10-" + author.split()[0].lower()},
                                   "items": items})
        issue["fields"]["updated"] = _ts(when)


def _status(sid: str) -> dict:
    name, cat = STATUSES[sid]
    return {"id": sid, "name": name, "statusCategory": dict(cat)}


def _ts(when: dt.datetime) -> str:
    # Jira itself writes "+0000"; Atlassian's document says RFC 3339 date-time ("+00:00"): follow the document
    return when.isoformat(timespec="milliseconds")


def _str(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else json.dumps(value)


_CLAUSE = re.compile(r'^\s*(\w+)\s*(=|in)\s*(.+?)\s*$', re.I)


def _jql_filter(jql: str):
    """The small part of JQL rollout uses: clauses joined by AND, `x = "v"` and `key in (A-1, A-2)`."""
    text = re.split(r"\s+ORDER\s+BY\s+", jql, flags=re.I)[0]
    tests = []
    for clause in re.split(r"\s+AND\s+", text, flags=re.I):
        m = _CLAUSE.match(clause)
        if not m:
            raise ValueError(f"Error in the JQL Query: cannot read {clause!r}.")
        name, op, value = m.group(1).lower(), m.group(2).lower(), m.group(3)
        if op == "in":
            values = {v.strip().strip('"') for v in value.strip("()").split(",")}
        else:
            values = {json.loads(value) if value.startswith('"') else value}
        if name == "project":
            tests.append(lambda i, v=values: i["fields"]["project"]["key"] in v)
        elif name == "labels":
            tests.append(lambda i, v=values: bool(v & set(i["fields"]["labels"])))
        elif name in ("key", "issuekey"):
            tests.append(lambda i, v=values: i["key"] in v)
        else:
            raise ValueError(f"Field '{name}' is not supported by the stand-in.")
    return lambda issue: all(t(issue) for t in tests)
