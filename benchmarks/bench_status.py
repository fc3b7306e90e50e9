"""`rollout status` on big plans: the whole command (load, schedule, forecast, figures, JSON) and
the status computation alone, with a progress CSV that reports the first fifth of the work.

    PYTHONPATH=. python benchmarks/bench_status.py                 # 25,000 and 200,000 tasks
    PYTHONPATH=. python benchmarks/bench_status.py --tasks 200000 --runs 1

Plans come from benchmarks/generate.py (same seed, same plan). It printed 323 s for 200,000 tasks
when every workstream rebuilt the task index (workstreams × tasks).
"""

from __future__ import annotations

import argparse
import csv
import datetime as _dt
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.bench_reports import measure  # noqa: E402
from benchmarks.generate import write  # noqa: E402


def progress_csv(plan_path: Path, out: Path) -> _dt.date:
    """Actuals: the tasks that end in the first fifth of the schedule done (a few a day late), the
    ones running then in progress; returns the as-of date."""
    from rollout.expand import load_plan
    from rollout.schedule import schedule

    sched = schedule(load_plan(str(plan_path)))
    cut = max(1, sched.finish // 5)
    as_of = sched.calendar.date(cut)
    with open(out, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(("task", "status", "actual_start", "actual_finish", "percent_complete"))
        for k, st in enumerate(sched.tasks.values()):
            if st.end <= cut - 2:
                late = k % 7 == 0
                finish = sched.edge_finish_date(st.end + (2 if late else 0))
                w.writerow((st.id, "done", "" if st.task.is_milestone else st.start_date.isoformat(),
                            finish.isoformat(), ""))
            elif st.start < cut and not st.task.is_milestone:
                w.writerow((st.id, "in-progress", st.start_date.isoformat(), "", 30))
    return as_of


def bench(n: int, runs: int, workdir: Path) -> None:
    plan = write(n, workdir, tjp=False)["yaml"]
    actuals = workdir / f"progress-{n}.csv"
    as_of = progress_csv(plan, actuals)
    cmd = [sys.executable, "-m", "rollout", "status", str(plan), "--as-of", as_of.isoformat(),
           "--actuals", str(actuals), "-f", "json", "-o", os.devnull]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    walls = []
    for _ in range(runs):
        wall, peak = measure(cmd, str(workdir), env)
        walls.append(wall)
        print(f"rollout status, {n:,} tasks: {wall:.2f} s wall, {peak:.0f} MB peak", flush=True)
    if runs > 1:
        print(f"  median of {runs}: {sorted(walls)[runs // 2]:.2f} s")

    from rollout.expand import load_plan
    from rollout.tracking import read_actuals_csv, status

    p = load_plan(str(plan))
    acts = read_actuals_csv(str(actuals), p)
    t0 = time.perf_counter()
    report = status(p, as_of, acts)
    t1 = time.perf_counter()
    report.to_dict()
    t2 = time.perf_counter()
    print(f"  in process: status() {t1 - t0:.2f} s, to_dict() {t2 - t1:.2f} s "
          f"({len(report.workstreams())} workstreams)", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tasks", type=int, nargs="*", default=[25_000, 200_000])
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("-o", "--outdir", default=str(Path(tempfile.gettempdir()) / "rollout-bench"))
    args = ap.parse_args()
    workdir = Path(args.outdir)
    workdir.mkdir(parents=True, exist_ok=True)
    for n in args.tasks:
        bench(n, args.runs, workdir)


if __name__ == "__main__":
    main()
