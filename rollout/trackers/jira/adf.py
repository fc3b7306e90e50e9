"""Descriptions: ADF (v3) or plain text (v2), compared as plain text."""

from __future__ import annotations

from typing import Any, Mapping


# ---------------------------------------------------------------------------------------------
# descriptions: ADF (v3) or plain text (v2), compared as plain text


_DEP_WORDS = {"SS": "starts with", "FF": "finishes with", "SF": "finishes after the start of", "FS": "follows"}


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


