"""The levelling problem as arrays: every dependency as a minimum distance between starts, demands as
padded index/value rows, availability as a (days × resources) array that grows on demand.

A dependency with lag L from i to j becomes s_j ≥ s_i + c with c = d_i + L (FS), L (SS), d_i − d_j + L (FF)
or L − d_j (SF): all minimum time lags, so a serial schedule generation that places every task after its
predecessors, each at its earliest feasible start, is always feasible.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import LevellingError, Resource

EPS = 1e-9          # units are floats (a quarter of a person); sums of them are compared with this slack
NEG = -(1 << 40)    # the start of the padding "predecessor" of tasks with fewer predecessors than the widest


def link_distance(typ: str, d_pred: int, d_succ: int, lag: int) -> int:
    """The minimum distance s_succ − s_pred a dependency imposes (SPEC 2 on start edges)."""
    if typ == "FS":
        return d_pred + lag
    if typ == "SS":
        return lag
    if typ == "FF":
        return d_pred - d_succ + lag
    if typ == "SF":
        return lag - d_succ
    raise LevellingError(f"unknown dependency type '{typ}' (expected FS, SS, FF or SF)")


@dataclass
class Network:
    """A compiled problem. Task positions follow the input order; resource column R is a padding column
    with unlimited units and zero demand."""

    ids: list[str]
    n: int
    dur: np.ndarray            # (n,) int64
    rel: np.ndarray            # (n,) int64, ≥ 0
    deadline: np.ndarray       # (n,) int64 end-edge bound, huge when none
    preds: list[list[tuple[int, int]]]   # (i, c): s_j ≥ s_i + c
    succs: list[list[tuple[int, int]]]   # (j, c)
    topo: list[int]
    P: np.ndarray              # (n, p) predecessor positions, padded with n
    C: np.ndarray              # (n, p) distances, padded with 0
    res_ids: list[str]
    resources: list[Resource]
    R: int
    ridx: np.ndarray           # (n, r) resource columns used by each task, padded with R
    rval: np.ndarray           # (n, r) units, padded with 0
    D: np.ndarray              # (n, R) units of every resource (dense)
    uses: np.ndarray           # (n,) bool: works (d > 0) and uses some resource
    es: np.ndarray             # (n,) unlevelled early starts
    lft: np.ndarray            # (n,) unlevelled latest finish (from the unlevelled finish)
    cpm_finish: int
    horizon_cap: int           # no schedule needs more days than this (growing past it is an error)
    _avail: np.ndarray | None = None

    @property
    def dmax(self) -> int:
        return int(self.dur.max()) if self.n else 0

    def availability(self, hi: int) -> np.ndarray:
        """Units of every resource on days 0 … hi−1, shape (hi, R)."""
        have = 0 if self._avail is None else len(self._avail)
        if hi > have:
            size = max(hi, 2 * have, 64)
            block = np.empty((size - have, self.R))
            for k, r in enumerate(self.resources):
                block[:, k] = units_on(r, have, size)
            self._avail = block if self._avail is None else np.concatenate([self._avail, block])
        return self._avail[:hi]

    @property
    def lower_bound(self) -> int:
        """The unlevelled finish, raised where a resource's total work needs more days of its units."""
        bound = self.cpm_finish
        if self.R == 0 or self.n == 0:
            return bound
        energy = (self.D * self.dur[:, None]).sum(axis=0)
        days = max(64, bound)
        while True:
            have = np.cumsum(self.availability(days), axis=0)
            if (have[-1] >= energy - EPS).all() or days > self.horizon_cap:
                break
            days *= 2
        for r in range(self.R):
            if energy[r] > EPS:
                bound = max(bound, int(np.searchsorted(have[:, r], energy[r] - EPS)) + 1)
        return bound

    @property
    def most(self) -> np.ndarray:
        """The most units each resource ever has, shape (R,)."""
        return np.array([max([float(r.units), *map(float, r.days)]) for r in self.resources])


def units_on(res: Resource, lo: int, hi: int) -> np.ndarray:
    """What ``res`` has on days lo … hi−1 (SPEC 1.3a: ``days``, then ``beyond``, then ``units``)."""
    out = np.full(hi - lo, float(res.units))
    days = res.days
    if lo < len(days):
        top = min(hi, len(days))
        out[: top - lo] = np.asarray(days[lo:top], dtype=float)
    start = max(lo, len(days))
    if res.beyond is not None and start < hi:
        got = np.asarray(res.beyond(start, hi), dtype=float)
        if got.shape != (hi - start,):
            raise LevellingError(f"resource '{res.id}': beyond({start}, {hi}) gave {got.shape[0]} days, "
                                 f"expected {hi - start}", resource=res.id)
        out[start - lo:] = got
    return out


def compile_network(tasks, resources: list[Resource], check_demands: bool = True) -> Network:
    tasks = list(tasks)
    n = len(tasks)
    ids = [t.id for t in tasks]
    index: dict[str, int] = {}
    for i, t in enumerate(tasks):
        if t.id in index:
            raise LevellingError(f"task '{t.id}' is given twice", task=t.id)
        index[t.id] = i
    dur = np.array([int(t.duration) for t in tasks], dtype=np.int64)
    for t in tasks:
        if t.duration < 0:
            raise LevellingError(f"task '{t.id}' has a negative duration {t.duration}", task=t.id)
    rel = np.array([max(0, int(t.release or 0)) for t in tasks], dtype=np.int64)
    big = 1 << 40
    deadline = np.array([big if t.deadline is None else int(t.deadline) for t in tasks], dtype=np.int64)

    # dependencies → minimum distances; several links between one pair keep the tightest
    best: list[dict[int, int]] = [{} for _ in range(n)]
    for j, t in enumerate(tasks):
        for dep in t.depends_on:
            i = index.get(dep.task)
            if i is None:
                raise LevellingError(f"task '{t.id}' depends on unknown task '{dep.task}'", task=t.id)
            c = link_distance(dep.type, int(dur[i]), int(dur[j]), int(dep.lag))
            if i == j:
                raise LevellingError(f"dependency cycle: {t.id} → {t.id}", task=t.id)
            if c > best[j].get(i, NEG):
                best[j][i] = c
    preds = [sorted(b.items()) for b in best]
    succs: list[list[tuple[int, int]]] = [[] for _ in range(n)]
    for j in range(n):
        for i, c in preds[j]:
            succs[i].append((j, c))
    topo = _topological(ids, preds, succs)

    width = max((len(p) for p in preds), default=0) or 1
    P = np.full((n, width), n, dtype=np.int64)
    C = np.zeros((n, width), dtype=np.int64)
    for j, p in enumerate(preds):
        for k, (i, c) in enumerate(p):
            P[j, k], C[j, k] = i, c

    # resources
    res_ids = [r.id for r in resources]
    col = {}
    for k, r in enumerate(resources):
        if r.id in col:
            raise LevellingError(f"resource '{r.id}' is given twice", resource=r.id)
        col[r.id] = k
    R = len(resources)
    most = [max([float(r.units), *map(float, r.days)]) for r in resources]
    rwidth = max((sum(1 for u in t.demands.values() if u) for t in tasks), default=0) or 1
    ridx = np.full((n, rwidth), R, dtype=np.int64)
    rval = np.zeros((n, rwidth))
    for j, t in enumerate(tasks):
        k = 0
        for rid, units in t.demands.items():
            if rid not in col:
                if not check_demands:
                    continue
                raise LevellingError(f"task '{t.id}' uses unknown resource '{rid}'", task=t.id, resource=rid)
            units = float(units)
            if units < 0:
                raise LevellingError(f"task '{t.id}' uses a negative amount {units:g} of '{rid}'",
                                     task=t.id, resource=rid)
            if units == 0:
                continue
            if units > most[col[rid]] + EPS:
                raise LevellingError(
                    f"task '{t.id}' needs {units:g} of '{rid}', which never has more than {most[col[rid]]:g}",
                    task=t.id, resource=rid)
            ridx[j, k], rval[j, k] = col[rid], units
            k += 1
    uses = (dur > 0) & (rval > 0).any(axis=1)
    D = np.zeros((n, R))
    for j in range(n):
        for r, u in zip(ridx[j], rval[j]):
            if u > 0:
                D[j, r] = u

    es, lft, finish = _cpm(n, dur, rel, preds, succs, topo)
    positive = sum(max(c, 0) for p in preds for _, c in p)
    longest_days = max((len(r.days) for r in resources), default=0)
    cap = int(rel.max(initial=0) + dur.sum() + positive + longest_days + 1)
    if any(r.beyond is not None for r in resources):
        cap = 4 * cap + 2000
    return Network(ids, n, dur, rel, deadline, preds, succs, topo, P, C, res_ids, list(resources), R,
                   ridx, rval, D, uses, es, lft, finish, cap)


def _topological(ids, preds, succs) -> list[int]:
    n = len(ids)
    indeg = [len(p) for p in preds]
    order = [i for i in range(n) if indeg[i] == 0]
    head = 0
    while head < len(order):
        i = order[head]
        head += 1
        for j, _ in succs[i]:
            indeg[j] -= 1
            if indeg[j] == 0:
                order.append(j)
    if len(order) < n:
        stuck = {i for i in range(n) if indeg[i] > 0}
        seen: dict[int, int] = {}
        path: list[int] = []
        i = min(stuck)
        while i not in seen:
            seen[i] = len(path)
            path.append(i)
            i = next(p for p, _ in preds[i] if p in stuck)
        loop = [ids[k] for k in reversed(path[seen[i]:])]
        raise LevellingError("dependency cycle: " + " → ".join(loop + [loop[0]]), task=loop[0])
    return order


def _cpm(n, dur, rel, preds, succs, topo):
    """Forward pass with releases (start ≥ 0) and backward pass from the unlevelled finish."""
    es = [0] * n
    d = dur.tolist()
    r = rel.tolist()
    for j in topo:
        s = r[j]
        for i, c in preds[j]:
            if es[i] + c > s:
                s = es[i] + c
        es[j] = s
    finish = max((es[i] + d[i] for i in range(n)), default=0)
    ls = [finish - d[i] for i in range(n)]
    for i in reversed(topo):
        v = ls[i]
        for j, c in succs[i]:
            if ls[j] - c < v:
                v = ls[j] - c
        ls[i] = v
    es_a = np.array(es, dtype=np.int64)
    lft = np.array(ls, dtype=np.int64) + dur
    return es_a, lft, int(finish)
