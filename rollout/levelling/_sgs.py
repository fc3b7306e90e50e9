"""The levelling heuristic: a serial schedule generation scheme decoding many activity lists at once.

``decode`` places the tasks of K activity lists in parallel (numpy over the K rows): each task at the earliest
start its placed predecessors allow at which every resource it uses has the units free on each of its days.
Around it: regret-based biased random sampling on latest finish times (Kolisch 1995), forward-backward
improvement (double justification, Valls, Ballestín & Quintanilla 2005) and a small genetic search on activity
lists (Hartmann 1998 two-point crossover) over the improved schedules.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ._network import EPS, NEG, LevellingError, Network

#: default budget: schedules for problems up to this many tasks; above, fewer with the square of the size
#: (a schedule costs time in proportion to the tasks, and larger plans get fewer schedules per batch)
FULL_BUDGET, FULL_BUDGET_TASKS = 5000, 150
MIN_BUDGET = 30


def default_budget(n: int) -> int:
    if n <= FULL_BUDGET_TASKS:
        return FULL_BUDGET
    return max(MIN_BUDGET, int(FULL_BUDGET * (FULL_BUDGET_TASKS / n) ** 2))

CELLS = 6_000_000       # free-unit cells held for one batch (rows × days × resources)


@dataclass
class Graph:
    """What ``decode`` needs: the forward network or its reverse."""

    P: np.ndarray
    C: np.ndarray
    rel: np.ndarray
    dur: np.ndarray
    ridx: np.ndarray       # (n, width) resource columns used, padded with R (unlimited)
    rval: np.ndarray       # (n, width) units, padded with 0
    uses: np.ndarray
    topo: list[int]
    window: int            # the first search window, in days

    @property
    def dmax(self) -> int:
        return int(self.dur.max()) if len(self.dur) else 0

    def days_for(self, limit: int) -> int:
        """Days of availability ``decode`` needs for a given limit (the last window must fit after it)."""
        return 2 * limit + 3 * self.dmax + self.window + 2


@dataclass
class Found:
    starts: list[int]
    finish: int
    schedules: int


def forward_graph(net: Network) -> Graph:
    return Graph(net.P, net.C, net.rel, net.dur, net.ridx, net.rval, net.uses, net.topo, _window(net))


def reverse_graph(net: Network) -> Graph:
    """The project backwards: task i's reversed start is H − e_i; s_j ≥ s_i + c becomes
    s'_i ≥ s'_j + d_j − d_i + c. Releases do not carry over (they bind the forward pass)."""
    n = net.n
    d = net.dur.tolist()
    rp = [[(j, d[j] - d[i] + c) for j, c in net.succs[i]] for i in range(n)]
    width = max((len(p) for p in rp), default=0) or 1
    P = np.full((n, width), n, dtype=np.int64)
    C = np.zeros((n, width), dtype=np.int64)
    for i, p in enumerate(rp):
        for k, (j, c) in enumerate(p):
            P[i, k], C[i, k] = j, c
    return Graph(P, C, np.zeros(n, dtype=np.int64), net.dur, net.ridx, net.rval, net.uses, list(reversed(net.topo)),
                 _window(net))


def _window(net: Network) -> int:
    return max(16, 2 * net.dmax + 2)


def decode(g: Graph, lists: np.ndarray, avail: np.ndarray, limit: int) -> tuple[np.ndarray, np.ndarray]:
    """Serial SGS over K activity lists at once: starts (K, n) and which rows kept every task within
    ``limit`` (a row that would end later is dropped: it cannot beat the incumbent).

    ``avail`` holds the units per day, shape (days, R) with at least ``g.days_for(limit)`` days. Each task's
    start is searched in a window of days after its earliest start, the window growing fourfold for the rows
    that found no room in it.
    """
    K, n = lists.shape
    days = g.days_for(limit)
    R1 = avail.shape[1] + 1
    free = np.empty((K, R1, days))                                      # (K, resources + padding, days)
    free[:, :-1, :] = avail[:days].T[None]
    free[:, -1, :] = np.inf
    S = np.full((K, n + 1), NEG, dtype=np.int64)
    flat = S.ravel()
    alive = np.ones(K, dtype=bool)
    every = np.arange(K)
    base = every * (n + 1)
    PT, CT = g.P.T, g.C.T
    rel, dur, ridx, rval, uses = g.rel, g.dur, g.ridx, g.rval, g.uses
    need = rval - EPS
    width = ridx.shape[1]
    dmax = g.dmax
    wmax = limit + dmax + 1
    if dmax:
        apply = sliding_window_view(free, dmax, axis=2, writeable=True)   # (K, R1, days − dmax + 1, dmax)
        span = np.arange(dmax)
    views: dict[int, np.ndarray] = {}
    for t in range(n):
        j = lists[:, t]
        st = (flat.take(base + PT[:, j]) + CT[:, j]).max(axis=0)
        np.maximum(st, rel[j], out=st)
        d = dur[j]
        alive &= st + d <= limit
        rows = np.flatnonzero(uses[j] & alive)
        placing = rows
        W = g.window
        while rows.size:
            W = min(W, wmax)
            view = views.get(W)
            if view is None:
                view = views[W] = sliding_window_view(free, W, axis=2)   # (K, R1, days − W + 1, W)
            t0 = st[rows]
            jr, dr = j[rows], d[rows]
            win = view[rows[:, None], ridx[jr], t0[:, None]]            # (m, width, W)
            nr = need[jr]
            ok = win[:, 0] >= nr[:, 0, None]
            for r in range(1, width):
                ok &= win[:, r] >= nr[:, r, None]
            # a start o fits when the next day without room, at or after o, is at least d days away
            offs = np.arange(W)
            nxt = np.minimum.accumulate(np.where(ok, W, offs)[:, ::-1], axis=1)[:, ::-1]
            fits = nxt - offs >= dr[:, None]
            found = fits.any(axis=1)
            if found.all():
                st[rows] = t0 + fits.argmax(axis=1)
                break
            st[rows[found]] = t0[found] + fits[found].argmax(axis=1)
            miss = ~found
            last_bad = W - 1 - np.argmax(~ok[miss][:, ::-1], axis=1)
            rows = rows[miss]
            st[rows] = t0[miss] + last_bad + 1
            late = st[rows] + dr[miss] > limit
            if late.any():
                alive[rows[late]] = False
                rows = rows[~late]
            W *= 4
        S[every, j] = st
        placing = placing[alive[placing]]
        if placing.size:
            jp = j[placing]
            mask = span < d[placing][:, None]                                   # (m, dmax)
            apply[placing[:, None], ridx[jp], st[placing][:, None]] -= rval[jp][:, :, None] * mask[:, None, :]
    return S[:, :n], alive


def decode_growing(net: Network, g: Graph, lists: np.ndarray) -> np.ndarray:
    """``decode`` without a limit: the horizon doubles until every row fits (or the cap is passed)."""
    limit = max(64, int(1.5 * net.lower_bound) + 4 * g.dmax)
    while True:
        S, alive = decode(g, lists, net.availability(g.days_for(limit)), limit)
        if alive.all():
            return S
        if limit > net.horizon_cap:
            raise _no_room(net)
        limit *= 2


def makespans(S: np.ndarray, dur: np.ndarray) -> np.ndarray:
    return (S + dur).max(axis=1) if S.shape[1] else np.zeros(len(S), dtype=np.int64)


def lists_from_keys(g: Graph, keys: np.ndarray) -> np.ndarray:
    """Activity lists ordering each row by its keys (smaller first), made precedence-feasible: a task's
    key is raised above its predecessors' where needed."""
    keys = keys.astype(float, copy=True)
    n = keys.shape[1]
    if n == 0:
        return np.zeros(keys.shape, dtype=np.int64)
    pad = np.full((len(keys), 1), -np.inf)
    k = np.concatenate([keys, pad], axis=1)
    has = (g.P < n).any(axis=1)
    for j in g.topo:
        if has[j]:
            lo = k[:, g.P[j]].max(axis=1)
            col = k[:, j]
            np.maximum(col, np.nextafter(lo, np.inf), out=col)
    return np.argsort(k[:, :n], axis=1, kind="stable")


def sample_lists(net: Network, g: Graph, K: int, rng: np.random.Generator, prio: np.ndarray,
                 alpha: float | None) -> np.ndarray:
    """K activity lists by regret-based biased random sampling on ``prio`` (smaller = more urgent): an
    eligible task is drawn with weight (max eligible prio − its prio + 1)^alpha; ``alpha=None`` always takes
    the most urgent (ties by position)."""
    n = net.n
    npred = np.array([len(p) for p in net.preds], dtype=np.int32)
    succ = np.zeros((n, n), dtype=np.int32)
    for i, s in enumerate(net.succs):
        for j, _ in s:
            succ[i, j] += 1
    cnt = np.tile(npred, (K, 1))
    lists = np.empty((K, n), dtype=np.int64)
    every = np.arange(K)
    v = prio.astype(float)
    done = np.int32(1 << 30)
    for t in range(n):
        elig = cnt == 0
        if alpha is None:
            j = np.where(elig, v, np.inf).argmin(axis=1)
        else:
            top = np.where(elig, v, -np.inf).max(axis=1)
            w = np.where(elig, (top[:, None] - v + 1.0) ** alpha, 0.0)
            cum = np.cumsum(w, axis=1)
            u = rng.random(K) * cum[:, -1]
            j = (cum > u[:, None]).argmax(axis=1)
        lists[:, t] = j
        cnt -= succ[j]
        cnt[every, j] = done
    return lists


def noisy_lists(net: Network, g: Graph, K: int, rng: np.random.Generator) -> np.ndarray:
    """Cheaper sampling for large plans: latest finish times perturbed by noise of one typical duration."""
    spread = max(1.0, float(np.median(net.dur)) if net.n else 1.0)
    keys = net.lft[None, :] + rng.random((K, net.n)) * spread * 2.0
    return lists_from_keys(g, keys)


class _Search:
    """The state of one heuristic run: budget, clock, incumbent."""

    def __init__(self, net: Network, seed: int, schedules: int | None, time_limit: float | None):
        self.net = net
        self.rng = np.random.default_rng(seed)
        self.budget = max(1, schedules if schedules is not None else default_budget(net.n))
        self.deadline = None if time_limit is None else time.perf_counter() + time_limit
        self.fwd = forward_graph(net)
        self.rev = reverse_graph(net)
        self.count = 0
        self.best: np.ndarray | None = None
        self.best_T: int = 0
        self.lower = net.lower_bound

    def left(self) -> int:
        if self.best_T <= self.lower:
            return 0
        if self.deadline is not None and time.perf_counter() > self.deadline:
            return 0
        return self.budget - self.count

    def offer(self, S: np.ndarray, alive: np.ndarray) -> np.ndarray:
        T = np.where(alive, makespans(S, self.net.dur), NEVER)
        k = int(T.argmin())
        if alive[k] and (self.best is None or T[k] < self.best_T):
            self.best, self.best_T = S[k].copy(), int(T[k])
        return T

    @property
    def limit(self) -> int:
        """Rows ending later than this are dropped: 20 % above the incumbent leaves room for improvement."""
        return int(self.best_T * 1.2) + 1

    def forward(self, lists: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        limit = self.limit
        S, alive = decode(self.fwd, lists, self.net.availability(self.fwd.days_for(limit)), limit)
        self.count += len(lists)
        return S, alive

    def batch(self) -> int:
        """Rows per batch: bounded by memory, and by what is left of the budget."""
        days = self.fwd.days_for(self.limit)
        return int(np.clip(CELLS // max(1, days * max(1, self.net.R)), 4, 512))


NEVER = np.iinfo(np.int64).max


def _no_room(net: Network) -> LevellingError:
    return LevellingError(
        f"no resource-feasible schedule within {net.horizon_cap} working days: some task needs more units "
        "on consecutive working days than its resources ever have free together")


def search(net: Network, seed: int = 0, schedules: int | None = None, time_limit: float | None = None) -> Found:
    """The default method. Returns the best schedule found and the number of schedules generated."""
    run = _Search(net, seed, schedules, time_limit)
    if net.n == 0:
        return Found([], 0, 0)
    if small(net):
        first = sample_lists(net, run.fwd, 1, run.rng, net.lft, None)
    else:
        first = lists_from_keys(run.fwd, net.lft[None, :].astype(float))
    S = decode_growing(net, run.fwd, first)
    run.count += 1
    run.offer(S, np.ones(1, dtype=bool))
    S, T = _improve(run, S, np.ones(1, dtype=bool))
    _sample(run, S, T)
    return Found([int(x) for x in run.best], int(run.best_T), run.count)


def small(net: Network) -> bool:
    """Regret-based sampling costs n² per list: used up to this size, noisy priorities above."""
    return net.n <= 400


def _sample(run: _Search, S0: np.ndarray, T0: np.ndarray) -> None:
    """Phase 1 (``SAMPLED`` of the budget): sampled lists, each justified. Phase 2 (``_evolve``): crossover
    between the best justified schedules (their start orders), each child justified too."""
    net = run.net
    phase1 = max(1, int(run.budget * SAMPLED))
    pool_S, pool_T = [S0], [T0]
    while run.left() > 0 and run.count < phase1:
        K = min(run.batch(), max(1, (phase1 - run.count + 2) // 3))
        if small(net):
            lists = sample_lists(net, run.fwd, K, run.rng, net.lft, 1.0)
        else:
            lists = noisy_lists(net, run.fwd, K, run.rng)
        S, alive = run.forward(lists)
        run.offer(S, alive)
        S, T = _improve(run, S, alive)
        pool_S.append(S)
        pool_T.append(T)
    _evolve(run, np.concatenate(pool_S), np.concatenate(pool_T))


SAMPLED = 0.15      # share of the budget spent on sampling before the genetic phase
POPULATION = 20     # schedules kept by the genetic phase
MUTATION = 0.5      # share of children given one adjacent swap
CROSSOVER = 2       # points of the crossover (1 or 2)


def _improve(run: _Search, S: np.ndarray, alive: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Double justification of each alive row: right-justify (the reverse project, tasks in order of
    decreasing finish), then left-justify in order of the right-justified starts. Returns the better of
    each row's schedules and its makespan (NEVER for dropped rows)."""
    net = run.net
    T = np.where(alive, makespans(S, net.dur), NEVER)
    rows = np.flatnonzero(alive)
    if rows.size == 0 or run.left() <= 0:
        return S, T
    S = S.copy()
    d = net.dur
    sub = S[rows]
    Hf = int(T[rows].max())
    rev_keys = (Hf - (sub + d)) * (net.n + 1.0) - sub      # decreasing finish, then later start first
    lists = lists_from_keys(run.rev, rev_keys)
    Hr = Hf + Hf // 2 + 1
    days = run.rev.days_for(Hr)
    avail = np.empty((days, net.R))
    avail[:Hf] = net.availability(Hf)[::-1]
    avail[Hf:] = net.most
    Sb, okb = decode(run.rev, lists, avail, Hr)
    run.count += rows.size
    back = Hf - (Sb + d)                                   # original-time starts of the right-justified rows
    Sf, okf = run.forward(lists_from_keys(run.fwd, back * (net.n + 1.0) + np.arange(net.n)))
    ok = okf & okb
    run.offer(Sf, ok)
    Tf = np.where(ok, makespans(Sf, d), NEVER)
    better = Tf < T[rows]
    S[rows[better]] = Sf[better]
    T[rows[better]] = Tf[better]
    return S, T


def _evolve(run: _Search, S: np.ndarray, T: np.ndarray) -> None:
    """Generational search on activity lists: parents by binary tournament from the best ``pop`` distinct
    schedules, children by two-point crossover of their start orders (Hartmann 1998) and an occasional
    adjacent swap, each child decoded and justified; the population keeps the best of parents and children."""
    net = run.net
    n = net.n
    rng = run.rng
    pop = POPULATION
    S, T = _distinct_best(S, T, pop)
    if len(S) == 0:
        return
    while run.left() > 0:
        K = max(2, min(run.batch(), 4 * pop, (run.left() + 2) // 3))
        ranks = np.argsort(np.argsort(S * (n + 1.0) + np.arange(n), axis=1, kind="stable"), axis=1)
        a = _tournament(rng, T, K)
        b = _tournament(rng, T, K)
        ra, rb = ranks[a], ranks[b]
        if CROSSOVER == 2:
            keys = _two_point(rng, ra, rb)
        else:
            q = rng.integers(1, max(2, n), size=K)[:, None]
            keys = np.where(ra < q, ra, n + rb).astype(float)
        lists = lists_from_keys(run.fwd, keys)
        flip = rng.random(K) < MUTATION
        lists[flip] = _mutate(run, lists[flip])
        C, alive = run.forward(lists)
        run.offer(C, alive)
        C, CT = _improve(run, C, alive)
        S, T = _distinct_best(np.concatenate([S, C]), np.concatenate([T, CT]), pop)


def _two_point(rng: np.random.Generator, ra: np.ndarray, rb: np.ndarray) -> np.ndarray:
    """Hartmann's two-point crossover on positions: the mother's first q1 tasks, then the father's next
    q2 − q1 of the others in his order, then the rest in the mother's order (as keys for lists_from_keys)."""
    K, n = ra.shape
    q1 = rng.integers(0, n, size=K)[:, None]
    q2 = np.minimum(n, q1 + rng.integers(1, n + 1, size=K)[:, None])
    head = ra < q1
    order = np.argsort(np.where(head, -1, rb), axis=1, kind="stable")
    rk = np.empty_like(order)
    np.put_along_axis(rk, order, np.arange(n)[None, :].repeat(K, axis=0), axis=1)
    mid = ~head & (rk < q2)
    return np.where(head, ra, np.where(mid, rk, 2 * n + ra)).astype(float)


def _mutate(run: _Search, lists: np.ndarray) -> np.ndarray:
    """Swap one random pair of adjacent tasks per list when no dependency links them."""
    if lists.shape[1] < 2 or len(lists) == 0:
        return lists
    rng = run.rng
    K, n = lists.shape
    pos = rng.integers(0, n - 1, size=K)
    x = lists[np.arange(K), pos]
    y = lists[np.arange(K), pos + 1]
    swap = ~(run.fwd.P[y] == x[:, None]).any(axis=1)
    out = lists.copy()
    out[np.flatnonzero(swap), pos[swap]] = y[swap]
    out[np.flatnonzero(swap), pos[swap] + 1] = x[swap]
    return out


def _tournament(rng: np.random.Generator, T: np.ndarray, K: int) -> np.ndarray:
    i = rng.integers(0, len(T), size=K)
    j = rng.integers(0, len(T), size=K)
    return np.where(T[i] <= T[j], i, j)


def _distinct_best(S: np.ndarray, T: np.ndarray, pop: int) -> tuple[np.ndarray, np.ndarray]:
    keep = T < NEVER
    S, T = S[keep], T[keep]
    _, first = np.unique(S, axis=0, return_index=True)
    S, T = S[first], T[first]
    order = np.argsort(T, kind="stable")[:pop]
    return S[order], T[order]


def left_shift(net: Network, starts: list[int]) -> list[int]:
    """Re-decode a feasible schedule in order of its starts: every task as early as the others allow.
    Keeps the given schedule when the re-decoded one would finish later."""
    if net.n == 0:
        return list(starts)
    g = forward_graph(net)
    S0 = np.array(starts, dtype=np.int64)
    lists = lists_from_keys(g, S0[None, :] * (net.n + 1.0) + np.arange(net.n))
    S = decode_growing(net, g, lists)
    if makespans(S, net.dur)[0] <= int((S0 + net.dur).max()):
        return [int(x) for x in S[0]]
    return list(starts)
