"""Levelling through the command line, whole process: plan YAML in, `rollout schedule PLAN --level --format
json` out, every schedule checked for feasibility against the plan's own people and pools.

Prints figures, asserts nothing.

    python benchmarks/bench_capacity.py                      # the 2,000-task plan: 30 people, 10 pools (target < 3 s)
    python benchmarks/bench_capacity.py --repeat 3
    python benchmarks/bench_capacity.py --via-cli --set j30 --limit 48 --every 10   # PSPLIB through the CLI
    python benchmarks/bench_capacity.py --write /tmp/big.yaml                     # only write the plan

The synthetic plan is benchmarks/bench_levelling.py's `synthetic()` (workstreams of chains with cross-links,
FS/SS/FF, lags, releases; people at full or part capacity with one to four leaves; pools of 2-6) written as a
plan file on a Monday-to-Friday calendar: people with `capacity` and `leave` date ranges, `resources:` pools,
tasks with `resources`, `depends_on` and `start_no_earlier_than`. PSPLIB instances are written by
benchmarks/psplib.py's `to_plan_yaml` (seven-day calendar, `scheduling: {level: true}`).

Feasibility is judged by `rollout.levelling.validate` on the levelled start edges read back from the JSON
(dates → working-day indices on the plan calendar), with the availability `rollout.capacity.availability`
derives from the plan; milestones (no resources, dated on the day before their start edge) are left out of
the dependency check.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.psplib import DATA, instances, optima, parse, to_plan_yaml  # noqa: E402

START = dt.date(2027, 1, 4)      # a Monday


def synthetic_plan_yaml(n: int = 2000, people: int = 30, pools: int = 10, seed: int = 1) -> str:
    """bench_levelling's synthetic problem as a plan file (day k = the k-th weekday from START)."""
    from benchmarks.bench_levelling import synthetic
    from rollout.calendar import WorkCalendar

    tasks, resources = synthetic(n, people, pools, seed=seed)
    cal = WorkCalendar(START)
    out = ["plan: synthetic", 'title: "Synthetic: levelling through the CLI"', f"start: {START}", "people:"]
    for r in resources[:people]:
        off = [k for k, u in enumerate(r.days) if not u]
        ranges, k = [], 0
        while k < len(off):
            j = k
            while j + 1 < len(off) and off[j + 1] == off[j] + 1:
                j += 1
            ranges.append(f"{cal.date(off[k])}..{cal.date(off[j])}")
            k = j + 1
        out.append(f"  - {{id: {r.id}, name: Person {r.id[6:]}, capacity: {r.units:g}, leave: [{', '.join(ranges)}]}}")
    out.append("resources:")
    out += [f"  - {{id: {r.id}, name: Pool {r.id[4:]}, units: {r.units:g}}}" for r in resources[people:]]
    out.append("workstreams:")
    current = None
    for a in tasks:
        ws, local = a.id.split(".")
        if ws != current:
            out += [f"  - id: {ws}", f"    name: Stream {ws[1:]}", "    tasks:"]
            current = ws
        fields = [f"id: {local}", f"name: Task {a.id}"]
        fields.append(f"duration: {a.duration}d" if a.duration else "kind: milestone")
        if a.depends_on:
            deps = [d.task.split(".")[1] if d.task.startswith(ws + ".") and d.type == "FS" and not d.lag else
                    f"{{task: {d.task}, type: {d.type}, lag: {d.lag}d}}" for d in a.depends_on]
            fields.append("depends_on: [" + ", ".join(deps) + "]")
        if a.demands:
            fields.append("resources: {" + ", ".join(f"{k}: {v:g}" for k, v in a.demands.items()) + "}")
        if a.release:
            fields.append(f"start_no_earlier_than: {cal.date(a.release)}")
        out.append("      - {" + ", ".join(fields) + "}")
    return "\n".join(out) + "\n"


def run_cli(path: Path) -> tuple[dict | None, float, float, str]:
    """`rollout schedule PATH --level --format json` in a fresh process: (data, wall s, cpu s, stderr)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "rollout", "schedule", str(path), "--level", "--format", "json"],
                          capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    wall = time.perf_counter() - wall
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    if proc.returncode:
        return None, wall, cpu, proc.stderr.strip()[-2000:]
    return json.loads(proc.stdout), wall, cpu, proc.stderr


def violations(path: Path, data: dict) -> list[str]:
    """What the levelled schedule in ``data`` breaks, judged from the plan file itself."""
    from rollout.calendar import WorkCalendar
    from rollout.capacity import availability
    from rollout.expand import load_plan
    from rollout.levelling import Activity, validate

    plan = load_plan(path)
    cal = WorkCalendar(plan.start, plan.calendar)
    rows = {t["id"]: t for t in data["tasks"]}
    work = {t.id for t in plan.tasks if t.duration > 0}
    acts, starts = [], {}
    for t in plan.tasks:
        if t.id not in work:
            continue
        deps = tuple(d for d in t.depends_on if d.task in work)
        release = cal.index_on_or_after(t.start_no_earlier_than) if t.start_no_earlier_than else 0
        acts.append(Activity(t.id, t.duration, deps, dict(t.resources), release))
        starts[t.id] = cal.index_on_or_after(dt.date.fromisoformat(rows[t.id]["start"]))
    return validate(acts, availability(plan, cal), starts)


def run_synthetic(args) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(args.write or Path(tmp) / "synthetic.yaml")
        path.write_text(synthetic_plan_yaml(args.tasks, args.people, args.pools, args.seed), encoding="utf-8")
        if args.write:
            print(f"wrote {path}")
            return
        for _ in range(args.repeat):
            data, wall, cpu, err = run_cli(path)
            if data is None:
                print(f"rollout schedule --level failed: {err}")
                return
            bad = violations(path, data)
            lv = data["levelling"]
            print(f"synthetic plan via the CLI: {len(data['tasks'])} tasks, {args.people} people, {args.pools} pools: "
                  f"unlevelled finish {lv['unlevelled_finish_days']}, levelled {data['finish_days']} "
                  f"({100.0 * (data['finish_days'] - lv['unlevelled_finish_days']) / lv['unlevelled_finish_days']:.1f} % "
                  f"later), {lv['schedules']} schedules, {len(bad)} violations; `rollout schedule --level --format json` "
                  f"{wall:.2f} s wall, {cpu:.2f} s cpu", flush=True)


def run_psplib(args) -> None:
    folder = Path(args.data) / args.set
    best = optima(folder)
    files = instances(folder)[::args.every]
    if args.limit:
        files = files[:args.limit]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for f in files:
            inst = parse(f)
            path = Path(tmp) / (f.stem + ".yaml")
            path.write_text(to_plan_yaml(inst), encoding="utf-8")
            data, wall, cpu, err = run_cli(path)
            if data is None:
                print(f"{f.name}: failed: {err}")
                continue
            bad = violations(path, data)
            _, ref = best[f.name]          # the optimum (J30) or the best known makespan (J120)
            got = data["finish_days"]
            rows.append({"name": f.name, "finish": got, "ref": ref, "dev": 100.0 * (got - ref) / ref,
                         "bad": len(bad), "wall": wall, "cpu": cpu})
            if args.verbose:
                print(f"{f.name}: {got} vs {ref} ({rows[-1]['dev']:.2f} %), {len(bad)} violations, {wall:.2f} s",
                      flush=True)
    if not rows:
        return
    feasible = sum(r["bad"] == 0 for r in rows)
    print(f"PSPLIB {args.set} via `rollout schedule --level` ({len(rows)} instances, every {args.every}): "
          f"{feasible}/{len(rows)} feasible; mean {statistics.mean(r['dev'] for r in rows):.3f} % above the "
          f"{'optimum' if args.set == 'j30' else 'best known'} (max {max(r['dev'] for r in rows):.2f} %), "
          f"{sum(r['dev'] <= 0 for r in rows)} at it; {statistics.mean(r['wall'] for r in rows):.2f} s wall, "
          f"{statistics.mean(r['cpu'] for r in rows):.2f} s cpu an instance (whole process)")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--via-cli", action="store_true", help="PSPLIB instances as plan files through the CLI")
    ap.add_argument("--set", choices=["j30", "j120"], default="j30")
    ap.add_argument("--limit", type=int, default=48, help="at most N instances (after --every); 0 = all")
    ap.add_argument("--every", type=int, default=10, help="every k-th instance")
    ap.add_argument("--data", default=str(DATA))
    ap.add_argument("--tasks", type=int, default=2000)
    ap.add_argument("--people", type=int, default=30)
    ap.add_argument("--pools", type=int, default=10)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--write", default=None, help="only write the synthetic plan to this file")
    ap.add_argument("--verbose", "-v", action="store_true")
    args = ap.parse_args(argv)
    if args.via_cli:
        run_psplib(args)
    else:
        run_synthetic(args)


if __name__ == "__main__":
    main()
