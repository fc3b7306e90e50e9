"""Benchmark of resource levelling on PSPLIB J30 / J120 (shared/data/psplib) and a synthetic large plan.

Prints figures, asserts nothing. Each instance is converted (benchmarks/psplib.py), levelled through
``rollout.levelling.level`` and checked by ``validate``; the summary gives the mean % deviation (J30 from the
proven optimum; J120 from the critical-path bound and from the best known makespan), how many reach the
optimum / best known, the largest deviation, and the time per instance (wall and CPU; CPU is the steadier
figure on a shared machine). Targets (issue 13): every schedule feasible; J30 mean ≤ 0.5 % above optimum
with the default method in under 1 s an instance; J120 ≤ 35 % above the critical-path bound; with
``--method optimal`` J30 at the optimum within 10 s each; a 2,000-task plan with 30 people and 10 pools in
under 3 s whole-process.

    python benchmarks/bench_levelling.py --set j30                       # all 480, default method
    python benchmarks/bench_levelling.py --set j120 --limit 60 --every 10   # one instance of each parameter set
    python benchmarks/bench_levelling.py --set j30 --method optimal --time-limit 10
    python benchmarks/bench_levelling.py --synthetic                     # 2,000 tasks, 30 people, 10 pools
    python benchmarks/bench_levelling.py --set j30 --limit 5 --plans /tmp/psplib-plans   # also write plan YAML
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.psplib import DATA, instances, optima, parse, to_levelling, to_plan_yaml  # noqa: E402


def run_set(name: str, args) -> None:
    from rollout.levelling import level, validate

    folder = Path(args.data) / name
    known = optima(folder)
    files = instances(folder)[::args.every]
    if args.limit:
        files = files[:args.limit]
    if args.plans:
        Path(args.plans).mkdir(parents=True, exist_ok=True)
    rows = []
    print(f"{name}: {len(files)} instances, method {args.method}"
          + (f", {args.schedules} schedules" if args.schedules else ", default budget")
          + (f", time limit {args.time_limit:g} s" if args.time_limit else ""), flush=True)
    for path in files:
        inst = parse(path)
        tasks, resources = to_levelling(inst)
        if args.plans:
            (Path(args.plans) / (path.stem + ".yaml")).write_text(to_plan_yaml(inst), encoding="utf-8")
        wall, cpu = time.perf_counter(), time.process_time()
        out = level(tasks, resources, method=args.method, seed=args.seed, schedules=args.schedules,
                    time_limit=args.time_limit, workers=args.workers)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        bad = validate(tasks, resources, out.starts)
        lo, best = known[path.name]
        cpm = out.unlevelled_finish
        row = {"name": path.name, "finish": out.finish, "best": best, "proved": lo == best, "cpm": cpm,
               "feasible": not bad, "wall": wall, "cpu": cpu, "optimal": out.optimal,
               "dev_best": 100.0 * (out.finish - best) / best, "dev_cpm": 100.0 * (out.finish - cpm) / cpm,
               "schedules": out.schedules}
        rows.append(row)
        if args.verbose or bad:
            flag = "" if not bad else "  INFEASIBLE: " + "; ".join(bad[:3])
            print(f"  {path.name:14} {out.finish:4d} (best {best}, cpm {cpm}) {row['dev_best']:6.2f} %  "
                  f"{wall:6.2f} s wall {cpu:6.2f} s cpu  {out.schedules} schedules"
                  + (" proved" if out.optimal else "") + flag, flush=True)
    summarise(name, rows, args)


def summarise(name: str, rows: list[dict], args) -> None:
    n = len(rows)
    if not n:
        return
    feasible = sum(r["feasible"] for r in rows)
    mean = statistics.fmean
    print(f"{name}: {n} instances, {feasible} feasible schedules")
    if name.startswith("j30"):
        print(f"  deviation from the optimum: mean {mean(r['dev_best'] for r in rows):.3f} %, "
              f"max {max(r['dev_best'] for r in rows):.2f} %, at the optimum {sum(r['finish'] == r['best'] for r in rows)}/{n}")
    else:
        print(f"  deviation from the critical-path bound: mean {mean(r['dev_cpm'] for r in rows):.2f} %")
        print(f"  deviation from the best known: mean {mean(r['dev_best'] for r in rows):.3f} %, "
              f"max {max(r['dev_best'] for r in rows):.2f} %, at or below best known "
              f"{sum(r['finish'] <= r['best'] for r in rows)}/{n}")
        print(f"  best known themselves: mean {mean(100.0 * (r['best'] - r['cpm']) / r['cpm'] for r in rows):.2f} % "
              "above the critical-path bound")
    if args.method == "optimal":
        print(f"  proved optimal: {sum(r['optimal'] for r in rows)}/{n}")
    print(f"  time per instance: wall mean {mean(r['wall'] for r in rows):.3f} s, max {max(r['wall'] for r in rows):.2f} s; "
          f"cpu mean {mean(r['cpu'] for r in rows):.3f} s, max {max(r['cpu'] for r in rows):.2f} s; "
          f"schedules mean {mean(r['schedules'] for r in rows):.0f}", flush=True)


# ---------------------------------------------------------------- synthetic plan

SYNTHETIC = r'''
import sys, time
t0 = time.perf_counter()
sys.path.insert(0, {root!r})
from benchmarks.bench_levelling import synthetic
from rollout.levelling import level, validate
tasks, resources = synthetic({n}, {people}, {pools}, seed={seed})
t1 = time.perf_counter()
out = level(tasks, resources, seed={seed}{budget})
t2 = time.perf_counter()
bad = validate(tasks, resources, out.starts)
print(len(tasks), out.unlevelled_finish, out.finish, out.schedules, len(bad), round(t1 - t0, 3), round(t2 - t1, 3))
'''


def synthetic(n: int = 2000, people: int = 30, pools: int = 10, seed: int = 1):
    """A rollout-shaped plan: workstreams of chains with cross-links (FS, SS, FF, some lags and releases);
    people at full or part capacity with leave, pools of 2-6; most tasks use a person,
    a pool, or both. Working days are indices; the calendar is the caller's business. (No four-day weeks: a
    task is never split, so a five-day task of a four-day-week person could never start.)"""
    import random

    from rollout.levelling import Activity, Dependency, Resource

    rng = random.Random(seed)
    horizon = 1500
    resources = []
    for p in range(people):
        cap = rng.choice([1, 1, 1, 0.5, 0.8])
        days = [cap] * horizon
        for _ in range(rng.randint(1, 4)):                      # leave of one to three weeks
            a = rng.randrange(0, horizon - 20)
            for k in range(a, a + rng.choice([5, 10, 15])):
                days[k] = 0
        resources.append(Resource(f"person{p}", cap, tuple(days)))
    for q in range(pools):
        resources.append(Resource(f"pool{q}", rng.randint(2, 6)))
    tasks = []
    streams: list[list[str]] = []
    while len(tasks) < n:
        mine: list[str] = []
        size = min(rng.randint(20, 60), n - len(tasks))
        for k in range(size):
            tid = f"w{len(streams)}.t{k}"
            deps = []
            if k:
                deps.append(Dependency(mine[-1], "FS", rng.choice([0, 0, 0, 1, 2])))
                if k > 2 and rng.random() < 0.25:
                    deps.append(Dependency(mine[rng.randrange(0, k - 1)], rng.choice(["FS", "SS", "FF"]),
                                           rng.choice([0, 2, -1])))
            if streams and k and rng.random() < 0.1:
                other = rng.choice(streams[-6:])
                deps.append(Dependency(other[min(k, len(other)) - 1], "FS", 0))
            d = 0 if rng.random() < 0.06 else rng.choice([1, 2, 3, 5, 5, 8, 10, 15])
            demands = {}
            if d and rng.random() < 0.4:
                person = resources[rng.randrange(people)]
                demands[person.id] = rng.choice([0.25, 0.5, person.units]) if person.units >= 0.5 else 0.25
                demands[person.id] = min(demands[person.id], person.units)
            if d and rng.random() < 0.3:
                pool = resources[people + rng.randrange(pools)]
                demands[pool.id] = rng.randint(1, int(pool.units))
            release = rng.randrange(0, 200) if rng.random() < 0.02 else 0
            tasks.append(Activity(tid, d, tuple(deps), demands, release))
            mine.append(tid)
        streams.append(mine)
    return tasks, resources


def run_synthetic(args) -> None:
    budget = f", schedules={args.schedules}" if args.schedules else ""
    code = SYNTHETIC.format(root=str(ROOT), n=args.tasks, people=args.people, pools=args.pools, seed=args.seed,
                            budget=budget)
    spent = 0.0
    for _ in range(args.repeat):
        wall = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, env=dict(os.environ, PYTHONPATH=str(ROOT)))
        out, err = proc.communicate()
        wall = time.perf_counter() - wall
        if proc.returncode:
            print(err.strip()[-2000:])
            return
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = usage.ru_utime + usage.ru_stime - spent
        spent += cpu
        n, cpm, finish, count, bad, build, lev = out.split()
        print(f"synthetic: {n} tasks, {args.people} people, {args.pools} pools: unlevelled finish {cpm}, levelled "
              f"{finish} ({100.0 * (int(finish) - int(cpm)) / int(cpm):.1f} % later), {count} schedules, "
              f"{bad} violations; whole process {wall:.2f} s wall, {cpu:.2f} s cpu (building the input {build} s, levelling {lev} s)",
              flush=True)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--set", choices=["j30", "j120", "both"], default=None)
    ap.add_argument("--method", choices=["heuristic", "optimal"], default="heuristic")
    ap.add_argument("--limit", type=int, default=0, help="only the first N instances (after --every)")
    ap.add_argument("--every", type=int, default=1, help="every k-th instance (10 on J120: one per parameter set)")
    ap.add_argument("--schedules", type=int, default=None, help="schedule budget (default: the library's)")
    ap.add_argument("--time-limit", type=float, default=None, help="seconds per instance")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workers", type=int, default=1, help="CP-SAT workers for --method optimal")
    ap.add_argument("--data", default=str(DATA))
    ap.add_argument("--plans", default=None, help="also write each instance as a plan YAML into this folder")
    ap.add_argument("--verbose", "-v", action="store_true", help="one line per instance")
    ap.add_argument("--synthetic", action="store_true", help="the synthetic plan (whole process, subprocess)")
    ap.add_argument("--tasks", type=int, default=2000)
    ap.add_argument("--people", type=int, default=30)
    ap.add_argument("--pools", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args(argv)
    if args.synthetic:
        run_synthetic(args)
    sets = [] if args.set is None and args.synthetic else (["j30", "j120"] if args.set in (None, "both") else [args.set])
    for name in sets:
        run_set(name, args)


if __name__ == "__main__":
    main()
