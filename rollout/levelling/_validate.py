"""Feasibility of a levelled schedule, checked from the rules themselves (SPEC 2 and 2a), not from the
levelling code: dependencies on edges, releases, and each resource's use day by day."""

from __future__ import annotations

from collections import defaultdict

from ._network import EPS, units_on


def violations(tasks, resources, starts) -> list[str]:
    out: list[str] = []
    res = {r.id: r for r in resources}
    for t in tasks:
        if t.id not in starts:
            out.append(f"task '{t.id}' has no start")
    if out:
        return out
    edge = {t.id: (int(starts[t.id]), int(starts[t.id]) + int(t.duration)) for t in tasks}
    for t in tasks:
        s, e = edge[t.id]
        if s < 0:
            out.append(f"task '{t.id}' starts at {s}, before day 0")
        if s < (t.release or 0):
            out.append(f"task '{t.id}' starts at {s}, before its release {t.release}")
        for dep in t.depends_on:
            ps, pe = edge[dep.task]
            need = {"FS": (s, pe), "SS": (s, ps), "FF": (e, pe), "SF": (e, ps)}[dep.type]
            if need[0] < need[1] + dep.lag:
                out.append(f"task '{t.id}' breaks {dep.type} {dep.lag:+d} on '{dep.task}': "
                           f"{need[0]} < {need[1]} {dep.lag:+d}")
    used: dict[str, dict[int, float]] = defaultdict(lambda: defaultdict(float))
    for t in tasks:
        s, e = edge[t.id]
        for rid, units in t.demands.items():
            if not units:
                continue
            if rid not in res:
                out.append(f"task '{t.id}' uses unknown resource '{rid}'")
                continue
            for day in range(s, e):
                used[rid][day] += float(units)
    for rid, per_day in used.items():
        lo, hi = min(per_day), max(per_day) + 1
        have = units_on(res[rid], lo, hi)
        for day, units in sorted(per_day.items()):
            if units > have[day - lo] + EPS * max(1.0, units):
                users = sorted(t.id for t in tasks if t.demands.get(rid) and edge[t.id][0] <= day < edge[t.id][1])
                out.append(f"resource '{rid}' is over-used on day {day}: {units:g} used, {have[day - lo]:g} there "
                           f"({', '.join(users)})")
    return out
