"""One run, one analysis: whole commands on big plans, as a user runs them.

    PYTHONPATH=. python benchmarks/bench_analysis.py                  # all three cases
    PYTHONPATH=. python benchmarks/bench_analysis.py --only report --runs 3

- ``rollout report`` of a 10,000-task plan (default 2,000 risk iterations);
- ``rollout status`` of a 20,000-task plan whose state store holds a baseline and 12 pull snapshots;
- expand + schedule of a 100,000-task plan in one process (``rollout schedule -f json -o /dev/null``
  and, in process, ``load_plan`` + ``schedule_plan`` alone), wall time and peak RSS.

Plans come from benchmarks/generate.py (same seed, same plan). CPU seconds are printed beside the wall
time: on a shared machine they are the figure to compare. ``ROLLOUT_UNDER_TEST=/path/to/checkout``
measures another checkout (e.g. main) with the same plans.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.generate import write  # noqa: E402

ENV = dict(os.environ, PYTHONPATH=os.environ.get("ROLLOUT_UNDER_TEST", str(ROOT)))


def measure(cmd: list[str], cwd: str, env: dict | None = None) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds, peak RSS in MB) of a command, through /usr/bin/time. On a shared
    machine the CPU seconds (user + system) are the figure to compare; the wall time waits for cores."""
    fd, stats = tempfile.mkstemp(suffix=".time")
    os.close(fd)
    start = time.perf_counter()
    proc = subprocess.run(["/usr/bin/time", "-f", "%U %S %M", "-o", stats, *cmd], cwd=cwd, env=env,
                          capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{cmd[0]} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    user, system, peak_kb = Path(stats).read_text().split()[-3:]
    os.unlink(stats)
    return wall, float(user) + float(system), int(peak_kb) / 1024


def _report(n: int, runs: int, workdir: Path) -> None:
    plan = write(n, workdir, tjp=False)["yaml"]
    out = workdir / f"report-{n}"
    cmd = [sys.executable, "-m", "rollout", "report", str(plan), "-o", str(out), "--today", "2027-06-01"]
    for _ in range(runs):
        wall, cpu, peak = measure(cmd, str(workdir), ENV)
        print(f"rollout report, {n:,} tasks: {cpu:.2f} s CPU ({wall:.2f} s wall), {peak:.0f} MB peak", flush=True)


def _snapshots(plan_path: Path, count: int) -> str:
    """A fresh state store beside the plan: its baseline and ``count`` weekly pull snapshots, each
    reporting the work the schedule has finished or started by then; returns the last date."""
    from rollout.expand import load_plan
    from rollout.schedule import schedule as schedule_plan
    from rollout.state import StateStore, TaskProgress, state_path

    plan = load_plan(str(plan_path))
    sched = schedule_plan(plan)
    state = state_path(plan.path, plan.id)
    if Path(state).exists():
        os.unlink(state)
    step = max(1, sched.finish // (count + 2))
    with StateStore(plan.path, plan.id) as store:
        store.save_baseline(sched)
        for k in range(1, count + 1):
            cut = k * step
            day = sched.calendar.date(cut)
            rows = []
            for st in sched.tasks.values():
                if st.end <= cut:
                    rows.append(TaskProgress(st.id, status_category="done", actual_start=st.start_date,
                                             actual_finish=st.finish_date))
                elif st.start < cut:
                    rows.append(TaskProgress(st.id, status_category="indeterminate", actual_start=st.start_date))
            store.save_snapshot(rows, taken_at=_dt.datetime.combine(day, _dt.time(17), _dt.timezone.utc),
                                as_of=day)
    return day.isoformat()


def _status(n: int, snapshots: int, runs: int, workdir: Path) -> None:
    plan = write(n, workdir, tjp=False)["yaml"]
    last = _snapshots(plan, snapshots)
    cmd = [sys.executable, "-m", "rollout", "status", str(plan), "-f", "json", "-o", os.devnull]
    for _ in range(runs):
        wall, cpu, peak = measure(cmd, str(workdir), ENV)
        print(f"rollout status, {n:,} tasks, {snapshots} snapshots (latest {last}): {cpu:.2f} s CPU "
              f"({wall:.2f} s wall), {peak:.0f} MB peak", flush=True)


_IN_PROCESS = """
import resource, sys, time
t0 = time.process_time()
import rollout
plan = rollout.load_plan(sys.argv[1])
t1 = time.process_time()
sched = (getattr(rollout, "schedule_plan", None) or rollout.schedule)(plan)
t2 = time.process_time()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"  in process (CPU): load_plan {t1 - t0:.2f} s (import included), schedule {t2 - t1:.2f} s, "
      f"total {t2 - t0:.2f} s, {peak:.0f} MB peak, finish {sched.finish_date}")
"""


def _expand_schedule(n: int, runs: int, workdir: Path) -> None:
    plan = write(n, workdir, tjp=False)["yaml"]
    cmd = [sys.executable, "-m", "rollout", "schedule", str(plan), "-f", "json", "-o", os.devnull]
    for _ in range(runs):
        wall, cpu, peak = measure(cmd, str(workdir), ENV)
        print(f"rollout schedule -f json, {n:,} tasks: {cpu:.2f} s CPU ({wall:.2f} s wall), {peak:.0f} MB peak",
              flush=True)
        proc = subprocess.run([sys.executable, "-c", _IN_PROCESS, str(plan)], env=ENV, capture_output=True,
                              text=True, check=True)
        print(proc.stdout.rstrip(), flush=True)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", choices=["report", "status", "schedule"], action="append")
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--report-tasks", type=int, default=10_000)
    ap.add_argument("--status-tasks", type=int, default=20_000)
    ap.add_argument("--snapshots", type=int, default=12)
    ap.add_argument("--schedule-tasks", type=int, default=100_000)
    ap.add_argument("-o", "--outdir", default=str(Path(tempfile.gettempdir()) / "rollout-bench"))
    args = ap.parse_args(argv)
    workdir = Path(args.outdir)
    workdir.mkdir(parents=True, exist_ok=True)
    only = set(args.only or ["report", "status", "schedule"])
    if "report" in only:
        _report(args.report_tasks, args.runs, workdir)
    if "status" in only:
        _status(args.status_tasks, args.snapshots, args.runs, workdir)
    if "schedule" in only:
        _expand_schedule(args.schedule_tasks, args.runs, workdir)


if __name__ == "__main__":
    main()
