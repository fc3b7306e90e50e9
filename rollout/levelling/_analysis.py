"""What a levelled schedule says about each task: its delay, what held it, its resource-driven float, and
the critical path through dependencies and resource hand-offs (definitions in docs/levelling.md)."""

from __future__ import annotations

import numpy as np

from . import LevelledTask
from ._network import EPS, Network

MAX_PASSES = 25


def usage(net: Network, starts: np.ndarray, days: int) -> np.ndarray:
    """Units used per day and resource, shape (days, R)."""
    diff = np.zeros((days + 1, net.R + 1))
    d = net.dur
    for j in np.flatnonzero(net.uses):
        s = starts[j]
        diff[s, net.ridx[j]] += net.rval[j]
        diff[s + d[j], net.ridx[j]] -= net.rval[j]
    return np.cumsum(diff, axis=0)[:days, :net.R]


def analyse(net: Network, starts: list[int], finish: int) -> tuple[dict[str, LevelledTask], tuple[str, ...]]:
    n = net.n
    s = np.asarray(starts, dtype=np.int64)
    d = net.dur
    days = int(max(finish, (s + d).max(initial=0))) + 1
    free = net.availability(days)[:, :net.R] - usage(net, s, days)
    demands = [[(int(r), float(u)) for r, u in zip(net.ridx[j], net.rval[j]) if u > 0] for j in range(n)]

    ending: dict[int, list[int]] = {}
    for i in np.flatnonzero(net.uses):
        ending.setdefault(int(s[i] + d[i]), []).append(int(i))

    delayed_by: list[tuple[str, ...]] = []
    driven: list[list[int]] = []
    for j in range(n):
        sj = int(s[j])
        allowed = int(net.rel[j])
        tight = []
        for i, c in net.preds[j]:
            allowed = max(allowed, int(s[i]) + c)
        for i, c in net.preds[j]:
            if int(s[i]) + c == sj:
                tight.append(i)
        held: list[str] = []
        if sj > allowed and net.uses[j]:
            window = free[allowed:sj]
            held = [net.res_ids[r] for r, u in demands[j] if (window[:, r] < u - EPS).any()]
            short = {r for r, u in demands[j] if free[sj - 1, r] < u - EPS}
            for i in ending.get(sj, ()):
                if i != j and any(r in short for r, _ in demands[i]) and i not in tight:
                    tight.append(i)
        delayed_by.append(tuple(held))
        driven.append(tight)

    late = _late_starts(net, s, finish, demands)
    rows = {}
    for j in range(n):
        rows[net.ids[j]] = LevelledTask(
            net.ids[j], int(s[j]), int(s[j] + d[j]), int(net.es[j]), int(late[j]), int(s[j] - net.es[j]),
            delayed_by[j], tuple(net.ids[i] for i in driven[j]))
    return rows, _critical_chain(net, s, late, driven, finish)


def _late_starts(net: Network, s: np.ndarray, finish: int, demands) -> np.ndarray:
    """Right-justify the levelled schedule in place: tasks in order of decreasing finish, each moved as late
    as its successors' late starts, the finish (or its deadline) and the units left free by every other task
    allow; repeated until nothing moves. A task's late start is where it ends up (or the bound, when a
    deadline puts that before its start: negative float)."""
    n = net.n
    d = net.dur.tolist()
    pos = s.astype(np.int64).tolist()
    late = list(pos)
    days = int(max(finish, max((pos[j] + d[j] for j in range(n)), default=0))) + 1
    free = net.availability(days)[:, :net.R] - usage(net, s, days)
    deadline = net.deadline.tolist()
    for _ in range(MAX_PASSES):
        moved = False
        order = sorted(range(n), key=lambda j: (pos[j] + d[j], pos[j]), reverse=True)
        for j in order:
            ub = min(finish, deadline[j]) - d[j]
            for k, c in net.succs[j]:
                if late[k] - c < ub:
                    ub = late[k] - c
            p = pos[j]
            if ub <= p:
                late[j] = ub
                continue
            if not net.uses[j]:
                if ub != p:
                    moved = True
                pos[j] = late[j] = ub
                continue
            dj = d[j]
            for r, u in demands[j]:
                free[p:p + dj, r] += u
            seg = free[p:ub + dj]
            ok = np.ones(len(seg), dtype=bool)
            for r, u in demands[j]:
                ok &= seg[:, r] >= u - EPS
            bad = np.concatenate([[0], np.cumsum(~ok)])
            fits = np.flatnonzero(bad[dj:] == bad[:len(bad) - dj])
            q = p + int(fits[-1])
            for r, u in demands[j]:
                free[q:q + dj, r] -= u
            if q != p:
                moved = True
            pos[j] = late[j] = q
        if not moved:
            break
    return np.array(late, dtype=np.int64)


def _critical_chain(net: Network, s, late, driven, finish) -> tuple[str, ...]:
    """One chain of zero-float tasks from a task ending at the finish back through the tasks that drive
    each start (a tight dependency or a resource hand-off)."""
    d = net.dur
    crit = late <= s
    ends = [j for j in net.topo if crit[j] and s[j] + d[j] == finish]
    if not ends:
        return ()
    j = ends[-1]
    chain = [j]
    seen = {j}
    while True:
        nxt = next((i for i in driven[j] if crit[i] and i not in seen), None)
        if nxt is None:
            break
        chain.append(nxt)
        seen.add(nxt)
        j = nxt
    return tuple(net.ids[k] for k in reversed(chain))
