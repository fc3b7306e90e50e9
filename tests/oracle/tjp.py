"""TaskJuggler 3 as an independent oracle for rollout's scheduler: export a Plan to .tjp, read tj3's CSV back.

The export follows SPEC 2: ``length`` durations, ``gaplength`` lags, ``onstart`` for SS, ``milestone`` for
duration 0. TaskJuggler reports instants, not working days, so :func:`tj_dates` turns them into the dates
rollout reports (see its docstring for the exact rule).
"""

from __future__ import annotations

import csv
import datetime as _dt
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from rollout.calendar import WorkCalendar
from rollout.model import Plan

__all__ = ["TjTask", "TjpExport", "UnsupportedByTaskJuggler", "parse_csv", "run_tj3", "tj3_available", "tj_dates",
           "to_tjp"]

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WORK_START, _WORK_END = _dt.time(9, 0), _dt.time(17, 0)   # 8 working hours = TaskJuggler's 1d
REPORT = "rollout_oracle"                                   # the CSV report's name (tj3 writes REPORT.csv)


class UnsupportedByTaskJuggler(ValueError):
    """The plan uses something TaskJuggler's ASAP scheduling cannot express (FF/SF, negative lags)."""


@dataclass(frozen=True)
class TjpExport:
    """A .tjp text, the TaskJuggler id of every task, and the working days the export declares."""

    text: str
    ids: dict[str, str]              # rollout task id -> TaskJuggler task id
    workdays: frozenset[int]         # 0 = Monday
    leaves: frozenset[_dt.date]      # every declared non-working day that falls on a workday

    def is_working(self, day: _dt.date) -> bool:
        return day.weekday() in self.workdays and day not in self.leaves


def tj3_available() -> bool:
    return shutil.which("tj3") is not None


def to_tjp(plan: Plan, calendar: WorkCalendar | None = None, *, report: bool = True) -> TjpExport:
    """The plan as a TaskJuggler 3 project (ASAP, no resources).

    - duration d > 0 → ``length {d}d``; duration 0 → ``milestone``;
    - FS dependency with lag L → ``depends x { gaplength {L}d }``; SS → ``{ onstart gaplength {L}d }``;
    - ``start_no_earlier_than`` D → a dependency on an anchor milestone fixed at D 00:00
      (TaskJuggler refuses ``start`` together with ``depends`` when a dependency ends later);
    - a task with no dependencies and no anchor starts at the project start;
    - working days → ``workinghours`` 9:00-17:00, every other weekday off; public and extra holidays in
      the project's span → global ``leaves holiday``.
    """
    cal = calendar or WorkCalendar(plan.start, plan.calendar)
    tasks = plan.tasks
    ids = {t.id: f"t{i}" for i, t in enumerate(tasks)}
    by_id = {t.id: t for t in tasks}
    for t in tasks:
        for dep in t.depends_on:
            if dep.type not in ("FS", "SS"):
                raise UnsupportedByTaskJuggler(f"{t.id}: {dep.type} dependencies have no TaskJuggler ASAP form")
            if dep.lag < 0:
                raise UnsupportedByTaskJuggler(f"{t.id}: negative lag {dep.lag} (gaplength must be >= 0)")
            if dep.task not in ids:
                raise ValueError(f"{t.id}: unknown dependency {dep.task}")
        if t.duration < 0:
            raise UnsupportedByTaskJuggler(f"{t.id}: negative duration")

    end = cal.date(_finish_upper_bound(tasks, cal) + 10) + _dt.timedelta(days=14)
    workdays = frozenset(plan.calendar.workdays)
    leaves = []
    day = plan.start
    while day <= end:
        if day.weekday() in workdays and not cal.is_working(day):
            leaves.append(day)
        day += _dt.timedelta(days=1)

    out = [
        f'project rollout "{_quote(plan.title or plan.id)}" {plan.start.isoformat()} - {end.isoformat()} {{',
        '  timezone "UTC"',
        '  timeformat "%Y-%m-%d %H:%M"',
        "  dailyworkinghours 8",
        "  timingresolution 60min",
    ]
    on = [_DAYS[d] for d in sorted(workdays)]
    off = [_DAYS[d] for d in range(7) if d not in workdays]
    out.append(f"  workinghours {', '.join(on)} {_WORK_START:%H:%M} - {_WORK_END:%H:%M}")
    if off:
        out.append(f"  workinghours {', '.join(off)} off")
    out.append("}")
    out.extend(f'leaves holiday "h{k}" {d.isoformat()}' for k, d in enumerate(leaves))

    for i, t in enumerate(tasks):
        deps = []
        if t.start_no_earlier_than is not None:
            anchor = f"snet{i}"
            day = max(t.start_no_earlier_than, plan.start)      # TaskJuggler refuses dates before the project
            out.append(f'task {anchor} "SNET {i}" {{ milestone start {day.isoformat()} }}')
            deps.append(anchor)
        for dep in t.depends_on:
            # A milestone's start is its end. tj3 3.7.1 reports a false "dependency loop" for some graphs
            # that depend on a milestone's start, e.g. milestone m; t depends m {gaplength 5d};
            # milestone n depends m {onstart gaplength 4d}, t. So such links use the milestone's end.
            onstart = dep.type == "SS" and by_id[dep.task].duration > 0
            attrs = (["onstart"] if onstart else []) + ([f"gaplength {dep.lag}d"] if dep.lag else [])
            deps.append(ids[dep.task] + (f" {{ {' '.join(attrs)} }}" if attrs else ""))
        body = ["milestone" if t.duration == 0 else f"length {t.duration}d"]
        if deps:
            body.insert(0, "depends " + ", ".join(deps))
        else:
            body.insert(0, "start ${projectstart}")
        out.append(f'task {ids[t.id]} "{_quote(t.id)}" {{ {" ".join(body)} }}')
    if report:
        out.append(f'taskreport "{REPORT}" {{ formats csv columns id, start, end '
                   'timeformat "%Y-%m-%d %H:%M" }')
    return TjpExport("\n".join(out) + "\n", ids, workdays, frozenset(leaves))


def parse_csv(path: str | Path) -> dict[str, tuple[_dt.datetime, _dt.datetime]]:
    """tj3's CSV task report (``"Id";"Start";"End"``) as {TaskJuggler id: (start, end)}."""
    result = {}
    with open(path, newline="", encoding="utf-8") as fh:
        rows = csv.reader(fh, delimiter=";")
        header = next(rows)
        if [h.lower() for h in header[:3]] != ["id", "start", "end"]:
            raise ValueError(f"{path}: unexpected header {header}")
        for row in rows:
            if not row:
                continue
            start, end = (_dt.datetime.strptime(v, "%Y-%m-%d %H:%M") for v in row[1:3])
            result[row[0]] = (start, end)
    return result


@dataclass(frozen=True)
class TjTask:
    """One task as TaskJuggler scheduled it: rollout-style dates and TaskJuggler's own instants."""

    start: _dt.date
    finish: _dt.date
    start_at: _dt.datetime
    end_at: _dt.datetime


def tj_dates(export: TjpExport, plan: Plan, instants: dict[str, tuple[_dt.datetime, _dt.datetime]]
             ) -> dict[str, TjTask]:
    """TaskJuggler's instants as rollout's dates {task id: TjTask}.

    TaskJuggler starts a task at the instant its dependencies allow, e.g. 17:00 on the day its
    predecessor ends, and its first working slot comes later. So for a task with a length:
    start = the day of the first working slot at or after the start instant; finish = the day of the
    last working slot before the end instant. A milestone is one instant; its date is that instant's day.
    """
    def first_slot_day(at: _dt.datetime) -> _dt.date:
        day = at.date()
        if at.time() >= _WORK_END or not export.is_working(day):
            day += _dt.timedelta(days=1)
            while not export.is_working(day):
                day += _dt.timedelta(days=1)
        return day

    def last_slot_day(at: _dt.datetime) -> _dt.date:
        day = at.date()
        if at.time() <= _WORK_START or not export.is_working(day):
            day -= _dt.timedelta(days=1)
            while not export.is_working(day):
                day -= _dt.timedelta(days=1)
        return day

    dates = {}
    for t in plan.tasks:
        start, end = instants[export.ids[t.id]]
        if t.duration == 0:
            dates[t.id] = TjTask(start.date(), start.date(), start, end)
        else:
            dates[t.id] = TjTask(first_slot_day(start), last_slot_day(end), start, end)
    return dates


def run_tj3(plan: Plan, workdir: str | Path, calendar: WorkCalendar | None = None,
            name: str = "plan") -> dict[str, TjTask]:
    """Schedule the plan with tj3 in ``workdir`` and return {task id: TjTask}."""
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    export = to_tjp(plan, calendar)
    tjp = workdir / f"{name}.tjp"
    tjp.write_text(export.text, encoding="utf-8")
    proc = subprocess.run(["tj3", "--silent", "--output-dir", str(workdir), str(tjp)],
                          capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        raise RuntimeError(f"tj3 failed on {tjp} ({proc.returncode}): {proc.stderr.strip()[:2000]}")
    return tj_dates(export, plan, parse_csv(workdir / f"{REPORT}.csv"))


def _finish_upper_bound(tasks, cal: WorkCalendar) -> int:
    """A finish edge no schedule can pass (every link counted as FS), so the project interval holds every task.

    Deliberately cruder than the scheduler: it only sizes the project; TaskJuggler rejects years after 2035.
    """
    by_id = {t.id: t for t in tasks}
    indegree = {t.id: len(t.depends_on) for t in tasks}
    succs: dict[str, list[str]] = {t.id: [] for t in tasks}
    for t in tasks:
        for d in t.depends_on:
            succs[d.task].append(t.id)
    start = {t.id: cal.index_on_or_after(t.start_no_earlier_than) if t.start_no_earlier_than else 0 for t in tasks}
    ready = [i for i, k in indegree.items() if k == 0]
    finish = 0
    while ready:
        i = ready.pop()
        end = start[i] + by_id[i].duration
        finish = max(finish, end)
        for k in succs[i]:
            lag = max(d.lag for d in by_id[k].depends_on if d.task == i)
            start[k] = max(start[k], end + lag)
            indegree[k] -= 1
            if indegree[k] == 0:
                ready.append(k)
    if any(indegree.values()):
        raise ValueError("the dependencies form a cycle")
    return finish


def _quote(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')
