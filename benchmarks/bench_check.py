"""How much `rollout check` adds on a big plan: a generated 10,000-task plan, timed in-process
(load, schedule, checks per rule) and as whole processes (`rollout schedule` vs `rollout check`).

    PYTHONPATH=. python benchmarks/bench_check.py [--tasks 10000] [--repeat 3]

Prints figures; asserts nothing (targets: checks add < 1 s to the whole process).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

KINDS = ("planning", "data-collection", "analysis", "decision", "communication", "process-design",
         "technology-selection", "training", "customer-feedback", "pilot", "rollout", "other")
PHASES = ("discover", "design", "pilot", "rollout", "sustain")
ELEMENTS = ("strategy", "measures", "products", "processes", "technology", "organization", "jobs",
            "process-management", "front-line")


def make_plan(n_tasks: int, per_stream: int = 100) -> str:
    """A standalone plan: workstreams of chained tasks with cross-links, artefacts and cadences."""
    streams = max(1, n_tasks // per_stream)
    out = ["plan: bench", "title: Benchmark plan", "start: 2027-01-04",
           "people:", "  - {id: dana, name: Dana, roles: [executive, sponsor]}", "workstreams:"]
    for w in range(streams):
        out += [f"  - id: ws{w}", f"    name: Workstream {w}", "    tasks:"]
        for k in range(per_stream):
            kind = KINDS[(w + k) % len(KINDS)]
            deps = [f"t{k - 1}"] if k else ([f"ws{w - 1}.t{per_stream // 2}"] if w else [])
            if k > 10 and k % 7 == 0:
                deps.append(f"t{k - 9}")
            fields = [f"id: t{k}", f"name: Task {w}-{k}", f"kind: {kind}", f"duration: {1 + (k % 4)}d",
                      f"phase: {PHASES[(k * len(PHASES)) // per_stream]}",
                      f"element: {ELEMENTS[(k * len(ELEMENTS)) // per_stream]}",
                      "owner: " + ("dana" if k % 5 == 0 else "pmo"),
                      "participants: [" + ("customer, pmo" if k % 6 == 0 else "employees, pmo") + "]"]
            if kind == "communication":
                fields.append("audience: [employees]")
            if kind == "data-collection":
                fields.append(f"produces: [data-{w}-{k}]")
            if kind == "analysis":
                fields.append(f"consumes: [\"data-{w}-*\"]")
                fields.append(f"produces: [findings-{w}-{k}]")
            if kind == "process-design":
                fields.append("objective: Fewer repeat contacts for customers and lower cost")
            if deps:
                fields.append("depends_on: [" + ", ".join(deps) + "]")
            out.append("      - {" + ", ".join(fields) + "}")
    out += ["cadences:",
            "  - {id: steering, name: Steering, every: 2w, participants: [executive, sponsor]}",
            "  - {id: staff, name: Staff update, every: 2w, audience: [employees]}",
            "  - {id: panel, name: Customer panel, every: 6w, participants: [customer]}"]
    return "\n".join(out) + "\n"


def best(fn, repeat: int) -> tuple[float, object]:
    times, value = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - t0)
    return min(times), value


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tasks", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    from rollout.checks import CheckContext, rules, run_checks
    from rollout.expand import load_plan
    from rollout.schedule import schedule

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.yaml"
        path.write_text(make_plan(args.tasks))
        t_load, plan = best(lambda: load_plan(path), 1)
        t_sched, sched = best(lambda: schedule(plan), args.repeat)
        t_check, result = best(lambda: run_checks(plan, sched), args.repeat)
        print(f"plan: {len(plan.tasks)} tasks, {len(plan.cadences)} cadences, "
              f"{sum(len(t.depends_on) for t in plan.tasks)} dependencies")
        print(f"in-process   load {t_load:6.3f} s   schedule {t_sched:6.3f} s   "
              f"checks {t_check:6.3f} s  ({len(result.findings)} findings)")
        per_rule = []
        for r in rules().values():
            ctx = CheckContext(plan, sched, {k: v for q in rules().values() for k, v in q.settings.items()})
            t, _ = best(lambda: list(r.check(ctx)), 1)
            per_rule.append((t, r.code))
        print("slowest rules (fresh context each, so shared graph work is counted in each): "
              + ", ".join(f"{code} {t:.3f} s" for t, code in sorted(per_rule, reverse=True)[:5]))

        env = dict(os.environ, PYTHONPATH=str(REPO))
        for command in (["schedule", "-f", "json"], ["check", "-f", "json"]):
            t, _ = best(lambda: subprocess.run([sys.executable, "-m", "rollout", *command, str(path)],
                                               capture_output=True, env=env), args.repeat)
            print(f"process      rollout {command[0]:<9} {t:6.3f} s")


if __name__ == "__main__":
    main()
