"""rollout.levelling: resource-constrained schedules (SPEC 2a) on small cases whose answers are worked out
by hand here, the validator on schedules that break each rule, and PSPLIB instances with known optima."""

from __future__ import annotations

import datetime as _dt
import importlib.util
import sys
from pathlib import Path

import pytest

from rollout.levelling import Activity, Dependency, LevellingError, Resource, early_starts, level, validate
from rollout.model import CalendarSpec, Plan, Task
from rollout.schedule import schedule

ROOT = Path(__file__).resolve().parents[1]
PSPLIB = Path("/work/shared/data/psplib")
HAS_ORTOOLS = importlib.util.find_spec("ortools") is not None


def A(tid, d, *deps, release=0, deadline=None, **demands):
    return Activity(tid, d, tuple(x if isinstance(x, Dependency) else Dependency(x) for x in deps), demands,
                    release, deadline)


def starts(result):
    return {tid: t.start for tid, t in result.tasks.items()}


# ---------------------------------------------------------------- levelling

def test_two_tasks_competing_for_a_pool_run_one_after_the_other():
    tasks = [A("a", 3, it=2), A("b", 2, it=2)]
    res = [Resource("it", 3)]
    out = level(tasks, res)
    assert sorted(starts(out).values()) == [0, 3]
    assert out.finish == 5 and out.unlevelled_finish == 3
    late = next(t for t in out.tasks.values() if t.start > 0)
    assert late.delayed_by == ("it",) and late.levelling_delay == late.start
    assert validate(tasks, res, starts(out)) == []


def test_no_conflict_keeps_the_unlevelled_schedule():
    tasks = [A("a", 3, it=1), A("b", 2, "a", it=2), A("c", 4, it=1)]
    res = [Resource("it", 3)]
    out = level(tasks, res)
    assert starts(out) == early_starts(tasks) == {"a": 0, "b": 3, "c": 0}
    assert out.optimal and all(t.levelling_delay == 0 and t.delayed_by == () for t in out.tasks.values())


def test_the_best_order_is_found_not_the_input_order():
    # "long" needs the pool alone for 4 days and feeds a 6-day chain: it must go first even though it is listed
    # last and has the most work; taking "short" first would finish at 2 + 4 + 6 = 12 instead of 4 + 6 = 10.
    tasks = [A("short", 2, team=2), A("tail", 6, "long"), A("long", 4, team=2)]
    out = level(tasks, [Resource("team", 2)])
    assert out.finish == 10 and out["long"].start == 0 and out["short"].start == 4


def test_every_dependency_type_and_lag_holds_under_levelling():
    # b: SS +1 after a; c: FF -1 after a; d: SF +2 after a; e: FS -2 after b. All share one unit of "x".
    tasks = [A("a", 3, x=1),
             A("b", 2, Dependency("a", "SS", 1), x=1),
             A("c", 2, Dependency("a", "FF", -1), x=1),
             A("d", 1, Dependency("a", "SF", 2), x=1),
             A("e", 2, Dependency("b", "FS", -2), x=1)]
    res = [Resource("x", 1)]
    out = level(tasks, res)
    s = starts(out)
    e = {t: s[t] + a.duration for t, a in zip(s, tasks)}
    assert s["b"] >= s["a"] + 1 and e["c"] >= e["a"] - 1 and e["d"] >= s["a"] + 2 and s["e"] >= e["b"] - 2
    assert out.finish == 10                          # one unit: the work of all five tasks back to back
    assert validate(tasks, res, s) == []


def test_release_holds_and_a_released_task_is_not_said_to_be_delayed_by_a_resource():
    tasks = [A("a", 2, release=5, x=1), A("b", 3, x=1)]
    out = level(tasks, [Resource("x", 1)])
    assert out["a"].start == 5 and out["b"].start == 0
    assert out["a"].levelling_delay == 0 and out["a"].delayed_by == ()


def test_a_day_without_units_is_never_used_and_tasks_are_not_split():
    # Dana works days 0-1, is on leave days 2-3, back from day 4: a 3-day task cannot straddle the leave.
    dana = Resource("dana", 1, days=[1, 1, 0, 0, 1, 1, 1, 1])
    tasks = [A("review", 3, dana=1), A("prep", 1, dana=1)]
    out = level(tasks, [dana])
    assert out["review"].start == 4 and out["prep"].start == 0
    assert out["review"].delayed_by == ("dana",)
    assert validate(tasks, [dana], starts(out)) == []


def test_beyond_gives_the_days_after_the_array():
    # half-time from day 3 on: two half-day tasks cannot share day 3+, so they run one after the other
    res = Resource("p", 1, days=[1, 1, 1], beyond=lambda lo, hi: [0.5] * (hi - lo))
    tasks = [A("a", 2, release=3, p=0.5), A("b", 2, release=3, p=0.5)]
    out = level(tasks, [res])
    assert sorted(starts(out).values()) == [3, 5]


def test_fractions_of_a_person_add_up_exactly():
    # three tasks of a tenth each on a 0.3 person fit side by side (0.1 + 0.1 + 0.1 is not exactly 0.3 in
    # floating point); a fourth must wait
    tasks = [A(f"t{k}", 2, dana=0.1) for k in range(4)]
    out = level(tasks, [Resource("dana", 0.3)])
    assert sorted(starts(out).values()) == [0, 0, 0, 2]


def test_milestones_and_tasks_without_demands_use_nothing():
    tasks = [A("a", 4, x=1), A("gate", 0, x=1), A("b", 2, "gate", x=1), A("free", 3)]
    out = level(tasks, [Resource("x", 1)])
    assert out["gate"].start == 0 and out["free"].start == 0 and out["b"].start == 4


def test_same_seed_same_schedule_and_the_seed_is_reported():
    inst = _psplib("j30", "j3013_4.sm")
    one = level(*inst, seed=7, schedules=400)
    two = level(*inst, seed=7, schedules=400)
    assert starts(one) == starts(two) and one.seed == 7 and one.schedules == two.schedules


def test_a_schedule_budget_is_kept():
    inst = _psplib("j30", "j3013_4.sm")
    out = level(*inst, schedules=50)
    assert out.schedules <= 50 + 512 and validate(*inst, out.starts) == []


# ---------------------------------------------------------------- float and the critical path

def test_float_and_critical_path_follow_resource_hand_offs():
    # a (5 days) and b (3 days) share the only tester; a feeds d, b feeds c. Best: b 0-3, then a 3-8 and
    # d 8-10, with c 3-7 alongside. b has no dependency on a, yet it is critical: it hands the tester to a.
    # c can slip to the finish (3 days of float); "side" (no resource) 7 days.
    tasks = [A("a", 5, tester=1), A("d", 2, "a"), A("b", 3, tester=1), A("c", 4, "b"), A("side", 3)]
    out = level(tasks, [Resource("tester", 1)], schedules=200)
    assert out.finish == 10
    assert (out["b"].start, out["a"].start, out["d"].start, out["c"].start) == (0, 3, 8, 3)
    assert out["a"].delayed_by == ("tester",) and out["a"].driven_by == ("b",)
    assert out["d"].driven_by == ("a",) and out["d"].delayed_by == ()
    assert [out[t].total_float for t in ("b", "a", "d")] == [0, 0, 0]
    assert out["c"].total_float == 3 and out["side"].total_float == 7 and not out["side"].critical
    assert out.critical_path == ("b", "a", "d")


def test_a_task_that_could_wait_for_the_resource_has_float():
    # x (2 days) and y (5 days) share one unit; y feeds z (3 days). Best: y 0-5, x 5-7, z 5-8, finish 8.
    # x can slip by one day (to 6-8) without moving anything: float 1.
    tasks = [A("x", 2, u=1), A("y", 5, u=1), A("z", 3, "y")]
    out = level(tasks, [Resource("u", 1)])
    assert out.finish == 8 and out["y"].start == 0
    assert out["x"].total_float == 1 and out["y"].total_float == 0 and out["z"].total_float == 0
    assert out.critical_path == ("y", "z")


def test_a_deadline_that_cannot_be_met_gives_negative_float_back_along_dependencies():
    tasks = [A("a", 4, r=1), A("b", 4, "a", r=1, deadline=6), A("c", 2, r=1)]
    out = level(tasks, [Resource("r", 1)])
    assert (out["a"].start, out["b"].start) == (0, 4)
    assert out["b"].total_float == -2 and out["a"].total_float == -2 and out["b"].critical


# ---------------------------------------------------------------- errors

def test_a_demand_above_what_the_resource_ever_has_names_task_and_resource():
    with pytest.raises(LevellingError) as err:
        level([A("train", 2, trainers=4)], [Resource("trainers", 3)])
    assert err.value.task == "train" and err.value.resource == "trainers" and err.value.exit_code == 2
    assert "'train' needs 4 of 'trainers', which never has more than 3" in str(err.value)


def test_half_a_person_cannot_be_asked_for_a_whole_day():
    with pytest.raises(LevellingError, match="needs 1 of 'dana', which never has more than 0.5"):
        level([A("t", 1, dana=1.0)], [Resource("dana", 0.5)])


@pytest.mark.parametrize("tasks, resources, message", [
    ([A("a", 1, ghost=1)], [], "task 'a' uses unknown resource 'ghost'"),
    ([A("a", 1, "nope")], [], "task 'a' depends on unknown task 'nope'"),
    ([A("a", 1, "b"), A("b", 1, "a")], [], "dependency cycle: "),
    ([A("a", 1, "a")], [], "dependency cycle: a → a"),
    ([A("a", 1), A("a", 2)], [], "task 'a' is given twice"),
])
def test_bad_input_is_one_clear_error(tasks, resources, message):
    with pytest.raises(LevellingError, match=message):
        level(tasks, resources)


def test_a_task_that_never_finds_enough_consecutive_days_is_an_error_not_a_hang():
    # the person never works more than two days in a row; a three-day task of theirs cannot be placed
    week = lambda lo, hi: [1.0 if k % 3 else 0.0 for k in range(lo, hi)]  # noqa: E731
    with pytest.raises(LevellingError, match="no resource-feasible schedule"):
        level([A("long", 3, p=1)], [Resource("p", 1, beyond=week)])


def test_unknown_method():
    with pytest.raises(LevellingError, match="unknown levelling method 'fast'"):
        level([], [], method="fast")


# ---------------------------------------------------------------- the validator

def test_validator_names_each_broken_rule():
    tasks = [A("a", 3, x=1), A("b", 2, Dependency("a", "SS", 1), x=1), A("c", 1, "a", release=4),
             A("d", 2, Dependency("a", "FF", 0)), A("e", 1, Dependency("a", "SF", 5))]
    res = [Resource("x", 1, days=[1, 1, 1, 1, 0])]
    bad = validate(tasks, res, {"a": 0, "b": 0, "c": 3, "d": 0, "e": -1})
    text = "\n".join(bad)
    assert "task 'b' breaks SS +1 on 'a': 0 < 0 +1" in text
    assert "task 'c' starts at 3, before its release 4" in text
    assert "task 'd' breaks FF +0 on 'a': 2 < 3 +0" in text
    assert "task 'e' breaks SF +5 on 'a': 0 < 0 +5" in text and "task 'e' starts at -1, before day 0" in text
    assert "resource 'x' is over-used on day 0: 2 used, 1 there (a, b)" in text
    assert "task 'c' breaks FS" not in text
    fixed = validate(tasks, [Resource("x", 1)], {"a": 0, "b": 3, "c": 4, "d": 1, "e": 4})
    assert fixed == []


def test_validator_uses_the_day_by_day_availability():
    res = [Resource("x", 1, days=[1, 0, 1])]
    assert validate([A("a", 1, x=1)], res, {"a": 1}) == ["resource 'x' is over-used on day 1: 1 used, 0 there (a)"]
    assert validate([A("a", 1, x=1)], res, {"a": 2}) == []


# ---------------------------------------------------------------- against the plan scheduler

def test_unlevelled_early_starts_match_the_plan_scheduler():
    d = Dependency
    plan_tasks = (Task("w.a", "A", "w", 4), Task("w.b", "B", "w", 2, depends_on=(d("w.a", "SS", 2),)),
                  Task("w.c", "C", "w", 5, depends_on=(d("w.a", "FF", -1), d("w.b", "FS", 1))),
                  Task("w.d", "D", "w", 1, depends_on=(d("w.c", "SF", 3),)),
                  Task("w.m", "M", "w", 0, depends_on=(d("w.d"),)))
    plan = Plan("p", "P", _dt.date(2027, 1, 4), CalendarSpec(), plan_tasks)
    sched = schedule(plan)
    acts = [Activity(t.id, t.duration, t.depends_on) for t in plan_tasks]
    assert early_starts(acts) == {t.id: sched[t.id].start for t in plan_tasks}


# ---------------------------------------------------------------- PSPLIB

def _psplib(folder, name):
    sys.path.insert(0, str(ROOT))
    from benchmarks.psplib import parse, to_levelling

    path = PSPLIB / folder / name
    if not path.exists():
        pytest.skip(f"{path} not available")
    return to_levelling(parse(path))


@pytest.mark.parametrize("name, optimum", [("j301_1.sm", 43), ("j3013_4.sm", 72), ("j3048_9.sm", 59)])
def test_psplib_j30_reaches_the_proven_optimum(name, optimum):
    tasks, res = _psplib("j30", name)
    out = level(tasks, res, schedules=2000)
    assert validate(tasks, res, out.starts) == []
    assert out.finish == optimum


@pytest.mark.skipif(not HAS_ORTOOLS, reason="ortools not installed (pip install 'rollout[optimize]')")
def test_optimal_method_proves_the_optimum():
    tasks, res = _psplib("j30", "j3013_4.sm")
    out = level(tasks, res, method="optimal", time_limit=10)
    assert out.finish == 72 and out.optimal and out.bound == 72 and out.method == "optimal"
    assert validate(tasks, res, out.starts) == []


@pytest.mark.skipif(not HAS_ORTOOLS, reason="ortools not installed (pip install 'rollout[optimize]')")
def test_optimal_method_handles_lags_releases_fractions_and_leave():
    dana = Resource("dana", 0.5, days=[0.5, 0.5, 0, 0.5, 0.5, 0.5])
    tasks = [A("a", 2, dana=0.25, it=1), A("b", 2, Dependency("a", "SS", 1), dana=0.5),
             A("c", 3, Dependency("a", "FF", 2), it=1, release=1), A("d", 1, Dependency("c", "SF", -1), dana=0.25)]
    res = [dana, Resource("it", 1)]
    out = level(tasks, res, method="optimal", time_limit=10)
    assert validate(tasks, res, out.starts) == [] and out.optimal
    heur = level(tasks, res)
    assert out.finish <= heur.finish


def test_optimal_method_without_ortools_says_how_to_install(monkeypatch):
    import builtins

    real = builtins.__import__

    def no_ortools(name, *args, **kwargs):
        if name.startswith("ortools"):
            raise ImportError("No module named 'ortools'")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_ortools)
    with pytest.raises(LevellingError, match=r"pip install 'rollout\[optimize\]'"):
        level([A("a", 2, x=1), A("b", 2, x=1)], [Resource("x", 1)], method="optimal")


def test_psplib_instance_converts_to_levelling_input_and_to_a_plan_file():
    import yaml

    sys.path.insert(0, str(ROOT))
    from benchmarks.psplib import parse, to_levelling, to_plan_yaml

    path = PSPLIB / "j30" / "j301_1.sm"
    if not path.exists():
        pytest.skip(f"{path} not available")
    inst = parse(path)
    assert inst.jobs == 32 and inst.capacities == (12, 13, 4, 12)
    tasks, res = to_levelling(inst)
    assert len(tasks) == 30 and [r.units for r in res] == [12, 13, 4, 12]
    j5 = next(t for t in tasks if t.id == "j5")       # job 5: 3 periods, requests 3 0 0 0, after job 4
    assert j5.duration == 3 and j5.demands == {"r1": 3}
    assert [d.task for d in j5.depends_on] == ["j4"]
    assert all(d.task != "j1" for t in tasks for d in t.depends_on)     # the dummy source is dropped
    plan = yaml.safe_load(to_plan_yaml(inst))
    assert plan["calendar"]["workdays"] == ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    assert plan["scheduling"] == {"level": True}
    assert plan["resources"][0] == {"id": "r1", "name": "Resource 1", "units": 12}
    rows = {t["id"]: t for t in plan["workstreams"][0]["tasks"]}
    assert rows["j5"]["duration"] == "3d" and rows["j5"]["resources"] == {"r1": 3}
    assert rows["j5"]["depends_on"] == ["j4"] and len(rows) == 30


def test_public_names_are_sorted_and_exist():
    import rollout.levelling as lv

    assert lv.__all__ == sorted(lv.__all__) and all(hasattr(lv, name) for name in lv.__all__)
