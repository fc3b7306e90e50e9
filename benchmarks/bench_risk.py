"""Benchmark of `rollout risk`: Monte Carlo on synthetic plans of 2,000 and 10,000 tasks.

Prints figures (wall-clock and CPU seconds: on a shared machine the CPU time is the steadier one);
asserts nothing. Targets (issue 7): 10,000 iterations on a 2,000-task plan in ≤ 2 s for
the whole process, and a 10,000-task plan in ≤ 10 s.

    PYTHONPATH=. python benchmarks/bench_risk.py [--sizes 2000,10000] [--iterations 10000]

For each size it times (1) ``simulate()`` in this process on a synthetic deep graph, (2) the whole
``python -m rollout risk`` process on the same graph written as a plan file, and (3) the whole process on
a plan of about the same size built from the customer-alignment template (a wide, realistic graph).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import resource
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

import dataclasses  # noqa: E402

from rollout.model import KINDS, CalendarSpec, Dependency, Estimate, Plan, Risk, RiskEffect, Task  # noqa: E402

WORKSTREAMS = ("exec", "customer", "data", "comms", "design", "rollout")


def synthetic_plan(n: int, seed: int = 1) -> Plan:
    """A layered DAG like a large rollout: workstreams of chained tasks with cross-links, all dependency
    types, lags, some three-point estimates, milestones with deadlines."""
    rnd = random.Random(seed)
    tasks = []
    for i in range(n):
        ws = WORKSTREAMS[i % len(WORKSTREAMS)]
        deps = []
        if i >= len(WORKSTREAMS):
            deps.append(Dependency(f"{WORKSTREAMS[(i - len(WORKSTREAMS)) % len(WORKSTREAMS)]}.t{i - len(WORKSTREAMS)}"))
        for _ in range(rnd.randint(0, 2)):
            if i > 10:
                j = rnd.randint(max(0, i - 60), i - 1)
                deps.append(Dependency(f"{WORKSTREAMS[j % len(WORKSTREAMS)]}.t{j}",
                                       rnd.choice(("FS", "FS", "FS", "SS", "FF", "SF")), rnd.randint(-2, 3)))
        milestone = i % 50 == 49
        d = 0 if milestone else rnd.choice((1, 2, 3, 5, 5, 8, 10, 15))
        est = None
        if not milestone and rnd.random() < 0.3:
            est = Estimate(max(1, d - 2), d, d + rnd.randint(0, 10))
        kind = "milestone" if milestone else rnd.choice([k for k in KINDS if k != "milestone"])
        deadline = dt.date(2027, 1, 11) + dt.timedelta(days=i // 2) if milestone else None
        tasks.append(Task(f"{ws}.t{i}", f"Task {i}", ws, d, kind=kind, estimate=est,
                          depends_on=tuple(deps), deadline=deadline, owner="pmo"))
    return Plan(f"bench-{n}", f"Benchmark {n}", dt.date(2027, 1, 11), CalendarSpec(country="US"), tuple(tasks))


def with_risk_events(plan: Plan, count: int = 10, seed: int = 2) -> Plan:
    """The plan with ``count`` register risks that hit the schedule: probabilities 5–50 %, half delays
    (1–3 weeks) and half factors (1.2–1.5), each on 1 % of the tasks; every third one mitigated by a
    task of the plan (post-mitigation: a quarter of the probability, half the effect)."""
    rnd = random.Random(seed)
    ids = [t.id for t in plan.tasks]
    risks = []
    for k in range(count):
        tasks = tuple(rnd.sample(ids, max(1, len(ids) // 100)))
        prob = rnd.choice((0.05, 0.1, 0.2, 0.3, 0.5))
        if k % 2:
            effect = RiskEffect(tasks, factor=rnd.choice((1.2, 1.3, 1.5)))
            post = RiskEffect(tasks, factor=1 + (effect.factor - 1) / 2)
        else:
            effect = RiskEffect(tasks, delay=rnd.choice((5, 10, 15)))
            post = RiskEffect(tasks, delay=effect.delay // 2)
        mitigated = k % 3 == 0
        risks.append(Risk(f"R{k + 1}", f"Risk {k + 1}", prob, 3, mitigation=ids[k] if mitigated else None,
                          effect=effect, post_mitigation=(prob / 4, post) if mitigated else None))
    return dataclasses.replace(plan, risks=tuple(risks))


def plan_yaml(plan: Plan) -> str:
    lines = [f"plan: {plan.id}", f"title: {plan.title}", f"start: {plan.start.isoformat()}",
             "calendar: {country: US}", "workstreams:"]
    for ws in WORKSTREAMS:
        lines += [f"  - id: {ws}", f"    name: {ws}", "    tasks:"]
        for t in plan.tasks:
            if t.workstream != ws:
                continue
            lines.append(f"      - id: {t.id.split('.', 1)[1]}")
            lines.append(f"        name: {t.name}")
            lines.append(f"        kind: {t.kind}")
            lines.append(f"        owner: {t.owner}")
            lines.append(f"        duration: {t.duration}d" if t.duration else "        duration: 0")
            if t.estimate:
                e = t.estimate
                lines.append(f"        estimate: {{optimistic: {e.optimistic}d, likely: {e.likely}d, "
                             f"pessimistic: {e.pessimistic}d}}")
            if t.deadline:
                lines.append(f"        deadline: {t.deadline.isoformat()}")
            if t.depends_on:
                lines.append("        depends_on:")
                for d in t.depends_on:
                    lines.append(f"          - {{task: {d.task}, type: {d.type}, lag: {d.lag}d}}")
    return "\n".join(lines) + "\n"


#: Template plans of about 2,000 and 10,000 tasks: the built-in customer-alignment programme with many
#: business units (rollout waves) and customer segments.
TEMPLATE_SIZES = {2000: (57, 19), 10000: (152, 51)}


def template_plan_yaml(units: int, segments: int) -> str:
    names = ", ".join(f"Unit {i}" for i in range(1, units + 1))
    segs = ", ".join(f"Segment {i}" for i in range(1, segments + 1))
    return ("plan: bench-template\ntitle: Benchmark\nstart: 2027-01-11\ncalendar: {country: US}\n"
            "uses:\n  - template: customer-alignment\n"
            f"    with: {{org: Bench, business_units: [{names}], segments: [{segs}]}}\n")


def time_process(label: str, args: list[str]) -> None:
    env = dict(os.environ, PYTHONPATH=os.path.join(os.path.dirname(__file__), ".."))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "rollout", *args], env=env, capture_output=True, text=True)
    t1 = time.perf_counter()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    status = "ok" if proc.returncode == 0 else f"exit {proc.returncode}: {proc.stderr.strip()[:200]}"
    print(f"        whole process, {label}: {t1 - t0:6.2f} s wall, {cpu:5.2f} s CPU ({status})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="2000,10000")
    ap.add_argument("--iterations", type=int, default=10_000)
    args = ap.parse_args()
    from rollout.risk import simulate

    for n in (int(s) for s in args.sizes.split(",")):
        plan = synthetic_plan(n)
        t0, c0 = time.perf_counter(), time.process_time()
        result = simulate(plan, args.iterations, seed=1, findings=[])
        t1, c1 = time.perf_counter(), time.process_time()
        print(f"{n:>6} tasks × {args.iterations:,} iterations: simulate() {t1 - t0:6.2f} s wall, "
              f"{c1 - c0:5.2f} s CPU  "
              f"(P50 {result.percentile_days(50)} d, P95 {result.percentile_days(95)} d)")
        if hasattr(result, "tornado"):
            risky = with_risk_events(plan)
            t0, c0 = time.perf_counter(), time.process_time()
            result = simulate(risky, args.iterations, seed=1, findings=[])
            t1, c1 = time.perf_counter(), time.process_time()
            f = result.to_dict()["finish"]
            print(f"        with 10 risk events (4 mitigated): simulate() {t1 - t0:6.2f} s wall, "
                  f"{c1 - c0:5.2f} s CPU  (P80 {f['p80_pre_mitigation_days']} d pre-, "
                  f"{f['p80_post_mitigation_days']} d post-mitigation)")
        try:
            import rollout.expand  # noqa: F401
        except ImportError:
            print("        whole process: skipped (rollout.expand not present)")
            continue
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "plan.yaml")
            with open(path, "w") as fh:
                fh.write(plan_yaml(plan))
            time_process("load only (rollout schedule)", ["schedule", path, "-f", "json"])
            time_process("rollout risk", ["risk", path, "--seed", "1", "--iterations", str(args.iterations),
                                          "-f", "json"])
            if n in TEMPLATE_SIZES:
                from rollout.expand import load_plan

                path = os.path.join(tmp, "template.yaml")
                with open(path, "w") as fh:
                    fh.write(template_plan_yaml(*TEMPLATE_SIZES[n]))
                count = len(load_plan(path).tasks)
                print(f"        template plan ({count:,} tasks: customer-alignment, "
                      f"{TEMPLATE_SIZES[n][0]} units, {TEMPLATE_SIZES[n][1]} segments)")
                time_process("load only (rollout schedule)", ["schedule", path, "-f", "json"])
                time_process("rollout risk", ["risk", path, "--seed", "1", "--iterations",
                                              str(args.iterations), "-f", "json"])


if __name__ == "__main__":
    main()
