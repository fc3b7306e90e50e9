"""The optimal method: the levelling problem as a CP-SAT model (OR-Tools, an optional extra).

Interval variables for the tasks, one cumulative constraint per resource whose capacity is the most it has;
days with fewer units are fixed "blocking" intervals using the difference; dependencies as minimum distances
between starts; the makespan minimised, started from the heuristic's schedule.
"""

from __future__ import annotations

import math

import numpy as np

from ._network import EPS, LevellingError, Network

NO_OVERLAP = False   # a redundant no-overlap over heavy users did not pay on J30
#: CP-SAT parameters set on top of the time limit, workers and seed
PARAMETERS: dict = {}
SCALES = (1, 2, 4, 5, 8, 10, 20, 25, 50, 100, 1000, 10000)


def _scale(values: np.ndarray) -> int:
    """The smallest factor turning every unit amount into an integer (units may be quarters of a person)."""
    v = values[np.isfinite(values)]
    for k in SCALES:
        if np.all(np.abs(v * k - np.round(v * k)) < 1e-6):
            return k
    return SCALES[-1]


def require():
    """The CP-SAT module, or a LevellingError saying how to install it."""
    try:
        from ortools.sat.python import cp_model
    except ImportError as exc:
        raise LevellingError("levelling method 'optimal' needs OR-Tools: pip install 'rollout[optimize]'") from exc
    return cp_model


def solve(net: Network, hint: list[int], time_limit: float, seed: int = 0,
          workers: int = 1) -> tuple[list[int], bool, int]:
    """(starts, proved optimal, lower bound) within ``time_limit`` seconds; ``hint`` is a feasible schedule."""
    cp_model = require()
    n = net.n
    if n == 0:
        return [], True, 0
    d = net.dur.tolist()
    ub = int(max(h + d[j] for j, h in enumerate(hint)))
    avail = net.availability(max(ub, 1))[:ub]
    k = _scale(np.concatenate([net.D.ravel(), avail.ravel()]))
    dem = np.ceil(net.D * k - 1e-6).astype(np.int64)
    have = np.floor(avail * k + 1e-6).astype(np.int64)

    m = cp_model.CpModel()
    es = net.es.tolist()
    # a task's tail (its duration plus the longest chain of distances after it) must fit before the finish
    tail = (net.cpm_finish - (net.lft - net.dur)).tolist()
    start = [m.NewIntVar(es[j], max(es[j], ub - tail[j]), f"s{j}") for j in range(n)]
    for j in range(n):
        for i, c in net.preds[j]:
            m.Add(start[j] >= start[i] + c)
        m.AddHint(start[j], int(hint[j]))
    end = m.NewIntVar(min(net.lower_bound, ub), ub, "finish")
    for j in range(n):
        if not net.succs[j] or d[j] > 0:
            m.Add(end >= start[j] + d[j])
    for r in range(net.R):
        users = [j for j in range(n) if d[j] > 0 and dem[j, r] > 0]
        if not users:
            continue
        cap = int(have[:, r].max()) if ub else 0
        intervals = [m.NewFixedSizeIntervalVar(start[j], d[j], f"i{j}r{r}") for j in users]
        demands = [int(dem[j, r]) for j in users]
        for a, b, short in _short_runs(have[:, r], cap):
            intervals.append(m.NewIntervalVar(a, b - a, b, f"block{r}_{a}"))
            demands.append(short)
        m.AddCumulative(intervals, demands, cap)
        # tasks using more than half of it never overlap: a redundant no-overlap helps the search
        heavy = [k for k, j in enumerate(users) if 2 * demands[k] > cap]
        if NO_OVERLAP and len(heavy) > 1:
            m.AddNoOverlap([intervals[k] for k in heavy])
    m.Minimize(end)

    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = float(time_limit)
    solver.parameters.num_workers = int(workers)
    solver.parameters.random_seed = int(seed)
    for key, value in PARAMETERS.items():
        setattr(solver.parameters, key, value)
    status = solver.Solve(m)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return list(hint), False, net.lower_bound
    starts = [int(solver.Value(s)) for s in start]
    bound = int(math.ceil(solver.BestObjectiveBound() - EPS))
    if max(starts[j] + d[j] for j in range(n)) > ub:      # the hint is not always kept: never return worse
        return list(hint), bound >= ub, bound
    return starts, status == cp_model.OPTIMAL, bound


def _short_runs(have: np.ndarray, cap: int):
    """Maximal runs of days [a, b) on which a resource has fewer than ``cap`` units, with the shortfall."""
    out = []
    a = 0
    n = len(have)
    while a < n:
        short = cap - int(have[a])
        b = a + 1
        while b < n and int(have[b]) == int(have[a]):
            b += 1
        if short > 0:
            out.append((a, b, short))
        a = b
    return out
