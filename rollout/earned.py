"""Earned schedule of a status report: SPI(t), the finish it implies, and the baseline execution index.

Time is counted in working days from the plan's day 0 (the schedule's edges); value is duration-weighted,
as for percent complete: a task's value is its duration, earned in proportion to its percent complete
and planned in proportion to the share of its baseline dates before the day.

- PV(t), planned value at working day t: the baseline's value by day t (its planned percent at t).
- EV, earned value: the value of the work done by the status date (percent complete).
- AT, actual time: working days from day 0 to the status date.
- ES, earned schedule: the time at which planned value equals earned value: with C the last whole day
  at which PV(C) ≤ EV, ES = C + (EV − PV(C)) / (PV(C + 1) − PV(C)).
- SPI(t) = ES / AT (below 1: behind schedule; above 1: ahead).
- PD, planned duration: the baseline finish in working days; IEAC(t) = PD / SPI(t), the finish the
  pace so far implies (dated at the end of working day ⌈IEAC(t)⌉).
- BEI = tasks finished by the status date / tasks baselined to finish by it (DCMA, as rule D014).

Without progress reported, nothing is given (no figure is a verdict for want of a report); before the
plan starts (AT = 0), SPI(t) and IEAC(t) are not given.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

__all__ = ["EarnedSchedule", "earned_schedule"]

NO_PROGRESS = "no progress reported yet"


@dataclass(frozen=True)
class EarnedSchedule:
    at_days: int                         # actual time
    pd_days: int                         # planned duration (baseline finish)
    es_days: float | None                # earned schedule
    spi_t: float | None
    ieac_t_days: float | None
    ieac_t: str | None                   # the finish date SPI(t) implies (ISO)
    cpm_forecast: str                    # the CPM forecast finish, for comparison
    bei: float | None
    finished: int                        # tasks finished by the status date
    baselined: int                       # tasks baselined to finish by the status date
    note: str | None = None              # why SPI(t) is not given

    def to_dict(self) -> dict[str, Any]:
        return {"at_days": self.at_days, "pd_days": self.pd_days, "es_days": self.es_days, "spi_t": self.spi_t,
                "ieac_t_days": self.ieac_t_days, "ieac_t": self.ieac_t, "cpm_forecast": self.cpm_forecast,
                "bei": self.bei, "bei_finished": self.finished, "bei_baselined": self.baselined, "note": self.note}

    def to_text(self) -> str:
        if self.note == NO_PROGRESS:
            return f"Earned schedule: not given until progress is reported (CPM forecast {self.cpm_forecast})"
        if self.spi_t is None:
            spi = f"SPI(t) not given ({self.note})"
        else:
            spi = (f"SPI(t) {self.spi_t:.2f} (ES {self.es_days:.1f} of AT {self.at_days} working days): "
                   f"forecast finish {self.ieac_t} at this pace, CPM forecast {self.cpm_forecast}")
        bei = ("BEI — (no task baselined to finish by the as-of date)" if self.bei is None else
               f"BEI {self.bei:.2f} ({self.finished} finished of {self.baselined} baselined to finish by the as-of date)")
        return f"Earned schedule: {spi}; {bei}"


def earned_schedule(report) -> EarnedSchedule:
    """The earned schedule of a :class:`rollout.tracking.StatusReport` (over its selected tasks)."""
    tasks = report.plan.task_index()
    ids = report.ids
    edges = report.baseline_edges
    a = report.baseline.calendar.index_on_or_after(report.as_of)
    pd = max((edges[i][1] for i in ids), default=0)
    fc = report.forecast
    fc_finish = max((fc.tasks[i].end for i in ids), default=0)
    cpm = (fc.finish_date if report.selection is None else fc.edge_finish_date(fc_finish)).isoformat()
    as_of = report.as_of
    dates: dict[int, Any] = {}                          # few distinct edges: date each once
    due = [i for i in ids if (dates.get(edges[i][1]) or dates.setdefault(edges[i][1], report.date(edges[i][1])))
           <= as_of]
    finished = [i for i in ids if (act := report.actuals.get(i)) is not None and act.status == "done"
                and (act.actual_finish or as_of) <= as_of]
    bei = round(len(finished) / len(due), 3) if due and report.reported else None
    weights = [(tasks[i].duration, edges[i]) for i in ids if tasks[i].duration]
    total = sum(w for w, _ in weights)
    note = None
    es = spi = ieac = ieac_date = None
    if not report.reported:
        note = NO_PROGRESS
    elif a <= 0:
        note = "the status date is on or before the plan's start"
    elif not total:
        note = "no task has a duration"
    else:
        ev = sum(report.percent[i] / 100 * tasks[i].duration for i in ids)
        es = _earned_schedule(ev, weights, pd)
        spi = es / a
        if spi > 0:
            ieac = pd / spi
            ieac_date = report.date(math.ceil(round(ieac, 9))).isoformat()
        else:
            note = "no value earned yet: no finish can be implied"
        es, spi = round(es, 2), round(spi, 3)
        ieac = None if ieac is None else round(ieac, 1)
    return EarnedSchedule(a, pd, es, spi, ieac, ieac_date, cpm, bei, len(finished), len(due), note)


def _earned_schedule(ev: float, weights, pd: int) -> float:
    """The time at which planned value reaches ``ev`` (linear between whole days).

    PV at every whole day from a difference array of the tasks' planned rates: O(tasks + days).
    """
    import numpy as np

    w = np.fromiter((x for x, _ in weights), dtype=float, count=len(weights))
    s = np.fromiter((se[0] for _, se in weights), dtype=np.int64, count=len(weights))
    e = np.fromiter((se[1] for _, se in weights), dtype=np.int64, count=len(weights))
    span = np.maximum(e - s, 1)
    rate = np.where(e > s, w / span, 0.0)
    days = max(pd, int(e.max(initial=0))) + 2
    diff = np.zeros(days, dtype=float)                   # each task's rate starts at s and stops at e
    np.add.at(diff, np.clip(s, 0, days - 1), rate)
    np.add.at(diff, np.clip(e, 0, days - 1), -rate)
    pv = np.concatenate(([0.0], np.cumsum(np.cumsum(diff))))         # pv[t]: value planned by day t
    if ev >= pv[pd] - 1e-9:
        return float(pd)
    c = int(np.searchsorted(pv[: pd + 1], ev + 1e-9, side="right")) - 1   # the last day with PV(C) <= EV
    c = max(0, min(c, pd - 1))
    step = pv[c + 1] - pv[c]
    return c + (float((ev - pv[c]) / step) if step > 0 else 0.0)
