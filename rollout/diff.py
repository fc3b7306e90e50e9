"""What changed between two versions of a plan: tasks, dates, critical path, findings, P80 (SPEC 3 ``diff``).

A version is a plan file, a plan as committed in git (``git:REV:PATH``) or a stored baseline (``baseline:``).
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import subprocess
import tarfile
import tempfile
from collections import Counter
import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

from .calendar import WorkCalendar
from .errors import PlanError, UsageError
from .model import Plan

__all__ = ["DIFF_ITERATIONS", "DIFF_SEED", "PlanDiff", "Version", "diff_plans", "diff_versions", "load_version"]

#: The simulation behind ``--risk``: fixed, so the same two plans always give the same P80 change.
DIFF_ITERATIONS = 2000
DIFF_SEED = 20270101


@dataclass(frozen=True)
class TaskDates:
    """One task as a version knows it; a stored baseline knows no names and no float."""

    id: str
    name: str | None
    start: _dt.date
    finish: _dt.date
    milestone: bool
    critical: bool | None


@dataclass(frozen=True)
class Version:
    """One side of a diff: a label, its tasks' dates, its finish, and (for plans) findings and P80."""

    label: str
    tasks: Mapping[str, TaskDates]
    finish: _dt.date
    plan: Plan | None = None                      # None for a stored baseline
    schedule: Any = None
    findings: tuple | None = None                 # check findings (None: not known, e.g. a baseline)
    p80: _dt.date | None = None

    @property
    def is_plan(self) -> bool:
        return self.plan is not None


def plan_version(plan: Plan, label: str | None = None, *, findings: bool = True, risk: bool = False,
                 iterations: int = DIFF_ITERATIONS, seed: int = DIFF_SEED) -> Version:
    """A plan scheduled (and checked, and simulated with ``risk``) as one side of a diff: one
    :class:`rollout.Analysis` of it (the state store is not read: a diff compares plans)."""
    from .analysis import Analysis

    run = Analysis(plan, use_state=False, iterations=iterations, seed=seed, remaining=False)
    sched = run.schedule
    tasks = {tid: TaskDates(tid, st.task.name, st.start_date, st.finish_date, st.task.is_milestone, st.critical)
             for tid, st in sched.tasks.items()}
    found = run.findings if findings else None
    p80 = None
    if risk:
        result = run.risk
        p80 = result.date(result.percentile_days(80))
    return Version(label or plan.path or plan.id, tasks, sched.finish_date, plan, sched, found, p80)


def baseline_version(baseline: Mapping[str, tuple[_dt.date, _dt.date]], label: str,
                     like: Plan | None = None) -> Version:
    """A stored baseline (task id → (start date, finish date)) as one side of a diff; ``like`` (the plan
    it belongs to) says which tasks are milestones."""
    kinds = {t.id: t.is_milestone for t in like.tasks} if like is not None else {}
    tasks = {tid: TaskDates(tid, None, s, f, kinds.get(tid, s == f), None) for tid, (s, f) in baseline.items()}
    finish = max((t.finish for t in tasks.values()), default=like.start if like else _dt.date.today())
    return Version(label, tasks, finish)


# ------------------------------------------------------------------------------- the result

@dataclass(frozen=True)
class Moved:
    id: str
    name: str | None
    start_delta: int
    finish_delta: int
    old_start: _dt.date
    new_start: _dt.date
    old_finish: _dt.date
    new_finish: _dt.date
    milestone: bool

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "start_delta": self.start_delta,
                "finish_delta": self.finish_delta, "old_start": self.old_start.isoformat(),
                "new_start": self.new_start.isoformat(), "old_finish": self.old_finish.isoformat(),
                "new_finish": self.new_finish.isoformat()}


@dataclass(frozen=True)
class PlanDiff:
    """What changed from ``old`` to ``new``. Deltas are working days on the new plan's calendar,
    positive when later; ``moved`` is sorted by |finish_delta|, largest first."""

    old: Version
    new: Version
    finish_delta: int
    added: tuple[str, ...]
    removed: tuple[str, ...]
    renamed: tuple[tuple[str, str, str], ...]          # (id, old name, new name)
    moved: tuple[Moved, ...]
    critical_entered: tuple[str, ...] | None           # None when a side does not know its float
    critical_left: tuple[str, ...] | None
    findings_new: tuple | None                          # None when a side has no findings (a baseline)
    findings_resolved: tuple | None
    p80_delta: int | None = None
    risk: bool = False

    @property
    def milestones_moved(self) -> tuple[Moved, ...]:
        return tuple(m for m in self.moved if m.milestone)

    def slipped_more_than(self, days: int) -> bool:
        """True when the finish moved later by more than ``days`` working days."""
        return self.finish_delta > days

    @property
    def unchanged(self) -> bool:
        return not (self.finish_delta or self.added or self.removed or self.renamed or self.moved
                    or self.critical_entered or self.critical_left or self.findings_new
                    or self.findings_resolved or self.p80_delta)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of ``rollout diff --format json`` (SPEC 3), with ``milestones`` added."""
        out: dict[str, Any] = {
            "old": self.old.label, "new": self.new.label,
            "finish": {"old": self.old.finish.isoformat(), "new": self.new.finish.isoformat(),
                       "delta_days": self.finish_delta},
            "added": list(self.added), "removed": list(self.removed),
            "renamed": [{"id": i, "old": o, "new": n} for i, o, n in self.renamed],
            "moved": [m.to_dict() for m in self.moved],
            "milestones": [{"id": m.id, "old": m.old_finish.isoformat(), "new": m.new_finish.isoformat(),
                            "delta_days": m.finish_delta} for m in self.milestones_moved],
            "critical": {"entered": list(self.critical_entered or ()), "left": list(self.critical_left or ()),
                         "known": self.critical_entered is not None},
            "findings": {"new": [f.to_dict() for f in self.findings_new or ()],
                         "resolved": [f.to_dict() for f in self.findings_resolved or ()],
                         "known": self.findings_new is not None},
        }
        if self.risk:
            out["p80"] = {"old": _iso(self.old.p80), "new": _iso(self.new.p80), "delta_days": self.p80_delta}
        return out

    def render(self, fmt: str = "text") -> str:
        """``text``, ``json`` or ``markdown`` (a pull-request comment)."""
        if fmt == "json":
            return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"
        if fmt == "text":
            return _text(self)
        if fmt == "markdown":
            return _markdown(self)
        raise UsageError(f"unknown format '{fmt}': use text, json or markdown")


def diff_plans(old_plan: Plan, new_plan: Plan, *, old_label: str | None = None, new_label: str | None = None,
               risk: bool = False, iterations: int = DIFF_ITERATIONS, seed: int = DIFF_SEED) -> PlanDiff:
    """Compare two expanded plans: schedule, check (and with ``risk`` simulate) each, then diff.

    >>> from rollout.model import Plan, Task, CalendarSpec, Dependency
    >>> a = Plan("p", "P", _dt.date(2027, 1, 4), CalendarSpec(), (Task("w.a", "A", "w", 5),))
    >>> b = Plan("p", "P", _dt.date(2027, 1, 4), CalendarSpec(), (Task("w.a", "A", "w", 8),))
    >>> d = diff_plans(a, b)
    >>> d.finish_delta, [(m.id, m.finish_delta) for m in d.moved]
    (3, [('w.a', 3)])
    """
    old = plan_version(old_plan, old_label, risk=risk, iterations=iterations, seed=seed)
    new = plan_version(new_plan, new_label, risk=risk, iterations=iterations, seed=seed)
    return diff_versions(old, new)


def diff_versions(old: Version, new: Version) -> PlanDiff:
    """Compare two versions (plans or a stored baseline)."""
    spec = (new.plan or old.plan).calendar if (new.plan or old.plan) else None
    dates = [d for v in (old, new) for t in v.tasks.values() for d in (t.start, t.finish)]
    dates += [old.finish, new.finish] + [d for d in (old.p80, new.p80) if d]
    cal = WorkCalendar(min(dates), spec)

    def delta(a: _dt.date, b: _dt.date) -> int:
        # working days in (a, b] (negative when b is earlier): the same day, or a day off after a
        # working day, is no move
        return cal.index_on_or_before(b) - cal.index_on_or_before(a)

    order = list(new.tasks) + [t for t in old.tasks if t not in new.tasks]
    added = tuple(t for t in new.tasks if t not in old.tasks)
    removed = tuple(t for t in old.tasks if t not in new.tasks)
    common = [t for t in new.tasks if t in old.tasks]
    renamed = tuple((t, old.tasks[t].name, new.tasks[t].name) for t in common
                    if old.tasks[t].name is not None and new.tasks[t].name is not None
                    and old.tasks[t].name != new.tasks[t].name)
    moved = []
    for t in common:
        o, n = old.tasks[t], new.tasks[t]
        if (o.start, o.finish) != (n.start, n.finish):
            moved.append(Moved(t, n.name or o.name, delta(o.start, n.start), delta(o.finish, n.finish),
                               o.start, n.start, o.finish, n.finish, n.milestone))
    rank = {t: k for k, t in enumerate(order)}
    moved.sort(key=lambda m: (-abs(m.finish_delta), rank[m.id]))

    entered = left = None
    if all(t.critical is not None for v in (old, new) for t in v.tasks.values()):
        crit_old = {t for t, d in old.tasks.items() if d.critical}
        crit_new = {t for t, d in new.tasks.items() if d.critical}
        entered = tuple(t for t in order if t in crit_new and t not in crit_old)
        left = tuple(t for t in order if t in crit_old and t not in crit_new)

    new_f = resolved = None
    if old.findings is not None and new.findings is not None:
        new_f, resolved = _finding_changes(old.findings, new.findings)
    p80_delta = delta(old.p80, new.p80) if old.p80 and new.p80 else None
    risk = old.p80 is not None or new.p80 is not None
    return PlanDiff(old, new, delta(old.finish, new.finish), added, removed, renamed, tuple(moved), entered, left,
                    new_f, resolved, p80_delta, risk)


def _finding_changes(old: Sequence, new: Sequence) -> tuple[tuple, tuple]:
    """Findings in one run and not the other, matched by rule and place (code, tasks, cadences), not by
    message: a message quoting a date that moved is still the same finding."""
    def key(f):
        return (f.code, tuple(f.tasks), tuple(f.cadences))

    left, right = Counter(key(f) for f in old), Counter(key(f) for f in new)
    only_new, only_old = right - left, left - right
    out_new, out_old = [], []
    for f in new:
        if only_new[key(f)] > 0:
            only_new[key(f)] -= 1
            out_new.append(f)
    for f in old:
        if only_old[key(f)] > 0:
            only_old[key(f)] -= 1
            out_old.append(f)
    return tuple(out_new), tuple(out_old)


# ------------------------------------------------------------------------------- OLD and NEW

def load_version(spec: str, *, other: str | None = None, risk: bool = False, iterations: int = DIFF_ITERATIONS,
                 seed: int = DIFF_SEED, cwd: str | os.PathLike | None = None) -> Version:
    """A version from its command-line spelling: a plan file, ``git:REV:PATH`` or ``baseline:[NAME]``.

    A baseline belongs to a plan: the one ``other`` names (the other side of the diff).
    """
    cwd = Path(cwd or os.getcwd())
    if spec.startswith("baseline:"):
        name = spec[len("baseline:"):]
        if other is None or other.startswith("baseline:"):
            raise UsageError(f"'{spec}': a baseline is compared with a plan; give the plan as the other side")
        plan = _load(other, cwd)
        return baseline_version(_stored_baseline(plan, name, spec), spec, like=plan)
    plan = _load(spec, cwd)
    return plan_version(plan, spec, risk=risk, iterations=iterations, seed=seed)


def _load(spec: str, cwd: Path) -> Plan:
    from .expand import load_plan

    if spec.startswith("git:"):
        return _load_from_git(spec, cwd)
    path = Path(spec)
    return load_plan(path if path.is_absolute() else cwd / path)


def _stored_baseline(plan: Plan, name: str, spec: str) -> Mapping[str, tuple[_dt.date, _dt.date]]:
    from .state import DEFAULT_BASELINE, StateStore

    with StateStore(plan.path, plan.id) as store:
        try:
            return store.require_baseline(name or DEFAULT_BASELINE)
        except UsageError as exc:
            raise UsageError(f"'{spec}': {exc}") from None


def _load_from_git(spec: str, cwd: Path) -> Plan:
    """The plan as committed at REV: the whole tree at REV is written to a temporary folder, so the
    plan's relative ``uses:`` and ``includes`` paths resolve as they were at REV."""
    from .expand import load_plan

    rev, sep, path = spec[len("git:"):].partition(":")
    if not rev or not sep or not path:
        raise UsageError(f"'{spec}': expected git:REV:PATH, e.g. git:origin/main:plan.yaml")
    target = (cwd / path).resolve() if not Path(path).is_absolute() else Path(path)
    probe = target.parent if target.parent.is_dir() else cwd
    root = Path(_git(probe, "rev-parse", "--show-toplevel", spec=spec).strip()).resolve()
    try:
        inside = target.relative_to(root)
    except ValueError:
        raise UsageError(f"'{spec}': {path} is not inside the git repository at {root}") from None
    _git(root, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}", spec=spec,
         what=f"unknown revision '{rev}'")
    listed = _git(root, "ls-tree", "--name-only", rev, "--", inside.as_posix(), spec=spec)
    if not listed.strip():
        raise UsageError(f"'{spec}': {inside.as_posix()} does not exist at {rev}")
    with tempfile.TemporaryDirectory(prefix="rollout-git-") as tmp:
        archive = subprocess.run(["git", "-C", str(root), "archive", "--format=tar", rev],
                                 capture_output=True, check=False)
        if archive.returncode != 0:
            raise UsageError(f"'{spec}': git archive failed: {archive.stderr.decode(errors='replace').strip()}")
        tar_path = Path(tmp) / "tree.tar"
        tar_path.write_bytes(archive.stdout)
        tree = Path(tmp) / "tree"
        with tarfile.open(tar_path) as tar:
            tar.extractall(tree, filter="data")
        try:
            plan = load_plan(tree / inside)
        except PlanError as exc:
            raise PlanError(str(exc).replace(str(tree) + os.sep, f"{rev}:")) from exc
    # the files are gone after this: keep the plan, pointing at where it came from
    return dataclasses.replace(plan, path=spec)


def _git(where: Path, *args: str, spec: str, what: str | None = None) -> str:
    try:
        done = subprocess.run(["git", "-C", str(where), *args], capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise UsageError(f"'{spec}': git is not installed") from None
    if done.returncode != 0:
        raise UsageError(f"'{spec}': {what or done.stderr.strip() or 'git failed'}")
    return done.stdout


# ------------------------------------------------------------------------------- text and Markdown

def _days(n: int) -> str:
    return f"{n:+d} working day{'s' if abs(n) != 1 else ''}"


def _iso(d: _dt.date | None) -> str | None:
    return None if d is None else d.isoformat()


def _headline(d: PlanDiff) -> str:
    if d.finish_delta > 0:
        return f"finish slips {d.finish_delta} working day{'s' if d.finish_delta != 1 else ''}: " \
               f"{d.old.finish.isoformat()} → {d.new.finish.isoformat()}"
    if d.finish_delta < 0:
        return f"finish moves {-d.finish_delta} working day{'s' if d.finish_delta != -1 else ''} earlier: " \
               f"{d.old.finish.isoformat()} → {d.new.finish.isoformat()}"
    return f"finish unchanged: {d.new.finish.isoformat()}"


def _finding_line(f) -> str:
    return f"{f.code} {f.slug} ({f.severity}): {f.message}"


_TEXT_MOVED = 30      # rows of moved tasks in text and Markdown; the JSON lists them all


def _text(d: PlanDiff) -> str:
    lines = [f"{d.old.label} → {d.new.label}", _headline(d)]
    if d.risk:
        lines.append(f"P80: {_iso(d.old.p80)} → {_iso(d.new.p80)}"
                     + (f" ({_days(d.p80_delta)})" if d.p80_delta is not None else ""))
    if d.unchanged:
        lines.append("no changes")
        return "\n".join(lines) + "\n"

    def section(title: str, rows: list[str]) -> None:
        if rows:
            lines.extend(["", f"{title} ({len(rows)})"] + [f"  {r}" for r in rows])

    names = {**{t: v.name for t, v in d.old.tasks.items()}, **{t: v.name for t, v in d.new.tasks.items()}}
    label = lambda t: f"{t}  {names.get(t) or ''}".rstrip()  # noqa: E731
    section("added", [label(t) for t in d.added])
    section("removed", [label(t) for t in d.removed])
    section("renamed", [f"{i}: {o!r} → {n!r}" for i, o, n in d.renamed])
    section("milestones moved", [f"{m.id}  {m.old_finish.isoformat()} → {m.new_finish.isoformat()}  "
                                 f"({_days(m.finish_delta)})" for m in d.milestones_moved])
    rows = [f"{m.id}  finish {m.old_finish.isoformat()} → {m.new_finish.isoformat()} ({_days(m.finish_delta)}), "
            f"start {_days(m.start_delta)}" for m in d.moved[:_TEXT_MOVED]]
    if len(d.moved) > _TEXT_MOVED:
        rows.append(f"… and {len(d.moved) - _TEXT_MOVED} more (the JSON lists them all)")
    section("dates moved", rows)
    section("entered the critical path", [label(t) for t in d.critical_entered or ()])
    section("left the critical path", [label(t) for t in d.critical_left or ()])
    section("new findings", [_finding_line(f) for f in d.findings_new or ()])
    section("resolved findings", [_finding_line(f) for f in d.findings_resolved or ()])
    if d.findings_new is None:
        lines.extend(["", "findings and the critical path are not compared: a stored baseline keeps only dates"])
    return "\n".join(lines) + "\n"


def _md(text: Any) -> str:
    """Plan text in a Markdown table cell: pipes escaped, no line breaks, no HTML."""
    return (str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")
            .replace("<", "&lt;").replace(">", "&gt;"))


def _markdown(d: PlanDiff) -> str:
    slip = d.finish_delta
    icon = "🔴" if slip > 0 else ("🟢" if slip < 0 else "⚪")
    out = [f"### {icon} Plan diff: {_md(_headline(d))}", "",
           f"`{_md(d.old.label)}` → `{_md(d.new.label)}`", ""]
    summary = [("Finish", f"{d.old.finish.isoformat()} → {d.new.finish.isoformat()} ({_days(slip)})")]
    if d.risk:
        summary.append(("P80", f"{_iso(d.old.p80)} → {_iso(d.new.p80)}"
                        + (f" ({_days(d.p80_delta)})" if d.p80_delta is not None else "")))
    summary += [("Tasks", f"{len(d.added)} added, {len(d.removed)} removed, {len(d.renamed)} renamed, "
                          f"{len(d.moved)} moved")]
    if d.critical_entered is not None:
        summary.append(("Critical path", f"{len(d.critical_entered)} entered, {len(d.critical_left)} left"))
    if d.findings_new is not None:
        summary.append(("Findings", f"{len(d.findings_new)} new, {len(d.findings_resolved)} resolved"))
    out += ["| | |", "| --- | --- |"] + [f"| {k} | {_md(v)} |" for k, v in summary]
    if d.unchanged:
        out += ["", "No changes."]
        return "\n".join(out) + "\n"
    names = {**{t: v.name for t, v in d.old.tasks.items()}, **{t: v.name for t, v in d.new.tasks.items()}}
    if d.milestones_moved:
        out += ["", "#### Milestones moved", "", "| milestone | old | new | Δ working days |", "| --- | --- | --- | ---: |"]
        out += [f"| `{_md(m.id)}` {_md(m.name or '')} | {m.old_finish.isoformat()} | {m.new_finish.isoformat()} "
                f"| {m.finish_delta:+d} |" for m in d.milestones_moved]
    if d.moved:
        out += ["", "#### Dates moved (largest finish change first)", "",
                "| task | old finish | new finish | Δ finish | Δ start |", "| --- | --- | --- | ---: | ---: |"]
        out += [f"| `{_md(m.id)}` {_md(m.name or '')} | {m.old_finish.isoformat()} | {m.new_finish.isoformat()} "
                f"| {m.finish_delta:+d} | {m.start_delta:+d} |" for m in d.moved[:_TEXT_MOVED]]
        if len(d.moved) > _TEXT_MOVED:
            out.append(f"\n…and {len(d.moved) - _TEXT_MOVED} more.")

    def bullets(title: str, ids: Sequence[str]) -> None:
        if ids:
            out.extend(["", f"#### {title}", ""] + [f"- `{_md(t)}` {_md(names.get(t) or '')}".rstrip() for t in ids])

    bullets("Added", d.added)
    bullets("Removed", d.removed)
    if d.renamed:
        out += ["", "#### Renamed", ""] + [f"- `{_md(i)}`: {_md(o)} → {_md(n)}" for i, o, n in d.renamed]
    bullets("Entered the critical path", d.critical_entered or ())
    bullets("Left the critical path", d.critical_left or ())
    for title, found in (("New findings", d.findings_new), ("Resolved findings", d.findings_resolved)):
        if found:
            out += ["", f"#### {title}", ""] + [f"- **{f.code}** {_md(f.slug)} ({f.severity}): {_md(f.message)}"
                                                for f in found]
    return "\n".join(out) + "\n"
