"""Check results as text for people, JSON for scripts, SARIF 2.1.0 for code-scanning tools."""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path
from typing import Any

from .. import __version__
from ..model import Source
from .registry import SEVERITIES, all_rules

__all__ = ["to_json", "to_sarif", "to_text"]

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
#: Where the project lives; SARIF readers link the tool (``informationUri``) and each built-in rule
#: (``helpUri``: its section of docs/rules.md) to it.
PROJECT_URL = "https://github.com/rollout-pm/rollout"
RULES_DOC_URL = f"{PROJECT_URL}/blob/main/docs/rules.md"
_SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def to_text(result) -> str:
    """Findings grouped by severity; each with its tasks, their names and where they were defined."""
    plan = result.plan
    tasks = plan.task_index()
    cadences = {c.id: c for c in plan.cadences}
    counts = result.counts()
    lines = []
    if not result.findings:
        n = len(result.rules)
        lines.append(f"{plan.id}: no findings ({n} rule{'s' if n != 1 else ''} checked)")
    else:
        summary = ", ".join(f"{n} {s}{'s' if n != 1 and s != 'info' else ''}" for s, n in counts.items() if n)
        lines.append(f"{plan.id}: {summary}")
    for severity in SEVERITIES:
        group = [f for f in result.findings if f.severity == severity]
        if not group:
            continue
        lines += ["", f"{severity.upper()} ({len(group)})"]
        for f in group:
            lines.append(f"  {f.code} {f.slug}: {f.message}")
            for tid in f.tasks:
                t = tasks.get(tid)
                name = t.name if t is not None else ""
                where = _where(t.source if t is not None else None)
                lines.append(f"      {tid}  {name}" + (f"  ({where})" if where else ""))
            for cid in f.cadences:
                c = cadences.get(cid)
                where = _where(c.source if c is not None else None)
                lines.append(f"      cadence {cid}  {c.name if c else ''}" + (f"  ({where})" if where else ""))
            shown = {_where(t.source) for t in map(tasks.get, f.tasks) if t is not None}
            shown |= {_where(c.source) for c in map(cadences.get, f.cadences) if c is not None}
            if f.source is not None and _where(f.source) not in shown:
                lines.append(f"      at {_where(f.source)}")
            if f.hint:
                lines.append(f"      hint: {f.hint}")
    reasons = getattr(result, "skip_reasons", {}) or {}
    unscheduled = [r for r in result.skipped if r.code not in reasons]
    if unscheduled:
        lines += ["", "not run (the plan cannot be scheduled until the errors above are fixed): "
                  + ", ".join(r.code for r in unscheduled)]
    if reasons:
        lines.append("")
        lines += [f"skipped {code}: {reason}" for code, reason in reasons.items()]
    if result.findings:
        lines += ["", "Explain a rule with `rollout rules CODE`; silence one with `checks: {ignore: [CODE]}`."]
    return "\n".join(lines) + "\n"


def to_json(result) -> str:
    return json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n"


def to_sarif(result) -> str:
    """SARIF 2.1.0: one run, the catalogue as the driver's rules, one result per finding located at
    the definition of its first task (the others as related locations)."""
    return indented_json(sarif(result)) + "\n"


_quote = json.encoder.py_encode_basestring if json.encoder.c_encode_basestring is None \
    else json.encoder.c_encode_basestring


def indented_json(value: Any) -> str:
    """Exactly ``json.dumps(value, indent=2, ensure_ascii=False)`` for JSON data (dicts with string
    keys, lists, strings, numbers, booleans, None), about twice as fast: the standard library's
    indenting encoder is pure Python and the SARIF of a 10,000-task plan holds ~1.5 million values.

    >>> data = {"a": [1, 2.5, {"b": None, "c": "é\\n"}], "d": [], "e": {}, "f": True}
    >>> indented_json(data) == json.dumps(data, indent=2, ensure_ascii=False)
    True
    """
    out: list[str] = []
    _write(value, out, "\n")
    return "".join(out)


def _write(value: Any, out: list[str], newline: str) -> None:
    if isinstance(value, str):
        out.append(_quote(value))
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        out.append(int.__repr__(value))
    elif isinstance(value, float):
        out.append(json.dumps(value))
    elif isinstance(value, dict):
        if not value:
            out.append("{}")
            return
        inner = newline + "  "
        first = True
        for key, item in value.items():
            out.append("{" + inner if first else "," + inner)
            first = False
            out.append(_quote(key if isinstance(key, str) else json.dumps(key).strip('"')))
            out.append(": ")
            _write(item, out, inner)
        out.append(newline + "}")
    elif isinstance(value, (list, tuple)):
        if not value:
            out.append("[]")
            return
        inner = newline + "  "
        first = True
        for item in value:
            out.append("[" + inner if first else "," + inner)
            first = False
            _write(item, out, inner)
        out.append(newline + "]")
    else:
        raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def sarif(result) -> dict[str, Any]:
    plan = result.plan
    tasks = plan.task_index()
    cadences = {c.id: c for c in plan.cadences}
    catalogue = list(all_rules().values())
    rule_index = {r.code: k for k, r in enumerate(catalogue)}
    plan_source = plan.source or (Source(plan.path) if plan.path else None)
    results = []
    for f in result.findings:
        sources: list[tuple[str, Source | None]] = [(tid, tasks[tid].source if tid in tasks else None)
                                                    for tid in f.tasks]
        sources += [(cid, cadences[cid].source if cid in cadences else None) for cid in f.cadences]
        located = [(name, src) for name, src in sources if src is not None and src.path]
        primary = f.source or plan_source
        if primary is not None and primary.path and str(primary) not in {str(src) for _, src in located}:
            located.insert(0, ((f.tasks + f.cadences + (plan.id,))[0], primary))
        entry: dict[str, Any] = {
            "ruleId": f.code,
            "ruleIndex": rule_index[f.code],
            "level": _SARIF_LEVEL[f.severity],
            "message": {"text": f.message + (f" Hint: {f.hint}" if f.hint else "")},
            "locations": [_location(name, src) for name, src in located[:1]],
            "partialFingerprints": {"rolloutFinding/v1": f"{f.code}:{'|'.join(f.tasks + f.cadences)}"},
        }
        if len(located) > 1:
            entry["relatedLocations"] = [dict(_location(name, src), id=k, message={"text": name})
                                         for k, (name, src) in enumerate(located[1:], start=1)]
        if f.tasks:
            entry["properties"] = {"tasks": list(f.tasks)}
        results.append(entry)
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "rollout",
                "version": __version__,
                "informationUri": PROJECT_URL,
                "rules": [_rule_descriptor(r, result.severities.get(r.code, r.severity)) for r in catalogue],
            }},
            "originalUriBaseIds": {"%SRCROOT%": {"uri": Path.cwd().resolve().as_uri() + "/"}},
            "results": results,
        }],
    }


def rule_help_uri(r) -> str | None:
    """The docs page anchor of a built-in rule (the heading ``## FM001 executives-left-out`` of
    docs/rules.md, as GitHub anchors it); None for a plugin's rule, which rollout does not document."""
    if r.origin != "rollout":
        return None
    return f"{RULES_DOC_URL}#{r.code.lower()}-{r.slug.lower()}"


def _rule_descriptor(r, severity: str) -> dict[str, Any]:
    out = {
        "id": r.code,
        "name": "".join(part.capitalize() for part in r.slug.split("-")),
        "shortDescription": {"text": r.summary.replace("`", "")},
        "fullDescription": {"text": r.doc_parts().get("What it does", r.summary).replace("\n", " ")},
        "help": {"text": r.doc, "markdown": r.doc},
        "defaultConfiguration": {"level": _SARIF_LEVEL[severity]},
        "properties": {"slug": r.slug, "origin": r.origin},
    }
    uri = rule_help_uri(r)
    if uri:
        out["helpUri"] = uri
    return out


def _location(name: str, src: Source) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": _artifact(src.path)}
    line = src.line
    region: dict[str, Any] = {"startLine": line or 1}
    if line and src.col:
        region["startColumn"] = src.col
    physical["region"] = region
    return {"physicalLocation": physical, "logicalLocations": [{"name": name, "kind": "object"}]}


def _artifact(path: str) -> dict[str, Any]:
    return dict(_artifact_of(path, os.getcwd()))


@functools.lru_cache(maxsize=256)
def _artifact_of(path: str, cwd: str) -> tuple[tuple[str, str], ...]:
    """The artifact location of a file, resolved once per file (thousands of findings share a few)."""
    absolute = Path(path).resolve()
    try:
        rel = absolute.relative_to(Path(cwd).resolve())
    except ValueError:
        return (("uri", absolute.as_uri()),)
    return (("uri", rel.as_posix()), ("uriBaseId", "%SRCROOT%"))


def _where(src: Source | None) -> str:
    if src is None or not src.path:
        return ""
    path = src.path
    try:
        rel = os.path.relpath(path)
        if not rel.startswith(".."):
            path = rel
    except ValueError:
        pass
    return f"{path}:{src.line}" if src.line else path
