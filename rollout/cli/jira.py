"""Tracker commands: ``push`` (plan → Jira), ``pull`` (Jira → snapshot) and ``baseline``."""

from __future__ import annotations

from contextlib import contextmanager

import click

from ..errors import RemoteError
from ._common import PLAN_ARG, emit, format_option, is_terminal, load, to_json


class _Bar:
    """A click progress bar per phase, on a terminal only."""

    def __init__(self):
        self._bar = None

    def start(self, phase: str, total: int) -> None:
        self.finish()
        self._bar = click.progressbar(length=max(total, 1), label=phase.ljust(16), show_eta=False)
        self._bar.__enter__()

    def advance(self, count: int = 1) -> None:
        if self._bar is not None:
            self._bar.update(count)

    def finish(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None


@contextmanager
def _progress(fmt: str):
    from ..trackers.base import NO_PROGRESS

    if fmt != "text" or not is_terminal():
        yield NO_PROGRESS
        return
    bar = _Bar()
    try:
        yield bar
    finally:
        bar.finish()


def _push_text(result) -> str:
    s = result.summary()
    verb = "would " if result.dry_run else ""
    lines = []
    for c in result.changes:
        if c.action in ("unchanged",):
            continue
        if result.dry_run or c.action in ("conflict", "error", "label-removed", "unlink", "unassigned"):
            if c.task is None and c.issue is None:      # about the plan, not one issue (an owner without a Jira user)
                lines.append(f"  {c.action:<13} {c.detail}".rstrip())
            else:
                lines.append(f"  {c.action:<13} {c.task or '':<32} {c.issue or '':<10} {c.detail}".rstrip())
    head = (f"{result.plan}: {verb}create {s['create']}, {verb}update {s['update']}, unchanged {s['unchanged']}, "
            f"{verb}link {s['link']}, {verb}unlink {s['unlink']}, removed {s['label-removed']}, "
            f"conflicts {s['conflict']}, errors {s['error']}")
    calls = result.calls
    tail = [f"Jira calls: {calls.get('read', 0)} reads, "
            f"{sum(calls.get(k, 0) for k in ('create', 'update', 'link', 'unlink'))} writes"
            + (f", {calls['retries']} retried after a fault" if calls.get("retries") else "")]
    if result.resumed:
        tail.append(f"resumed an interrupted push ({result.resumed} unconfirmed creates checked against Jira)")
    if result.baseline_saved:
        tail.append("baseline saved (first push)")
    if any(c.action == "conflict" and "left alone" in (c.detail or "") for c in result.changes):
        tail.append("push again with --force to overwrite what was left alone")
    if result.findings is not None:
        f = result.findings
        tail.append(f"checks: {f.get('error', 0)} errors, {f.get('warning', 0)} warnings, {f.get('info', 0)} info"
                    " (run `rollout check` for details)")
    return "\n".join([head, *lines, *tail]) + "\n"


@click.command("push")
@PLAN_ARG
@click.option("--dry-run", is_flag=True, help="Read Jira and say what would change; write nothing.")
@click.option("--force", is_flag=True, help="Overwrite fields people changed in Jira since the last push.")
@format_option("text", "json")
def push_cmd(plan_path, dry_run, force, fmt):
    """Create or update the plan's epics, issues and Blocks links in Jira.

    One issue per task (an epic per workstream by default), due and start dates from the
    schedule, labels `rollout` and `rollout-<plan>`. Re-running changes only what changed; an
    unchanged plan makes no writes. Removed tasks are labelled `rollout-removed`, never deleted.
    Fields people edited in Jira since the last push are reported as conflicts and left alone
    unless --force. The server and credentials come from the environment only: JIRA_URL, and
    JIRA_EMAIL + JIRA_API_TOKEN (Cloud) or JIRA_PAT (Server/Data Center). Exit 3 when Jira fails.

    Example:

    \b
        export JIRA_URL=https://acme.atlassian.net JIRA_EMAIL=pmo@acme.example JIRA_API_TOKEN=...
        rollout push acme.yaml --dry-run
        rollout push acme.yaml
    """
    from ..trackers import push_plan

    plan = load(plan_path)
    with _progress(fmt) as progress:
        result = push_plan(plan, dry_run=dry_run, force=force, progress=progress)
    emit(to_json(result.to_dict()) if fmt == "json" else _push_text(result))
    if result.errors:
        raise RemoteError(f"{len(result.errors)} item(s) failed in Jira (listed above); fix the cause and "
                          "run push again: it resumes without duplicating anything")


@click.command("pull")
@PLAN_ARG
@click.option("--risk", is_flag=True,
              help="Also store the P50/P80 of a simulation of the remaining work (fixed seed) in the snapshot.")
@format_option("text", "json")
def pull_cmd(plan_path, risk, fmt):
    """Read status, assignee and actual dates of every pushed task back from Jira.

    Stores a dated snapshot in the plan's state file (.rollout/<plan>.sqlite) for `rollout status`
    and prints a short summary; the forecast of every milestone and of the finish is stored beside it
    for `rollout trend` (with --risk, their P50/P80 too). Actual start is the first move into an in-progress (or done)
    status, actual finish the last move into a done status, both from the issue changelog.

    Example:

    \b
        rollout pull acme.yaml
        rollout pull acme.yaml --format json
        rollout pull acme.yaml --risk
    """
    from ..trackers import pull_plan

    plan = load(plan_path)
    with _progress(fmt) as progress:
        result = pull_plan(plan, progress=progress, risk=risk)
    if fmt == "json":
        emit(to_json(result.to_dict()))
        return
    s = result.summary()
    lines = [f"{plan.id}: snapshot {result.taken_at.isoformat()}: {s['done']} done, {s['in-progress']} in progress, "
             f"{s['todo']} to do ({len(result.tasks)} of {len(plan.tasks)} tasks in Jira)"]
    if result.missing:
        lines.append(f"not found in Jira: {', '.join(result.missing)}")
    if result.forecast is not None:
        f = result.forecast
        risk_part = f" (P50 {f.p50}, P80 {f.p80})" if f.p80 else ""
        lines.append(f"forecast of {f.as_of}: finish {f.finish}{risk_part}, {len(f.milestones)} milestone(s): "
                     "see rollout trend")
    emit("\n".join(lines) + "\n")


@click.command("baseline")
@PLAN_ARG
@click.option("--name", "name", default=None, metavar="NAME",
              help="Store it under this name (e.g. \"SteerCo 2027-03\"), beside the default baseline.")
@click.option("--keep", is_flag=True, help="Keep an existing baseline (only save when none is stored).")
@format_option("text", "json")
def baseline_cmd(plan_path, name, keep, fmt):
    """Store the plan's current schedule as its baseline (variance is measured against it).

    The first push stores a baseline automatically; run this after a re-plan the sponsor
    approved. The baseline lives in the plan's state file (.rollout/<plan>.sqlite). With --name
    it is stored under that name and the default one is left as it is: `rollout baselines`
    lists them, `status --baseline NAME` and `diff baseline:NAME PLAN` compare against one.

    Example:

    \b
        rollout baseline acme.yaml
        rollout baseline acme.yaml --name "SteerCo 2027-03"
        rollout baseline acme.yaml --keep --format json
    """
    from ..trackers import save_baseline

    info = save_baseline(load(plan_path), replace=not keep, name=name)
    if fmt == "json":
        emit(to_json(info))
    else:
        verb = "saved" if info["saved"] else "kept the existing"
        which = "baseline" if name is None else f"baseline {info['name']!r}"
        emit(f"{info['plan']}: {verb} {which}: {info['tasks']} tasks, finish {info['finish']}\n")


COMMANDS = [push_cmd, pull_cmd, baseline_cmd]
