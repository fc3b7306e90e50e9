"""Risk events in the simulation (SPEC 5a): register risks with an effect, sampled in every iteration,
checked against closed-form results; mitigation; per-risk P80 days added; loading; the CLI."""

from __future__ import annotations

import datetime as dt
import json
import math
import textwrap

import numpy as np
import pytest
from click.testing import CliRunner

from rollout.cli import cli
from rollout.errors import PlanError
from rollout.expand import expand_text
from rollout.model import KINDS, CalendarSpec, Dependency, Estimate, Plan, Risk, RiskEffect, Task
from rollout.risk import DEFAULT_UNCERTAINTY, duration_distribution, estimate_table, simulate, three_point

START = dt.date(2027, 1, 4)   # a Monday


def fixed(task_id: str, days: int, *deps: Dependency, **kw) -> Task:
    est = Estimate(days, days, days) if days else None
    return Task(task_id, task_id, task_id.split(".")[0], days, estimate=est, depends_on=deps, **kw)


def uncertain(task_id: str, o: int, m: int, p: int, *deps: Dependency, **kw) -> Task:
    return Task(task_id, task_id, task_id.split(".")[0], m, estimate=Estimate(o, m, p), depends_on=deps, **kw)


def plan_of(*tasks: Task, risks=()) -> Plan:
    return Plan("p", "P", START, CalendarSpec(), tuple(tasks), risks=tuple(risks))


def risk(rid="R1", p=1.0, tasks=("w.a",), delay=None, factor=None, mitigation=None, post=None) -> Risk:
    return Risk(rid, f"risk {rid}", p, 3, mitigation=mitigation, effect=RiskEffect(tuple(tasks), delay, factor),
                post_mitigation=post)


def run(plan: Plan, n: int = 2000, seed: int = 5, **kw):
    return simulate(plan, iterations=n, seed=seed, findings=[], **kw)


CHAIN = (uncertain("w.a", 3, 5, 14), uncertain("w.b", 2, 4, 9, Dependency("w.a")),
         uncertain("w.c", 1, 2, 6, Dependency("w.b")))


# -- closed-form results ---------------------------------------------------------------------------

def test_a_certain_risk_adds_exactly_its_delay_in_every_iteration():
    without = run(plan_of(*CHAIN))
    result = run(plan_of(*CHAIN, risks=[risk(p=1.0, tasks=("w.b",), delay=7)]))
    assert (result.finish_days == without.finish_days + 7).all()
    assert result.p80_days_added("R1") == 7
    assert result.sampled["R1"].occurred == 1.0
    assert (result.sampled["R1"].finish_off == without.finish_days).all()


def test_a_probability_zero_risk_adds_nothing():
    without = run(plan_of(*CHAIN))
    result = run(plan_of(*CHAIN, risks=[risk(p=0.0, tasks=("w.a", "w.c"), delay=30)]))
    assert (result.finish_days == without.finish_days).all()
    assert result.p80_days_added("R1") == 0 and result.sampled["R1"].occurred == 0.0
    (r,) = result.to_dict()["risks"]
    assert r["p80_days_added"] == 0 and r["occurred"] == 0.0


def test_a_factor_risk_multiplies_and_rounds_half_up():
    plan = plan_of(fixed("w.a", 10), fixed("w.b", 5, Dependency("w.a")),
                   risks=[risk(p=1.0, tasks=("w.a", "w.b"), factor=1.3)])
    result = run(plan, n=50)
    assert set(result.finish_days.tolist()) == {13 + 7}           # 6.5 rounds up to 7
    assert result.p80_days_added("R1") == 5


def test_factors_multiply_before_delays_add():
    plan = plan_of(fixed("w.a", 10), risks=[risk("R1", 1.0, delay=4), risk("R2", 1.0, factor=1.5)])
    assert set(run(plan, n=20).finish_days.tolist()) == {15 + 4}


def test_half_likely_risks_on_a_deterministic_plan_give_the_hand_computed_percentiles():
    # finish is 10 without the risk, 20 with it; P(20) = 0.4, so F(10) = 0.6: P50 = 10, P80 = P95 = 20
    n = 4000
    result = run(plan_of(fixed("w.a", 10), risks=[risk(p=0.4, delay=10)]), n=n)
    share = float((result.finish_days == 20).mean())
    assert set(result.finish_days.tolist()) == {10, 20}
    assert share == pytest.approx(0.4, abs=4 * math.sqrt(0.4 * 0.6 / n))
    assert (result.percentile_days(50), result.percentile_days(80), result.percentile_days(95)) == (10, 20, 20)
    assert result.p80_days_added("R1") == 10
    assert result.to_dict()["finish"]["mean_days"] == pytest.approx(10 + 10 * share, abs=0.01)
    # P(20) = 0.1 < 0.2: P80 is untouched (the risk adds nothing to P80) but P95 is 20
    rare = run(plan_of(fixed("w.a", 10), risks=[risk(p=0.1, delay=10)]), n=n)
    assert (rare.percentile_days(80), rare.percentile_days(95)) == (10, 20)
    assert rare.p80_days_added("R1") == 0


def test_one_draw_per_risk_hits_all_its_tasks_together():
    # two parallel 5-day tasks: if each were drawn on its own, the finish would be late in 75 % of runs
    n = 4000
    plan = plan_of(fixed("w.a", 5, deadline=START), fixed("w.b", 5, deadline=START),
                   risks=[risk(p=0.5, tasks=("w.a", "w.b"), delay=5)])
    result = run(plan, n=n)
    assert (result.task_days["w.a"] == result.task_days["w.b"]).all()
    assert float((result.finish_days == 10).mean()) == pytest.approx(0.5, abs=4 * math.sqrt(0.25 / n))


def test_same_seed_same_numbers_with_risk_events():
    plan = plan_of(*CHAIN, risks=[risk("R1", 0.3, ("w.a",), delay=5), risk("R2", 0.6, ("w.c",), factor=2.0)])
    first = json.dumps(run(plan, seed=11).to_dict())
    assert first == json.dumps(run(plan, seed=11).to_dict())
    assert first != json.dumps(run(plan, seed=12).to_dict())


# -- mitigation ------------------------------------------------------------------------------------------

def mitigated_plan(with_task: bool = True) -> Plan:
    tasks = [fixed("w.a", 10), fixed("w.b", 5, Dependency("w.a"))]
    if with_task:
        tasks.append(fixed("w.fallback", 2))
    post = (1.0, RiskEffect(("w.a",), delay=3))
    return plan_of(*tasks, risks=[risk(p=1.0, delay=10, mitigation="w.fallback", post=post)])


def test_mitigation_swaps_in_the_post_mitigation_values():
    result = run(mitigated_plan(), n=100)
    assert set(result.finish_days.tolist()) == {15 + 3}
    f = result.to_dict()["finish"]
    assert (f["p80_pre_mitigation_days"], f["p80_post_mitigation_days"], f["p80_days"]) == (25, 18, 18)
    assert result.mitigated == ("R1",)
    (r,) = result.to_dict()["risks"]
    assert r["mitigated"] is True and r["p80_days_added"] == 3 and r["simulated_probability"] == 1.0
    assert r["post_mitigation"] == {"probability": 1.0, "delay_days": 3, "factor": None}
    assert "Mitigations (R1) move P80 from" in result.to_text()


def test_pre_mitigation_ignores_the_mitigation_but_still_reports_what_it_buys():
    result = run(mitigated_plan(), n=100, pre_mitigation=True)
    assert set(result.finish_days.tolist()) == {25}
    data = result.to_dict()
    assert data["pre_mitigation"] is True
    assert (data["finish"]["p80_pre_mitigation_days"], data["finish"]["p80_post_mitigation_days"]) == (25, 18)
    assert data["risks"][0]["mitigated"] is False and data["risks"][0]["p80_days_added"] == 10
    assert "this run ignores them (simulated before mitigation)" in result.to_text()


def test_a_mitigation_task_not_in_the_plan_does_not_apply():
    result = run(mitigated_plan(with_task=False), n=100)
    assert set(result.finish_days.tolist()) == {25}
    assert result.mitigated == ()
    f = result.to_dict()["finish"]
    assert f["p80_pre_mitigation_days"] == f["p80_post_mitigation_days"] == 25


def test_pre_and_post_mitigation_share_their_draws():
    # post-mitigation: the same draw u, compared with the lower probability, so every iteration in which
    # the mitigated risk occurs is one in which the unmitigated risk occurred too
    plan = plan_of(*CHAIN, fixed("w.fallback", 1),
                   risks=[risk(p=0.6, tasks=("w.b",), delay=8, mitigation="w.fallback",
                               post=(0.2, RiskEffect(("w.b",), delay=8)))])
    result = run(plan, n=3000)
    assert (result.post_mitigation_finish_days <= result.pre_mitigation_finish_days).all()
    assert (result.pre_mitigation_finish_days - result.post_mitigation_finish_days <= 8).all()
    without = run(plan_of(*CHAIN, fixed("w.fallback", 1)), n=3000)
    assert set((result.finish_days - without.finish_days).tolist()) == {0, 8}


# -- the tornado -------------------------------------------------------------------------------------

def test_tornado_ranks_risks_beside_tasks():
    plan = plan_of(uncertain("w.a", 4, 5, 7), uncertain("w.b", 1, 2, 4, Dependency("w.a")),
                   risks=[risk("BIG", 0.5, ("w.b",), delay=20), risk("NONE", 0.0, ("w.a",), delay=5)])
    result = run(plan, n=3000)
    rows = result.tornado()
    assert rows[0].kind == "risk" and rows[0].id == "BIG" and rows[0].label == "risk BIG"
    assert rows[0].p80_days_added == result.p80_days_added("BIG")
    assert {r.kind for r in rows} == {"risk", "task"} and "NONE" not in {r.id for r in rows}
    assert [abs(r.value) for r in rows] == sorted((abs(r.value) for r in rows), reverse=True)
    data = result.to_dict()["tornado"]
    assert data[0] == {"label": "risk BIG", "kind": "risk", "value": round(rows[0].value, 4), "id": "BIG",
                       "p80_days_added": rows[0].p80_days_added}


# -- default estimates -----------------------------------------------------------------------------

@pytest.mark.parametrize("kind", [k for k in KINDS if k != "milestone"])
def test_default_ranges_lie_around_the_planned_duration(kind):
    o, m, p = three_point(Task("w.a", "A", "w", 10, kind=kind))
    assert o < m == 10 < p
    probs = duration_distribution(o, m, p)
    below = probs[: 10 - math.floor(o + 0.5)].sum()
    assert below > 0.05, "a task should be able to finish early, not only late"


def test_short_tasks_are_not_stretched_by_rounding_the_range():
    # a 1-day briefing: 0.9 … 1.15 days always rounds to 1 (a rounded-up pessimistic end made it 2)
    o, m, p = three_point(Task("w.c", "C", "w", 1, kind="communication"))
    assert duration_distribution(o, m, p).tolist() == [1.0]
    result = run(plan_of(Task("w.c", "C", "w", 1, kind="communication")), n=200)
    assert set(result.finish_days.tolist()) == {1}


def test_plan_overrides_default_ranges_by_kind():
    plan = expand_text(textwrap.dedent("""\
        plan: p
        title: P
        start: 2027-01-04
        risk: {estimates: {training: {optimistic: 1, pessimistic: 1}, analysis: {optimistic: 0.5, likely: 1.2, pessimistic: 3}}}
        workstreams:
          - id: w
            name: W
            tasks:
              - {id: t, name: T, kind: training, duration: 10d}
              - {id: a, name: A, kind: analysis, duration: 10d}
        """))
    assert plan.estimates == {"training": (1.0, 1.0, 1.0), "analysis": (0.5, 1.2, 3.0)}
    table = estimate_table(plan)
    assert three_point(plan.tasks[0], table) == (10, 10, 10)
    assert three_point(plan.tasks[1], table) == (5, 12, 30)
    assert table["pilot"] == (*DEFAULT_UNCERTAINTY["pilot"][:1], 1.0, DEFAULT_UNCERTAINTY["pilot"][1])
    result = run(Plan("p", "P", START, CalendarSpec(), (plan.tasks[0],), estimates=plan.estimates), n=100)
    assert set(result.finish_days.tolist()) == {10}


# -- loading -------------------------------------------------------------------------------------

PLAN = """\
plan: p
title: P
start: 2027-01-04
workstreams:
  - id: w
    name: W
    tasks:
      - {id: a, name: A, duration: 10d}
      - {id: b, name: B, duration: 5d, depends_on: [a]}
      - {id: fallback, name: Fallback, duration: 1d}
risks:
"""


def test_effects_load_with_globs_delays_in_weeks_and_post_mitigation():
    plan = expand_text(PLAN + textwrap.dedent("""\
          - {id: R1, title: Vendor late, probability: 0.5, impact: 3, mitigation: w.fallback,
             effect: {tasks: ["w.[ab]"], delay: 2w}, post_mitigation: {probability: 0.1, delay: 3d}}
          - {id: R2, title: Scope, probability: 0.3, impact: 2, effect: {tasks: [w.b], factor: 1.5},
             post_mitigation: {probability: 0.05}}
          - {id: R3, title: Register only, probability: 0.3, impact: 2}
        """))
    r1, r2, r3 = plan.risks
    assert r1.effect == RiskEffect(("w.a", "w.b"), delay=10)
    assert r1.post_mitigation == (0.1, RiskEffect(("w.a", "w.b"), delay=3))
    assert r2.post_mitigation == (0.05, RiskEffect(("w.b",), factor=1.5))
    assert r3.effect is None and r3.post_mitigation is None


BAD = """\
  - {id: R1, title: A, probability: 1.5, impact: 3, effect: {tasks: [w.a], delay: 2d}}
  - {id: R2, title: B, probability: 0.5, impact: 3, effect: {tasks: ["x.*"], delay: 2d}}
  - {id: R3, title: C, probability: 0.5, impact: 3, effect: {tasks: [w.a], delay: ten days}}
  - {id: R4, title: D, probability: 0.5, impact: 3, effect: {tasks: [w.a], delay: 2d, when: soon}}
  - {id: R5, title: E, probability: 0.5, impact: 3, effect: {tasks: [w.a], factor: -1}}
  - {id: R6, title: F, probability: 0.5, impact: 3, effect: {tasks: [w.a], delay: 2d, factor: 2}}
  - {id: R7, title: G, probability: 0.5, impact: 3, post_mitigation: {probability: 0.1}}
  - {id: R8, title: H, probability: 0.5, impact: 3, effect: {tasks: [w.a], delay: 2d},
     post_mitigation: {probability: 2, delay: 1d}}
  - {id: R9, title: I, probability: 0.5, impact: 3, effect: {tasks: [w.a]}}
  - {id: R10, title: J, probability: 0.5, impact: 3, effect: {tasks: [w.zz], delay: 1d}}
risk: {estimates: {trainng: {optimistic: 0.9, pessimistic: 1.5}, pilot: {optimistic: 1.2, pessimistic: 1.1}}}
"""


def test_bad_effects_are_all_reported_with_file_and_line(tmp_path):
    path = tmp_path / "plan.yaml"
    path.write_text(PLAN + BAD)
    result = CliRunner().invoke(cli, ["risk", str(path), "-n", "10", "--seed", "1"])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    out = result.output
    first = len(PLAN.splitlines()) + 1            # the line of R1
    expected = [
        (first, "probability is a number from 0 to 1"),
        (first + 1, "no task matches 'x.*'"),
        (first + 2, "delay: expected a duration"),
        (first + 3, "unknown key 'when' in effect"),
        (first + 4, "factor is a number above 0"),
        (first + 5, "either delay or factor, not both"),
        (first + 6, "give the risk an effect"),
        (first + 8, "probability is a number from 0 to 1"),
        (first + 9, "needs a delay"),
        (first + 10, "no task 'w.zz'"),
        (first + 11, "unknown task kind 'trainng' (did you mean 'training'?)"),
        (first + 11, "optimistic ≤ likely ≤ pessimistic"),
    ]
    for line, message in expected:
        assert any(f"plan.yaml:{line}" in row and message in row for row in out.splitlines()), (line, message, out)


def test_a_bad_effect_fails_the_load_in_the_library_too():
    with pytest.raises(PlanError) as exc:
        expand_text(PLAN + "  - {id: R1, title: A, probability: 0.5, impact: 3, effect: {tasks: [w.q], delay: 1d}}\n")
    assert "no task 'w.q'" in str(exc.value)


# -- the command line ----------------------------------------------------------------------------------

CLI_RISKS = """\
  - {id: R1, title: Vendor late, probability: 1, impact: 3, mitigation: w.fallback,
     effect: {tasks: [w.a], delay: 10d}, post_mitigation: {probability: 1, delay: 2d}}
risk: {estimates: {other: {optimistic: 1, pessimistic: 1}}}
"""


def test_cli_risk_events_and_pre_mitigation(tmp_path):
    path = tmp_path / "plan.yaml"
    path.write_text(PLAN + CLI_RISKS)
    runner = CliRunner()
    post = runner.invoke(cli, ["risk", str(path), "-n", "200", "--seed", "3", "-f", "json"])
    pre = runner.invoke(cli, ["risk", str(path), "-n", "200", "--seed", "3", "-f", "json", "--pre-mitigation"])
    assert post.exit_code == pre.exit_code == 0, post.output + pre.output
    post, pre = json.loads(post.output), json.loads(pre.output)
    assert (post["finish"]["p80_days"], pre["finish"]["p80_days"]) == (17, 25)
    for data in (post, pre):
        assert (data["finish"]["p80_pre_mitigation_days"], data["finish"]["p80_post_mitigation_days"]) == (25, 17)
        assert data["mitigated"] == ["R1"]
    (r_post,) = [r for r in post["risks"] if r["source"] == "plan"]
    (r_pre,) = [r for r in pre["risks"] if r["source"] == "plan"]
    assert {"id", "title", "probability", "impact", "score", "mitigation", "p80_days_added"} <= set(r_post)
    assert (r_post["p80_days_added"], r_pre["p80_days_added"]) == (2, 10)
    assert r_post["effect"] == {"tasks": ["w.a"], "delay_days": 10, "factor": None}
    text = runner.invoke(cli, ["risk", str(path), "-n", "200", "--seed", "3"])
    assert text.exit_code == 0
    assert "Mitigations (R1) move P80 from 2027-02-05 (25 d) to 2027-01-26 (17 d)" in text.output
    assert "P80 +d" in text.output


def test_cli_json_is_the_same_for_the_same_seed(tmp_path):
    path = tmp_path / "plan.yaml"
    path.write_text(PLAN + "  - {id: R1, title: V, probability: 0.4, impact: 3, effect: {tasks: ['w.*'], factor: 1.2}}\n")
    runner = CliRunner()
    outs = [runner.invoke(cli, ["risk", str(path), "-n", "500", "--seed", "9", "-f", "json"]).output for _ in range(2)]
    assert outs[0] == outs[1] and json.loads(outs[0])["risks"][0]["id"] == "R1"


def test_done_work_is_not_stretched_by_a_risk():
    from rollout.tracking import Actual, Progress

    plan = plan_of(fixed("w.a", 5), fixed("w.b", 5, Dependency("w.a")),
                   risks=[risk(p=1.0, tasks=("w.a", "w.b"), delay=4)])
    progress = Progress(START + dt.timedelta(days=7),
                        {"w.a": Actual("w.a", "done", START, START + dt.timedelta(days=4), 100.0)}, "test")
    result = run(plan, n=50, remaining_from=progress)
    assert set(result.finish_days.tolist()) == {5 + 5 + 4}
    assert np.all(result.sampled["R1"].finish_off == 10)


def test_the_html_tornado_ranks_risk_events_beside_tasks_and_says_what_mitigation_buys(tmp_path):
    from rollout.expand import load_plan
    from rollout.reports.risk import risk_context, risk_html
    from rollout.risk import simulate

    path = tmp_path / "rk.yaml"
    path.write_text("""plan: rk
title: Risky
start: 2027-01-11
workstreams:
  - id: w
    name: W
    tasks:
      - {id: a, name: Build, duration: 10d, owner: x}
      - {id: m, name: Mitigate, duration: 2d, owner: x}
      - {id: b, name: Ship, duration: 5d, owner: x, depends_on: [w.a]}
risks:
  - {id: R1, title: "Sponsor & vendor change", probability: 0.5, impact: 4, mitigation: w.m,
     effect: {tasks: [w.b], delay: 10d}, post_mitigation: {probability: 0.1, delay: 3d}}
""")
    result = simulate(load_plan(str(path)), iterations=2000, seed=1)
    ctx = risk_context(result)
    bars = ctx["tornado"]["data"][0]["y"]
    assert "risk: Sponsor &amp; vendor change" in bars and "Build" in bars   # plotly text: & escaped once
    assert ctx["mitigation"] and ctx["mitigation"][0].startswith("Mitigations (R1) move P80 from")
    assert "Mitigations (R1) move P80 from" in risk_html(result)
