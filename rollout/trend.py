"""Forecast snapshots and the trends they make: milestone trend analysis, the forecast-finish trend.

Every ``rollout pull`` and every ``rollout status --record`` stores, dated by the status (as-of) date,
the forecast of each milestone (and each task with a deadline) and of the finish; with ``--risk`` also
the Monte Carlo P50 and P80, from a simulation of the remaining work with a fixed seed, so recording
the same status twice stores the same figures. One snapshot is kept per status date (the latest).

``rollout trend`` reads them back::

    from rollout.trend import record_forecast, trend

    record_forecast(plan, as_of=datetime.date(2027, 3, 1), actuals_path="progress.csv", risk=True)
    t = trend(plan)
    t.milestones()     # [{"id", "name", "points": [{"as_of", "forecast", "done", "p50", "p80"}]}]
    t.finish()         # [{"as_of", "forecast", "baseline", "p50", "p80"}]

In a milestone trend analysis chart (x = report date, y = forecast date) a flat line is a milestone
holding its date, a rising one a slipping milestone; a line reaches the diagonal (forecast = report
date) when the milestone is done.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Any

from .model import Plan

__all__ = ["SNAPSHOT_ITERATIONS", "SNAPSHOT_SEED", "Trend", "forecast_snapshot", "record_forecast", "trend"]

#: The simulation behind a snapshot's P50/P80 (``--risk``): fixed, so a snapshot is reproducible.
SNAPSHOT_ITERATIONS = 2000
SNAPSHOT_SEED = 1


def forecast_snapshot(report, *, source: str = "status", progress=None, risk: bool = False,
                      iterations: int = SNAPSHOT_ITERATIONS, seed: int = SNAPSHOT_SEED,
                      taken_at: _dt.datetime | None = None):
    """The :class:`rollout.state.ForecastSnapshot` of a :class:`rollout.tracking.StatusReport`.

    With ``risk`` the remaining work (``progress``, a :class:`rollout.tracking.Progress`) is simulated
    with ``seed`` for the P50/P80 of the finish and of each milestone.
    """
    from .state import ForecastSnapshot, MilestoneForecast

    milestones = report.milestones()
    quantiles: dict[str, dict[str, Any]] = {}
    p50 = p80 = None
    if risk:
        from .risk import simulate

        result = simulate(report.plan, iterations=iterations, seed=seed, findings=[],
                          remaining_from=progress if progress is not None and progress.actuals else None).to_dict()
        p50, p80 = (_dt.date.fromisoformat(result["finish"][k]) for k in ("p50", "p80"))
        quantiles = {m["id"]: m for m in result["milestones"]}
    rows = []
    for m in milestones:
        q = quantiles.get(m["id"], {})
        rows.append(MilestoneForecast(m["id"], m["name"], _dt.date.fromisoformat(m["forecast"]),
                                      _dt.date.fromisoformat(m["baseline"]), m["status"] == "done",
                                      _opt_date(q.get("p50")), _opt_date(q.get("p80"))))
    return ForecastSnapshot(taken_at or _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0), report.as_of,
                            source, report.forecast.finish_date, tuple(rows), report.date(report.baseline_finish), p50, p80,
                            iterations if risk else None, seed if risk else None)


def record_forecast(plan: Plan, *, as_of: _dt.date | None = None, actuals_path: str | None = None,
                    source: str = "status", risk: bool = False, iterations: int = SNAPSHOT_ITERATIONS,
                    seed: int = SNAPSHOT_SEED, state_file: str | None = None, report=None, progress=None):
    """Store the forecast of the plan at its status date in the state store, and return it.

    Progress comes from ``actuals_path`` or else the store's latest pull snapshot (as for ``rollout
    status``), measured against the stored default baseline; or pass the ``report`` (and the
    ``progress`` behind it) already computed. One transaction: an earlier snapshot of the same
    status date is replaced.
    """
    from .state import StateStore
    from .tracking import load_progress, status_report

    with StateStore(plan.path, plan.id, state_file) as store:
        if report is None:
            progress = load_progress(plan, as_of, actuals_path, baseline=store.baseline(),
                                     snapshots=store.snapshots())
            report = status_report(plan, progress=progress)
        snap = forecast_snapshot(report, source=source, progress=progress, risk=risk, iterations=iterations,
                                 seed=seed)
        return store.save_forecast(snap)


@dataclass(frozen=True)
class Trend:
    """The stored forecast snapshots of a plan, as series for the trend charts."""

    plan: Plan
    snapshots: tuple            # ForecastSnapshot, oldest status date first

    def milestones(self) -> list[dict[str, Any]]:
        """One series per milestone, in plan order (milestones no longer in the plan last)."""
        order = {t.id: i for i, t in enumerate(self.plan.tasks)}
        names = {t.id: t.name for t in self.plan.tasks}
        series: dict[str, dict[str, Any]] = {}
        for snap in self.snapshots:
            for m in snap.milestones:
                s = series.setdefault(m.task_id, {"id": m.task_id, "name": names.get(m.task_id, m.name),
                                                  "points": []})
                s["points"].append({"as_of": snap.as_of.isoformat(), "forecast": m.forecast.isoformat(),
                                    "baseline": _iso(m.baseline), "done": m.done, "p50": _iso(m.p50),
                                    "p80": _iso(m.p80)})
        return sorted(series.values(), key=lambda s: (order.get(s["id"], len(order)), s["id"]))

    def finish(self) -> list[dict[str, Any]]:
        return [{"as_of": s.as_of.isoformat(), "forecast": s.finish.isoformat(), "baseline": _iso(s.baseline_finish),
                 "p50": _iso(s.p50), "p80": _iso(s.p80), "source": s.source} for s in self.snapshots]

    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``rollout trend --format json``."""
        return {"plan": self.plan.id, "snapshots": len(self.snapshots), "finish": self.finish(),
                "milestones": self.milestones()}

    def to_text(self) -> str:
        from .calendar import WorkCalendar
        from .util import text_table

        if not self.snapshots:
            return (f"Plan {self.plan.id}: no forecast snapshots yet: every `rollout pull` and every "
                    "`rollout status --record` stores one\n")
        cal = WorkCalendar(self.plan.start, self.plan.calendar)
        first, last = self.snapshots[0], self.snapshots[-1]
        lines = [f"Plan {self.plan.id}: {len(self.snapshots)} forecast snapshot(s), {first.as_of} to {last.as_of}",
                 f"Finish forecast {first.finish} → {last.finish} ({_slip(cal, first.finish, last.finish):+d} "
                 "working days)", "", "Forecast finish by status date"]
        lines.append(text_table(("as of", "forecast", "P50", "P80", "baseline", "source"),
                                [(f["as_of"], f["forecast"], f["p50"] or "", f["p80"] or "", f["baseline"] or "",
                                  f["source"]) for f in self.finish()], indent="  "))
        series = self.milestones()
        if series:
            lines.append("Milestones (first and latest forecast)")
            rows = []
            for s in series:
                a, b = s["points"][0], s["points"][-1]
                moved = _slip(cal, _dt.date.fromisoformat(a["forecast"]), _dt.date.fromisoformat(b["forecast"]))
                rows.append((s["id"], a["forecast"], b["forecast"], f"{moved:+d}", "done" if b["done"] else "",
                             len(s["points"])))
            lines.append(text_table(("milestone", "first", "latest", "moved", "status", "snapshots"), rows,
                                    max_width=48, indent="  "))
        return "\n".join(lines).rstrip() + "\n"


def trend(plan: Plan, state_file: str | None = None) -> Trend:
    """The forecast snapshots stored for ``plan`` (none without a state file; reading creates nothing)."""
    from .state import StateStore

    if not plan.path and state_file is None:
        return Trend(plan, ())
    with StateStore(plan.path, plan.id, state_file) as store:
        return Trend(plan, tuple(store.forecasts()))


def _slip(cal, old: _dt.date, new: _dt.date) -> int:
    """Working days from ``old`` to ``new`` (positive when later)."""
    return cal.index_on_or_before(new) - cal.index_on_or_before(old)


def _iso(day: _dt.date | None) -> str | None:
    return None if day is None else day.isoformat()


def _opt_date(text: str | None) -> _dt.date | None:
    return None if not text else _dt.date.fromisoformat(text)
