"""Pushing a scheduled plan: what to create, update, link and leave alone."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from ...errors import RemoteError
from ...model import JiraConfig
from ..base import Change, Progress, PushResult
from .settings import BULK_LIMIT, LOG, MILESTONE_LABEL, PROPERTY_KEY, REMOVED_LABEL, _CONSISTENT_LOOKS
from .http import SHAPE_BULK, SHAPE_ISSUE, SHAPE_USERS, _Http, _HttpError, _Uncertain
from .site import _Site, _discover
from .read import _View, _plan_jql, _ref_of, _search, _view
from .adf import _DEP_WORDS, _adf, _description

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
        pools = {pool.id for pool in plan.resources}
        for t in plan.tasks:
            st = self.sched.tasks[t.id]
            parent = None if cfg.epic_per == "none" else ("epic:" if cfg.epic_per == "plan" else f"epic:{t.workstream}")
            epic_of[t.id] = parent
            labels = list(base_labels) + ([MILESTONE_LABEL] if t.is_milestone else [])
            # a pool's tasks carry it as a label (Jira labels have no spaces)
            labels += ["pool-" + "-".join(rid.split()) for rid, _ in t.resources if rid in pools]
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
