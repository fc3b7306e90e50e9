"""Earned schedule and forecast snapshots on big plans: `earned_schedule(report)` alone, recording a
forecast snapshot (`status --record` without and with `--risk`), reading a year of weekly snapshots
back for `rollout trend` (text, JSON and the HTML page), and the dashboard's schedule-quality table.

    PYTHONPATH=. python benchmarks/bench_trend.py                  # 25,000 tasks
    PYTHONPATH=. python benchmarks/bench_trend.py --tasks 200000 --weeks 10

Plans and progress come from benchmarks/generate.py and bench_status.py (same seed, same plan).
"""

from __future__ import annotations

import argparse
import datetime as _dt
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.bench_status import progress_csv  # noqa: E402
from benchmarks.generate import write  # noqa: E402


def bench(n: int, weeks: int, workdir: Path) -> None:
    from rollout.earned import earned_schedule
    from rollout.expand import load_plan
    from rollout.reports.trend import trend_html
    from rollout.state import StateStore, state_path
    from rollout.tracking import load_progress, status_report
    from rollout.trend import record_forecast, trend

    plan_path = write(n, workdir, tjp=False)["yaml"]
    state_path(plan_path, load_plan(str(plan_path)).id).unlink(missing_ok=True)
    actuals = workdir / f"progress-{n}.csv"
    as_of = progress_csv(plan_path, actuals)
    plan = load_plan(str(plan_path))
    progress = load_progress(plan, as_of, str(actuals))
    report = status_report(plan, progress=progress)
    t0 = time.perf_counter()
    es = earned_schedule(report)
    t1 = time.perf_counter()
    print(f"{n:,} tasks: earned_schedule() {t1 - t0:.3f} s (SPI(t) {es.spi_t}, BEI {es.bei})", flush=True)
    t0 = time.perf_counter()
    record_forecast(plan, report=report, progress=progress)
    t1 = time.perf_counter()
    print(f"  record a snapshot: {t1 - t0:.2f} s", flush=True)
    t0 = time.perf_counter()
    snap = record_forecast(plan, report=report, progress=progress, risk=True)
    t1 = time.perf_counter()
    print(f"  record with --risk ({snap.iterations} iterations): {t1 - t0:.2f} s, "
          f"{len(snap.milestones):,} milestones", flush=True)
    t0 = time.perf_counter()
    with StateStore(plan.path, plan.id) as store:   # the same forecast re-dated: what is measured is the store
        for k in range(1, weeks):
            store.save_forecast(replace(snap, as_of=as_of + _dt.timedelta(days=7 * k)))
    t1 = time.perf_counter()
    t = trend(plan)
    t2 = time.perf_counter()
    t.to_dict()
    t.to_text()
    t3 = time.perf_counter()
    page = trend_html(t)
    t4 = time.perf_counter()
    from rollout.reports.quality import quality_rows

    t5 = time.perf_counter()
    rows = quality_rows(plan, report.baseline, status=report, status_date=as_of)
    t6 = time.perf_counter()
    print(f"  dashboard schedule-quality table ({len(rows)} metrics, with a status date): {t6 - t5:.2f} s")
    print(f"  {weeks} weekly snapshots: stored {t1 - t0:.2f} s, read {t2 - t1:.2f} s, json+text {t3 - t2:.2f} s, "
          f"html {t4 - t3:.2f} s ({len(page) / 1e6:.1f} MB)", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tasks", type=int, nargs="*", default=[25_000])
    ap.add_argument("--weeks", type=int, default=52)
    ap.add_argument("-o", "--outdir", default=str(Path(tempfile.gettempdir()) / "rollout-bench-trend"))
    args = ap.parse_args()
    workdir = Path(args.outdir)
    workdir.mkdir(parents=True, exist_ok=True)
    for n in args.tasks:
        bench(n, args.weeks, workdir)


if __name__ == "__main__":
    main()
