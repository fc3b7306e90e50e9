"""Monte Carlo schedule risk: agreement with the scheduler, analytic results, reproducibility, output."""

from __future__ import annotations

import datetime as dt
import json
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rollout.errors import UsageError
from rollout.model import CalendarSpec, Dependency, Estimate, Plan, Risk, Task
from rollout.risk import (
    duration_distribution,
    findings_as_risks,
    heatmap_cell,
    simulate,
    three_point,
)
from rollout.schedule import schedule


def esc(text: str) -> str:
    """HTML-escaped once, as the report templates (Jinja2 autoescape) escape it."""
    from markupsafe import escape

    return str(escape(text))

START = dt.date(2027, 1, 4)   # a Monday


def make_plan(*tasks: Task, risks=()) -> Plan:
    return Plan("p", "Pilot plan", START, CalendarSpec(), tuple(tasks), risks=tuple(risks))


def fixed(task_id: str, days: int, *deps: Dependency, **kw) -> Task:
    """A task with no uncertainty: its three-point estimate is its duration."""
    est = Estimate(days, days, days) if days else None
    return Task(task_id, task_id, task_id.split(".")[0], days, estimate=est, depends_on=deps, **kw)


def uncertain(task_id: str, o: int, m: int, p: int, *deps: Dependency, **kw) -> Task:
    return Task(task_id, task_id, task_id.split(".")[0], m, estimate=Estimate(o, m, p), depends_on=deps, **kw)


# -- the simulation uses the scheduler's arithmetic ----------------------------------------------

@st.composite
def random_plans(draw):
    n = draw(st.integers(1, 14))
    tasks = []
    for i in range(n):
        deps = []
        if i:
            for j in draw(st.lists(st.integers(0, i - 1), max_size=3, unique=True)):
                deps.append(Dependency(f"w.t{j}", draw(st.sampled_from(["FS", "SS", "FF", "SF"])),
                                       draw(st.integers(-3, 4))))
        snet = None
        if draw(st.booleans()) and draw(st.booleans()):
            snet = START + dt.timedelta(days=draw(st.integers(0, 40)))
        tasks.append(fixed(f"w.t{i}", draw(st.sampled_from([0, 1, 2, 3, 5, 8])), *deps,
                           start_no_earlier_than=snet))
    order = draw(st.permutations(range(n)))
    return make_plan(*(tasks[k] for k in order))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_plans())
def test_without_uncertainty_every_iteration_is_the_deterministic_schedule(plan):
    sched = schedule(plan)
    result = simulate(plan, iterations=3, seed=0, findings=[])
    assert set(result.finish_days.tolist()) == {sched.finish}
    for tid, st_ in sched.tasks.items():
        assert result.criticality[tid] == (1.0 if st_.critical else 0.0), tid
        if st_.task.is_milestone:
            assert set(result.task_days[tid].tolist()) == {st_.end}


def test_sampled_iterations_match_schedule_with_the_same_durations(monkeypatch):
    """Each iteration is a full schedule: recompute one with schedule(durations=...) and compare."""
    import rollout.risk as risk

    plan = make_plan(
        uncertain("a.x", 2, 4, 9),
        uncertain("a.y", 1, 3, 8, Dependency("a.x", "SS", 2)),
        uncertain("b.z", 3, 5, 12, Dependency("a.x", "FF", -1)),
        uncertain("b.w", 1, 2, 6, Dependency("a.y"), Dependency("b.z", "SF", 4)),
        fixed("b.end", 0, Dependency("b.w"), Dependency("a.y")),
    )
    seen = []
    original = risk._run

    def spy(net, dur):
        seen.append(({t.id: int(dur[r, 0]) for r, t in enumerate(net.tasks)}, original(net, dur)))
        return seen[-1][1]

    monkeypatch.setattr(risk, "_run", spy)
    risk.simulate(plan, iterations=1, seed=11, findings=[])
    durations, (_, _, finish) = seen[0]
    assert schedule(plan, durations=durations).finish == int(finish[0])


def test_deterministic_finish_in_json_is_the_plan_schedule():
    plan = make_plan(uncertain("w.a", 3, 5, 20), uncertain("w.b", 1, 2, 3, Dependency("w.a")))
    data = simulate(plan, iterations=500, seed=1, findings=[]).to_dict()
    sched = schedule(plan)
    assert data["finish"]["deterministic"] == sched.finish_date.isoformat()
    assert data["finish"]["deterministic_days"] == 7


# -- analytic results -----------------------------------------------------------------------------

def discrete(o, m, p):
    probs = duration_distribution(o, m, p)
    values = np.arange(o, p + 1)
    return values, probs


def test_distribution_is_a_probability_mass_near_the_pert_mean():
    values, probs = discrete(2, 5, 14)
    assert probs.sum() == pytest.approx(1.0)
    assert (probs >= 0).all()
    # rounding to whole days moves the mean by much less than a day
    assert (values * probs).sum() == pytest.approx((2 + 4 * 5 + 14) / 6, abs=0.05)
    assert duration_distribution(4, 4, 4).tolist() == [1.0]


def test_pert_distribution_matches_a_closed_form_beta():
    # o = m = 0, p = 10: α = 1, β = 5, so F(x) = 1 − (1 − x/10)^5
    probs = duration_distribution(0, 0, 10)
    cdf = np.cumsum(probs)
    for k in range(10):
        assert cdf[k] == pytest.approx(1 - (1 - (k + 0.5) / 10) ** 5, abs=1e-6)


def test_triangular_distribution_matches_its_closed_form():
    values, probs = np.arange(0, 11), duration_distribution(0, 10, 10, "triangular")
    # F(x) = (x/10)^2: P(D = 10) = 1 - F(9.5)
    assert probs[-1] == pytest.approx(1 - 0.95 ** 2)
    assert (values * probs).sum() == pytest.approx(20 / 3, abs=0.05)


def test_table_sampler_is_an_exact_inverse_cdf():
    """The bucket table must give exactly o + #{thresholds ≤ r} for every 32-bit draw r."""
    from rollout.risk import _Sampler

    tasks = [uncertain("w.a", 2, 5, 14), uncertain("w.b", 1, 2, 60), uncertain("w.c", 3, 3, 4),
             uncertain("w.d", 2, 5, 14)]
    sampler = _Sampler(tasks, "pert")
    drawn = sampler.draw(np.random.default_rng(3), 50_000)
    raw = np.random.default_rng(3).integers(0, 2 ** 32, size=(len(sampler.varying), 50_000), dtype=np.uint32)
    for lo, hi, o, thresholds, _ in sampler.groups:
        for k, row in enumerate(sampler.varying[lo:hi]):
            expected = o + np.searchsorted(thresholds, raw[lo + k], side="right")
            assert (drawn[row] == expected).all()
    assert set(range(1, 31)) <= set(drawn[1].tolist())     # a wide range is drawn day by day


def test_chain_mean_is_the_sum_of_the_means():
    estimates = [(2, 4, 10), (1, 3, 4), (5, 6, 15), (3, 3, 9)]
    tasks, prev = [], ()
    for k, (o, m, p) in enumerate(estimates):
        tasks.append(uncertain(f"w.t{k}", o, m, p, *prev))
        prev = (Dependency(f"w.t{k}"),)
    n = 20_000
    result = simulate(make_plan(*tasks), iterations=n, seed=5, findings=[])
    means, variances = [], []
    for est in estimates:
        values, probs = discrete(*est)
        mu = (values * probs).sum()
        means.append(mu)
        variances.append(((values - mu) ** 2 * probs).sum())
    expected, se = sum(means), math.sqrt(sum(variances) / n)
    assert abs(result.mean_days - expected) < 4 * se
    # and the spread is the spread of a sum of independent durations
    assert result.finish_days.var() == pytest.approx(sum(variances), rel=0.05)


def test_parallel_branches_cdf_of_max_is_product_of_cdfs():
    estimates = [(3, 5, 12), (4, 6, 9), (2, 7, 8)]
    tasks = [uncertain(f"w.b{k}", *est) for k, est in enumerate(estimates)]
    tasks.append(fixed("w.done", 0, *(Dependency(t.id) for t in tasks)))
    n = 20_000
    result = simulate(make_plan(*tasks), iterations=n, seed=9, findings=[])
    for day in range(4, 13):
        expected = 1.0
        for est in estimates:
            values, probs = discrete(*est)
            expected *= probs[values <= day].sum()
        observed = (result.finish_days <= day).mean()
        se = math.sqrt(max(expected * (1 - expected), 1e-12) / n)
        assert abs(observed - expected) <= 4 * se + 1e-9, day
    # the milestone's samples are the finish
    assert (result.task_days["w.done"] == result.finish_days).all()


def test_criticality_of_parallel_branches_sums_to_at_least_one():
    plan = make_plan(uncertain("w.a", 2, 5, 9), uncertain("w.b", 2, 5, 9))
    result = simulate(plan, iterations=4000, seed=2, findings=[])
    ca, cb = result.criticality["w.a"], result.criticality["w.b"]
    assert 0.4 < ca < 0.75 and 0.4 < cb < 0.75    # symmetric branches, ties make both critical
    assert ca + cb >= 1.0


def test_drivers_rank_the_task_that_moves_the_finish():
    plan = make_plan(uncertain("w.big", 5, 10, 40), uncertain("w.small", 4, 5, 6),
                     fixed("w.tail", 3, Dependency("w.big"), Dependency("w.small")))
    result = simulate(plan, iterations=3000, seed=4, findings=[])
    drivers = result.drivers()
    assert drivers[0][0] == "w.big" and drivers[0][1] > 0.9
    assert "w.tail" not in dict(drivers)          # a fixed duration drives nothing


def test_wide_day_counts_give_the_same_result_as_narrow_ones():
    """Plans that could run past 16,000 working days use 32-bit arrays; the results must not change."""
    tasks = [uncertain("w.a", 2, 4, 9), uncertain("w.b", 1, 3, 8, Dependency("w.a", "SS", 1)),
             fixed("w.m", 0, Dependency("w.b"), Dependency("w.a"))]
    # an unconnected pair whose huge negative lag constrains nothing but raises the bound
    far = [fixed("x.y", 1), fixed("x.z", 1, Dependency("x.y", "FS", -20_000))]
    narrow = simulate(make_plan(*tasks), iterations=3000, seed=6, findings=[])
    wide = simulate(make_plan(*tasks, *far), iterations=3000, seed=6, findings=[])
    assert (narrow.finish_days == wide.finish_days).all()
    assert (narrow.task_days["w.m"] == wide.task_days["w.m"]).all()
    assert narrow.criticality == {k: v for k, v in wide.criticality.items() if k.startswith("w.")}


# -- reproducibility --------------------------------------------------------------------------------

def test_same_seed_same_result_other_seed_other_result():
    plan = make_plan(uncertain("w.a", 1, 4, 20), uncertain("w.b", 2, 3, 11, Dependency("w.a")))
    one = simulate(plan, iterations=2000, seed=42, findings=[])
    two = simulate(plan, iterations=2000, seed=42, findings=[])
    other = simulate(plan, iterations=2000, seed=43, findings=[])
    assert one.to_dict() == two.to_dict()
    assert (one.finish_days == two.finish_days).all()
    assert not (one.finish_days == other.finish_days).all()


def test_seed_is_drawn_and_reported_when_not_given():
    plan = make_plan(uncertain("w.a", 1, 4, 20))
    first = simulate(plan, iterations=200, findings=[])
    again = simulate(plan, iterations=200, seed=first.seed, findings=[])
    assert (first.finish_days == again.finish_days).all()


# -- outputs ------------------------------------------------------------------------------------

def test_json_shape_and_day_counts():
    deadline = dt.date(2027, 1, 8)     # Friday: working day 4, end edge 5
    plan = make_plan(fixed("w.a", 5), fixed("w.m", 0, Dependency("w.a"), deadline=deadline),
                     risks=[Risk("R1", "Sponsor leaves", 0.2, 4, mitigation="w.a")])
    data = json.loads(json.dumps(simulate(plan, iterations=100, seed=3, findings=[]).to_dict()))
    assert data["plan"] == "p" and data["iterations"] == 100 and data["seed"] == 3
    finish = data["finish"]
    assert finish["p50_days"] == finish["p80_days"] == finish["p95_days"] == 5
    assert finish["p50"] == finish["deterministic"] == "2027-01-08"
    assert finish["mean_days"] == 5
    (m,) = data["milestones"]
    assert {"id", "p50", "p80", "p95", "deadline", "p_meet"} <= set(m)
    assert m["p50"] == "2027-01-08" and m["deadline"] == "2027-01-08" and m["p_meet"] == 1.0
    assert [t["id"] for t in data["tasks"]] == ["w.a", "w.m"]
    assert all(t["criticality"] == 1.0 for t in data["tasks"])
    (r,) = data["risks"]
    assert r == {**r, "id": "R1", "title": "Sponsor leaves", "probability": 0.2, "impact": 4,
                 "score": 0.8, "mitigation": "w.a", "source": "plan"}


def test_p_meet_is_the_share_of_iterations_meeting_the_deadline():
    deadline = START + dt.timedelta(days=7)          # Monday of week 2: working day 5, edge 6
    plan = make_plan(uncertain("w.a", 2, 5, 12, deadline=deadline))
    result = simulate(plan, iterations=5000, seed=8, findings=[])
    values, probs = discrete(2, 5, 12)
    expected = probs[values <= 6].sum()
    assert result.p_meet("w.a") == pytest.approx(expected, abs=4 * math.sqrt(expected * (1 - expected) / 5000))


def test_progress_callback_reaches_the_total():
    calls = []
    plan = make_plan(uncertain("w.a", 1, 2, 3))
    simulate(plan, iterations=1234, seed=1, findings=[], progress=lambda done, total: calls.append((done, total)))
    assert calls[-1] == (1234, 1234)
    assert [c[0] for c in calls] == sorted(c[0] for c in calls)


def test_bad_arguments_are_usage_errors():
    plan = make_plan(fixed("w.a", 1))
    with pytest.raises(UsageError):
        simulate(plan, iterations=0)
    with pytest.raises(UsageError):
        simulate(plan, iterations=10, distribution="lognormal")


def test_default_uncertainty_by_kind():
    assert three_point(Task("w.m", "M", "w", 0, kind="milestone")) == (0, 0, 0)
    o, m, p = three_point(Task("w.a", "A", "w", 10, kind="analysis"))
    assert o < m == 10 < p
    comm = three_point(Task("w.c", "C", "w", 10, kind="communication"))
    assert comm[2] - comm[0] < p - o
    assert three_point(Task("w.e", "E", "w", 10, estimate=Estimate(8, 9, 30))) == (8, 9, 30)


def test_heatmap_cells_and_findings_as_risks():
    assert heatmap_cell(0.2, 4) == (1, 4)
    assert heatmap_cell(0.21, 5) == (2, 5)
    assert heatmap_cell(1.0, 9) == (5, 5)
    found = findings_as_risks([{"code": "FM003", "severity": "error", "message": "no customers in pilot",
                                "tasks": ["pilot.run"], "hint": "add a feedback session"}])
    assert found[0]["source"] == "check" and found[0]["tasks"] == ["pilot.run"]
    assert found[0]["score"] == pytest.approx(found[0]["probability"] * found[0]["impact"])


def test_html_escapes_plan_text():
    evil = "<script>alert('x')</script>"
    plan = Plan("p", evil, START, CalendarSpec(),
                (Task("w.a", evil, "w", 3, estimate=Estimate(1, 3, 9)),
                 Task("w.m", "M", "w", 0, depends_on=(Dependency("w.a"),), deadline=START)),
                risks=(Risk("R1", evil, 0.5, 3, mitigation="w.a"),))
    from rollout.reports.risk import risk_html

    page = risk_html(simulate(plan, iterations=200, seed=1, findings=[]))
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert" in page


def test_chance_of_meeting_the_planned_finish():
    import datetime as dt

    from rollout.model import CalendarSpec, Estimate, Plan, Task

    certain = Plan("c", "C", dt.date(2027, 1, 4), CalendarSpec(),
                   (Task("w.a", "A", "w", 5, estimate=Estimate(5, 5, 5)),))
    assert simulate(certain, iterations=200, seed=1).to_dict()["finish"]["p_meet_plan"] == 1.0
    skewed = Plan("s", "S", dt.date(2027, 1, 4), CalendarSpec(),
                  (Task("w.a", "A", "w", 5, estimate=Estimate(5, 5, 30)),))
    chance = simulate(skewed, iterations=2000, seed=1).to_dict()["finish"]["p_meet_plan"]
    assert 0 < chance < 0.5          # only the runs that draw exactly the optimistic length meet it
