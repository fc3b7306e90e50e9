"""What a task is when its `kind` does not say: one keyword table, read by every rule that reads kinds.

Plans are often untagged ("Choose the CRM vendor" with no kind); the rules judge them by their words.
"""

from __future__ import annotations

from typing import NamedTuple

from ..model import KINDS, Task
from .context import words

__all__ = ["KIND_KEYWORDS", "TaskKind", "infer_kind", "kind_of"]

#: How a task's kind is inferred when it is missing or `other`. Each kind has one or more patterns;
#: a pattern is a tuple of word groups and matches a text that contains a word (or phrase) of every
#: group. The kinds are tried in this order and the first that matches the task's name wins; when
#: none matches the name, the same is tried on its objective. No match leaves the kind `other`.
KIND_KEYWORDS: dict[str, tuple[tuple[tuple[str, ...], ...], ...]] = {
    "decision": (
        (("decide", "decides", "decision", "decisions", "approve", "approves", "approval", "sign off",
          "signs off", "sign-off", "signoff", "go/no-go", "go or wait"),),
    ),
    "technology-selection": (
        (("select", "selects", "selection", "choose", "chooses", "pick", "picks", "procure", "procurement",
          "buy", "shortlist", "tender", "rfp"),
         ("crm", "erp", "vendor", "vendors", "system", "systems", "platform", "tool", "tools", "software",
          "technology", "application", "suite")),
    ),
    "org-design": (
        (("reorganise", "reorganize", "reorganisation", "reorganization", "restructure", "restructuring"),),
        (("design", "redesign", "redraw", "reshape"),
         ("organisation", "organization", "org chart", "org structure", "structure", "operating model")),
    ),
    "job-design": (
        (("design", "redesign", "rewrite", "write", "define", "redefine"),
         ("job", "jobs", "role", "roles", "job profiles", "job descriptions")),
    ),
    "process-design": (
        (("design", "redesign", "redesigns", "map", "mapping", "re-engineer", "reengineer", "streamline"),
         ("process", "processes", "workflow", "workflows", "procedure", "procedures", "flow")),
    ),
    "training": (
        (("train", "trains", "retrain", "upskill", "upskilling"),),
        (("training", "coaching", "course", "courses", "e-learning"),
         ("staff", "employees", "employee", "team", "teams", "agents", "frontline", "front-line", "people",
          "managers", "colleagues", "advisers", "advisors", "centre", "center", "workforce", "branches")),
    ),
    "communication": (
        (("briefing", "briefings", "announcement", "announce", "announces", "newsletter", "town hall",
          "all-hands", "roadshow"),),
        (("brief", "briefs", "tell", "tells", "inform", "informs", "update", "updates", "share", "shares",
          "explain", "explains"),
         ("staff", "employees", "employee", "team", "teams", "everyone", "managers", "colleagues",
          "workforce", "people", "frontline", "front-line", "customers", "customer")),
    ),
    "analysis": (
        (("analyse", "analyze", "analysis", "analyses", "synthesise", "synthesize", "synthesis", "summarise",
          "summarize", "evaluate", "evaluation", "assess", "assessment", "diagnose", "root cause"),),
    ),
    "data-collection": (
        (("survey", "surveys", "interview", "interviews", "questionnaire", "focus group", "focus groups",
          "collect", "gather", "mystery shopping"),),
    ),
    "measurement": (
        (("scorecard", "kpi", "kpis", "metrics"),),
    ),
    "strategy": (
        (("strategy", "mission", "vision", "value proposition"),),
    ),
    "planning": (
        (("plan", "planning", "charter", "roadmap"),),
    ),
    "rollout": (
        (("go live", "go-live", "goes live", "golive", "cutover", "cut over", "roll out", "rolls out"),),
    ),
}


class TaskKind(NamedTuple):
    """A task's kind for the rules, and where it was inferred from (None: the task's own `kind`)."""

    kind: str
    inferred_from: str | None = None     # "name" or "objective"

    @property
    def note(self) -> str:
        """What a finding says about an inferred kind: ``kind inferred from its name``."""
        return f"kind inferred from its {self.inferred_from}" if self.inferred_from else ""


def _phrase(text: str) -> str:
    return " " + " ".join(words(text)) + " "


def _group(alternatives: tuple[str, ...]) -> tuple[frozenset[str], tuple[str, ...]]:
    """One word group, split into single words (a set lookup) and phrases (a substring search)."""
    singles = {w for a in alternatives if len(ws := words(a)) == 1 for w in ws}
    phrases = tuple(_phrase(a) for a in alternatives if len(words(a)) > 1)
    return frozenset(singles), phrases


_PATTERNS = tuple(
    (kind, tuple(tuple(_group(group) for group in pattern) for pattern in patterns))
    for kind, patterns in KIND_KEYWORDS.items()
)


def infer_kind(text: str) -> str | None:
    """The first kind of KIND_KEYWORDS whose pattern matches ``text``, or None.

    >>> infer_kind("Choose the CRM vendor")
    'technology-selection'
    >>> infer_kind("Brief the Retail teams on what changes")
    'communication'
    >>> infer_kind("Stabilise the floor") is None
    True
    """
    found = words(text)
    if not found:
        return None
    tokens, joined = frozenset(found), " " + " ".join(found) + " "
    for kind, patterns in _PATTERNS:
        for pattern in patterns:
            if all(not singles.isdisjoint(tokens) or any(p in joined for p in phrases)
                   for singles, phrases in pattern):
                return kind
    return None


_OWN = {k: TaskKind(k) for k in KINDS}


def kind_of(task: Task) -> TaskKind:
    """The task's own kind, or when it is `other` (the default) the kind its name, then its objective,
    speaks of."""
    if task.kind != "other":
        own = _OWN.get(task.kind)
        return own if own is not None else TaskKind(task.kind)
    found = infer_kind(task.name)
    if found:
        return TaskKind(found, "name")
    found = infer_kind(task.objective) if task.objective else None
    return TaskKind(found, "objective") if found else TaskKind("other")
