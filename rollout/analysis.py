"""One run's results: a plan and everything computed from it, each once, on first use.

:class:`Analysis` is what every command and report reads: the plan, its working calendar, its
schedule, the check findings, the progress (actuals and the state store, read once), the forecast,
the status report and the risk result. Each is a cached property: nothing is computed before it is
asked for, and nothing twice. Consumers take what they need from it instead of recomputing it, so
the sections of one report agree with each other because they read the same objects.

>>> import datetime as dt
>>> from rollout.model import CalendarSpec, Plan, Task, Dependency
>>> plan = Plan("p", "P", dt.date(2027, 1, 4), CalendarSpec(), (
...     Task("w.a", "A", "w", 5), Task("w.b", "B", "w", 3, depends_on=(Dependency("w.a"),))))
>>> run = Analysis(plan, as_of=dt.date(2027, 1, 4), use_state=False)
>>> run.schedule.finish_date.isoformat(), run.status.reported
('2027-01-13', False)
>>> run.schedule is run.status.baseline          # the status reads the run's schedule, not its own
True
"""

from __future__ import annotations

import datetime as _dt
import functools
import os
from dataclasses import dataclass
from typing import Any

from .calendar import WorkCalendar
from .model import Plan
from .schedule import Schedule
from .selection import Selection

__all__ = ["Analysis", "StoredState"]


@dataclass(frozen=True)
class StoredState:
    """What a plan's state store holds for the analysis: the baseline stored at the first push (task id →
    (start, finish) dates, or None), the pull snapshots and the forecast snapshots (``rollout trend``),
    oldest first."""

    baseline: dict[str, tuple[_dt.date, _dt.date]] | None
    snapshots: tuple[Any, ...] = ()
    forecasts: tuple[Any, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"baseline": None if self.baseline is None else len(self.baseline),
                "snapshots": [s.as_of.isoformat() for s in self.snapshots]}


class Analysis:
    """A plan and its results, each computed once, on first use, and shared by every consumer.

    ``plan`` is a :class:`rollout.model.Plan` or the path of a plan file. Options:

    - ``as_of``: the status date (default: the latest pull snapshot's, else today);
    - ``actuals``: a progress CSV (else the state store's pull snapshots);
    - ``use_state``: read the plan's state store (baseline, snapshots); False leaves it closed;
    - ``selection``, ``group_by``: the ``--filter`` and ``--group-by`` of the status;
    - ``level``: show the levelled schedule (True), the unlevelled one (False), or what the plan's
      ``scheduling: {level: ...}`` says (None, the default): :attr:`scheduled`;
    - ``baseline_name``: compare with this named baseline (``rollout baseline --name``) instead of the
      default one; an error when it is not stored;
    - ``select``, ``ignore``, ``fail_on``: which rules run and what fails the run;
    - ``iterations``, ``seed``, ``distribution``, ``pre_mitigation``: the risk simulation;
    - ``remaining``: simulate the remaining work at the as-of date (True), the whole plan (False), or
      the remaining work when progress is reported (None, the default), as the status does.

    :attr:`schedule` is the plan's unlevelled schedule, :attr:`levelled` the resource-levelled one
    (computed only when asked for), and :attr:`scheduled` whichever of the two the run shows.
    """

    def __init__(self, plan: Plan | str | os.PathLike, *, as_of: _dt.date | None = None,
                 actuals: str | os.PathLike | None = None, use_state: bool = True,
                 selection: Selection | None = None, group_by: str = "workstream",
                 select: Any = None, ignore: Any = None, fail_on: str = "error",
                 iterations: int = 2000, seed: int | None = 1, distribution: str = "pert",
                 remaining: bool | None = None, pre_mitigation: bool = False, strict: bool = True,
                 baseline_name: str | None = None, level: bool | None = None):
        if isinstance(plan, Plan):
            self.__dict__["plan"] = plan
            self.path = plan.path
        else:
            self.path = os.fspath(plan)
        self.strict = strict
        self.as_of, self.actuals_path, self.use_state = as_of, None if actuals is None else os.fspath(actuals), use_state
        self.selection, self.group_by = selection, group_by
        self.select, self.ignore, self.fail_on = select, ignore, fail_on
        self.iterations, self.seed, self.distribution = iterations, seed, distribution
        self.remaining, self.pre_mitigation = remaining, pre_mitigation
        self.baseline_name = baseline_name
        self.level = level

    def __repr__(self) -> str:
        done = [k for k in ("plan", "schedule", "checks", "progress", "status", "risk") if k in self.__dict__]
        return f"<Analysis {self.path or self.plan.id!s} computed={done}>"

    # -- the plan and its calendar
    @functools.cached_property
    def plan(self) -> Plan:
        """The expanded plan (loaded from ``path`` on first use)."""
        from .expand import load_plan

        return load_plan(self.path, strict=self.strict)

    @functools.cached_property
    def calendar(self) -> WorkCalendar:
        """The plan's one working calendar, shared by every schedule of this run."""
        return WorkCalendar(self.plan.start, self.plan.calendar)

    # -- schedules
    @functools.cached_property
    def schedule(self) -> Schedule:
        """The plan scheduled as early as possible (unlevelled)."""
        from .schedule import schedule

        return schedule(self.plan, self.calendar)

    @functools.cached_property
    def levelled(self) -> Schedule:
        """The resource-levelled schedule (no person or pool used beyond what it has on any day)."""
        from .capacity import level_schedule

        return level_schedule(self.plan, self.calendar)

    @property
    def is_levelled(self) -> bool:
        return self.level if self.level is not None else self.plan.scheduling.level

    @property
    def scheduled(self) -> Schedule:
        """The schedule this run shows: :attr:`levelled` when levelling is asked for, else :attr:`schedule`."""
        return self.levelled if self.is_levelled else self.schedule

    def _scheduler(self, plan: Plan) -> Schedule:
        assert plan is self.plan
        return self.schedule

    # -- checks
    @functools.cached_property
    def checks(self):
        """The :class:`rollout.checks.CheckResult` of the plan (rules that need a schedule are skipped when
        the graph cannot be scheduled). The schedule-quality rules see the progress when a status date
        was given, an actuals file named, or a pull snapshot is stored."""
        from .checks import check_plan

        status_date = actuals = baseline = None
        if not self.plan.unresolved:
            progress = self.progress
            if self.as_of is not None or self.actuals_path is not None or progress.source is not None:
                status_date = progress.as_of
            actuals, baseline = progress.actuals, progress.baseline
        # S006 reports over-use of the unlevelled schedule: a run that shows the levelled one has none
        ignore = self.ignore
        if self.is_levelled:
            ignore = [*([ignore] if isinstance(ignore, str) else (ignore or ())), "S006"]
        return check_plan(self.plan, select=self.select, ignore=ignore, fail_on=self.fail_on,
                          status_date=status_date, actuals=actuals, baseline=baseline, scheduler=self._scheduler)

    @property
    def findings(self) -> tuple:
        """The check findings, most serious first."""
        return self.checks.findings

    # -- progress, forecast, status
    @functools.cached_property
    def stored(self) -> StoredState:
        """The state store's baseline and snapshots, read once (nothing when ``use_state`` is False or the
        plan has no file); reading never creates the store."""
        if not (self.use_state and self.plan.path):
            if self.baseline_name is not None:
                from .errors import UsageError

                raise UsageError(f"no baseline named {self.baseline_name!r}: plan '{self.plan.id}' has no file, "
                                 "so no state store")
            return StoredState(None)
        from .state import StateStore

        with StateStore(self.plan.path, self.plan.id) as store:
            base = store.baseline() if self.baseline_name is None else store.require_baseline(self.baseline_name)
            return StoredState(base, tuple(store.snapshots()), tuple(store.forecasts()))

    @functools.cached_property
    def trend(self):
        """The :class:`rollout.trend.Trend` of the stored forecast snapshots (read with the rest of the store)."""
        from .trend import Trend

        return Trend(self.plan, self.stored.forecasts)

    @functools.cached_property
    def progress(self):
        """The :class:`rollout.tracking.Progress`: the actuals CSV, else the latest pull snapshot."""
        from .tracking import load_progress

        stored = self.stored
        return load_progress(self.plan, self.as_of, self.actuals_path, baseline=stored.baseline,
                             snapshots=stored.snapshots)

    @functools.cached_property
    def baseline_edges(self) -> dict[str, tuple[int, int]]:
        """Baseline (start, end) edges per task: the stored baseline's, else the schedule's."""
        from .tracking import baseline_edges

        return baseline_edges(self.plan, self.calendar, self.schedule, self.progress.baseline)

    @functools.cached_property
    def remaining_plan(self) -> Plan:
        """The plan as it stands at the as-of date: work done or under way pinned where it happened."""
        from .tracking import remaining_plan

        p = self.progress
        return remaining_plan(self.plan, p.actuals, p.as_of, self.calendar, self.baseline_edges,
                              current=self.schedule)

    @functools.cached_property
    def remaining_schedule(self) -> Schedule:
        """The schedule of :attr:`remaining_plan` (what the forecast and the remaining risk start from)."""
        from .schedule import schedule

        return schedule(self.remaining_plan, self.calendar)

    @functools.cached_property
    def forecast(self) -> Schedule | None:
        """The forecast schedule, or None while no progress is reported (the forecast is then the
        baseline)."""
        if not self.progress.actuals:
            return None
        from .tracking import pin_reported_milestones

        return pin_reported_milestones(self.plan, self.progress.actuals, self.remaining_schedule)

    @functools.cached_property
    def status(self):
        """The :class:`rollout.tracking.StatusReport` of ``rollout status``."""
        from .tracking import assemble_status

        p = self.progress
        report = assemble_status(self.plan, p.as_of, p.actuals, current=self.schedule, edges=self.baseline_edges,
                                 forecast=self.forecast, stored_baseline=bool(p.baseline), snapshots=p.snapshots,
                                 actuals_source=p.source, selection=self.selection, group_by=self.group_by)
        if self.baseline_name is not None:
            report.baseline_source = f"baseline {self.baseline_name!r}"
        return report

    # -- risk
    @functools.cached_property
    def risk(self):
        """The :class:`rollout.risk.RiskResult` of the Monte Carlo simulation, with the check findings in
        its register. It simulates the remaining work when the status reports progress (so the two agree),
        or as ``remaining`` says."""
        from .risk import simulate_work

        remaining = self.remaining if self.remaining is not None else bool(self.progress.actuals)
        done: list[str] = []
        if remaining:
            work, base, p = self.remaining_plan, self.remaining_schedule, self.progress
            as_of, source = p.as_of, p.source
            done = [tid for tid, a in p.actuals.items() if a.status == "done"]
        else:
            work, base, as_of, source = self.plan, self.schedule, None, None
        return simulate_work(self.plan, work, base, self.findings, iterations=self.iterations, seed=self.seed,
                             distribution=self.distribution, progress=self.risk_progress, as_of=as_of,
                             actuals_source=source, pre_mitigation=self.pre_mitigation, done=done)

    risk_progress = None       # a callable progress(done, total) for long simulations (the CLI's bar)
