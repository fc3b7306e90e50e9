"""Properties of rollout.schedule on random plans (SPEC 2), checked by hypothesis.

Random DAGs with all four dependency types, negative and positive lags, milestones, start-no-earlier-than
dates and odd calendars. Each property is checked against arithmetic done here, independently of the
scheduler: a relaxation to a fixed point for the early edges and a day-by-day walk for the dates.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rollout.errors import CycleError
from rollout.model import CalendarSpec, Dependency, Plan, Task
from rollout.schedule import schedule

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TYPES = ("FS", "SS", "FF", "SF")


# ---------------------------------------------------------------- strategies

@st.composite
def calendars(draw):
    workdays = tuple(sorted(draw(st.sets(st.integers(0, 6), min_size=1, max_size=7))))
    start = draw(st.dates(_dt.date(2026, 1, 1), _dt.date(2030, 12, 31)))
    holidays = tuple(sorted(draw(st.sets(st.integers(0, 120), max_size=8))))
    return start, CalendarSpec(workdays=workdays, holidays=tuple(start + _dt.timedelta(days=h) for h in holidays))


@st.composite
def plans(draw, max_tasks=18):
    """A random DAG: task k may depend on tasks created before it; the plan lists tasks shuffled."""
    start, spec = draw(calendars())
    n = draw(st.integers(1, max_tasks))
    tasks = []
    for k in range(n):
        duration = draw(st.one_of(st.just(0), st.integers(1, 9)))
        deps = ()
        if k:
            preds = draw(st.lists(st.integers(0, k - 1), max_size=3, unique=True))
            deps = tuple(Dependency(f"w.t{j}", draw(st.sampled_from(TYPES)), draw(st.integers(-6, 6)))
                         for j in preds)
        snet = None
        if draw(st.booleans()) and draw(st.booleans()):
            snet = start + _dt.timedelta(days=draw(st.integers(-5, 60)))
        tasks.append(Task(f"w.t{k}", f"Task {k}", "w", duration, depends_on=deps, start_no_earlier_than=snet))
    tasks = draw(st.permutations(tasks))
    return Plan("props", "Properties", start, spec, tuple(tasks))


# ---------------------------------------------------------------- independent arithmetic

def working_dates(plan: Plan, count: int) -> list[_dt.date]:
    """The first ``count`` working dates from the plan start, walking day by day."""
    spec = plan.calendar
    out, day = [], plan.start
    while len(out) < count:
        if day.weekday() in spec.workdays and day not in spec.holidays:
            out.append(day)
        day += _dt.timedelta(days=1)
    return out


def snet_floor(task: Task, dates: list[_dt.date]) -> int:
    """The earliest start edge SNET allows: the first working day on or after the date (0 if before)."""
    if task.start_no_earlier_than is None:
        return 0
    return next(i for i, d in enumerate(dates) if d >= task.start_no_earlier_than)


def bound(dep: Dependency, s_pred: int, d_pred: int, d_succ: int) -> int:
    """The smallest start edge of the successor that the dependency allows."""
    e_pred = s_pred + d_pred
    return {"FS": e_pred + dep.lag, "SS": s_pred + dep.lag,
            "FF": e_pred + dep.lag - d_succ, "SF": s_pred + dep.lag - d_succ}[dep.type]


def earliest_by_relaxation(plan: Plan, dates: list[_dt.date]) -> dict[str, int]:
    """Early start edges as the least fixed point of the constraints (no topological order needed)."""
    tasks = plan.task_index()
    s = {t.id: snet_floor(t, dates) for t in plan.tasks}
    changed = True
    while changed:
        changed = False
        for t in plan.tasks:
            for dep in t.depends_on:
                b = bound(dep, s[dep.task], tasks[dep.task].duration, t.duration)
                if b > s[t.id]:
                    s[t.id], changed = b, True
    return s


def horizon(plan: Plan) -> int:
    return sum(t.duration for t in plan.tasks) + sum(abs(d.lag) for t in plan.tasks for d in t.depends_on) + 130


# ---------------------------------------------------------------- properties

@SETTINGS
@given(plans())
def test_every_constraint_holds_and_every_task_starts_as_early_as_allowed(plan):
    sched = schedule(plan)
    tasks = plan.task_index()
    dates = working_dates(plan, horizon(plan))
    expected = earliest_by_relaxation(plan, dates)
    for t in plan.tasks:
        s = sched[t.id].start
        assert sched[t.id].end == s + t.duration
        floor = snet_floor(t, dates)
        bounds = [bound(d, sched[d.task].start, tasks[d.task].duration, t.duration) for d in t.depends_on]
        assert s >= floor and all(s >= b for b in bounds), f"{t.id} breaks a constraint"
        assert s == max([floor, *bounds]), f"{t.id} could start earlier: nothing holds it at {s}"
        assert s == expected[t.id]


@SETTINGS
@given(plans())
def test_float_is_never_negative_and_late_edges_are_a_valid_latest_schedule(plan):
    sched = schedule(plan)
    tasks = plan.task_index()
    finish = max(sched[t.id].end for t in plan.tasks)
    assert sched.finish == finish
    succs = {t.id: [] for t in plan.tasks}
    for t in plan.tasks:
        for dep in t.depends_on:
            succs[dep.task].append((t, dep))
    for t in plan.tasks:
        st_ = sched[t.id]
        assert st_.total_float >= 0
        assert st_.total_float == st_.late_start - st_.start
        assert st_.late_end == st_.late_start + t.duration <= finish
        assert st_.critical == (st_.total_float == 0)
        # the late edges satisfy every dependency ...
        for dep in t.depends_on:
            late_pred = sched[dep.task]
            assert st_.late_start >= bound(dep, late_pred.late_start, tasks[dep.task].duration, t.duration)
        # ... and each task is as late as they allow: held by the finish or by a successor
        held = [sched[s.id].late_start - bound(dep, st_.late_start, t.duration, s.duration) for s, dep in succs[t.id]]
        assert st_.late_end == finish or 0 in held, f"{t.id} could finish later than {st_.late_end}"


@SETTINGS
@given(plans())
def test_free_float_is_the_largest_slip_that_moves_no_successor_nor_the_finish(plan):
    sched = schedule(plan)
    succs = {t.id: [] for t in plan.tasks}
    for t in plan.tasks:
        for dep in t.depends_on:
            succs[dep.task].append((t, dep))

    def harmless(t, slip):
        s = sched[t.id].start + slip
        return s + t.duration <= sched.finish and all(
            bound(dep, s, t.duration, succ.duration) <= sched[succ.id].start for succ, dep in succs[t.id])

    for t in plan.tasks:
        ff = sched[t.id].free_float
        assert 0 <= ff <= sched[t.id].total_float
        assert harmless(t, ff) and not harmless(t, ff + 1), f"{t.id}: free float {ff}"


@SETTINGS
@given(plans())
def test_late_dates_are_the_dates_of_the_late_edges_and_critical_tasks_are_what_the_headline_counts(plan):
    sched = schedule(plan)
    dates = working_dates(plan, horizon(plan) + 10)
    for t in plan.tasks:
        st_ = sched[t.id]
        if st_.critical:
            assert (st_.late_start_date, st_.late_finish_date) == (st_.start_date, st_.finish_date)
        elif t.duration:
            assert st_.late_start_date == dates[st_.late_start]
            assert st_.late_finish_date == dates[st_.late_end - 1]
        else:
            assert st_.late_start_date == st_.late_finish_date == dates[st_.late_start - 1]
    assert sched.critical_tasks == tuple(t.id for t in plan.tasks if sched[t.id].total_float == 0)
    assert set(sched.critical_path) <= set(sched.critical_tasks)


@SETTINGS
@given(plans())
def test_the_critical_path_is_a_zero_float_chain_from_an_unheld_start_to_the_finish(plan):
    sched = schedule(plan)
    tasks = plan.task_index()
    dates = working_dates(plan, horizon(plan))
    path = sched.critical_path
    assert path, "a plan with tasks has a critical path"
    assert len(set(path)) == len(path)
    assert all(sched[i].total_float == 0 for i in path)
    assert sched[path[-1]].end == sched.finish
    first = tasks[path[0]]
    assert sched[first.id].start == snet_floor(first, dates), "the chain starts where nothing holds a task back"
    for a, b in zip(path, path[1:]):
        links = [d for d in tasks[b].depends_on if d.task == a]
        assert any(bound(d, sched[a].start, tasks[a].duration, tasks[b].duration) == sched[b].start
                   for d in links), f"{a} does not drive {b}"


@SETTINGS
@given(plans())
def test_dates_follow_spec_2(plan):
    sched = schedule(plan)
    dates = working_dates(plan, sched.finish + max(t.duration for t in plan.tasks) + 2
                          + max(sched[t.id].start for t in plan.tasks))
    anchors = anchor_dates(plan, sched) if ANCHORED_MILESTONES else {}
    for t in plan.tasks:
        st_ = sched[t.id]
        if t.duration:
            assert (st_.start_date, st_.finish_date) == (dates[st_.start], dates[st_.end - 1])
        else:
            day = anchors.get(t.id) or (plan.start if st_.start == 0 else dates[st_.start - 1])
            assert st_.start_date == st_.finish_date == day
    if not ANCHORED_MILESTONES:
        assert sched.finish_date == (plan.start if sched.finish == 0 else dates[sched.finish - 1])


def anchor_dates(plan: Plan, sched) -> dict[str, _dt.date | None]:
    """TaskJuggler's rule for milestone dates (see tests/oracle): a task whose start is held by its
    start_no_earlier_than date, or by the plan start, starts at 00:00 of that date, and a lag-0 SS link (or
    lag-0 FS link from a milestone) hands that instant on; at equal edges an anchored instant is the later.
    A milestone with an anchor is dated on it; any other on the working day before its start edge."""
    tasks = plan.task_index()
    memo: dict[str, _dt.date | None] = {}

    def anchor(tid: str) -> _dt.date | None:
        if tid in memo:
            return memo[tid]
        t, s = tasks[tid], sched[tid].start
        found = []
        snet = t.start_no_earlier_than
        floor_day = max(snet, plan.start) if snet else plan.start
        if s == (snet_floor_edge(plan, snet) if snet else 0):
            found.append(floor_day)
        for dep in t.depends_on:
            pred = tasks[dep.task]
            if bound(dep, sched[dep.task].start, pred.duration, t.duration) != s or dep.lag:
                continue
            if dep.type == "SS" or (dep.type == "FS" and pred.duration == 0):
                found.append(anchor(dep.task))
        memo[tid] = max((a for a in found if a is not None), default=None)
        return memo[tid]

    return {t.id: anchor(t.id) for t in plan.tasks}


def snet_floor_edge(plan: Plan, day: _dt.date) -> int:
    return snet_floor(Task("x", "x", "w", 0, start_no_earlier_than=day), working_dates(plan, 400))


def _milestones_are_anchored() -> bool:
    """Whether rollout dates a milestone held by start_no_earlier_than on that date (TaskJuggler's rule,
    proposed to the lead) rather than on the working day before (SPEC 2's s-1 rule as first written)."""
    wed = _dt.date(2027, 1, 6)
    plan = Plan("m", "M", _dt.date(2027, 1, 4), CalendarSpec(),
                (Task("w.gate", "Gate", "w", 0, start_no_earlier_than=wed),))
    return schedule(plan)["w.gate"].start_date == wed


ANCHORED_MILESTONES = _milestones_are_anchored()


@SETTINGS
@given(plans(), st.randoms(use_true_random=False))
def test_duration_overrides_equal_a_plan_with_those_durations(plan, rnd):
    new = {t.id: rnd.randint(0, 9) for t in plan.tasks if rnd.random() < 0.5}
    edited = dataclasses.replace(plan, tasks=tuple(
        dataclasses.replace(t, duration=new.get(t.id, t.duration)) for t in plan.tasks))
    a, b = schedule(plan, durations=new), schedule(edited)
    assert {i: (x.start, x.end, x.late_start) for i, x in a.tasks.items()} == \
           {i: (x.start, x.end, x.late_start) for i, x in b.tasks.items()}


@st.composite
def cyclic_plans(draw):
    """A DAG plus one dependency that closes a loop through an existing path (or a self-dependency)."""
    plan = draw(plans(max_tasks=12))
    tasks = {t.id: t for t in plan.tasks}
    ids = sorted(tasks, key=lambda i: int(i.split("t")[-1]))
    # pick a task and one it reaches through dependencies (itself included), then make the first depend back
    tail = draw(st.sampled_from(ids))
    reach, frontier = {tail}, [tail]
    while frontier:
        cur = frontier.pop()
        for dep in tasks[cur].depends_on:
            if dep.task not in reach:
                reach.add(dep.task)
                frontier.append(dep.task)
    head = draw(st.sampled_from(sorted(reach)))
    back = Dependency(tail, draw(st.sampled_from(TYPES)), draw(st.integers(-3, 3)))
    tasks[head] = dataclasses.replace(tasks[head], depends_on=tasks[head].depends_on + (back,))
    return dataclasses.replace(plan, tasks=tuple(tasks[t.id] for t in plan.tasks))


@SETTINGS
@given(cyclic_plans())
def test_cycles_raise_cycle_error_naming_a_real_cycle(plan):
    with pytest.raises(CycleError) as info:
        schedule(plan)
    cycle = info.value.cycle
    tasks = plan.task_index()
    assert len(cycle) >= 2 and cycle[0] == cycle[-1]
    assert len(set(cycle[:-1])) == len(cycle) - 1, "each task appears once in the loop"
    for a, b in zip(cycle, cycle[1:]):                 # "a → b": b depends on a
        assert any(d.task == a for d in tasks[b].depends_on), f"{b} does not depend on {a}"
    assert " → ".join(cycle) in str(info.value)


@SETTINGS
@given(calendars(), st.integers(0, 400))
def test_working_calendar_indexes_every_working_day_once_in_order(cal_args, probe):
    from rollout.calendar import WorkCalendar

    start, spec = cal_args
    cal = WorkCalendar(start, spec)
    plan = Plan("c", "C", start, spec, ())
    walked = working_dates(plan, 100)           # 100 working days reach past 80 calendar days
    assert [cal.date(i) for i in range(100)] == walked
    assert cal.dates([5, 0, 99]) == [walked[5], walked[0], walked[99]]
    for i, day in enumerate(walked):
        assert cal.is_working(day)
        assert cal.index_on_or_after(day) == i == cal.index_on_or_before(day)
    day = start + _dt.timedelta(days=probe % 80)
    after = next(i for i, d in enumerate(walked) if d >= day)
    assert cal.index_on_or_after(day) == after
    assert cal.index_on_or_before(day) == (after if walked[after] == day else after - 1)
    assert cal.index_on_or_after(start - _dt.timedelta(days=probe + 1)) == 0


@pytest.mark.parametrize("country, subdiv", [("US", None), ("DE", "BY"), ("GB", "SCT")])
def test_working_calendar_skips_the_public_holidays_of_the_country(country, subdiv):
    import holidays

    from rollout.calendar import WorkCalendar

    start = _dt.date(2027, 1, 1)
    cal = WorkCalendar(start, CalendarSpec(country=country, subdiv=subdiv, holidays=(_dt.date(2027, 6, 1),)))
    public = holidays.country_holidays(country, subdiv=subdiv, years=[2027, 2028])
    expected = [start + _dt.timedelta(days=k) for k in range(730)]
    expected = [d for d in expected if d.weekday() < 5 and d not in public and d != _dt.date(2027, 6, 1)]
    assert cal.dates(range(len(expected))) == expected
    assert len(public) > 8 and cal.holiday_name(next(iter(sorted(public)))) is not None
