"""Plans for the report tests and benchmarks, built from the model directly (no plan file needed)."""

from __future__ import annotations

import datetime as dt
import shutil

from rollout.model import Cadence, CalendarSpec, Dependency, Plan, Task, Workstream

HOSTILE = "<img src=x onerror=alert(1)>"


def small_plan(name_of_pilot: str = "Pilot in two branches") -> Plan:
    """Two workstreams, a milestone, an SS link with lag, a cadence; starts Monday 2027-01-11."""
    tasks = (
        Task("exec.charter", "Programme charter", "exec", 5, kind="planning", owner="dana",
             participants=("executive", "sponsor")),
        Task("customer.voc", "Voice-of-customer interviews", "customer", 10, kind="data-collection",
             participants=("customer",), depends_on=(Dependency("exec.charter"),)),
        Task("customer.synthesis", "Synthesise needs", "customer", 3, kind="analysis",
             depends_on=(Dependency("customer.voc"),)),
        Task("exec.comms", "Tell employees why", "exec", 2, kind="communication", audience=("employees",),
             depends_on=(Dependency("customer.voc", "SS", 2),)),
        Task("exec.pilot", name_of_pilot, "exec", 4, kind="pilot", owner="=HYPERLINK(\"x\")",
             depends_on=(Dependency("customer.synthesis"),)),
        Task("exec.go-live", "Go-live decision", "exec", 0, kind="milestone",
             depends_on=(Dependency("exec.pilot"), Dependency("exec.comms"))),
    )
    cadences = (
        Cadence("steering", "Steering committee", 14, participants=("executive",)),
        Cadence("panel", "Customer panel", 21, participants=("customer",), from_task="customer.synthesis"),
    )
    return Plan("acme-2027", "Acme <b>alignment</b>", dt.date(2027, 1, 11), CalendarSpec(), tasks,
                workstreams=(Workstream("exec", "Executive involvement"), Workstream("customer", "Customer inclusion")),
                cadences=cadences)


def big_plan(n: int, workstreams: int = 12, seed: int = 7) -> Plan:
    """A layered random DAG of ``n`` tasks: about 60 layers, 1–3 links into the previous layers,
    every tenth task a milestone; each workstream runs through the whole programme."""
    import random

    rnd = random.Random(seed)
    width = max(1, n // 60)
    ids: list[str] = []
    tasks = []
    for i in range(n):
        ws = f"ws{i % workstreams}"
        layer = i // width
        deps = ()
        if layer:
            lo, hi = max(0, (layer - 2) * width), layer * width
            deps = tuple(Dependency(ids[j]) for j in sorted({rnd.randrange(lo, hi) for _ in range(rnd.randint(1, 3))}))
        duration = 0 if i % 10 == 9 else rnd.randint(1, 15)
        ids.append(f"{ws}.t{i}")
        tasks.append(Task(ids[-1], f"Task {i} of {ws}", ws, duration, depends_on=deps, owner=f"p{i % 30}",
                          participants=("pmo", "customer") if i % 3 == 0 else ("pmo",)))
    return Plan(f"big-{n}", f"Big plan {n}", dt.date(2027, 1, 11), CalendarSpec(), tuple(tasks),
                workstreams=tuple(Workstream(f"ws{k}", f"Workstream {k}") for k in range(workstreams)))


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def plan_yaml(pilot_name: str = HOSTILE) -> str:
    """A stand-alone plan file like :func:`small_plan` (the pilot's name is the hostile one by default)."""
    import json

    return f"""plan: acme-2027
title: Acme alignment
start: 2027-01-11
workstreams:
  - id: exec
    name: Executive involvement
    tasks:
      - {{id: charter, name: Programme charter, duration: 5d, kind: planning, owner: dana,
          participants: [executive, sponsor]}}
      - {{id: comms, name: Tell employees why, duration: 2d, kind: communication, audience: [employees],
          depends_on: [{{task: customer.voc, type: SS, lag: 2d}}]}}
      - {{id: pilot, name: {json.dumps(pilot_name)}, duration: 4d, kind: pilot, owner: "=HYPERLINK(1)",
          depends_on: [customer.synthesis]}}
      - {{id: go-live, name: Go-live decision, duration: 0, kind: milestone, depends_on: [exec.pilot, exec.comms]}}
  - id: customer
    name: Customer inclusion
    tasks:
      - {{id: voc, name: Voice-of-customer interviews, duration: 2w, kind: data-collection,
          participants: [customer], depends_on: [exec.charter]}}
      - {{id: synthesis, name: Synthesise needs, duration: 3d, kind: analysis, depends_on: [customer.voc]}}
cadences:
  - {{id: steering, name: Steering committee, every: 2w, participants: [executive]}}
"""
