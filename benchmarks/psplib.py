"""PSPLIB single-mode RCPSP instances (.sm): parse, convert to levelling input, emit as a rollout plan.

The mapping (shared/data/psplib/README.md): one period = one working day on a seven-day calendar without
holidays; each job a task with its duration, its four resource requests and FS dependencies; the resources
pools with their availability as ``units``; the dummy source and sink dropped.

    python benchmarks/psplib.py /work/shared/data/psplib/j30/j301_1.sm > j301_1.yaml
"""

from __future__ import annotations

import csv
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from rollout.levelling import Activity, Dependency, Resource  # noqa: E402

DATA = Path("/work/shared/data/psplib")


@dataclass(frozen=True)
class Instance:
    """One .sm file: jobs 1 … n (1 and n the dummies), 0-based lists indexed by job − 1."""

    name: str
    durations: tuple[int, ...]
    successors: tuple[tuple[int, ...], ...]      # job numbers, 1-based as in the file
    requests: tuple[tuple[int, ...], ...]        # per job, per resource
    capacities: tuple[int, ...]

    @property
    def jobs(self) -> int:
        return len(self.durations)

    def real_jobs(self) -> range:
        """The job numbers of the non-dummy jobs."""
        return range(2, self.jobs)


def parse(path: str | Path) -> Instance:
    """Read a PSPLIB .sm file (the sections PRECEDENCE RELATIONS, REQUESTS/DURATIONS,
    RESOURCEAVAILABILITIES)."""
    path = Path(path)
    lines = path.read_text().splitlines()
    jobs = int(next(re.search(r":\s*(\d+)", ln).group(1) for ln in lines if ln.startswith("jobs")))
    k = next(i for i, ln in enumerate(lines) if ln.startswith("PRECEDENCE RELATIONS"))
    succ: list[tuple[int, ...]] = [()] * jobs
    for ln in lines[k + 2:k + 2 + jobs]:
        f = [int(x) for x in ln.split()]
        succ[f[0] - 1] = tuple(f[3:3 + f[2]])
    k = next(i for i, ln in enumerate(lines) if ln.startswith("REQUESTS/DURATIONS"))
    dur = [0] * jobs
    req: list[tuple[int, ...]] = [()] * jobs
    for ln in lines[k + 3:k + 3 + jobs]:
        f = [int(x) for x in ln.split()]
        dur[f[0] - 1] = f[2]
        req[f[0] - 1] = tuple(f[3:])
    k = next(i for i, ln in enumerate(lines) if ln.startswith("RESOURCEAVAILABILITIES"))
    caps = tuple(int(x) for x in lines[k + 2].split())
    return Instance(path.name, tuple(dur), tuple(succ), tuple(req), caps)


def job_id(job: int) -> str:
    return f"j{job}"


def to_levelling(inst: Instance) -> tuple[list[Activity], list[Resource]]:
    """The instance as levelling input: activities j2 … j(n−1) with FS dependencies, pools r1 … r4."""
    preds: dict[int, list[int]] = {j: [] for j in range(1, inst.jobs + 1)}
    for i, ss in enumerate(inst.successors, start=1):
        for j in ss:
            preds[j].append(i)
    acts = []
    for j in inst.real_jobs():
        deps = tuple(Dependency(job_id(i)) for i in preds[j] if i != 1)
        demands = {f"r{k + 1}": u for k, u in enumerate(inst.requests[j - 1]) if u}
        acts.append(Activity(job_id(j), inst.durations[j - 1], deps, demands))
    res = [Resource(f"r{k + 1}", c) for k, c in enumerate(inst.capacities)]
    return acts, res


def to_plan_yaml(inst: Instance, start: str = "2027-01-04") -> str:
    """The instance as a standalone rollout plan (SPEC 1.2, 1.3a): a seven-day calendar without holidays,
    pools with ``units``, tasks with ``resources`` and ``depends_on``, levelling switched on."""
    acts, res = to_levelling(inst)
    slug = re.sub(r"[^a-z0-9]+", "-", inst.name.lower().removesuffix(".sm")).strip("-")
    out = [f"plan: psplib-{slug}", f'title: "PSPLIB {inst.name}"', f"start: {start}",
           "calendar:", "  workdays: [mon, tue, wed, thu, fri, sat, sun]",
           "scheduling: {level: true}", "resources:"]
    out += [f"  - {{id: {r.id}, name: Resource {r.id[1:]}, units: {r.units:g}}}" for r in res]
    out += ["workstreams:", "  - id: jobs", "    name: Jobs", "    tasks:"]
    for a in acts:
        out.append(f"      - id: {a.id}")
        out.append(f'        name: "Job {a.id[1:]}"')
        out.append(f"        duration: {a.duration}d" if a.duration else "        duration: 0")
        if a.demands:
            out.append("        resources: {" + ", ".join(f"{k}: {v:g}" for k, v in a.demands.items()) + "}")
        if a.depends_on:
            out.append("        depends_on: [" + ", ".join(d.task for d in a.depends_on) + "]")
    return "\n".join(out) + "\n"


def optima(folder: str | Path) -> dict[str, tuple[int | None, int]]:
    """``optimum.csv``: per problem (lower bound, best known makespan); equal when proved optimal; the
    lower bound is None where the file gives none (``..103``)."""
    out = {}
    with open(Path(folder) / "optimum.csv", newline="") as fh:
        for row in csv.DictReader(fh):
            v = row["optimum"].strip()
            lo, _, hi = v.partition("..")
            out[row["problem"]] = (int(lo) if lo else None, int(hi or lo))
    return out


def instances(folder: str | Path) -> list[Path]:
    """The .sm files of a folder in PSPLIB order (parameter set, then instance)."""
    files = list(Path(folder).glob("*.sm"))
    return sorted(files, key=lambda p: _order(p.name))


def _order(name: str) -> tuple[int, int]:
    """j3012_7.sm → (12, 7): the parameter set after the size prefix, then the instance."""
    m = re.match(r"j(30|60|90|120)(\d+)_(\d+)\.sm$", name)
    return (int(m.group(2)), int(m.group(3))) if m else (10 ** 6, 0)


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        sys.stdout.write(to_plan_yaml(parse(arg)))
