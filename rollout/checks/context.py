"""What rules read: the expanded plan, its schedule, and graph and role helpers computed once per run.

Every helper is linear in the size of the plan (a 10,000-task plan is checked in well under a second).
"""

from __future__ import annotations

import fnmatch
import re
from collections import deque
from functools import cached_property, lru_cache
from typing import Any, Callable, Iterable, Mapping

from ..model import Cadence, Plan, Task
from ..util import slugify

__all__ = ["CUSTOMER_ROLES", "EMPLOYEE_ROLES", "EXECUTIVE_ROLES", "CheckContext", "mentions", "words"]

#: Roles (participants, audience, person roles) that count as executives, customers, employees.
#: Plans add their own words with the settings ``extra_executive_roles`` and the like.
EXECUTIVE_ROLES = frozenset({
    "executive", "executives", "exec", "execs", "sponsor", "sponsors", "executive-sponsor", "ceo", "coo",
    "cfo", "cio", "cto", "cmo", "board", "leadership", "leadership-team", "senior-leaders",
    "senior-leadership", "senior-management", "executive-team", "steering-committee", "c-suite",
})
CUSTOMER_ROLES = frozenset({
    "customer", "customers", "client", "clients", "customer-panel", "customer-advisory-panel",
    "pilot-customers", "key-accounts", "consumers", "patients", "guests", "passengers", "members",
})
EMPLOYEE_ROLES = frozenset({
    "employees", "employee", "staff", "all-staff", "frontline", "front-line", "front-line-staff",
    "frontline-staff", "workforce", "everyone", "all-employees", "colleagues", "agents",
    "pilot-teams", "unit-teams", "teams",
})
DESIGN_KINDS = frozenset({"strategy", "measurement", "process-design", "technology-selection", "org-design",
                          "job-design"})

#: slugify, remembered: role names repeat across thousands of tasks.
slug = lru_cache(maxsize=8192)(slugify)

_WORD = re.compile(r"[a-z0-9]+(?:['’][a-z0-9]+)*")
_POSSESSIVE = re.compile(r"['’]s$")


def words(text: str) -> list[str]:
    """Lower-case words of ``text``; hyphens, dots and underscores separate words.

    >>> words("Exec.mission-statement: World-class")
    ['exec', 'mission', 'statement', 'world', 'class']
    """
    return [_POSSESSIVE.sub("", w) for w in _WORD.findall(text.lower())]


def mentions(text: str, phrases: Iterable[str]) -> bool:
    """True when ``text`` contains one of ``words`` as a whole word or phrase (case-insensitive).

    >>> mentions("Redesign the complaints flow", ["complaint", "complaints"])
    True
    >>> mentions("Reduce costs", ["cost"])
    False
    """
    tokens = " " + " ".join(words(text)) + " "
    for w in phrases:
        phrase = " " + " ".join(words(w)) + " "
        if phrase.strip() and phrase in tokens:
            return True
    return False


class CheckContext:
    """One plan and its schedule (None when the graph cannot be scheduled), with shared helpers."""

    def __init__(self, plan: Plan, schedule=None, settings: Mapping[str, Any] | None = None):
        self.plan = plan
        self.schedule = schedule
        self.settings: Mapping[str, Any] = settings or {}
        self.tasks: list[Task] = list(plan.tasks)
        self.index: dict[str, int] = {t.id: i for i, t in enumerate(self.tasks)}
        self.by_id: dict[str, Task] = {t.id: t for t in self.tasks}
        self._roles_cache: dict[tuple[str, ...], frozenset[str]] = {}
        # progress for the schedule-quality rules (D…): set by run_checks, absent by default
        self.status_date = None
        self.actuals: Mapping[str, Any] = {}
        self.baseline = None

    # ------------------------------------------------------------ kinds
    @cached_property
    def task_kinds(self) -> list:
        """Each task's kind for the rules: its own, or inferred from its words when it is `other`
        (``rollout.checks.kinds.KIND_KEYWORDS``)."""
        from .kinds import kind_of

        return [kind_of(t) for t in self.tasks]

    def kind(self, task: Task) -> str:
        """The kind rules judge ``task`` by (inferred from its name or objective when it is `other`)."""
        return self.task_kinds[self.index[task.id]].kind

    def kind_label(self, task: Task) -> str:
        """``'id' (name)``, with ``; kind inferred from its name`` when the rule relied on an inferred kind."""
        note = self.task_kinds[self.index[task.id]].note
        return f"'{task.id}' ({task.name}; {note})" if note else f"'{task.id}' ({task.name})"

    # ------------------------------------------------------------ graph
    @cached_property
    def preds(self) -> list[list[int]]:
        """Positions of each task's dependencies (unknown ids are left out: S002 reports them)."""
        index = self.index
        return [[index[d.task] for d in t.depends_on if d.task in index] for t in self.tasks]

    @cached_property
    def succs(self) -> list[list[int]]:
        out: list[list[int]] = [[] for _ in self.tasks]
        for i, ps in enumerate(self.preds):
            for j in ps:
                out[j].append(i)
        return out

    @cached_property
    def artefact_preds(self) -> list[list[int]]:
        """For each task, the producers of the artefacts it consumes (globs allowed in consumes)."""
        producers: dict[str, list[int]] = {}
        for i, t in enumerate(self.tasks):
            for name in t.produces:
                producers.setdefault(name, []).append(i)
        out: list[list[int]] = [[] for _ in self.tasks]
        names = list(producers)
        globbed: dict[str, list[str]] = {}
        for i, t in enumerate(self.tasks):
            for pattern in t.consumes:
                if _is_glob(pattern):
                    if pattern not in globbed:
                        globbed[pattern] = fnmatch.filter(names, pattern)
                    matched = globbed[pattern]
                else:
                    matched = [pattern] if pattern in producers else []
                for name in matched:
                    out[i].extend(j for j in producers[name] if j != i)
        return out

    @cached_property
    def flow_preds(self) -> list[list[int]]:
        """Dependencies plus artefact flow: where a task's information can come from."""
        return [ps + aps for ps, aps in zip(self.preds, self.artefact_preds)]

    @cached_property
    def flow_succs(self) -> list[list[int]]:
        out: list[list[int]] = [[] for _ in self.tasks]
        for i, ps in enumerate(self.flow_preds):
            for j in ps:
                out[j].append(i)
        return out

    def reach(self, seeds: Iterable[int], edges: list[list[int]], include_seeds: bool = False) -> set[int]:
        """Positions reachable from ``seeds`` along ``edges`` (one breadth-first walk)."""
        seen: set[int] = set()
        queue: deque[int] = deque()
        for s in seeds:
            if include_seeds:
                if s not in seen:
                    seen.add(s)
                    queue.append(s)
            else:
                queue.append(s)
        out = set(seen)
        while queue:
            i = queue.popleft()
            for k in edges[i]:
                if k not in out:
                    out.add(k)
                    queue.append(k)
        return out

    def downstream(self, where: Callable[[Task], bool], edges: list[list[int]] | None = None) -> set[int]:
        """Tasks that come strictly after some task matching ``where`` (by dependencies by default)."""
        seeds = [i for i, t in enumerate(self.tasks) if where(t)]
        return self.reach(seeds, edges if edges is not None else self.succs)

    def upstream(self, where: Callable[[Task], bool], edges: list[list[int]] | None = None) -> set[int]:
        """Tasks that come strictly before some task matching ``where`` (by dependencies by default)."""
        seeds = [i for i, t in enumerate(self.tasks) if where(t)]
        return self.reach(seeds, edges if edges is not None else self.preds)

    # ------------------------------------------------------------ roles
    @cached_property
    def people(self) -> dict[str, tuple[str, ...]]:
        return {p.id: tuple(slug(r) for r in p.roles) for p in self.plan.people}

    def _roles_of(self, names: tuple[str, ...]) -> frozenset[str]:
        """The role slugs a list of participants stands for (person ids count by their roles)."""
        cache = self._roles_cache
        found = cache.get(names)
        if found is None:
            out: set[str] = set()
            for name in names:
                s = slug(name)
                out.add(s)
                out.update(self.people.get(name, ()))
                out.update(self.people.get(s, ()))
            found = cache[names] = frozenset(out)
        return found

    def _group(self, base: frozenset[str], setting: str) -> frozenset[str]:
        extra = self.settings.get(setting) or ()
        return base | {slug(x) for x in extra}

    @cached_property
    def executive_roles(self) -> frozenset[str]:
        return self._group(EXECUTIVE_ROLES, "extra_executive_roles")

    @cached_property
    def customer_roles(self) -> frozenset[str]:
        return self._group(CUSTOMER_ROLES, "extra_customer_roles")

    @cached_property
    def employee_roles(self) -> frozenset[str]:
        return self._group(EMPLOYEE_ROLES, "extra_employee_roles")

    def involves(self, item: Task | Cadence, group: frozenset[str], audience: bool = False) -> bool:
        """True when a task or cadence has one of ``group`` among its participants (a person id counts
        by the person's roles); with ``audience``, its audience counts too."""
        if not self._roles_of(tuple(item.participants)).isdisjoint(group):
            return True
        return audience and not self._roles_of(tuple(item.audience)).isdisjoint(group)

    def involves_audience(self, item: Task | Cadence, group: frozenset[str]) -> bool:
        """True when one of ``group`` is in the audience of a task or cadence."""
        return not self._roles_of(tuple(item.audience)).isdisjoint(group)

    # ------------------------------------------------------------ time
    @property
    def finish(self) -> int:
        return self.schedule.finish if self.schedule is not None else 0

    def span(self, task: Task) -> tuple[int, int]:
        """Working days a task occupies, half-open; a milestone occupies the day it falls on."""
        st = self.schedule.tasks[task.id]
        if st.end > st.start:
            return st.start, st.end
        day = max(st.start - 1, 0)
        return day, day + 1

    def cadence_days(self, cadence: Cadence) -> list[int]:
        """Working-day indices of a cadence's meetings (a meeting on a day off counts for the next one)."""
        from ..cadence import occurrences
        from ..errors import PlanError

        cal = self.schedule.calendar
        try:
            dates = occurrences(cadence, self.schedule)
        except PlanError:      # from/until names an unknown task: S002 reports it
            return []
        return [cal.index_on_or_after(d) for d in dates]

    def coverage(self, tasks: Iterable[Task], cadences: Iterable[Cadence]) -> list[tuple[int, int, str]]:
        """Half-open working-day intervals covered by these tasks and cadence meetings, with their ids."""
        out = [(*self.span(t), t.id) for t in tasks]
        for c in cadences:
            out.extend((d, d + 1, c.id) for d in self.cadence_days(c))
        out.sort()
        return out

    def gaps(self, intervals: list[tuple[int, int, str]], longer_than: int,
             start: int = 0, end: int | None = None) -> list[tuple[int, int, str | None, str | None]]:
        """Stretches of more than ``longer_than`` working days in [start, end) that no interval covers,
        each with the ids of the items just before and just after it (None at the edges)."""
        end = self.finish if end is None else end
        out = []
        cursor, before = start, None
        for s, e, ident in intervals:
            if s >= end:
                break
            if s - cursor > longer_than:
                out.append((cursor, s, before, ident))
            if e > cursor:
                cursor, before = e, ident
        if end - cursor > longer_than:
            out.append((cursor, end, before, None))
        return out

    def date(self, index: int):
        return self.schedule.calendar.date(index)

    # ------------------------------------------------------------ text
    def label(self, task_id: str) -> str:
        t = self.by_id.get(task_id)
        return f"'{task_id}'" if t is None else f"'{task_id}' ({t.name})"


def _is_glob(pattern: str) -> bool:
    return any(ch in pattern for ch in "*?[")
