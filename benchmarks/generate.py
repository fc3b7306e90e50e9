"""Generate standalone plan files of N tasks with a realistic shape, and the same graph as a TaskJuggler .tjp.

Shape: workstreams of 20-60 tasks; inside a workstream mostly a chain with some fan-in; a few links to
earlier workstreams (FS or SS, some with lags); a milestone every dozen tasks or so; a US calendar with
extra company holidays; a few start-no-earlier-than dates. Reproducible from --seed.

    python benchmarks/generate.py 1000 8000 10000 100000 -o /tmp/rollout-bench
    # writes plan-1000.yaml and plan-1000.tjp, ...; --no-tjp skips the .tjp files
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import random
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from rollout.model import CalendarSpec, Dependency, Plan, Task  # noqa: E402

START = _dt.date(2027, 1, 11)
KINDS = ("analysis", "process-design", "communication", "training", "data-collection", "decision", "pilot",
         "rollout", "technology-selection", "measurement", "planning")
PHASES = ("discover", "design", "pilot", "rollout", "sustain")
ROLES = ("pmo", "sponsor", "it", "hr", "customer", "frontline", "finance")
COMPANY_HOLIDAYS = (_dt.date(2027, 12, 24), _dt.date(2027, 12, 31), _dt.date(2028, 12, 24), _dt.date(2028, 12, 29))


def build(n: int, seed: int = 1, country: str | None = "US") -> Plan:
    """A plan of exactly ``n`` tasks, ids ``wsNNNN.tNNN``; tasks of workstream k may depend on earlier ones."""
    rng = random.Random(seed)
    tasks: list[Task] = []
    workstreams: list[list[Task]] = []
    while len(tasks) < n:
        k = len(workstreams)
        ws = f"ws{k:04d}"
        size = min(rng.randint(20, 60), n - len(tasks))
        mine: list[Task] = []
        for pos in range(size):
            milestone = pos == size - 1 or rng.random() < 0.08
            duration = 0 if milestone else rng.choice((1, 2, 3, 3, 5, 5, 8, 10))
            deps = []
            if pos:
                deps.append(Dependency(mine[pos - 1].id, "FS", rng.choice((0, 0, 0, 1, 2))))
                if pos > 2 and rng.random() < 0.3:
                    other = mine[rng.randrange(0, pos - 1)]
                    deps.append(Dependency(other.id, rng.choice(("FS", "SS")), rng.choice((0, 2, 5))))
            # links to earlier workstreams go to an earlier position, so chains stay programme-length
            if k and pos and rng.random() < 0.12:
                src = workstreams[rng.randrange(max(0, k - 6), k)]
                if pos - 1 < len(src):
                    other = src[rng.randrange(0, pos)]
                    deps.append(Dependency(other.id, rng.choice(("FS", "FS", "SS")), rng.choice((0, 3, 5))))
            snet = START + _dt.timedelta(days=rng.randrange(20, 200)) if rng.random() < 0.01 else None
            mine.append(Task(
                f"{ws}.t{pos:03d}", f"Work item {pos} of stream {k}", ws, duration,
                kind="milestone" if milestone else rng.choice(KINDS),
                phase=PHASES[min(4, pos * 5 // size)], owner=rng.choice(ROLES),
                depends_on=tuple(deps), start_no_earlier_than=snet))
        workstreams.append(mine)
        tasks.extend(mine)
    spec = CalendarSpec(workdays=(0, 1, 2, 3, 4), country=country, holidays=COMPANY_HOLIDAYS)
    return Plan(f"bench-{n}", f"Generated plan of {n} tasks", START, spec, tuple(tasks))


def to_yaml(plan: Plan) -> str:
    """The plan as a standalone plan file (SPEC 1.2 with ``workstreams:``), references relative where local."""
    q = json.dumps      # a JSON string is a valid YAML scalar
    out = [f"plan: {plan.id}", f"title: {q(plan.title)}", f"start: {plan.start.isoformat()}", "calendar:"]
    if plan.calendar.country:
        out.append(f"  country: {plan.calendar.country}")
    days = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    out.append(f"  workdays: [{', '.join(days[d] for d in plan.calendar.workdays)}]")
    out.append(f"  holidays: [{', '.join(d.isoformat() for d in plan.calendar.holidays)}]")
    out.append("workstreams:")
    current = None
    for t in plan.tasks:
        if t.workstream != current:
            current = t.workstream
            out += [f"  - id: {current}", f"    name: Stream {current[2:]}", "    tasks:"]
        local = t.id.split(".", 1)[1]
        out.append(f"      - id: {local}")
        out.append(f"        name: {q(t.name)}")
        out.append(f"        kind: {t.kind}")
        out.append(f"        phase: {t.phase}")
        out.append(f"        owner: {t.owner}")
        out.append(f"        duration: {t.duration}d")
        if t.start_no_earlier_than:
            out.append(f"        start_no_earlier_than: {t.start_no_earlier_than.isoformat()}")
        if t.depends_on:
            refs = []
            for d in t.depends_on:
                ref = d.task.split(".", 1)[1] if d.task.startswith(current + ".") else d.task
                if d.type == "FS" and not d.lag:
                    refs.append(ref)
                else:
                    refs.append(f"{{task: {ref}, type: {d.type}, lag: {d.lag}d}}")
            out.append(f"        depends_on: [{', '.join(refs)}]")
    return "\n".join(out) + "\n"


def write(n: int, outdir: Path, seed: int = 1, tjp: bool = True, country: str | None = "US") -> dict[str, Path]:
    """Write plan-N.yaml (and plan-N.tjp) into ``outdir``; returns their paths."""
    outdir.mkdir(parents=True, exist_ok=True)
    plan = build(n, seed, country)
    paths = {"yaml": outdir / f"plan-{n}.yaml"}
    paths["yaml"].write_text(to_yaml(plan), encoding="utf-8")
    if tjp:
        from tests.oracle.tjp import to_tjp

        paths["tjp"] = outdir / f"plan-{n}.tjp"
        paths["tjp"].write_text(to_tjp(plan).text, encoding="utf-8")
    return paths


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sizes", nargs="*", type=int, default=[1000, 8000, 10000, 100000])
    ap.add_argument("-o", "--outdir", default=str(Path(tempfile.gettempdir()) / "rollout-bench"))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--country", default="US", help="public holidays (empty for none)")
    ap.add_argument("--no-tjp", action="store_true", help="skip the TaskJuggler files")
    ap.add_argument("--tjp-max", type=int, default=10000, help="no .tjp above this many tasks (tj3 is slow)")
    args = ap.parse_args(argv)
    for n in args.sizes:
        paths = write(n, Path(args.outdir), args.seed, tjp=not args.no_tjp and n <= args.tjp_max,
                      country=args.country or None)
        print("  ".join(str(p) for p in paths.values()))


if __name__ == "__main__":
    main()
