"""Plan files and templates to an expanded ``model.Plan``: parameters, for_each, includes, overrides.

Every problem found is collected with its file:line and raised together as one PlanError, so a user
fixes a file in one pass rather than one error per run.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import fnmatch
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from . import model
from .errors import PlanError, Problem
from .loader import YamlDoc, load_yaml
from .model import (DEPENDENCY_TYPES, ELEMENTS, IMPACT_LEVELS, KINDS, MEASURE_KINDS, PHASES, Audience, CalendarSpec,
                    Cadence, Dependency, Estimate, JiraConfig, Measure, Person, Plan, ResourcePool, Risk, RiskEffect,
                    Scheduling, Task, Workstream)
from .limits import Limits, exceeded, read_limits
from .templating import RenderError, TooManyCopies, for_each_contexts, render, to_text, truthy
from .util import Candidates, clip, did_you_mean, no_gc, slugify, suggestion

__all__ = [
    "MAX_DURATION_DAYS", "Parameter", "TemplateInfo", "expand_text", "find_template", "list_templates",
    "load_plan", "parse_duration", "parse_impact", "parse_seconds", "read_template",
]

MAX_DURATION_DAYS = 5000            # about twenty working years: anything longer is a typo

PLAN_KEYS = ("plan", "title", "description", "start", "calendar", "uses", "people", "tasks", "remove", "mission",
             "measures", "risks", "risk", "checks", "jira", "workstreams", "cadences", "limits", "resources",
             "audiences", "scheduling")
TEMPLATE_KEYS = ("template", "title", "description", "parameters", "workstreams", "cadences", "includes",
                 "resources", "audiences")
TASK_KEYS = ("id", "name", "kind", "phase", "objective", "description", "element", "duration", "estimate",
             "depends_on", "participants", "audience", "owner", "produces", "consumes", "start_no_earlier_than",
             "deadline", "tags", "resources", "impact", "for_each", "when", "workstream")
_TASK_KEY_SET = frozenset(TASK_KEYS)
#: a plan's tasks: entries may also add to a template task's predecessors
PLAN_TASK_KEYS = TASK_KEYS + ("depends_on+",)
_DEP_KEY_SET = frozenset(("task", "type", "lag", "optional"))
WORKSTREAM_KEYS = ("id", "name", "description", "tasks")
CADENCE_KEYS = ("id", "name", "every", "kind", "participants", "audience", "owner", "from", "until", "for_each",
                "when", "description", "impact", "at", "length", "timezone", "on_holiday")
PARAM_KEYS = ("type", "default", "required", "description", "choices")
PARAM_TYPES = ("str", "int", "float", "bool", "list", "date", "duration")
DEP_KEYS = ("task", "type", "lag", "optional")
ESTIMATE_KEYS = ("optimistic", "likely", "pessimistic")
CALENDAR_KEYS = ("country", "subdiv", "workdays", "holidays", "timezone")
PERSON_KEYS = ("id", "name", "email", "roles", "capacity", "calendar", "leave")
POOL_KEYS = ("id", "name", "units", "calendar", "description")
AUDIENCE_KEYS = ("id", "name", "headcount", "tolerance", "description")
SCHEDULING_KEYS = ("level",)
LEVEL_KEYS = ("audiences", "method", "seed", "time_limit", "schedules")
LEVEL_METHODS = ("heuristic", "optimal")
MEASURE_KEYS = ("name", "kind", "owner", "baseline", "target")
RISK_KEYS = ("id", "title", "probability", "impact", "owner", "mitigation", "effect", "post_mitigation")
EFFECT_KEYS = ("tasks", "delay", "factor")
POST_MITIGATION_KEYS = ("probability", "delay", "factor")
RISK_SETTINGS_KEYS = ("estimates",)
USE_KEYS = ("template", "with")
CHECKS_KEYS = ("select", "ignore", "severity", "settings")
JIRA_KEYS = ("project", "issue_type", "epic_issue_type", "milestone_issue_type", "epic_per", "link_type",
             "link_types", "start_date_field", "labels")
JIRA_LINKED_DEPENDENCIES = ("SS", "FF", "SF")     # jira.link_types keys; FS is always jira.link_type
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Fields whose substituted values are slugified: they hold ids, not prose.
SLUG_FIELDS = frozenset(("id", "depends_on", "produces", "consumes", "owner", "from", "until", "workstream"))

_ID = re.compile(r"[a-z0-9][a-z0-9-]*\Z")
_PLAN_ID = re.compile(r"[a-z0-9][a-z0-9-]*\Z")
_DURATION = re.compile(r"\s*([+-]?\d+(?:\.\d+)?)\s*([dw]?)\s*\Z", re.I)
_GLOB = re.compile(r"[*?\[]")
#: a tag: a plain label or key:value, without spaces or commas (Jira labels take neither)
_TAG = re.compile(r"[^\s,:]+(?::[^\s,]+)?\Z")
#: for_each variables (or the parameters they iterate) whose items tag what they generate
_LOOP_TAGS = {"unit": "unit", "units": "unit", "business_units": "unit", "segment": "segment",
              "segments": "segment"}


# ------------------------------------------------------------------------------------------ templates

@dataclass(frozen=True)
class Parameter:
    name: str
    type: str
    default: Any = None         # may be a placeholder of an earlier parameter: "{{ business_units | first }}"
    required: bool = False
    description: str = ""
    choices: Any = None         # a list, or the name of a list parameter the value must be one of


@dataclass
class TemplateInfo:
    """A template file, read and its header checked (name, title, parameters)."""

    name: str
    title: str
    description: str
    path: Path
    doc: YamlDoc
    parameters: dict[str, Parameter]
    provider: str = "builtin"


def read_template(path: Path, provider: str = "path", display: str | None = None) -> TemplateInfo:
    shown = display or _display(path)
    try:
        doc = load_yaml(path, shown)
    except PlanError as exc:
        _refuse_non_template(path, shown, exc)
        raise
    probs = _Problems()
    data = doc.data
    if not isinstance(data, dict) or "template" not in data:
        raise PlanError(_NOT_A_TEMPLATE.format(shown))
    probs.keys(doc, (), data, TEMPLATE_KEYS, "template")
    name = data.get("template")
    if not isinstance(name, str) or not _ID.match(name or ""):
        probs.add(doc, ("template",), "'template:' must name the template (lower-case letters, digits, -)")
        name = path.stem
    params: dict[str, Parameter] = {}
    raw_params = data.get("parameters") or {}
    if not isinstance(raw_params, dict):
        probs.add(doc, ("parameters",), "'parameters:' must be a mapping of name to {type, default}")
        raw_params = {}
    for pname, spec in raw_params.items():
        where = ("parameters", pname)
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", pname):
            probs.add(doc, where, f"parameter name {pname!r} must be letters, digits and _")
            continue
        if spec is None:
            spec = {}
        if not isinstance(spec, dict):
            probs.add(doc, where, "a parameter is {type: ..., default: ..., description: ...}")
            continue
        probs.keys(doc, where, spec, PARAM_KEYS, "parameter")
        ptype = spec.get("type") or ("list" if isinstance(spec.get("default"), list) else "str")
        if ptype not in PARAM_TYPES:
            probs.add(doc, where + ("type",), f"unknown parameter type {ptype!r}{_suggest(ptype, PARAM_TYPES)}"
                      f"; expected one of {', '.join(PARAM_TYPES)}")
            continue
        required = spec.get("required")
        required = truthy(required) if required is not None else "default" not in spec
        params[pname] = Parameter(pname, ptype, spec.get("default"), required, spec.get("description") or "",
                                  spec.get("choices"))
    probs.raise_if_any()
    return TemplateInfo(name, data.get("title") or name, data.get("description") or "", path, doc, params,
                        provider)


def list_templates() -> list[TemplateInfo]:
    """Every template found (built-in, plugins, $ROLLOUT_TEMPLATE_PATH); the first of a name wins."""
    from .plugins import template_paths

    seen: dict[str, TemplateInfo] = {}
    for provider, path in template_paths():
        info = read_template(path, provider)
        seen.setdefault(info.name, info)
    return list(seen.values())


def find_template(ref: str, base_dir: Path | None = None, confined: bool = False) -> TemplateInfo:
    """A template by name (built-in or plugin) or by path (relative to ``base_dir``).

    ``confined`` (a template's ``includes:``): a path must stay inside ``base_dir``, the including
    template's own folder; a plan (the user's own file) may name any path.
    """
    if ref.endswith((".yaml", ".yml")) or "/" in ref or "\\" in ref:
        path = Path(ref)
        if confined and base_dir is not None:
            path = _confined(ref, base_dir)
        elif not path.is_absolute() and base_dir is not None:
            path = base_dir / path
        _template_file(path, ref)
        return read_template(path, "path")
    from .plugins import template_paths

    candidates = template_paths()
    for provider, path in candidates:           # file name = template name: the common case, cheap
        if path.stem == ref:
            info = read_template(path, provider)
            if info.name == ref:
                return info
    for info in list_templates():
        if info.name == ref:
            return info
    names = sorted({p.stem for _, p in candidates})
    raise PlanError(f"unknown template '{clip(ref)}'{_suggest(ref, names)}; "
                    f"known: {', '.join(names) or 'none'} (see `rollout templates`)")


_NOT_A_TEMPLATE = "{} is not a template: it has no 'template:' key (nothing from the file is shown)"


def _confined(ref: str, folder: Path) -> Path:
    """A template's include path, refused unless it stays inside the template's own folder tree."""
    rel = Path(ref)
    refused = (f"a template may include only files inside its own folder ({_display(folder)}) or other "
               f"templates by name; '{clip(ref)}' is outside it")
    if rel.is_absolute() or rel.drive or ".." in rel.parts or "\\" in ref:
        raise PlanError(refused)
    path = folder / rel
    try:
        inside = path.resolve().is_relative_to(folder.resolve())
    except (OSError, RuntimeError):        # a symlink loop
        inside = False
    if not inside:                          # a symlink that leads out of the folder
        raise PlanError(refused)
    return path


def _template_file(path: Path, ref: str) -> None:
    """A template must be a regular file: not a folder, a FIFO (which would hang), a device or a socket."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise PlanError(f"template file not found: {clip(ref)}") from None
    except OSError as exc:
        raise PlanError(f"cannot read template file {clip(ref)}: {exc.strerror or exc}") from None
    if stat.S_ISDIR(mode):
        raise PlanError(f"template {clip(ref)} is a folder, not a template file")
    if not stat.S_ISREG(mode):
        raise PlanError(f"template {clip(ref)} is not a regular file (a FIFO, device or socket?)")


def _refuse_non_template(path: Path, shown: str, exc: PlanError) -> None:
    """A file that fails to load is reported in detail only if it says it is a template: the loader's
    words could quote a stranger's file (a key name, a line) that was never meant to be one."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(1 << 20)
    except OSError:
        head = b""
    if not re.search(rb"^template[ \t]*:", head, re.M):
        raise PlanError(_NOT_A_TEMPLATE.format(shown)) from None


# ------------------------------------------------------------------------------------------ problems

class _Problems:
    def __init__(self):
        self.items: list[Problem] = []

    def add(self, doc: YamlDoc | None, docpath: tuple, message: str) -> None:
        self.items.append(doc.problem(docpath, message) if doc is not None else Problem(message))

    def refer(self, exc: PlanError, doc: YamlDoc, docpath: tuple) -> None:
        """A template could not be used: problems inside its file keep their own file:line; a
        template that cannot be found is reported where it is named."""
        for problem in exc.problems:
            if problem.path:
                self.items.append(problem)
            else:
                self.add(doc, docpath, problem.message)

    def keys(self, doc: YamlDoc, docpath: tuple, mapping: dict, allowed: Iterable[str], what: str) -> None:
        allowed = tuple(allowed)
        for key in mapping:
            if key not in allowed:
                self.add(doc, docpath + (key,), f"unknown key '{key}' in {what}{_suggest(key, allowed)}")

    def raise_if_any(self) -> None:
        if self.items:
            raise PlanError(problems=_dedupe(self.items))


def _dedupe(items: list[Problem]) -> list[Problem]:
    seen, out = set(), []
    for p in items:
        key = (p.path, p.line, p.col, p.message)
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out


def _suggest(word: str, options: Iterable[str] | Candidates) -> str:
    return suggestion(word, options)


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


# ------------------------------------------------------------------------------------------ values

def parse_duration(value: Any, workdays_per_week: int, allow_negative: bool = False) -> int:
    """``5d`` → 5, ``2w`` → 2 × workdays per week, ``0`` → 0 (working days).

    >>> parse_duration("2w", 5), parse_duration("3d", 5), parse_duration("0", 5), parse_duration(4, 5)
    (10, 3, 0, 4)
    """
    if isinstance(value, bool) or value is None:
        raise ValueError("expected a duration like 5d or 2w")
    m = _DURATION.match(str(value))
    if not m:
        raise ValueError(f"expected a duration like 5d or 2w, found {value!r}")
    number, unit = float(m.group(1)), (m.group(2) or "d").lower()
    days = number * (workdays_per_week if unit == "w" else 1)
    if days != int(days):
        raise ValueError(f"{value!r} is not a whole number of working days")
    days = int(days)
    if days < 0 and not allow_negative:
        raise ValueError(f"a duration cannot be negative ({value!r})")
    if abs(days) > MAX_DURATION_DAYS:
        raise ValueError(f"{value!r} is {abs(days):,} working days; the limit is {MAX_DURATION_DAYS:,}")
    return days


def parse_date(value: Any) -> _dt.date:
    if isinstance(value, _dt.date):
        return value
    text = str(value).strip() if value is not None else ""
    try:
        return _dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"expected a date like 2027-01-11, found {text!r}") from None


def _coerce_param(p: Parameter, value: Any, workdays_per_week: int) -> Any:
    if p.type == "list":
        if value is None:
            return []
        if isinstance(value, (str, bool)):
            return [v.strip() for v in _plain_text(value).split(",") if v.strip()]
        if isinstance(value, list) and all(isinstance(v, (str, bool)) or v is None for v in value):
            return [_plain_text(v) for v in value if v is not None]
        raise ValueError(f"expected a list of plain values, found {value!r}")
    if isinstance(value, (list, dict)):
        raise ValueError(f"expected a {p.type}, found a {'list' if isinstance(value, list) else 'mapping'}")
    if p.type == "str":
        return "" if value is None else _plain_text(value)
    if p.type == "int":
        try:
            return int(str(value))
        except ValueError:
            raise ValueError(f"expected a whole number, found {value!r}") from None
    if p.type == "float":
        try:
            return float(str(value))
        except ValueError:
            raise ValueError(f"expected a number, found {value!r}") from None
    if p.type == "bool":
        try:
            return truthy(value)
        except RenderError:
            raise ValueError(f"expected true or false, found {value!r}") from None
    if p.type == "date":
        return parse_date(value)
    if p.type == "duration":
        parse_duration(value, workdays_per_week)
        return str(value)
    raise ValueError(f"unknown type {p.type}")  # pragma: no cover - types are checked on read


def _plain_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# ------------------------------------------------------------------------------------------ expansion

@dataclass
class _Raw:
    """A task before typing: rendered fields and where each came from."""

    id: str
    workstream: str
    fields: dict[str, Any]
    doc: YamlDoc
    docpath: tuple
    field_src: dict[str, tuple[YamlDoc, tuple]] = field(default_factory=dict)
    override: tuple[YamlDoc, tuple] | None = None     # the plan entry that changed this task, if any
    loop_tags: tuple[str, ...] = ()                   # unit:/segment: tags from the for_each that made it
    #: ``depends_on+`` entries of plan overrides: (value, doc, docpath of the key)
    added_deps: list[tuple[Any, YamlDoc, tuple]] = field(default_factory=list)
    #: predecessors a plan's ``depends_on:`` replaced: (old value, where the replacement is)
    replaced_deps: list[tuple[Any, YamlDoc, tuple]] = field(default_factory=list)

    def where(self, key: str | None = None) -> tuple[YamlDoc, tuple]:
        if key is not None and key in self.field_src:
            return self.field_src[key]
        return self.doc, self.docpath + ((key,) if key is not None and key in self.fields else ())


class _Expander:
    def __init__(self, workdays_per_week: int):
        self.wpw = workdays_per_week
        self.p = _Problems()
        self.tasks: dict[str, _Raw] = {}
        self.cadences: dict[str, tuple[dict, YamlDoc, tuple]] = {}
        self.workstreams: dict[str, Workstream] = {}
        self.limits = Limits()
        self.template_uses = 0
        #: ``resources:`` pools and ``audiences:`` of templates and the plan, by id: (fields, doc, where);
        #: a later file's entry changes the fields it gives (the plan's come last)
        self.pools: dict[Any, tuple[dict, YamlDoc, tuple]] = {}
        self.audiences: dict[Any, tuple[dict, YamlDoc, tuple]] = {}

    def task_candidates(self) -> Candidates:
        """The task ids indexed for did-you-mean (rebuilt only when tasks were added since)."""
        cached = getattr(self, "_candidates", None)
        if cached is None or cached[0] != len(self.tasks):
            cached = self._candidates = (len(self.tasks), Candidates(self.tasks))
        return cached[1]

    def over_limit(self, doc: YamlDoc, where: tuple, key: str, count: int | None = None, detail: str = ""):
        """A ceiling of SPEC limits is reached: stop the expansion at once with one message."""
        return PlanError(problems=[doc.problem(where, exceeded(self.limits, key, count, detail))])

    # -- templates
    def add_template(self, info: TemplateInfo, values: dict[str, Any], use_doc: YamlDoc, use_path: tuple,
                     stack: tuple[str, ...]) -> None:
        if str(info.path.resolve()) in stack:
            chain = " → ".join([Path(s).stem for s in stack] + [info.name])
            self.p.add(use_doc, use_path, f"templates include each other in a loop: {chain}")
            return
        self._count_use(use_doc, use_path, stack)
        stack = stack + (str(info.path.resolve()),)
        ctx: dict[str, Any] = {}
        before = len(self.p.items)
        for key in values:
            if key not in info.parameters:
                self.p.add(use_doc, use_path + ("with", key),
                           f"template '{info.name}' has no parameter '{key}'{_suggest(key, info.parameters)}")
        for name, param in info.parameters.items():
            if name in values:
                raw, where_doc, where = values[name], use_doc, use_path + ("with", name)
            elif param.default is not None or not param.required:
                raw, where_doc, where = param.default, info.doc, ("parameters", name, "default")
            else:
                self.p.add(use_doc, use_path, f"template '{info.name}' needs parameter '{name}'"
                           + (f" ({param.description})" if param.description else ""))
                continue
            try:
                if where_doc is info.doc and isinstance(raw, str) and "{{" in raw:
                    raw = render(raw, ctx)      # a default taken from earlier parameters
                value = ctx[name] = _coerce_param(param, raw, self.wpw)
            except (ValueError, RenderError) as exc:
                self.p.add(where_doc, where, f"parameter '{name}': {exc}")
                continue
            allowed = ctx.get(param.choices) if isinstance(param.choices, str) else param.choices
            if isinstance(allowed, list) and value not in allowed:
                self.p.add(where_doc, where, f"parameter '{name}': {value!r} is not one of "
                           f"{', '.join(map(str, allowed))}{_suggest(str(value), map(str, allowed))}")
        if len(self.p.items) > before:
            return          # with parameters wrong, the body would only repeat the same problem
        data = info.doc.data
        for k, inc in enumerate(data.get("includes") or []):
            where = ("includes", k)
            if not isinstance(inc, dict) or not isinstance(inc.get("template"), str):
                self.p.add(info.doc, where, "an include is {template: name, with: {...}}")
                continue
            self.p.keys(info.doc, where, inc, USE_KEYS, "include")
            try:
                child = find_template(inc["template"], info.path.parent, confined=True)
            except PlanError as exc:
                self.p.refer(exc, info.doc, where + ("template",))
                continue
            child_values = {n: ctx[n] for n in child.parameters if n in ctx}
            given = inc.get("with") or {}
            if not isinstance(given, dict):
                self.p.add(info.doc, where + ("with",), "'with:' must be a mapping of parameter values")
                given = {}
            try:
                child_values.update(render(given, ctx))
            except RenderError as exc:
                self.p.add(info.doc, where + ("with",), str(exc))
            self.add_template(child, child_values, info.doc, where, stack)
        self.add_body(info.doc, ctx, info.name)

    def _count_use(self, doc: YamlDoc, where: tuple, stack: tuple[str, ...]) -> None:
        self.template_uses += 1
        if len(stack) >= self.limits.include_depth:
            names = [Path(s).stem for s in stack]
            chain = " → ".join(names if len(names) <= 4 else names[:2] + ["…"] + names[-2:])
            raise self.over_limit(doc, where, "include_depth", detail=f" ({chain})")
        if self.template_uses > self.limits.includes:
            raise self.over_limit(doc, where, "includes")

    # -- workstreams, tasks and cadences of one file
    def add_body(self, doc: YamlDoc, ctx: dict[str, Any], template: str | None) -> None:
        data = doc.data
        # no placeholders anywhere in the file: nothing to render (the 100k-task plan's fast path)
        plain = not ctx and "{{" not in doc.text
        workstreams = data.get("workstreams") or []
        if not isinstance(workstreams, list):
            self.p.add(doc, ("workstreams",), "'workstreams:' must be a list")
            workstreams = []
        for wi, ws in enumerate(workstreams):
            where = ("workstreams", wi)
            if not isinstance(ws, dict):
                self.p.add(doc, where, "a workstream is {id, name, tasks: [...]}")
                continue
            self.p.keys(doc, where, ws, WORKSTREAM_KEYS, "workstream")
            ws_id = ws.get("id")
            if not isinstance(ws_id, str) or not _ID.match(ws_id):
                self.p.add(doc, where + ("id",), f"workstream id {ws_id!r} must be lower-case letters, digits and -")
                continue
            if ws_id not in self.workstreams:
                self.workstreams[ws_id] = Workstream(ws_id, str(ws.get("name") or ws_id), template)
            tasks = ws.get("tasks") or []
            if not isinstance(tasks, list):
                self.p.add(doc, where + ("tasks",), "'tasks:' must be a list")
                continue
            for ti, task in enumerate(tasks):
                self.add_task(doc, where + ("tasks", ti), task, ctx, ws_id, plain)
        for key, store, keys, what in (("resources", self.pools, POOL_KEYS, "resource pool"),
                                       ("audiences", self.audiences, AUDIENCE_KEYS, "audience")):
            entries = data.get(key) or []
            if not isinstance(entries, list):
                self.p.add(doc, (key,), f"'{key}:' must be a list of {{id, name, ...}}")
                continue
            for k, entry in enumerate(entries):
                where = (key, k)
                if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
                    self.p.add(doc, where, f"a {what} is {{{', '.join(keys[:-1])}}} with a text id")
                    continue
                self.p.keys(doc, where, entry, keys + ("for_each", "when"), what)
                for fields, _ in self._instances(doc, where, entry, ctx, plain):
                    fields = dict(fields)
                    if fields["id"] in store:
                        old, _, _ = store[fields["id"]]
                        fields = {**old, **fields}
                    store[fields["id"]] = (fields, doc, where)
        cadences = data.get("cadences") or []
        if not isinstance(cadences, list):
            self.p.add(doc, ("cadences",), "'cadences:' must be a list")
            cadences = []
        for ci, cad in enumerate(cadences):
            where = ("cadences", ci)
            if not isinstance(cad, dict):
                self.p.add(doc, where, "a cadence is {id, name, every, participants, ...}")
                continue
            self.p.keys(doc, where, cad, CADENCE_KEYS, "cadence")
            for fields, _ in self._instances(doc, where, cad, ctx, plain):
                cid = fields.get("id")
                if not isinstance(cid, str) or not _ID.match(cid):
                    self.p.add(doc, where + ("id",), f"cadence id {cid!r} must be lower-case letters, digits and -")
                elif cid in self.cadences:
                    self.p.add(doc, where + ("id",), f"duplicate cadence id '{cid}'")
                else:
                    self.cadences[cid] = (fields, doc, where)

    def _instances(self, doc, where, raw: dict, ctx, plain: bool) -> Iterable[dict]:
        """The rendered copies of a task or cadence: one per for_each combination that passes ``when``."""
        if plain and "for_each" not in raw and "when" not in raw:
            yield raw, ctx
            return
        spec = raw.get("for_each")
        if spec is not None and not isinstance(spec, dict):
            self.p.add(doc, where + ("for_each",), "for_each is a mapping {variable: parameter or [list]}")
            return
        try:
            room = max(self.limits.tasks - len(self.tasks), 0)
            contexts = list(for_each_contexts(spec, ctx, room)) if spec else [ctx]
        except TooManyCopies as exc:
            raise self.over_limit(doc, where + ("for_each",), "tasks", len(self.tasks) + exc.count,
                                  f" ({exc})") from None
        except RenderError as exc:
            self.p.add(doc, where + ("for_each",), str(exc))
            return
        for local in contexts:
            try:
                if "when" in raw and not truthy(render(raw["when"], local)):
                    continue
                yield {k: _render_resources(v, local) if k == "resources" else
                       render(v, local, slug=k in SLUG_FIELDS) for k, v in raw.items()
                       if k not in ("for_each", "when")}, local
            except RenderError as exc:
                key = next((k for k, v in raw.items() if _renders_badly(v, local, k)), None)
                self.p.add(doc, where + ((key,) if key else ()), str(exc))
                return

    def add_task(self, doc: YamlDoc, where: tuple, raw: Any, ctx: dict, ws_id: str, plain: bool) -> None:
        if not isinstance(raw, dict):
            self.p.add(doc, where, "a task is a mapping {id, name, duration, ...}")
            return
        if not _TASK_KEY_SET.issuperset(raw):
            self.p.keys(doc, where, raw, TASK_KEYS, "task")
        spec = raw.get("for_each")
        instances = ((raw, ctx),) if plain and spec is None and "when" not in raw else \
            self._instances(doc, where, raw, ctx, plain)
        for fields, loop_ctx in instances:
            local = fields.get("id")
            if not isinstance(local, str) or not _ID.match(local):
                self.p.add(doc, where + ("id",), f"task id {local!r} must be lower-case letters, digits and - "
                           "(no dots: the full id is <workstream>.<task>)")
                continue
            full = f"{ws_id}.{local}"
            if full in self.tasks:
                first = self.tasks[full]
                line, _ = first.doc.locate(first.docpath)
                self.p.add(doc, where + ("id",), f"duplicate task id '{full}' (first defined at "
                           f"{first.doc.path}:{line})")
                continue
            if len(self.tasks) >= self.limits.tasks:
                raise self.over_limit(doc, where, "tasks")
            self.tasks[full] = _Raw(full, ws_id, fields, doc, where, loop_tags=_loop_tags(spec, loop_ctx))

    def _override(self, target: _Raw, fields: dict, doc: YamlDoc, where: tuple) -> None:
        """A plan entry changes a task: the fields it gives replace the task's; ``depends_on+`` adds to
        its predecessors; a ``depends_on`` replacement remembers what it replaced (reported as info)."""
        target.override = (doc, where)
        if "duration" in fields and "estimate" not in fields:
            target.fields.pop("estimate", None)   # a new duration outdates the old estimate
        for key, value in fields.items():
            if key in ("id", "workstream"):
                continue
            if key == "depends_on+":
                target.added_deps.append((value, doc, where + (key,)))
                continue
            if key == "depends_on":
                old = target.fields.get("depends_on")
                if old is not None:
                    target.replaced_deps.append((old, doc, where + (key,)))
                target.added_deps.clear()          # a replacement replaces what earlier entries added too
            target.fields[key] = value
            target.field_src[key] = (doc, where + (key,))

    # -- the plan's own tasks: overrides of template tasks, or new tasks
    def apply_plan_tasks(self, doc: YamlDoc, entries: Any) -> None:
        if entries is None:
            return
        if not isinstance(entries, list):
            self.p.add(doc, ("tasks",), "'tasks:' must be a list")
            return
        for k, raw in enumerate(entries):
            where = ("tasks", k)
            if not isinstance(raw, dict):
                self.p.add(doc, where, "a task is a mapping {id, ...}")
                continue
            self.p.keys(doc, where, raw, PLAN_TASK_KEYS, "task")
            spec = raw.get("for_each")
            for fields, local in self._instances(doc, where, raw, {}, "{{" not in doc.text):
                tid, ws_id = fields.get("id"), fields.get("workstream")
                if not isinstance(tid, str):
                    self.p.add(doc, where + ("id",), "a plan task needs an id (<workstream>.<task>)")
                    continue
                if ws_id is None and (tid in self.tasks or _GLOB.search(tid)):
                    targets = [tid] if tid in self.tasks else fnmatch.filter(list(self.tasks), tid)
                    if not targets:
                        ws, _, rest = tid.partition(".")
                        near = did_you_mean(ws, list(self.workstreams))
                        hint = f" (did you mean '{near}.{rest}'?)" if near and not _GLOB.search(ws) else ""
                        self.p.add(doc, where + ("id",), f"no task matches '{tid}'{hint}; an override glob "
                                   "must match at least one task")
                    for target_id in targets:
                        self._override(self.tasks[target_id], fields, doc, where)
                    continue
                added = fields.pop("depends_on+", None)
                if ws_id is None:
                    if "." not in tid:
                        hint = _suggest(tid, [t.split(".", 1)[1] for t in self.tasks])
                        self.p.add(doc, where + ("id",), f"task '{tid}': give the full id <workstream>.<task> "
                                   f"or a 'workstream:' key{hint}")
                        continue
                    ws_id, tid = tid.split(".", 1)
                elif tid.startswith(f"{ws_id}."):
                    tid = tid[len(ws_id) + 1:]
                if not isinstance(ws_id, str) or not _ID.match(ws_id) or not _ID.match(tid):
                    self.p.add(doc, where + ("id",), f"task id {fields.get('id')!r} must be <workstream>.<task> "
                               "in lower-case letters, digits and -")
                    continue
                full = f"{ws_id}.{tid}"
                if full in self.tasks:
                    self.p.add(doc, where + ("id",), f"duplicate task id '{full}'")
                    continue
                if "name" not in fields:
                    # without a name this reads as a change to an existing task: most likely a typo
                    hint = _suggest(full, self.task_candidates())
                    self.p.add(doc, where + ("id",), f"no task '{full}' to change{hint}; to add a new task, "
                               "give it a name")
                    continue
                self.workstreams.setdefault(ws_id, Workstream(ws_id, ws_id.replace("-", " ").capitalize()))
                fields = {k: v for k, v in fields.items() if k != "workstream"}
                fields["id"] = tid
                new = self.tasks[full] = _Raw(full, ws_id, fields, doc, where, loop_tags=_loop_tags(spec, local))
                if added is not None:
                    new.added_deps.append((added, doc, where + ("depends_on+",)))


def _loop_tags(spec: Any, local: dict[str, Any]) -> tuple[str, ...]:
    """``unit:<slug>`` / ``segment:<slug>`` for each for_each variable over business units or segments
    (named unit/segment, or iterating business_units/units/segments)."""
    if not isinstance(spec, dict):
        return ()
    out = []
    for var, source in spec.items():
        key = _LOOP_TAGS.get(str(var)) or (_LOOP_TAGS.get(source.strip()) if isinstance(source, str) else None)
        if key and var in local:
            slug = slugify(to_text(local[var]))
            if slug:
                out.append(f"{key}:{slug}")
    return tuple(out)


def _render_resources(value: Any, ctx: dict) -> Any:
    """``resources:`` of a task: its names (the keys) are ids, rendered and slugified (``{{ unit }}-lead``)."""
    if not isinstance(value, dict):
        return render(value, ctx)
    return {(render(k, ctx, slug=True) if isinstance(k, str) else k): render(v, ctx) for k, v in value.items()}


def _renders_badly(value: Any, ctx: dict, key: str) -> bool:
    try:
        if key == "resources":
            _render_resources(value, ctx)
            return False
        render(value, ctx, slug=key in SLUG_FIELDS)
    except RenderError:
        return True
    return False


# ------------------------------------------------------------------------------------------ typing

class _Typer:
    """Rendered raw tasks → model.Task, collecting every problem with its location."""

    def __init__(self, ex: _Expander):
        self.ex, self.p, self.wpw = ex, ex.p, ex.wpw
        self._lags: dict[str, int] = {}

    def text(self, raw: _Raw, key: str, default: str | None = None) -> str | None:
        value = raw.fields.get(key)
        if value is None:
            return default
        if type(value) is str:
            return value
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (list, dict)):
            self.p.add(*raw.where(key), f"'{key}' must be text, not a {type(value).__name__}")
            return default
        return str(value)

    def strings(self, raw: _Raw, key: str) -> tuple[str, ...]:
        value = raw.fields.get(key)
        if value is None:
            return ()
        if type(value) is str:
            return (value,)
        if type(value) is list:
            out = tuple(value)
            if all(type(v) is str for v in out):
                return out
        self.p.add(*raw.where(key), f"'{key}' must be a list of names")
        return ()

    def tags(self, raw: _Raw) -> tuple[str, ...]:
        """The task's labels: its own ``tags:`` (each checked) then those its for_each gave it."""
        value = raw.fields.get("tags")
        if value is None:
            return raw.loop_tags
        if type(value) is str:
            value = [value]
        if type(value) is not list:
            self.p.add(*raw.where("tags"), "'tags' is a list of labels, e.g. tags: [unit:retail, quick-win]")
            return raw.loop_tags
        doc, where = raw.where("tags")
        out: list[str] = []
        for k, tag in enumerate(value):
            if isinstance(tag, (int, float)) and not isinstance(tag, bool):
                tag = str(tag)
            if type(tag) is not str or not _TAG.match(tag):
                self.p.add(doc, where + (k,), f"tag {tag!r} must be one label without spaces or commas: "
                           "plain (quick-win) or key:value (unit:retail)")
                continue
            if tag not in out:
                out.append(tag)
        for tag in raw.loop_tags:
            if tag not in out:
                out.append(tag)
        return tuple(out)

    def impact(self, raw: _Raw) -> int | None:
        """``impact: low|medium|high|none`` or a whole number of change points (SPEC 1.3a)."""
        try:
            return parse_impact(raw.fields.get("impact"))
        except ValueError as exc:
            self.p.add(*raw.where("impact"), f"impact: {exc}")
            return None

    def choice(self, raw: _Raw, key: str, options: tuple[str, ...], default: str | None) -> str | None:
        value = raw.fields.get(key)
        if value is None:
            return default
        if value not in options:
            self.p.add(*raw.where(key), f"unknown {key} {value!r}{_suggest(str(value), options)}; "
                       f"expected one of {', '.join(options)}")
            return default
        return value

    def duration(self, raw: _Raw, key: str, value: Any) -> int | None:
        try:
            return parse_duration(value, self.wpw)
        except ValueError as exc:
            self.p.add(*raw.where(key), f"{key}: {exc}")
            return None

    def date(self, raw: _Raw, key: str) -> _dt.date | None:
        value = raw.fields.get(key)
        if value is None:
            return None
        try:
            return parse_date(value)
        except ValueError as exc:
            self.p.add(*raw.where(key), f"{key}: {exc}")
            return None

    def estimate(self, raw: _Raw) -> Estimate | None:
        value = raw.fields.get("estimate")
        if value is None:
            return None
        doc, where = raw.where("estimate")
        if not isinstance(value, dict):
            self.p.add(doc, where, "estimate is {optimistic: 3d, likely: 5d, pessimistic: 10d}")
            return None
        self.p.keys(doc, where, value, ESTIMATE_KEYS, "estimate")
        parts = []
        for key in ESTIMATE_KEYS:
            if value.get(key) is None:
                self.p.add(doc, where, f"estimate needs '{key}'")
                return None
            try:
                parts.append(parse_duration(value[key], self.wpw))
            except ValueError as exc:
                self.p.add(doc, where + (key,), f"estimate {key}: {exc}")
                return None
        if not parts[0] <= parts[1] <= parts[2]:
            self.p.add(doc, where, f"estimate must have optimistic ≤ likely ≤ pessimistic, found "
                       f"{parts[0]}d, {parts[1]}d, {parts[2]}d")
            return None
        return Estimate(*parts)

    def dependencies(self, value: Any, doc: YamlDoc, where: tuple) -> list[tuple[str, str, int, bool, int]]:
        """(reference, type, lag, optional, index in the list) for each entry of a ``depends_on`` value
        found at ``doc``/``where`` (references still unresolved)."""
        if value is None:
            return []
        if isinstance(value, (str, dict)):
            value = [value]
        if not isinstance(value, list):
            self.p.add(doc, where, f"{where[-1] if where else 'depends_on'} is a list of task ids or "
                       "{task, type, lag}")
            return []
        out = []
        lags = self._lags
        for k, entry in enumerate(value):
            if type(entry) is str:
                out.append((entry, "FS", 0, False, k))
                continue
            at = where + (k,)
            if not isinstance(entry, dict) or not isinstance(entry.get("task"), str):
                self.p.add(doc, at, "a dependency is a task id or {task: id, type: FS|SS|FF|SF, lag: 2d}")
                continue
            if not _DEP_KEY_SET.issuperset(entry):
                self.p.keys(doc, at, entry, DEP_KEYS, "dependency")
            typ = entry.get("type") or "FS"
            if typ not in DEPENDENCY_TYPES:
                typ = str(typ).upper()
                if typ not in DEPENDENCY_TYPES:
                    self.p.add(doc, at + ("type",), f"dependency type {typ!r} must be FS, SS, FF or SF")
                    continue
            lag_text = entry.get("lag") or "0"
            lag = lags.get(lag_text) if type(lag_text) is str else None
            if lag is None:
                try:
                    lag = parse_duration(lag_text, self.wpw, allow_negative=True)
                except ValueError as exc:
                    self.p.add(doc, at + ("lag",), f"lag: {exc}")
                    continue
                if type(lag_text) is str:
                    lags[lag_text] = lag
            optional = truthy(entry.get("optional")) if entry.get("optional") is not None else False
            out.append((entry["task"], typ, lag, optional, k))
        return out


def _expand(plan_doc: YamlDoc, strict: bool) -> Plan:
    data = plan_doc.data
    p = _Problems()
    if not isinstance(data, dict):
        raise plan_doc.error((), "a plan file must be a mapping with 'plan:', 'title:' and 'start:'")
    if "template" in data and "plan" not in data:
        raise plan_doc.error(("template",), "this is a template, not a plan; write a plan that uses it with "
                             f"`rollout new {data.get('template')} -o plan.yaml`")
    p.keys(plan_doc, (), data, PLAN_KEYS, "the plan")
    plan_id = data.get("plan")
    if not isinstance(plan_id, str) or not _PLAN_ID.match(plan_id):
        p.add(plan_doc, ("plan",) if "plan" in data else (), "'plan:' must be a short id in lower-case letters, "
              f"digits and - (found {plan_id!r})")
        plan_id = "plan"
    start = None
    if data.get("start") is None:
        p.add(plan_doc, (), "the plan needs a 'start:' date, e.g. start: 2027-01-11")
    else:
        try:
            start = parse_date(data["start"])
        except ValueError as exc:
            p.add(plan_doc, ("start",), f"start: {exc}")
    calendar = _calendar(plan_doc, data.get("calendar"), p)
    limits, problems = read_limits(plan_doc, data.get("limits"))
    p.items.extend(problems)
    p.raise_if_any()

    ex = _Expander(len(calendar.workdays))
    ex.p = p
    ex.limits = limits
    base_dir = Path(plan_doc.path).parent
    uses = data.get("uses") or []
    if not isinstance(uses, list):
        p.add(plan_doc, ("uses",), "'uses:' is a list of {template: name, with: {...}}")
        uses = []
    for k, use in enumerate(uses):
        where = ("uses", k)
        if isinstance(use, str):
            use = {"template": use}
        if not isinstance(use, dict) or not isinstance(use.get("template"), str):
            p.add(plan_doc, where, "a use is {template: name, with: {...}}")
            continue
        p.keys(plan_doc, where, use, USE_KEYS, "uses entry")
        try:
            info = find_template(use["template"], base_dir)
        except PlanError as exc:
            p.refer(exc, plan_doc, where + ("template",))
            continue
        values = use.get("with") or {}
        if not isinstance(values, dict):
            p.add(plan_doc, where + ("with",), "'with:' must be a mapping of parameter values")
            values = {}
        ex.add_template(info, values, plan_doc, where, ())
    # a template that could not be used makes every later reference to its tasks wrong too: stop here
    p.raise_if_any()
    ex.add_body(plan_doc, {}, None)
    ex.apply_plan_tasks(plan_doc, data.get("tasks"))
    if len(ex.tasks) > limits.tasks:
        raise ex.over_limit(plan_doc, ("tasks",), "tasks", len(ex.tasks))
    removed = _removals(plan_doc, data.get("remove"), ex, p)

    typer = _Typer(ex)
    people = _people(plan_doc, data.get("people"), p, calendar)
    holder = _role_holders(people)
    pools = _pools(ex, calendar, plan_doc, people, holder)
    audiences = _audiences(ex)
    resolver = _Resources(people, pools, holder)
    tasks, unresolved, notes = _type_tasks(ex, typer, removed, strict, holder, resolver)
    cadences = _cadences(ex, typer, holder)
    scheduling = _scheduling(plan_doc, data.get("scheduling"), p)
    measures = [dataclasses.replace(m, owner=holder.get(m.owner, m.owner))
                for m in _measures(plan_doc, data.get("measures"), p)]
    risks = [dataclasses.replace(r, owner=holder.get(r.owner, r.owner))
             for r in _risks(plan_doc, data.get("risks"), p, [t.id for t in tasks], len(calendar.workdays))]
    estimates = _estimates(plan_doc, data.get("risk"), p)
    checks = _mapping(plan_doc, "checks", data.get("checks"), CHECKS_KEYS, p)
    jira = _mapping(plan_doc, "jira", data.get("jira"), JIRA_KEYS, p)
    _check_horizon(plan_doc, start, tasks, calendar, p)
    _jira_link_types(plan_doc, jira.get("link_types"), p)
    for keys, message in JiraConfig.problems(jira):     # a bad epic_per fails here, not at the first push
        p.add(plan_doc, ("jira", *keys), message)
    mission = data.get("mission")
    if mission is not None and not isinstance(mission, str):
        p.add(plan_doc, ("mission",), "'mission:' is the statement's text")
        mission = None
    p.raise_if_any()
    used_ws = {t.workstream for t in tasks}
    return Plan(
        id=plan_id, title=str(data.get("title") or plan_id), start=start, calendar=calendar,
        tasks=tuple(tasks), workstreams=tuple(w for w in ex.workstreams.values() if w.id in used_ws),
        cadences=tuple(cadences), people=tuple(people), measures=tuple(measures), risks=tuple(risks),
        estimates=estimates, mission=mission, checks=checks, jira=jira, path=plan_doc.path, source=plan_doc.source(()),
        unresolved=tuple(unresolved), sources={key: plan_doc.source((key,)) for key in data},
        notes=tuple(notes), resources=tuple(pools), audiences=tuple(audiences), scheduling=scheduling,
    )


def _role_holders(people: list[Person]) -> dict[str, str]:
    """Role → person id, for each role exactly one person holds (and that is not itself a person id): an
    owner naming such a role is that person everywhere (schedule, reports, Jira assignee)."""
    holders: dict[str, list[str]] = {}
    for person in people:
        for role in person.roles:
            if person.id not in holders.setdefault(role, []):
                holders[role].append(person.id)
    ids = {person.id for person in people}
    return {role: ids_[0] for role, ids_ in holders.items() if len(ids_) == 1 and role not in ids}


def _check_horizon(doc: YamlDoc, start: _dt.date | None, tasks: list[Task], calendar: CalendarSpec,
                   p: _Problems) -> None:
    """Refuse a plan whose schedule could run past 9999-12-31 (Python's last date) before anything is
    scheduled: the bound is the latest start (plan or start_no_earlier_than) plus every task's longest
    duration and every positive lag end to end, in calendar days, with room for holidays."""
    if start is None:
        return
    latest, work, by = start, 0, None
    for t in tasks:
        if t.start_no_earlier_than is not None and t.start_no_earlier_than > latest:
            latest, by = t.start_no_earlier_than, t
        work += max(t.duration or 0, t.estimate.pessimistic if t.estimate else 0)
        work += sum(d.lag for d in t.depends_on if d.lag > 0)
    days = work * 7 // max(len(calendar.workdays), 1) * 6 // 5 + len(calendar.holidays) + 400
    if latest.toordinal() + days > _dt.date.max.toordinal():
        what = (f"the schedule could run past the year 9999 (from {latest} with up to {work:,} working "
                "day(s) of tasks and lags); check the dates")
        if by is None:
            p.add(doc, ("start",), f"start: {what}")
        else:
            p.items.append(Problem(f"start_no_earlier_than of '{by.id}': {what}", by.source.path, by.source.line))


def _type_tasks(ex: _Expander, typer: _Typer, removed: set[str], strict: bool, holder: dict[str, str],
                resolver: "_Resources | None" = None):
    """Type every raw task. The common case (plain strings and lists) is handled inline; anything
    else goes through the typer's helpers, which word the problem. 100,000 tasks take about a second."""
    p = ex.p
    all_ids = list(ex.tasks)
    glob_cache: dict[str, list[str]] = {}
    unresolved: list[tuple[str, str, model.Source]] = []
    notes: list[Problem] = []
    durations: dict[Any, int] = {}
    kinds, phases, elements = frozenset(KINDS), frozenset(PHASES), frozenset(ELEMENTS)
    text, strings, choice, date = typer.text, typer.strings, typer.choice, typer.date
    typed: dict[str, list] = {}       # task id → positional fields of model.Task
    room = ex.limits.dependencies     # dependencies still allowed (checked before they are made)

    def plain_list(raw: _Raw, key: str) -> tuple[str, ...]:
        value = raw.fields.get(key)
        if value is None:
            return ()
        if type(value) is list:
            out = tuple(value)
            for v in out:
                if type(v) is not str:
                    return strings(raw, key)
            return out
        return strings(raw, key)

    for raw in ex.tasks.values():
        f = raw.fields
        get = f.get
        kind = get("kind", "other")
        if kind not in kinds:
            kind = choice(raw, "kind", KINDS, "other")
        estimate = typer.estimate(raw) if "estimate" in f else None
        value = get("duration")
        if value is not None:
            duration = durations.get(value) if type(value) is str else None
            if duration is None:
                duration = typer.duration(raw, "duration", value)
                if duration is not None and type(value) is str:
                    durations[value] = duration
            if estimate is not None and duration is not None and estimate.likely != duration:
                p.add(*raw.where("duration"), f"duration {duration}d differs from estimate likely "
                      f"{estimate.likely}d; make them agree or give only the estimate")
        elif estimate is not None:
            duration = estimate.likely
        elif kind == "milestone":
            duration = 0
        else:
            p.add(*raw.where(), f"task '{raw.id}' needs a duration (e.g. duration: 5d), or kind: milestone")
            duration = None
        if kind == "milestone" and duration:
            p.add(*raw.where("duration"), f"milestone '{raw.id}' must have duration 0")
        if duration == 0 and estimate is not None and estimate.pessimistic:
            p.add(*raw.where("estimate"), f"milestone '{raw.id}' cannot have a non-zero estimate")
        deps = []
        lists = [(get("depends_on"), *raw.where("depends_on"))] if get("depends_on") is not None else []
        lists.extend(raw.added_deps)
        for value, doc, where in lists:
            for ref, typ, lag, optional, k in typer.dependencies(value, doc, where):
                targets = _resolve_ref(ref, raw, all_ids, ex.tasks, glob_cache)
                if not targets:
                    if optional or _GLOB.search(ref):
                        continue
                    at = where + (k,)
                    if strict:
                        hint = _suggest_task(ref, raw.workstream, ex.task_candidates())
                        p.add(doc, at, f"task '{raw.id}' depends on unknown task '{ref}'{hint}")
                    else:
                        unresolved.append((raw.id, ref, doc.source(at)))
                    continue
                # a glob never matches the task itself; an explicit self id is a cycle (a → a), left in
                # for the scheduler (and check S001) to report like any other cycle
                glob = len(targets) != 1 or targets[0] != raw.id or _GLOB.search(ref)
                room -= len(targets)
                if room < 0:
                    raise ex.over_limit(*raw.where("depends_on"), "dependencies")
                for target in targets:
                    if target != raw.id or not glob:
                        deps.append(Dependency(target, typ, lag))
        if raw.replaced_deps:
            notes.extend(_dropped_predecessors(raw, deps, removed, all_ids, ex.tasks, glob_cache))
        name = get("name")
        if type(name) is not str:
            name = text(raw, "name", raw.id.split(".", 1)[1])
        phase = get("phase")
        if phase is not None and phase not in phases:
            phase = choice(raw, "phase", PHASES, None)
        element = get("element")
        if element is not None and element not in elements:
            element = choice(raw, "element", ELEMENTS, None)
        owner = get("owner")
        if owner is not None and type(owner) is not str:
            owner = text(raw, "owner")
        if owner in holder:
            owner = holder[owner]
        objective, description = get("objective"), get("description")
        typed[raw.id] = [
            raw.id, name, raw.workstream, duration, kind, phase,
            objective if type(objective) is str else (text(raw, "objective", "") or ""),
            description if type(description) is str else (text(raw, "description", "") or ""),
            element, estimate, deps,
            plain_list(raw, "participants"), plain_list(raw, "audience"), owner,
            plain_list(raw, "produces"), plain_list(raw, "consumes"),
            date(raw, "start_no_earlier_than") if "start_no_earlier_than" in f else None,
            date(raw, "deadline") if "deadline" in f else None,
            typer.tags(raw) if "tags" in f else raw.loop_tags,
            resolver.demands(raw, typer) if "resources" in f and resolver is not None else (),
            typer.impact(raw) if "impact" in f else None,
            # a task the plan changed is reported where the PMO changed it, not in the template
            raw.override[0].source(raw.override[1]) if raw.override else raw.doc.source(raw.docpath),
        ]
    if removed:
        _relink(typed, removed)
    tasks = []
    for tid, fields in typed.items():
        if tid in removed or fields[_AT_DURATION] is None:
            continue
        fields[_AT_DEPENDS_ON] = tuple(fields[_AT_DEPENDS_ON])
        tasks.append(Task(*fields))
    return tasks, unresolved, notes


# Positions in the field lists _type_tasks builds (model.Task's field order).
_TASK_FIELDS = [f.name for f in dataclasses.fields(Task)]
_AT_DURATION, _AT_DEPENDS_ON = _TASK_FIELDS.index("duration"), _TASK_FIELDS.index("depends_on")


def _dropped_predecessors(raw: _Raw, deps: list[Dependency], removed: set[str], all_ids: list[str],
                          index: dict, cache: dict) -> list[Problem]:
    """An info note for each ``depends_on:`` in the plan that replaced predecessors it no longer names."""
    kept = {d.task for d in deps} | removed | {raw.id}
    out = []
    for old, doc, where in raw.replaced_deps:
        dropped: list[str] = []
        for entry in old if isinstance(old, list) else [old]:
            ref = entry.get("task") if isinstance(entry, dict) else entry
            if not isinstance(ref, str):
                continue
            for tid in _resolve_ref(ref, raw, all_ids, index, cache):
                if tid not in kept and tid not in dropped:
                    dropped.append(tid)
        if dropped:
            src = doc.source(where)
            out.append(Problem(f"task '{raw.id}': depends_on replaces its predecessors and drops "
                               f"{', '.join(dropped)} (write depends_on+ to add to them instead)",
                               src.path, src.line))
    return out


def _relink(typed: dict[str, list], removed: set[str]) -> None:
    """Dependents of removed tasks inherit the removed task's own dependencies (types and lags kept)."""
    def relink(dep: Dependency, seen: frozenset) -> list[Dependency]:
        if dep.task not in removed:
            return [dep]
        if dep.task in seen:
            return []
        out = []
        for inner in typed[dep.task][_AT_DEPENDS_ON]:
            out.extend(relink(inner, seen | {dep.task}))
        return out

    for tid, fields in typed.items():
        if tid in removed or not any(d.task in removed for d in fields[_AT_DEPENDS_ON]):
            continue
        new: list[Dependency] = []
        for d in fields[_AT_DEPENDS_ON]:
            for r in relink(d, frozenset()):
                # r.task == tid: the removed task sat in a cycle with this one; keep it, a cycle is reported
                if r not in new:
                    new.append(r)
        fields[_AT_DEPENDS_ON] = new


def _resolve_ref(ref: str, raw: _Raw, all_ids: list[str], index: dict, cache: dict) -> list[str]:
    """A reference in depends_on → task ids: 'ws.task', 'task' (same workstream) or a glob of either."""
    ref = ref.strip()
    full = ref if "." in ref else f"{raw.workstream}.{ref}"
    if not _GLOB.search(full):
        return [full] if full in index else []
    found = cache.get(full)
    if found is None:
        found = cache[full] = fnmatch.filter(all_ids, full)
    return found


def _suggest_task(ref: str, workstream: str, ids: list[str] | Candidates) -> str:
    return _suggest(ref if "." in ref else f"{workstream}.{ref}", ids)


def _removals(doc: YamlDoc, value: Any, ex: _Expander, p: _Problems) -> set[str]:
    """Task and cadence ids (or globs) the plan removes. Task ids have a dot (<workstream>.<task>),
    cadence ids never do, so one list holds both. Removed cadences leave ``ex.cadences`` at once."""
    if value is None:
        return set()
    if not isinstance(value, list):
        p.add(doc, ("remove",), "'remove:' is a list of task or cadence ids")
        return set()
    out = set()
    gone_cadences: set[str] = set()
    for k, tid in enumerate(value):
        if not isinstance(tid, str):
            p.add(doc, ("remove", k), "'remove:' takes task or cadence ids")
            continue
        if _GLOB.search(tid):
            matches = fnmatch.filter(list(ex.tasks), tid)
            cadences = fnmatch.filter(list(ex.cadences), tid)
        else:
            matches = [tid] if tid in ex.tasks else []
            cadences = [tid] if tid in ex.cadences else []
        if not matches and not cadences:
            options = ex.task_candidates() if "." in tid else list(ex.cadences)   # cadence ids have no dot
            p.add(doc, ("remove", k), f"remove: no task or cadence '{clip(tid)}'{_suggest(tid, options)}")
        out.update(matches)
        gone_cadences.update(cadences)
    for cid in gone_cadences:
        del ex.cadences[cid]
    return out


def _calendar(doc: YamlDoc, value: Any, p: _Problems, at: tuple = ("calendar",),
              base: CalendarSpec | None = None) -> CalendarSpec:
    """A ``calendar:`` mapping; with ``base`` (a person's or pool's own calendar) each key not given is the
    base's (the plan's)."""
    if value is None:
        return base or CalendarSpec()
    if not isinstance(value, dict):
        p.add(doc, at, "'calendar:' is {country, subdiv, workdays, holidays}")
        return base or CalendarSpec()
    p.keys(doc, at, value, CALENDAR_KEYS, "calendar")
    base = base or CalendarSpec()
    workdays = base.workdays
    if value.get("workdays") is not None:
        days = value["workdays"]
        if not isinstance(days, list) or not days:
            p.add(doc, at + ("workdays",), "workdays is a list like [mon, tue, wed, thu, fri]")
        else:
            parsed = []
            for k, day in enumerate(days):
                key = str(day).strip().lower()[:3]
                if key not in WEEKDAYS:
                    p.add(doc, at + ("workdays", k), f"unknown weekday {day!r}; use mon … sun")
                else:
                    parsed.append(WEEKDAYS.index(key))
            workdays = tuple(sorted(set(parsed))) or workdays
    holidays = list(base.holidays) if "holidays" not in value else []
    extra = value.get("holidays") or []
    if not isinstance(extra, list):
        extra = [extra]
    for k, day in enumerate(extra):
        try:
            holidays.append(parse_date(day))
        except ValueError as exc:
            p.add(doc, at + ("holidays", k), f"holiday: {exc}")
    country = value.get("country", base.country)
    subdiv = value.get("subdiv", base.subdiv if "country" not in value else None)
    if country is not None:
        country = str(country).upper()
        try:
            import holidays as _hol

            _hol.country_holidays(country, subdiv=subdiv, years=2000)
        except (NotImplementedError, KeyError) as exc:
            p.add(doc, at + ("subdiv" if subdiv and "subdiv" in str(exc).lower() else "country",),
                  f"calendar: unknown country or subdivision {country!r}{'/' + str(subdiv) if subdiv else ''}"
                  " (use ISO codes such as US, GB, DE with subdiv BY)")
    zone = base.timezone
    if value.get("timezone") is not None:
        zone = _timezone(doc, at + ("timezone",), value["timezone"], p)
    return CalendarSpec(workdays=workdays, country=country, subdiv=None if subdiv is None else str(subdiv),
                        holidays=tuple(sorted(set(holidays))), timezone=zone)


def _timezone(doc: YamlDoc, where: tuple, value: Any, p: _Problems) -> str | None:
    """An IANA time zone name (Europe/Berlin), checked against the zone database."""
    import zoneinfo

    name = str(value).strip()
    try:
        if not name or name.startswith(("/", ".")) or ".." in name:
            raise ValueError(name)
        zoneinfo.ZoneInfo(name)
    except (ValueError, zoneinfo.ZoneInfoNotFoundError):
        p.add(doc, where, f"timezone: unknown time zone {clip(name)!r} (use an IANA name such as Europe/Berlin)")
        return None
    return name


def _meeting_time(doc: YamlDoc, where: tuple, value: Any, p: _Problems) -> str | None:
    """``at:`` as "HH:MM" (24-hour). An unquoted 10:00 reaches us as 600 (YAML 1.1 base-60): read it so."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 24 * 60:
        return f"{value // 60:02d}:{value % 60:02d}"
    m = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", str(value).strip())
    if not m:
        p.add(doc, where, f"at: {clip(str(value))!r} is not a time of day; use \"HH:MM\" (24-hour, e.g. \"10:00\")")
        return None
    return f"{int(m.group(1)):02d}:{m.group(2)}"


def _meeting_length(doc: YamlDoc, where: tuple, value: Any, p: _Problems) -> int | None:
    """``length:`` in minutes: 30m, 90m, 1h, 1h30m (a bare number is minutes)."""
    text = str(value).strip().lower()
    if isinstance(value, int) and not isinstance(value, bool):
        minutes = value
    else:
        m = re.fullmatch(r"(?:(\d+)\s*h)?\s*(?:(\d+)\s*m(?:in)?)?", text)
        minutes = int(m.group(1) or 0) * 60 + int(m.group(2) or 0) if m and text else None
    if minutes is None or not 0 < minutes <= 24 * 60:
        p.add(doc, where, f"length: {clip(text)!r} is not a meeting length; use minutes or hours (30m, 90m, 1h)")
        return None
    return minutes


def _cadences(ex: _Expander, typer: _Typer, holder: dict[str, str]) -> list[Cadence]:
    out = []
    for cid, (fields, doc, where) in ex.cadences.items():
        raw = _Raw(cid, "", fields, doc, where)
        try:
            days = parse_duration(fields.get("every"), 7) if fields.get("every") is not None else None
        except ValueError as exc:
            ex.p.add(doc, where + ("every",), f"every: {exc}")
            continue
        if days is None or days <= 0:
            ex.p.add(doc, where + (("every",) if "every" in fields else ()),
                     f"cadence '{cid}' needs 'every:' (e.g. every: 2w)")
            continue
        until: Any = fields.get("until") or "end"
        if until != "end":
            try:
                until = parse_date(until)
            except ValueError:
                until = str(until)
        out.append(Cadence(
            id=cid, name=typer.text(raw, "name", cid), every=days,
            kind=typer.choice(raw, "kind", KINDS, "communication"),
            participants=typer.strings(raw, "participants"), audience=typer.strings(raw, "audience"),
            owner=holder.get(typer.text(raw, "owner"), typer.text(raw, "owner")), from_task=typer.text(raw, "from"), until=until,
            impact=typer.impact(raw) if "impact" in fields else None, source=doc.source(where),
            **_meeting(fields, doc, where, ex.p),
        ))
    return out


def _meeting(fields: dict, doc: YamlDoc, where: tuple, p: _Problems) -> dict[str, Any]:
    """A cadence's meeting keys (at, length, timezone, on_holiday) as Cadence fields."""
    out: dict[str, Any] = {}
    if fields.get("at") is not None:
        out["at"] = _meeting_time(doc, where + ("at",), fields["at"], p)
    if fields.get("length") is not None:
        length = _meeting_length(doc, where + ("length",), fields["length"], p)
        if length is not None:
            out["length"] = length
    if fields.get("timezone") is not None:
        out["timezone"] = _timezone(doc, where + ("timezone",), fields["timezone"], p)
    if fields.get("on_holiday") is not None:
        choice = str(fields["on_holiday"])
        if choice not in ("skip", "next"):
            p.add(doc, where + ("on_holiday",), f"unknown on_holiday {clip(choice)!r}{_suggest(choice, ('skip', 'next'))}; "
                  "expected one of skip, next")
        else:
            out["on_holiday"] = choice
    return out


def _people(doc: YamlDoc, value: Any, p: _Problems, calendar: CalendarSpec | None = None) -> list[Person]:
    out, seen = [], set()
    for k, person in enumerate(_list(doc, "people", value, p)):
        where = ("people", k)
        if not isinstance(person, dict) or not isinstance(person.get("id"), str):
            p.add(doc, where, "a person is {id, name, email, roles}")
            continue
        p.keys(doc, where, person, PERSON_KEYS, "person")
        if person["id"] in seen:
            p.add(doc, where + ("id",), f"duplicate person id '{person['id']}'")
        seen.add(person["id"])
        roles = person.get("roles") or []
        capacity = 1.0
        if person.get("capacity") is not None:
            capacity = _units(doc, where + ("capacity",), person["capacity"], p, "capacity",
                              "a share of a working day, more than 0 and at most 1 (0.5 = half-time)", top=1.0)
        own = None
        if person.get("calendar") is not None:
            own = _calendar(doc, person["calendar"], p, where + ("calendar",), calendar)
        leave = _leave(doc, where + ("leave",), person.get("leave"), p) if "leave" in person else ()
        out.append(Person(person["id"], str(person.get("name") or person["id"]), person.get("email"),
                          tuple(str(r) for r in (roles if isinstance(roles, list) else [roles])),
                          capacity if capacity is not None else 1.0, own, leave, source=doc.source(where)))
    return out


def _units(doc: YamlDoc, where: tuple, value: Any, p: _Problems, key: str, expected: str,
           top: float | None = None) -> float | None:
    """A positive number of units (at most ``top``), or None after reporting what was expected."""
    number = _number(value)
    if number is None or not number > 0 or (top is not None and number > top):
        p.add(doc, where, f"{key}: expected {expected}, found {value!r}")
        return None
    return number


def _number(value: Any) -> float | None:
    """A finite number from a scalar (the loader gives numbers as text), or None."""
    if isinstance(value, bool) or value is None or isinstance(value, (list, dict)):
        return None
    try:
        number = float(str(value).strip())
    except ValueError:
        return None
    return number if number == number and abs(number) != float("inf") else None


def _whole(value: Any) -> int | None:
    """A whole number 0 or more from a scalar, or None."""
    if isinstance(value, bool) or value is None or not re.fullmatch(r"\s*\d{1,12}\s*", str(value)):
        return None
    return int(str(value))


_RANGE = re.compile(r"\s*(\d{4}-\d\d-\d\d)\s*\.\.\s*(\d{4}-\d\d-\d\d)\s*\Z")


def _leave(doc: YamlDoc, where: tuple, value: Any, p: _Problems) -> tuple[_dt.date, ...]:
    """``leave:`` days: dates and inclusive ranges ``2027-08-02..2027-08-20``."""
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    days: set[_dt.date] = set()
    for k, item in enumerate(items):
        at = where + (k,) if isinstance(value, list) else where
        m = _RANGE.match(item) if isinstance(item, str) else None
        try:
            if m:
                lo, hi = parse_date(m.group(1)), parse_date(m.group(2))
                if hi < lo:
                    raise ValueError(f"the range {item!r} ends before it begins")
                if (hi - lo).days > 3660:
                    raise ValueError(f"the range {item!r} is longer than ten years")
                days.update(lo + _dt.timedelta(days=n) for n in range((hi - lo).days + 1))
            else:
                days.add(parse_date(item))
        except ValueError as exc:
            p.add(doc, at, f"leave: {exc} (a date, or a range 2027-08-02..2027-08-20)")
    return tuple(sorted(days))


def _pools(ex: _Expander, calendar: CalendarSpec, plan_doc: YamlDoc | None = None, people: list[Person] = (),
           holder: dict[str, str] | None = None) -> list[ResourcePool]:
    """The pools. A template's pool named like a person, or like a role exactly one person holds, is only a
    default: the plan's person takes its place (their capacity, calendar and leave)."""
    out = []
    persons = {x.id for x in people} | set(holder or ())
    for pid, (fields, doc, where) in ex.pools.items():
        if doc is not plan_doc and pid in persons:
            continue
        if not _ID.match(pid):
            ex.p.add(doc, where + ("id",), f"resource id {pid!r} must be lower-case letters, digits and -")
            continue
        if fields.get("units") is None:
            ex.p.add(doc, where, f"resource '{pid}' needs 'units:' (how many people or teams it has)")
            continue
        units = _units(doc, where + ("units",), fields["units"], ex.p, "units", "a number of people above 0")
        own = _calendar(doc, fields["calendar"], ex.p, where + ("calendar",), calendar) \
            if fields.get("calendar") is not None else None
        if units is not None:
            out.append(ResourcePool(pid, str(fields.get("name") or pid), units, own, source=doc.source(where)))
    return out


def _audiences(ex: _Expander) -> list[Audience]:
    out = []
    for aid, (fields, doc, where) in ex.audiences.items():
        headcount = fields.get("headcount")
        if headcount is not None:
            headcount = _whole(headcount)
            if headcount is None:
                ex.p.add(doc, where + ("headcount",), f"headcount: expected a whole number of people, found "
                         f"{fields['headcount']!r}")
        tolerance = fields.get("tolerance")
        if tolerance is not None:
            tolerance = _number(tolerance)
            if tolerance is None or tolerance < 0:
                ex.p.add(doc, where + ("tolerance",), "tolerance: expected the change points a week the audience "
                         f"absorbs (a number, 0 or more), found {fields['tolerance']!r}")
                tolerance = None
        out.append(Audience(aid, str(fields.get("name") or aid), headcount, tolerance, source=doc.source(where)))
    return out


class _Resources:
    """Names a task's ``resources:`` may use: pools, people, and roles exactly one person holds."""

    def __init__(self, people: list[Person], pools: list[ResourcePool], holder: dict[str, str]):
        self.most: dict[str, tuple[str, float, str]] = {}     # name → (resource id, most units, what)
        for person in people:
            self.most[person.id] = (person.id, person.capacity, "person")
        for role, pid in holder.items():
            person = next(x for x in people if x.id == pid)
            self.most.setdefault(role, (pid, person.capacity, "person"))
        for pool in pools:
            self.most[pool.id] = (pool.id, pool.units, "pool")
        self.shared = {r for x in people for r in x.roles} - set(self.most)
        self.candidates = sorted(self.most)

    def demands(self, raw: _Raw, typer: _Typer) -> tuple[tuple[str, float], ...]:
        value = raw.fields.get("resources")
        doc, where = raw.where("resources")
        if value is None:
            return ()
        if not isinstance(value, dict):
            typer.p.add(doc, where, "resources is a mapping of pool or person to units, "
                        "e.g. resources: {trainers: 2, dana: 0.25}")
            return ()
        out: dict[str, float] = {}
        for name, units in value.items():
            at = where + (name,)
            name = str(name)
            units_f = _units(doc, at, units, typer.p, f"resources of '{raw.id}': {name}",
                             "units used on each working day, above 0 (e.g. 2, or 0.25 of a person)")
            if units_f is None:
                continue
            found = self.most.get(name)
            if found is None:
                if name in self.shared:
                    typer.p.add(doc, at, f"task '{raw.id}' uses role '{name}', which several people hold; name "
                                "one of them or a pool")
                else:
                    known = f"; known: {', '.join(self.candidates[:12])}" if self.candidates else \
                        "; define it under resources: (a pool) or people:"
                    typer.p.add(doc, at, f"task '{raw.id}' uses unknown resource '{clip(name)}'"
                                f"{_suggest(name, self.candidates)}{known}")
                continue
            rid, most, what = found
            if units_f > most + 1e-9:
                has = f"{most:g} unit(s)" if what == "pool" else f"a capacity of {most:g}"
                typer.p.add(doc, at, f"task '{raw.id}' needs {units_f:g} of {what} '{rid}', which has {has} "
                            "at most")
                continue
            out[rid] = out.get(rid, 0.0) + units_f
        return tuple(out.items())


def parse_impact(value: Any) -> int | None:
    """``low``/``medium``/``high``/``none`` or a whole number of change points.

    >>> parse_impact("high"), parse_impact("none"), parse_impact(4), parse_impact(None)
    (3, 0, 4, None)
    """
    if value is None:
        return None
    if isinstance(value, str) and value.strip().lower() in IMPACT_LEVELS:
        return IMPACT_LEVELS[value.strip().lower()]
    whole = _whole(value) if not isinstance(value, (list, dict)) else None
    if whole is not None and whole <= 1000:
        return whole
    raise ValueError(f"expected low, medium, high, none or a whole number of change points, found {value!r}")


_SECONDS = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(s|m|min)?\s*\Z", re.I)


def _scheduling(doc: YamlDoc, value: Any, p: _Problems) -> Scheduling:
    """``scheduling: {level: true}`` or ``{level: {audiences, method, seed, time_limit, schedules}}``."""
    if value is None:
        return Scheduling()
    if not isinstance(value, dict):
        p.add(doc, ("scheduling",), "'scheduling:' is {level: true} or {level: {method: heuristic, seed: 0}}")
        return Scheduling()
    p.keys(doc, ("scheduling",), value, SCHEDULING_KEYS, "scheduling")
    level = value.get("level")
    at = ("scheduling", "level")
    if isinstance(level, str) and level.strip().lower() in ("true", "false"):
        level = level.strip().lower() == "true"
    if level is None or isinstance(level, bool):
        return Scheduling(level=bool(level))
    if not isinstance(level, dict):
        p.add(doc, at, f"level: expected true, false or {{audiences, method, seed, time_limit, schedules}}, "
              f"found {level!r}")
        return Scheduling()
    p.keys(doc, at, level, LEVEL_KEYS, "level")
    out: dict[str, Any] = {"level": True}
    if level.get("audiences") is not None:
        if str(level["audiences"]).lower() in ("true", "false"):
            level = dict(level, audiences=str(level["audiences"]).lower() == "true")
        if not isinstance(level["audiences"], bool):
            p.add(doc, at + ("audiences",), f"audiences: expected true or false, found {level['audiences']!r}")
        else:
            out["audiences"] = level["audiences"]
    if level.get("method") is not None:
        if str(level["method"]).strip().lower() not in LEVEL_METHODS:
            p.add(doc, at + ("method",), f"unknown levelling method {level['method']!r}"
                  f"{_suggest(str(level['method']), LEVEL_METHODS)}; expected heuristic or optimal")
        else:
            out["method"] = str(level["method"]).strip().lower()
    for key in ("seed", "schedules"):
        v = level.get(key)
        if v is not None:
            w = _whole(v)
            if w is None or w < (0 if key == "seed" else 1):
                p.add(doc, at + (key,), f"{key}: expected a whole number{' above 0' if key == 'schedules' else ''}, "
                      f"found {v!r}")
            else:
                out[key] = w
    if level.get("time_limit") is not None:
        try:
            out["time_limit"] = parse_seconds(level["time_limit"])
        except ValueError as exc:
            p.add(doc, at + ("time_limit",), f"time_limit: {exc}")
    return Scheduling(**out)


def parse_seconds(value: Any) -> float:
    """``30s``, ``2m`` or a number of seconds (above 0).

    >>> parse_seconds("30s"), parse_seconds("2m"), parse_seconds(1.5)
    (30.0, 120.0, 1.5)
    """
    m = _SECONDS.match(str(value)) if not isinstance(value, bool) and value is not None else None
    if not m or float(m.group(1)) <= 0:
        raise ValueError(f"expected a time such as 30s or 2m, found {value!r}")
    return float(m.group(1)) * (60 if (m.group(2) or "s").lower() in ("m", "min") else 1)


def _measures(doc: YamlDoc, value: Any, p: _Problems) -> list[Measure]:
    out = []
    for k, m in enumerate(_list(doc, "measures", value, p)):
        where = ("measures", k)
        if not isinstance(m, dict) or not m.get("name") or not m.get("kind"):
            p.add(doc, where, "a measure is {name, kind, owner, baseline, target}")
            continue
        p.keys(doc, where, m, MEASURE_KEYS, "measure")
        # any case and spelling of the separator: Customer-Outcome, customer_outcome, customer outcome
        kind = re.sub(r"[\s_]+", "-", str(m["kind"]).strip().lower())
        if kind not in MEASURE_KINDS:
            p.add(doc, where + ("kind",), f"unknown measure kind {str(m['kind'])!r}{_suggest(kind, MEASURE_KINDS)}; "
                  f"expected one of {', '.join(MEASURE_KINDS)}")
            continue
        out.append(Measure(str(m["name"]), kind, m.get("owner"), m.get("baseline"), m.get("target"),
                           source=doc.source(where)))
    return out


def _risks(doc: YamlDoc, value: Any, p: _Problems, task_ids: list[str], workdays_per_week: int) -> list[Risk]:
    out = []
    for k, r in enumerate(_list(doc, "risks", value, p)):
        where = ("risks", k)
        if not isinstance(r, dict) or not r.get("id") or not r.get("title"):
            p.add(doc, where, "a risk is {id, title, probability, impact, owner, mitigation, effect, "
                              "post_mitigation}")
            continue
        p.keys(doc, where, r, RISK_KEYS, "risk")
        prob = _probability(doc, where, r.get("probability"), p)
        try:
            impact = int(str(r.get("impact")))
            if not 1 <= impact <= 5:
                raise ValueError
        except ValueError:
            p.add(doc, where + ("impact",), "impact is a whole number from 1 to 5")
            continue
        effect = post = None
        if r.get("effect") is not None:
            effect = _risk_effect(doc, where + ("effect",), r["effect"], p, task_ids, workdays_per_week)
        if r.get("post_mitigation") is not None:
            pm, pm_where = r["post_mitigation"], where + ("post_mitigation",)
            if "effect" not in r:
                p.add(doc, pm_where, "post_mitigation describes the risk's effect once mitigated: "
                                     "give the risk an effect: {tasks, delay or factor} first")
            elif not isinstance(pm, dict):
                p.add(doc, pm_where, "post_mitigation is {probability, delay or factor}")
            else:
                p.keys(doc, pm_where, pm, POST_MITIGATION_KEYS, "post_mitigation")
                pm_prob = (_probability(doc, pm_where, pm["probability"], p) if "probability" in pm
                           else prob)
                if effect is not None and pm_prob is not None:
                    change = _risk_effect(doc, pm_where, pm, p, task_ids, workdays_per_week, effect.tasks)
                    if change is not None:
                        post = (pm_prob, change if (change.delay, change.factor) != (None, None) else effect)
        if prob is None:
            continue
        out.append(Risk(str(r["id"]), str(r["title"]), prob, impact, r.get("owner"), r.get("mitigation"),
                        source=doc.source(where), effect=effect, post_mitigation=post))
    return out


def _probability(doc: YamlDoc, where: tuple, value: Any, p: _Problems) -> float | None:
    try:
        if isinstance(value, bool) or value is None:
            raise ValueError
        prob = float(value)
        if not 0 <= prob <= 1:
            raise ValueError
        return prob
    except (TypeError, ValueError):
        p.add(doc, where + ("probability",), f"probability is a number from 0 to 1, found {value!r}")
        return None


def _risk_effect(doc: YamlDoc, where: tuple, value: Any, p: _Problems, task_ids: list[str],
                 workdays_per_week: int, tasks: tuple[str, ...] | None = None) -> RiskEffect | None:
    """An ``effect: {tasks, delay | factor}`` (or, with ``tasks`` given, the delay or factor of a
    ``post_mitigation``, which acts on the effect's tasks)."""
    if tasks is None:
        if not isinstance(value, dict):
            p.add(doc, where, "an effect is {tasks: [ids or globs], delay: 10d} or {tasks: [...], factor: 1.3}")
            return None
        p.keys(doc, where, value, EFFECT_KEYS, "effect")
        refs = value.get("tasks")
        if isinstance(refs, str):
            refs = [refs]
        if not isinstance(refs, list) or not refs:
            p.add(doc, where + ("tasks",), "effect tasks: a list of task ids or globs")
            return None
        found: list[str] = []
        known = set(task_ids)
        for j, ref in enumerate(refs):
            ref = str(ref).strip()
            matches = fnmatch.filter(task_ids, ref) if _GLOB.search(ref) else ([ref] if ref in known else [])
            if not matches:
                what = "no task matches" if _GLOB.search(ref) else "no task"
                p.add(doc, where + ("tasks", j), f"effect: {what} '{ref}'{_suggest(ref, task_ids)}")
            found.extend(m for m in matches if m not in found)
        tasks = tuple(found)
    delay = factor = None
    if value.get("delay") is not None and value.get("factor") is not None:
        p.add(doc, where, "give either delay or factor, not both")
        return None
    if value.get("delay") is not None:
        try:
            delay = parse_duration(value["delay"], workdays_per_week)
        except ValueError as exc:
            p.add(doc, where + ("delay",), f"delay: {exc}")
            return None
    elif value.get("factor") is not None:
        try:
            if isinstance(value["factor"], bool):
                raise ValueError
            factor = float(value["factor"])
            if not 0 < factor <= 100:
                raise ValueError
        except (TypeError, ValueError):
            p.add(doc, where + ("factor",), f"factor is a number above 0 (1.3 = 30 % longer), "
                                            f"found {value['factor']!r}")
            return None
    elif "probability" not in value:
        p.add(doc, where, "an effect needs a delay (e.g. delay: 10d) or a factor (e.g. factor: 1.3)")
        return None
    return RiskEffect(tasks, delay, factor) if tasks else None


def _estimates(doc: YamlDoc, value: Any, p: _Problems) -> dict[str, tuple[float, float, float]]:
    """``risk: {estimates: {kind: {optimistic, likely, pessimistic}}}``: factors of the planned duration."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        p.add(doc, ("risk",), "'risk:' is a mapping, e.g. risk: {estimates: {training: {optimistic: 0.9, "
                              "pessimistic: 1.5}}}")
        return {}
    p.keys(doc, ("risk",), value, RISK_SETTINGS_KEYS, "risk")
    table = value.get("estimates")
    if table is None:
        return {}
    if not isinstance(table, dict):
        p.add(doc, ("risk", "estimates"), "estimates: a mapping of task kind to {optimistic, likely, pessimistic}")
        return {}
    out = {}
    for kind, factors in table.items():
        where = ("risk", "estimates", kind)
        if kind not in KINDS or kind == "milestone":
            p.add(doc, where, f"unknown task kind '{kind}'{_suggest(kind, KINDS)}")
            continue
        if not isinstance(factors, dict):
            p.add(doc, where, "a kind's range is {optimistic: 0.9, likely: 1, pessimistic: 1.5} (factors of "
                              "the planned duration)")
            continue
        p.keys(doc, where, factors, ESTIMATE_KEYS, "estimates")
        values = []
        for name, default in (("optimistic", None), ("likely", 1.0), ("pessimistic", None)):
            raw = factors.get(name, default)
            try:
                if isinstance(raw, bool) or raw is None:
                    raise ValueError
                number = float(raw)
                if not 0 <= number <= 100:
                    raise ValueError
                values.append(number)
            except (TypeError, ValueError):
                p.add(doc, where + ((name,) if name in factors else ()),
                      f"{name} is a factor of the planned duration (e.g. 0.9), found {raw!r}")
        if len(values) == 3:
            if not values[0] <= values[1] <= values[2]:
                p.add(doc, where, f"estimates need optimistic ≤ likely ≤ pessimistic, found "
                                  f"{values[0]:g}/{values[1]:g}/{values[2]:g}")
            else:
                out[kind] = (values[0], values[1], values[2])
    return out


def _jira_link_types(doc: YamlDoc, value: Any, p: _Problems) -> None:
    """``jira.link_types``: the Jira link type of SS, FF and SF dependencies (docs/jira.md)."""
    if value is None:
        return
    if not isinstance(value, dict):
        p.add(doc, ("jira", "link_types"), "'jira.link_types:' maps SS, FF and SF to Jira link type names, "
                                           "e.g. {SS: Relates, FF: Relates, SF: Relates}")
        return
    for key, name in value.items():
        if str(key).upper() not in JIRA_LINKED_DEPENDENCIES:
            hint = " (FS dependencies use jira.link_type)" if str(key).upper() == "FS" else \
                _suggest(str(key).upper(), JIRA_LINKED_DEPENDENCIES)
            p.add(doc, ("jira", "link_types", key), f"unknown dependency type '{key}' in jira.link_types "
                                                    f"(expected SS, FF or SF){hint}")
        elif not isinstance(name, str) or not name.strip():
            p.add(doc, ("jira", "link_types", key), f"jira.link_types.{key} must name a Jira issue link type "
                                                    f"(e.g. Relates), not {name!r}")


def _mapping(doc: YamlDoc, key: str, value: Any, allowed: tuple[str, ...], p: _Problems) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        p.add(doc, (key,), f"'{key}:' must be a mapping")
        return {}
    p.keys(doc, (key,), value, allowed, key)
    return dict(value)


def _list(doc: YamlDoc, key: str, value: Any, p: _Problems) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        p.add(doc, (key,), f"'{key}:' must be a list")
        return []
    return value


# ------------------------------------------------------------------------------------------ entry points

def load_plan(path: str | Path, strict: bool = True) -> Plan:
    """Read a plan file, expand its templates and return the Plan.

    With ``strict=False`` a dependency on a task that does not exist is recorded in
    ``plan.unresolved`` instead of failing the load (``rollout check`` reports it as S002).
    """
    path = Path(path)
    with no_gc():
        doc = load_yaml(path, _display(path))
        return _expand(doc, strict)


def expand_text(text: str, path: str = "<plan>", strict: bool = True) -> Plan:
    """Expand a plan given as YAML text (templates by path resolve against the current folder)."""
    from .loader import load_yaml_text

    return _expand(load_yaml_text(text, path), strict)
