"""Properties of rollout.levelling on random problems, checked by hypothesis against arithmetic done here.

Random DAGs with all four dependency types and lags from −3 to +3, milestones, releases, up to three
resources with fractional demands and days without units. The optimum is found here by brute force: a
plain day-by-day serial schedule generation over every precedence-feasible order (for makespan with minimum
time lags the best of these "active" schedules is optimal).
"""

from __future__ import annotations

import importlib.util
import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rollout.levelling import Activity, Dependency, Resource, early_starts, level, validate

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TYPES = ("FS", "SS", "FF", "SF")
HAS_ORTOOLS = importlib.util.find_spec("ortools") is not None


@st.composite
def problems(draw, max_tasks=6):
    n_res = draw(st.integers(0, 3))
    resources = []
    for r in range(n_res):
        units = draw(st.sampled_from([1, 2, 3, 0.5, 1.5]))
        days = draw(st.lists(st.sampled_from([units, units, units, 0, units / 2]), max_size=12))
        resources.append(Resource(f"r{r}", units, tuple(days)))
    n = draw(st.integers(1, max_tasks))
    tasks = []
    for k in range(n):
        deps = []
        for i in sorted(draw(st.sets(st.integers(0, k - 1), max_size=2)) if k else []):
            deps.append(Dependency(f"t{i}", draw(st.sampled_from(TYPES)), draw(st.integers(-3, 3))))
        demands = {}
        for res in resources:
            if draw(st.booleans()):
                demands[res.id] = draw(st.sampled_from([res.units, res.units / 2, 0.25 * res.units]))
        dur = draw(st.sampled_from([0, 1, 2, 3, 4]))
        release = draw(st.sampled_from([0, 0, 0, 2, 5]))
        tasks.append(Activity(f"t{k}", dur, tuple(deps), demands, release))
    order = draw(st.permutations(range(n)))
    return [tasks[i] for i in order], resources


def _have(res: Resource, day: int) -> float:
    return float(res.days[day]) if day < len(res.days) else float(res.units)


def _distance(dep: Dependency, d_pred: int, d_succ: int) -> int:
    return {"FS": d_pred, "SS": 0, "FF": d_pred - d_succ, "SF": -d_succ}[dep.type] + dep.lag


def brute_force_optimum(tasks, resources) -> int:
    """The shortest makespan over serial SGS schedules of every precedence-feasible order."""
    res = {r.id: r for r in resources}
    by = {t.id: t for t in tasks}
    best = None
    for order in itertools.permutations(tasks):
        pos = {t.id: k for k, t in enumerate(order)}
        if any(pos[d.task] > pos[t.id] for t in order for d in t.depends_on):
            continue
        start: dict[str, int] = {}
        used: dict[tuple[str, int], float] = {}
        for t in order:
            s = max([t.release, 0] + [start[d.task] + _distance(d, by[d.task].duration, t.duration)
                                      for d in t.depends_on])
            while not all(used.get((r, day), 0.0) + u <= _have(res[r], day) + 1e-9
                          for r, u in t.demands.items() for day in range(s, s + t.duration)):
                s += 1
            start[t.id] = s
            for r, u in t.demands.items():
                for day in range(s, s + t.duration):
                    used[(r, day)] = used.get((r, day), 0.0) + u
        finish = max(start[t.id] + t.duration for t in tasks)
        best = finish if best is None else min(best, finish)
    return best


def precedence_start(task: Activity, by, starts) -> int:
    return max([task.release, 0] + [starts[d.task] + _distance(d, by[d.task].duration, task.duration)
                                    for d in task.depends_on])


@SETTINGS
@given(problems())
def test_levelled_schedules_are_feasible_and_optimal_on_small_problems(problem):
    tasks, resources = problem
    out = level(tasks, resources, schedules=300)
    assert validate(tasks, resources, out.starts) == []
    assert out.finish == brute_force_optimum(tasks, resources)
    assert out.unlevelled_finish <= out.bound <= out.finish


@SETTINGS
@given(problems(max_tasks=9))
def test_delay_and_what_held_each_task(problem):
    tasks, resources = problem
    out = level(tasks, resources, schedules=100)
    early = early_starts(tasks)
    by = {t.id: t for t in tasks}
    for t in tasks:
        row = out[t.id]
        assert row.levelling_delay == row.start - early[t.id] >= 0
        allowed = precedence_start(t, by, out.starts)
        # held by a resource exactly when it starts after its dependencies and release allow; what held it
        # is among what it uses
        assert bool(row.delayed_by) == (row.start > allowed)
        assert set(row.delayed_by) <= {r for r, u in t.demands.items() if u}
        for other in row.driven_by:
            o = out[other]
            dep = next((d for d in t.depends_on if d.task == other), None)
            tight = dep is not None and o.start + _distance(dep, by[other].duration, t.duration) == row.start
            hand_off = o.end == row.start and bool(row.delayed_by)
            assert tight or hand_off


@SETTINGS
@given(problems(max_tasks=9))
def test_late_starts_form_a_feasible_right_justified_schedule(problem):
    tasks, resources = problem
    out = level(tasks, resources, schedules=100)
    late = {tid: t.late_start for tid, t in out.tasks.items()}
    assert all(t.total_float >= 0 for t in out.tasks.values())          # no deadlines: float ≥ 0
    assert validate(tasks, resources, late) == []
    assert max(late[t.id] + t.duration for t in tasks) <= out.finish
    # the critical path: zero-float tasks, each driven by the one before, the last ending at the finish
    path = out.critical_path
    assert path and out[path[-1]].end == out.finish
    assert all(out[p].critical for p in path)
    for a, b in zip(path, path[1:]):
        assert a in out[b].driven_by


@SETTINGS
@given(problems(), st.integers(0, 3))
def test_deterministic_for_a_seed(problem, seed):
    tasks, resources = problem
    one = level(tasks, resources, seed=seed, schedules=80)
    two = level(tasks, resources, seed=seed, schedules=80)
    assert one.starts == two.starts


@pytest.mark.skipif(not HAS_ORTOOLS, reason="ortools not installed (pip install 'rollout[optimize]')")
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_optimal_method_matches_brute_force(problem):
    tasks, resources = problem
    out = level(tasks, resources, method="optimal", time_limit=5)
    assert validate(tasks, resources, out.starts) == []
    assert out.optimal and out.finish == brute_force_optimum(tasks, resources) == out.bound
