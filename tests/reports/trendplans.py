"""A plan file with two milestones (one with a hostile name) and three weeks of recorded forecasts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from .plans import HOSTILE

PLAN = f"""plan: mta
title: Milestone trend pilot
start: 2027-01-04
workstreams:
  - id: disc
    name: Discovery
    tasks:
      - {{id: interviews, name: Customer interviews, duration: 5d, owner: pmo}}
      - {{id: synthesis, name: Synthesis, duration: 5d, owner: pmo, depends_on: [disc.interviews]}}
      - {{id: gate, name: Insight agreed, kind: milestone, duration: 0, depends_on: [disc.synthesis]}}
  - id: design
    name: Design
    tasks:
      - {{id: maps, name: Process maps, duration: 2w, owner: pmo, depends_on: [disc.gate]}}
      - {{id: signoff, name: "{HOSTILE}", kind: milestone, duration: 0, depends_on: [design.maps]}}
"""
HEADER = "task,status,actual_start,actual_finish,percent_complete\n"
WEEKS = (
    ("2027-01-07", "disc.interviews,in-progress,2027-01-04,,40\n"),
    ("2027-01-14", "disc.interviews,done,2027-01-04,2027-01-12,\ndisc.synthesis,in-progress,2027-01-13,,20\n"),
    ("2027-01-25", "disc.interviews,done,2027-01-04,2027-01-12,\ndisc.synthesis,done,2027-01-13,2027-01-21,\n"
                   "disc.gate,done,2027-01-21,2027-01-21,\n"),
)


def recorded_plan(folder: Path, weeks: int = 3, risk: bool = True) -> Path:
    """The plan file, with ``weeks`` forecast snapshots recorded (P50/P80 with ``risk``)."""
    from rollout.expand import load_plan
    from rollout.trend import record_forecast

    path = folder / "mta.yaml"
    path.write_text(PLAN)
    for day, rows in WEEKS[:weeks]:
        csv = folder / f"{day}.csv"
        csv.write_text(HEADER + rows)
        record_forecast(load_plan(path), as_of=dt.date.fromisoformat(day), actuals_path=str(csv), risk=risk,
                        iterations=300)
    return path
