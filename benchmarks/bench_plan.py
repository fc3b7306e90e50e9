"""Benchmark of the plan engine: `rollout expand` and `rollout schedule` against `tj3 --no-reports`.

Prints figures, asserts nothing. For each size it writes a generated plan (benchmarks/generate.py) and the
same graph as .tjp, then times whole processes: wall-clock seconds, CPU seconds (user + system; the steadier
figure on a shared machine) and peak resident memory, taken from the child's own rusage (os.wait4).
Targets (issue 3): 8,000 tasks `rollout schedule` >= 20x faster than tj3; 100,000 tasks expand + schedule
< 5 s and < 1 GiB; `rollout --help` < 0.3 s.

    PYTHONPATH=. python benchmarks/bench_plan.py                     # 1000 8000 10000 100000
    PYTHONPATH=. python benchmarks/bench_plan.py --sizes 1000,8000 --repeat 3
    PYTHONPATH=. python benchmarks/bench_plan.py --sizes 100000 --profile   # cProfile of load + schedule
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.generate import write  # noqa: E402

ROLLOUT = [sys.executable, "-m", "rollout"]


def measure(argv: list[str], cwd: Path) -> tuple[float, float, float, int]:
    """Run one process to completion: (wall s, cpu s, peak MiB, exit code); output is discarded."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    with tempfile.TemporaryFile() as errfile:
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=errfile)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            errfile.seek(0)
            err = errfile.read().decode(errors="replace").strip()
            print(f"    ! {' '.join(argv[-4:])} exited {proc.returncode}: {err[:300]}", file=sys.stderr)
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, proc.returncode


def best_of(argv: list[str], cwd: Path, repeat: int) -> dict:
    runs = [measure(argv, cwd) for _ in range(repeat)]
    return {"wall": min(r[0] for r in runs), "wall_median": statistics.median(r[0] for r in runs),
            "cpu": min(r[1] for r in runs), "mib": max(r[2] for r in runs), "rc": max(r[3] for r in runs)}


def row(size, what, m, note=""):
    print(f"{size:>8}  {what:<31} {m['wall']:>8.2f} {m['wall_median']:>8.2f} {m['cpu']:>8.2f} {m['mib']:>9.0f}"
          f"  {note}", flush=True)


_BREAKDOWN = """
import json, sys, time
t = [time.process_time()]
from rollout.cli._common import to_json
from rollout.expand import load_plan
from rollout.schedule import schedule
t.append(time.process_time())
plan = load_plan(sys.argv[1]); t.append(time.process_time())
sched = schedule(plan); t.append(time.process_time())
data = sched.to_dict(); t.append(time.process_time())
text = to_json(data); t.append(time.process_time())
names = ("imports", "load_plan", "schedule", "to_dict", "to_json")
print(", ".join(f"{k} {b - a:.2f}" for k, a, b in zip(names, t, t[1:])))
"""


def breakdown(yaml_path: Path) -> str:
    """CPU seconds of each phase of `rollout schedule --format json`, in a fresh process."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-c", _BREAKDOWN, str(yaml_path)], capture_output=True, text=True,
                          env=env, cwd=ROOT)
    return proc.stdout.strip() or proc.stderr.strip()[-300:]


def verify(n: int, yaml_path: Path, outdir: Path) -> str:
    """Check that the timed graphs are the same: rollout's dates (from the plan file) against tj3's."""
    import json

    from benchmarks.generate import build
    from tests.oracle.tjp import run_tj3

    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run(ROLLOUT + ["schedule", str(yaml_path), "--format", "json"], capture_output=True,
                          text=True, env=env, check=True)
    rows = json.loads(proc.stdout)["tasks"]
    plan = build(n)
    tj = run_tj3(plan, outdir / f"verify-{n}")
    tasks = plan.task_index()
    same = sum((r["start"], r["finish"]) == (tj[r["id"]].start.isoformat(), tj[r["id"]].finish.isoformat())
               for r in rows)
    snet_ms = sum(1 for r in rows if tasks[r["id"]].duration == 0 and tj[r["id"]].start_at.time().hour == 0
                  and tj[r["id"]].start_at.date() > plan.start
                  and r["start"] != tj[r["id"]].start.isoformat())
    return f"dates equal to tj3's for {same} of {len(rows)} tasks ({snet_ms} SNET-held milestones differ)"


def profile(yaml_path: Path, top: int = 25) -> None:
    """cProfile of load_plan + schedule + to_dict in this process, sorted by own time."""
    import cProfile
    import pstats

    from rollout.expand import load_plan
    from rollout.schedule import schedule

    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.enable()
    plan = load_plan(str(yaml_path))
    t1 = time.perf_counter()
    sched = schedule(plan)
    t2 = time.perf_counter()
    sched.to_dict()
    t3 = time.perf_counter()
    prof.disable()
    print(f"\nin-process (profiled, so slower): load_plan {t1 - t0:.2f} s, schedule {t2 - t1:.2f} s, "
          f"to_dict {t3 - t2:.2f} s")
    pstats.Stats(prof).sort_stats("tottime").print_stats(top)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000,8000,10000,100000")
    ap.add_argument("--repeat", type=int, default=3, help="runs per figure (best wall time is shown)")
    ap.add_argument("--tj3-max", type=int, default=10000, help="skip tj3 above this size")
    ap.add_argument("--tj3-repeat", type=int, default=1)
    ap.add_argument("--outdir", default=None, help="where the generated files go (default: a temp dir)")
    ap.add_argument("--profile", action="store_true", help="also cProfile load + schedule of the largest size")
    ap.add_argument("--verify", action="store_true", help="also compare every date with tj3's (untimed)")
    args = ap.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    outdir = Path(args.outdir or tempfile.mkdtemp(prefix="rollout-bench-"))
    have_tj3 = shutil.which("tj3") is not None

    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cpus, load {os.getloadavg()[0]:.1f}; "
          f"files in {outdir}")
    print(f"{'tasks':>8}  {'command':<31} {'best s':>8} {'median s':>8} {'cpu s':>8} {'peak MiB':>9}")
    helpm = best_of(ROLLOUT + ["--help"], ROOT, max(5, args.repeat))
    row("-", "rollout --help", helpm, "target < 0.3 s")
    summary = []
    for n in sizes:
        want_tj3 = have_tj3 and n <= args.tj3_max
        paths = write(n, outdir, tjp=want_tj3)
        repeat = args.repeat if n <= 10000 else max(1, args.repeat)
        exp = best_of(ROLLOUT + ["expand", str(paths["yaml"]), "--format", "json"], outdir, repeat)
        row(n, "rollout expand --format json", exp)
        sch = best_of(ROLLOUT + ["schedule", str(paths["yaml"]), "--format", "json"], outdir, repeat)
        note = "target < 5 s, < 1024 MiB" if n >= 100000 else ""
        row(n, "rollout schedule --format json", sch, note)
        if n == max(sizes):
            print(f"{'':>10}cpu s by phase: {breakdown(paths['yaml'])}", flush=True)
        if want_tj3:
            tj = best_of(["tj3", "--silent", "--no-reports", str(paths["tjp"])], outdir, args.tj3_repeat)
            ratio, cpu_ratio = tj["wall"] / sch["wall"], tj["cpu"] / sch["cpu"]
            row(n, "tj3 --no-reports", tj, f"tj3/rollout: {ratio:.1f}x wall, {cpu_ratio:.1f}x cpu"
                + (" (target >= 20x at 8000)" if n == 8000 else ""))
            summary.append(f"{n} tasks: rollout schedule {sch['wall']:.2f} s vs tj3 {tj['wall']:.2f} s = "
                           f"{ratio:.1f}x (cpu {cpu_ratio:.1f}x)")
            if args.verify:
                print(f"{'':>10}{verify(n, paths['yaml'], outdir)}", flush=True)
        else:
            summary.append(f"{n} tasks: rollout schedule {sch['wall']:.2f} s, {sch['mib']:.0f} MiB"
                           + ("" if have_tj3 else " (tj3 not installed)"))
    print("\n" + "\n".join(summary))
    print(f"rollout --help: {helpm['wall']:.3f} s")
    if args.profile and sizes:
        profile(outdir / f"plan-{max(sizes)}.yaml")


if __name__ == "__main__":
    main()
