"""The rule registry: what a rule is, what it reports, and how rules are chosen and configured.

Built-in rules and plugin rules (entry point group ``rollout.checks``) register the same way.
"""

from __future__ import annotations

import re
import types
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping

from ..errors import PlanError, RolloutError, UsageError
from ..model import Source
from ..util import suggestion

__all__ = [
    "SEVERITIES",
    "Finding",
    "Rule",
    "RuleSkipped",
    "Selection",
    "Violation",
    "all_rules",
    "get_rule",
    "rule",
]

#: Severities, most serious first.
SEVERITIES = ("error", "warning", "info")
_SEVERITY_RANK = {s: k for k, s in enumerate(SEVERITIES)}
_CODE = re.compile(r"^[A-Z]+[0-9]+$")
_DOC_PARTS = ("What it does", "Why is this bad?", "Example", "Use instead")
ENTRY_POINT_GROUP = "rollout.checks"


class RuleSkipped(Exception):
    """Raised by a rule that cannot be evaluated on this input (no status date, say); ``reason`` says why.

    The run lists the rule as skipped with the reason; it is not a finding."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Violation:
    """What a rule function yields: the message, the tasks and cadences involved, an optional hint."""

    message: str
    tasks: tuple[str, ...] = ()
    hint: str | None = None
    cadences: tuple[str, ...] = ()
    source: Source | None = None      # where to point when no task is involved (mission, measures)
    metric: Mapping[str, Any] | None = None   # a measured rule's figures (value, threshold, counts)


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem found in a plan: the rule's code and slug, the severity in force, what and where."""

    code: str
    severity: str
    message: str
    tasks: tuple[str, ...] = ()
    hint: str | None = None
    slug: str = ""
    cadences: tuple[str, ...] = ()
    source: Source | None = field(default=None, compare=False)
    metric: Mapping[str, Any] | None = field(default=None, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of SPEC 3 (plus ``slug``, ``cadences``, and ``metric`` for measured rules)."""
        out = {"code": self.code, "slug": self.slug, "severity": self.severity, "message": self.message,
               "tasks": list(self.tasks), "cadences": list(self.cadences), "hint": self.hint}
        if self.metric is not None:
            out["metric"] = dict(self.metric)
        return out

    def at_least(self, severity: str) -> bool:
        """True when this finding is as serious as ``severity`` or more."""
        return _SEVERITY_RANK[self.severity] <= _SEVERITY_RANK[severity]


@dataclass(frozen=True)
class Rule:
    """A check: code (never reused), slug, default severity, one-line summary, settings with defaults.

    ``check`` receives a :class:`rollout.checks.context.CheckContext` and yields Violations.
    Its docstring is the rule's documentation in four parts (What it does / Why is this bad? /
    Example / Use instead).
    """

    code: str
    slug: str
    severity: str
    summary: str
    check: Callable[[Any], Iterable[Violation]] = field(repr=False)
    settings: Mapping[str, Any] = field(default_factory=dict)
    hint: str | None = None
    needs_schedule: bool = True
    origin: str = "rollout"
    opt_in: bool = False      # runs only when a selector names it (``D``, ``D007``), never by ``ALL``

    @property
    def doc(self) -> str:
        return _dedent(self.check.__doc__ or "")

    def doc_parts(self) -> dict[str, str]:
        """The doc split into its four sections (missing sections are absent)."""
        parts: dict[str, str] = {}
        current = None
        for line in self.doc.splitlines():
            heading = line.strip().rstrip(":")
            if line.startswith("## ") and line[3:].strip() in _DOC_PARTS:
                current = line[3:].strip()
                parts[current] = ""
            elif current and heading not in _DOC_PARTS:
                parts[current] += line + "\n"
        return {k: v.strip() for k, v in parts.items()}

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "slug": self.slug, "severity": self.severity, "summary": self.summary,
                "settings": dict(self.settings), "origin": self.origin}


def rule(code: str, slug: str, *, severity: str, summary: str, settings: Mapping[str, Any] | None = None,
         hint: str | None = None, needs_schedule: bool = True,
         opt_in: bool = False) -> Callable[[Callable], Rule]:
    """Decorator turning a function of a CheckContext into a :class:`Rule`.

    >>> @rule("X001", "always-quiet", severity="info", summary="never fires")
    ... def quiet(ctx):
    ...     '''## What it does
    ...     Nothing.'''
    ...     return ()
    >>> quiet.code, quiet.severity
    ('X001', 'info')
    """
    if not _CODE.match(code):
        raise ValueError(f"rule code {code!r} must be capital letters then digits, e.g. FM012")
    if severity not in _SEVERITY_RANK:
        raise ValueError(f"rule {code}: severity must be one of {', '.join(SEVERITIES)}")

    def wrap(func: Callable) -> Rule:
        module = getattr(func, "__module__", "") or ""
        origin = "rollout" if module.startswith("rollout.") else module.split(".")[0]
        return Rule(code, slug, severity, summary, func, dict(settings or {}), hint, needs_schedule, origin,
                    opt_in)

    return wrap


# ---------------------------------------------------------------- the catalogue

_catalogue: dict[str, Rule] | None = None


def all_rules() -> dict[str, Rule]:
    """Every rule by code, built-ins first, then plugins from the ``rollout.checks`` entry points."""
    global _catalogue
    if _catalogue is None:
        from ..plugins import discover

        found: dict[str, Rule] = {}
        for plugin in discover(ENTRY_POINT_GROUP):       # our rule modules first, through the same path
            where = plugin.value if plugin.builtin else f"plugin '{plugin.name}'"
            _add(found, [r for r in _rules_in(plugin.load()) if r.code not in found or found[r.code] is not r],
                 where)
        _catalogue = dict(sorted(found.items(), key=lambda kv: _code_key(kv[0])))
    return _catalogue


def get_rule(code: str) -> Rule:
    """One rule by code (case-insensitive) or slug; UsageError with a suggestion otherwise."""
    rules = all_rules()
    key = code.strip()
    if key.upper() in rules:
        return rules[key.upper()]
    by_slug = {r.slug: r for r in rules.values()}
    if key.lower() in by_slug:
        return by_slug[key.lower()]
    raise UsageError(f"unknown rule '{code}'" + _did_you_mean(key, list(rules) + list(by_slug)))


def _rules_in(obj: Any) -> list[Rule]:
    """Rules from an entry point target: a Rule, a list of Rules, a module, or a callable giving those."""
    if isinstance(obj, Rule):
        return [obj]
    if isinstance(obj, types.ModuleType):
        listed = getattr(obj, "RULES", None)
        if listed is not None:
            return _rules_in(listed)
        return [v for v in vars(obj).values() if isinstance(v, Rule)]
    if isinstance(obj, (list, tuple)):
        return [r for item in obj for r in _rules_in(item)]
    if callable(obj):
        return _rules_in(obj())
    raise RolloutError(f"not a rule or a list of rules: {obj!r}")


def _add(found: dict[str, Rule], rules: list[Rule], where: str) -> None:
    for r in rules:
        if r.code in found and found[r.code] is not r:
            raise RolloutError(f"rule code {r.code} from {where} is already taken by '{found[r.code].slug}'")
        found[r.code] = r


def _code_key(code: str) -> tuple[int, str, int]:
    m = re.match(r"([A-Z]+)([0-9]+)$", code)
    prefix, number = (m.group(1), int(m.group(2))) if m else (code, 0)
    return ({"FM": 0, "S": 1}.get(prefix, 2), prefix, number)


# ---------------------------------------------------------------- choosing rules

@dataclass(frozen=True)
class Selection:
    """Which rules run, with what severity and settings: the plan's ``checks:`` and the command line.

    Selectors are codes or code prefixes (``FM``, ``FM00``, ``FM006``) or ``ALL``. The longest
    matching selector decides; between a ``select`` and an ``ignore`` of equal length, ignore wins.
    The command line's ``select`` replaces the plan's; ignores from both apply.
    """

    select: tuple[str, ...] = ("ALL",)
    ignore: tuple[str, ...] = ()
    severity: Mapping[str, str] = field(default_factory=dict)
    settings: Mapping[str, Any] = field(default_factory=dict)

    def enabled(self, code: str, opt_in: bool = False) -> bool:
        """True when the rule runs; an ``opt_in`` rule must be named by a code or prefix, not by ALL."""
        best_select = max((_match_len(s, code) for s in self.select if not (opt_in and s == "ALL")),
                          default=-1)
        best_ignore = max((_match_len(s, code) for s in self.ignore), default=-1)
        return best_select >= 0 and best_select > best_ignore

    def severity_of(self, r: Rule) -> str:
        return self.severity.get(r.code, r.severity)

    def settings_for(self, r: Rule) -> dict[str, Any]:
        values = dict(r.settings)
        for key in r.settings:
            if key in self.settings:
                values[key] = self.settings[key]
        return values

    @classmethod
    def build(cls, plan_checks: Mapping[str, Any] | None = None, select: Iterable[str] | None = None,
              ignore: Iterable[str] | None = None, plan_path: str | None = None,
              plan_source: Source | None = None) -> "Selection":
        """Combine the plan's ``checks:`` mapping with command-line selectors, validating both."""
        rules = all_rules()
        plan_checks = dict(plan_checks or {})
        where = _where(plan_path, plan_source)

        def plan_error(msg: str) -> PlanError:
            return PlanError(f"checks: {msg}", *where)

        unknown = set(plan_checks) - {"select", "ignore", "severity", "settings"}
        if unknown:
            key = sorted(unknown)[0]
            raise plan_error(f"unknown key '{key}'"
                             + _did_you_mean(key, ["select", "ignore", "severity", "settings"]))
        plan_select = _codes(plan_checks.get("select"), rules, plan_error, "select")
        plan_ignore = _codes(plan_checks.get("ignore"), rules, plan_error, "ignore")
        cli_select = _codes(select, rules, UsageError, "select") if select else None
        cli_ignore = _codes(ignore, rules, UsageError, "ignore") if ignore else ()

        severity: dict[str, str] = {}
        raw_sev = plan_checks.get("severity") or {}
        if not isinstance(raw_sev, Mapping):
            raise plan_error("severity must be a mapping of rule code to error, warning or info")
        for sel, level in raw_sev.items():
            level = str(level).lower()
            if level not in _SEVERITY_RANK:
                raise plan_error(f"severity of {sel} must be error, warning or info, not '{level}'")
            for code in _codes([sel], rules, plan_error, "severity"):
                for c in rules:
                    if _match_len(code, c) >= 0:
                        severity[c] = level

        raw_settings = plan_checks.get("settings") or {}
        if not isinstance(raw_settings, Mapping):
            raise plan_error("settings must be a mapping of setting name to value")
        known = {k: (r, v) for r in rules.values() for k, v in r.settings.items()}
        settings: dict[str, Any] = {}
        for key, value in raw_settings.items():
            if key not in known:
                raise plan_error(f"unknown setting '{key}'" + _did_you_mean(str(key), list(known)))
            settings[key] = _coerce_setting(key, value, known[key][1], plan_error)

        return cls(
            select=tuple(cli_select if cli_select is not None else (plan_select or ("ALL",))),
            ignore=tuple(plan_ignore) + tuple(cli_ignore),
            severity=severity,
            settings=settings,
        )


def _match_len(selector: str, code: str) -> int:
    """How specifically ``selector`` matches ``code``: its length, 0 for ALL, -1 for no match."""
    if selector == "ALL":
        return 0
    return len(selector) if code.startswith(selector) else -1


def _codes(values, rules: Mapping[str, Rule], error: Callable[[str], Exception], what: str) -> tuple[str, ...]:
    if values is None:
        return ()
    if isinstance(values, str):
        values = [v for v in re.split(r"[,\s]+", values) if v]
    out = []
    for raw in values:
        sel = str(raw).strip().upper()
        if sel == "ALL" or any(code.startswith(sel) for code in rules):
            out.append(sel)
        else:
            by_slug = {r.slug: c for c, r in rules.items()}
            if str(raw).strip().lower() in by_slug:
                out.append(by_slug[str(raw).strip().lower()])
                continue
            raise error(f"{what}: '{raw}' is not a rule code or prefix" + _did_you_mean(sel, list(rules)))
    return tuple(out)


def _coerce_setting(key: str, value: Any, default: Any, error) -> Any:
    """The setting's value in the type of its default (plan files may hand numbers over as text)."""
    if isinstance(default, bool):
        text = str(value).strip().lower()
        if text not in ("true", "false"):
            raise error(f"setting {key} must be true or false, not {value!r}")
        return text == "true"
    if isinstance(default, int):
        try:
            number = int(str(value).strip()) if not isinstance(value, bool) else -1
        except ValueError:
            number = -1
        if number < 0:
            raise error(f"setting {key} must be a whole number of at least 0, not {value!r}")
        return number
    if isinstance(default, float):
        try:
            number = float(str(value).strip()) if not isinstance(value, bool) else -1.0
        except ValueError:
            number = -1.0
        if not 0 <= number <= 1:
            raise error(f"setting {key} must be a number between 0 and 1, not {value!r}")
        return number
    if isinstance(default, (list, tuple)):
        if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
            raise error(f"setting {key} must be a list, not {value!r}")
        return tuple(str(v) for v in value)
    return value


def _where(path: str | None, source: Source | None) -> tuple[str | None, int | None]:
    if source is not None:
        return source.path, source.line
    return path, None


def _did_you_mean(word: str, choices: list[str]) -> str:
    return suggestion(word, choices)


def _dedent(doc: str) -> str:
    import textwrap

    lines = doc.strip("\n").splitlines()
    if not lines:
        return ""
    first, rest = lines[0].strip(), textwrap.dedent("\n".join(lines[1:]))
    return (first + "\n" + rest).strip() + "\n"
