"""Tracking: actuals CSV, forecast from the as-of date, percent complete, variance, RAG, burn-up."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rollout.errors import PlanError
from rollout.model import CalendarSpec, Dependency, Plan, Task, Workstream
from rollout.schedule import schedule
from rollout.reports.status import status_html
from rollout.tracking import Actual, forecast, parse_actuals_csv, read_actuals_csv, status


def esc(text: str) -> str:
    """HTML-escaped once, as the report templates (Jinja2 autoescape) escape it."""
    from markupsafe import escape

    return str(escape(text))

START = dt.date(2027, 1, 4)     # a Monday; working day k of week w is START + 7w + k
HEADER = "task,status,actual_start,actual_finish,percent_complete\n"


def day(index: int) -> dt.date:
    """The date of working day ``index`` on a Monday–Friday calendar from START."""
    return START + dt.timedelta(days=7 * (index // 5) + index % 5)


def pilot_plan() -> Plan:
    """Two workstreams: discovery (a → b → gate) and design (c after a, d after c and b)."""
    t = [
        Task("disc.a", "Interviews", "disc", 5),
        Task("disc.b", "Synthesis", "disc", 5, depends_on=(Dependency("disc.a"),)),
        Task("disc.gate", "Insight agreed", "disc", 0, depends_on=(Dependency("disc.b"),),
             deadline=day(11)),
        Task("design.c", "Process maps", "design", 10, depends_on=(Dependency("disc.a", "SS", 2),)),
        Task("design.d", "Tool choice", "design", 4, depends_on=(Dependency("design.c"), Dependency("disc.b"))),
    ]
    return Plan("pilot", "Pilot", START, CalendarSpec(), tuple(t),
                workstreams=(Workstream("disc", "Discovery"), Workstream("design", "Design")))


def on_plan_actuals(plan: Plan, a: int) -> str:
    """A CSV saying every task ran exactly as scheduled, as of working day ``a``."""
    rows = [HEADER]
    for tid, st_ in schedule(plan).tasks.items():
        if st_.end <= a:
            start = "" if st_.task.is_milestone else st_.start_date.isoformat()
            rows.append(f"{tid},done,{start},{st_.finish_date.isoformat()},\n")
        elif st_.start < a:
            pct = 100 * (a - st_.start) / st_.task.duration
            rows.append(f"{tid},in-progress,{st_.start_date.isoformat()},,{pct:.1f}\n")
    return "".join(rows)


# -- the actuals CSV ----------------------------------------------------------------------------

def test_reads_a_valid_csv(tmp_path):
    path = tmp_path / "progress.csv"
    path.write_text(HEADER + "disc.a,done,2027-01-04,2027-01-08,\n"
                             "disc.b,in-progress,2027-01-11,,40\n"
                             "design.c,,2027-01-06,,\n"
                             "\n"
                             "design.d,todo,,,\n")
    acts = read_actuals_csv(str(path), pilot_plan())
    assert acts["disc.a"] == Actual("disc.a", "done", day(0), day(4), 100.0)
    assert acts["disc.b"].percent_complete == 40 and acts["disc.b"].status == "in-progress"
    assert acts["design.c"].status == "in-progress"       # inferred from the start date
    assert acts["design.d"].status == "todo"
    assert acts["design.d"].source.line == 6 and acts["design.d"].source.path == str(path)


def test_every_bad_row_is_reported_with_its_line():
    text = (HEADER + "disc.a,done,2027-01-04,2027-01-08,\n"
                     "disc.zz,done,,,\n"                        # line 3: unknown task
                     "disc.b,finished,,,\n"                     # line 4: bad status
                     "design.c,in-progress,2027-13-01,,\n"      # line 5: bad date
                     "design.d,in-progress,,,140\n"             # line 6: percent out of range
                     "disc.a,done,,,\n")                        # line 7: duplicate
    with pytest.raises(PlanError) as info:
        parse_actuals_csv(text, pilot_plan(), "progress.csv")
    lines = {p.line for p in info.value.problems}
    assert lines == {3, 4, 5, 6, 7}
    message = str(info.value)
    assert "progress.csv:3: unknown task 'disc.zz'" in message
    assert "progress.csv:4: unknown status 'finished'" in message
    assert "progress.csv:5: bad actual_start '2027-13-01'" in message
    assert "progress.csv:6: percent_complete 140 is outside 0–100" in message
    assert "progress.csv:7: task 'disc.a' already given on line 2" in message


def test_trailing_empty_cells_may_be_left_out_but_extra_cells_are_errors():
    acts = parse_actuals_csv(HEADER + "disc.a,done\ndisc.b\n", pilot_plan(), "p.csv")
    assert acts["disc.a"].status == "done" and acts["disc.b"].status == "todo"
    with pytest.raises(PlanError, match=r"p\.csv:2: expected 5 cells, found 6"):
        parse_actuals_csv(HEADER + "disc.a,done,,,,x\n", pilot_plan(), "p.csv")


def test_unknown_task_suggests_the_closest_id():
    with pytest.raises(PlanError, match=r"did you mean 'disc\.gate'"):
        parse_actuals_csv(HEADER + "disc.gates,done,,,\n", pilot_plan(), "p.csv")


def test_inconsistent_rows_are_errors():
    text = (HEADER + "disc.a,todo,2027-01-04,,\n"
                     "disc.b,done,,,50\n"
                     "design.c,in-progress,2027-01-04,2027-01-05,\n"
                     "design.d,done,2027-01-08,2027-01-04,\n")
    with pytest.raises(PlanError) as info:
        parse_actuals_csv(text, pilot_plan(), "p.csv")
    assert [p.line for p in info.value.problems] == [2, 3, 4, 5]


def test_bad_header_names_line_one():
    with pytest.raises(PlanError) as info:
        parse_actuals_csv("task,state,actual_start,actual_finish,percent_complete\n", pilot_plan(), "p.csv")
    assert info.value.line == 1
    assert "unknown column 'state' (did you mean 'status'?)" in str(info.value)
    with pytest.raises(PlanError, match="empty actuals file"):
        parse_actuals_csv("", pilot_plan(), "p.csv")


def test_missing_file_is_a_plan_error(tmp_path):
    with pytest.raises(PlanError, match="cannot read actuals"):
        read_actuals_csv(str(tmp_path / "nope.csv"), pilot_plan())


def test_actual_dates_after_the_as_of_date_are_errors():
    acts = parse_actuals_csv(HEADER + "disc.a,done,2027-01-04,2027-01-20,\n", pilot_plan(), "p.csv")
    with pytest.raises(PlanError, match=r"p\.csv:2: task 'disc\.a': actual_finish 2027-01-20 is after"):
        status(pilot_plan(), day(5), acts)


# -- the forecast -----------------------------------------------------------------------------

@pytest.mark.parametrize("a", [0, 1, 3, 5, 7, 10, 12, 16, 20, 30])
def test_forecast_of_a_plan_run_as_planned_is_the_plan(a):
    plan = pilot_plan()
    acts = parse_actuals_csv(on_plan_actuals(plan, a), plan, "p.csv")
    report = status(plan, day(a), acts)
    base = schedule(plan)
    for tid, st_ in base.tasks.items():
        fc = report.forecast.tasks[tid]
        assert (fc.start, fc.end, fc.finish_date) == (st_.start, st_.end, st_.finish_date), tid
    data = report.to_dict()
    # as of day 0 the CSV has no rows: nothing is reported, so there is no RAG yet
    assert data["variance_days"] == 0 and data["late"] == [] and data["rag"] == ("green" if acts else None)
    assert data["percent_complete"] == pytest.approx(data["planned_percent"], abs=0.1)


@st.composite
def chains(draw):
    n = draw(st.integers(2, 10))
    tasks = []
    for i in range(n):
        deps = tuple(Dependency(f"w.t{j}", draw(st.sampled_from(["FS", "SS", "FF", "SF"])),
                                draw(st.integers(-3, 4)))
                     for j in draw(st.lists(st.integers(0, i - 1), max_size=3, unique=True))) if i else ()
        snet = START + dt.timedelta(days=draw(st.integers(0, 30))) if draw(st.integers(0, 4)) == 0 else None
        tasks.append(Task(f"w.t{i}", f"T{i}", "w", draw(st.sampled_from([0, 1, 2, 3, 5])), depends_on=deps,
                          start_no_earlier_than=snet))
    return Plan("h", "H", START, CalendarSpec(), tuple(tasks)), draw(st.integers(0, 40))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(chains())
def test_forecast_equals_plan_for_any_graph_and_as_of(case):
    plan, a = case
    acts = parse_actuals_csv(on_plan_actuals(plan, a), plan, "p.csv")
    fc = forecast(plan, acts, day(a))
    base = schedule(plan)
    assert {t: (s.start, s.end) for t, s in fc.tasks.items()} == {t: (s.start, s.end) for t, s in base.tasks.items()}


def test_late_start_pushes_the_forecast_and_turns_rag():
    plan = pilot_plan()
    # as of day 5 nothing has started (and the first task says so): everything slips five working days
    report = status(plan, day(5), {"disc.a": Actual("disc.a", "todo")})
    data = report.to_dict()
    assert data["variance_days"] == 5
    assert data["forecast_finish"] == day(schedule(plan).finish - 1 + 5).isoformat()
    assert set(data["late"]) == {t.id for t in plan.tasks}
    assert data["percent_complete"] == 0
    ws = {w["id"]: w for w in data["workstreams"]}
    assert ws["disc"]["variance_days"] == 5 and ws["disc"]["rag"] == "red"   # gate misses its deadline
    # design's own work is not late: its five days are handed on by discovery (SS from disc.a) ...
    assert ws["design"]["variance_days"] == 0 and ws["design"]["finish_variance_days"] == 5
    # ... but 3 of its 14 planned days are not done (21 points behind): amber, not red
    assert ws["design"]["planned_percent"] == round(100 * 3 / 14, 1)
    assert ws["design"]["rag"] == "amber"
    gate = next(m for m in data["milestones"] if m["id"] == "disc.gate")
    assert gate["rag"] == "red" and gate["variance_days"] == 5


def test_in_progress_remaining_work_runs_from_the_as_of_date():
    plan = pilot_plan()
    acts = parse_actuals_csv(HEADER + "disc.a,done,2027-01-04,2027-01-08,\n"
                                      "disc.b,in-progress,2027-01-11,,20\n", plan, "p.csv")
    fc = forecast(plan, acts, day(8))
    # b started on day 5 and is 20 % done as of day 8: 4 days left, ending at edge 12 (plan: 10)
    assert (fc["disc.b"].start, fc["disc.b"].end) == (5, 12)
    assert fc["disc.gate"].end == 12
    # design.c is not reported: it starts on the as-of date, not on day 2
    assert fc["design.c"].start == 8


def test_early_finish_pulls_the_forecast_in():
    plan = pilot_plan()
    acts = parse_actuals_csv(HEADER + "disc.a,done,2027-01-04,2027-01-06,\n", plan, "p.csv")
    fc = forecast(plan, acts, day(3))
    assert fc["disc.a"].end == 3 and fc["disc.b"].start == 3


def test_weighted_percent_complete():
    plan = pilot_plan()
    acts = parse_actuals_csv(HEADER + "disc.a,done,2027-01-04,2027-01-08,\n"
                                      "design.c,in-progress,2027-01-06,,30\n", plan, "p.csv")
    data = status(plan, day(6), acts).to_dict()
    # (5 × 100 + 10 × 30) / (5 + 5 + 10 + 4) working days
    assert data["percent_complete"] == round(100 * (5 + 3) / 24, 1)
    ws = {w["id"]: w for w in data["workstreams"]}
    assert ws["disc"]["percent_complete"] == 50.0
    assert ws["design"]["percent_complete"] == round(100 * 3 / 14, 1)


def test_stored_baseline_is_used_for_variance():
    plan = pilot_plan()
    base = schedule(plan)
    # a baseline stored when every task was planned a week later than now
    stored = {tid: (st_.start_date + dt.timedelta(days=7), st_.finish_date + dt.timedelta(days=7))
              for tid, st_ in base.tasks.items()}
    data = status(plan, START, {"disc.a": Actual("disc.a", "todo")}, baseline=stored).to_dict()
    assert data["variance_days"] == -5
    assert data["late"] == []
    assert data["baseline_finish"] == (base.finish_date + dt.timedelta(days=7)).isoformat()


def test_burnup_has_a_point_per_snapshot_and_the_as_of_date():
    from rollout.state import Snapshot, TaskProgress

    plan = pilot_plan()
    snaps = [
        Snapshot(1, dt.datetime(2027, 1, 11, 9), day(5), "jira",
                 {"disc.a": TaskProgress("disc.a", status_category="done", actual_start=day(0),
                                         actual_finish=day(4))}),
        Snapshot(2, dt.datetime(2027, 1, 18, 9), day(10), "jira",
                 {"disc.a": TaskProgress("disc.a", status_category="done", actual_start=day(0),
                                         actual_finish=day(4)),
                  "disc.b": TaskProgress("disc.b", status_category="done", actual_start=day(5),
                                         actual_finish=day(9)),
                  "gone.task": TaskProgress("gone.task", status_category="done")}),
    ]
    report = status(plan, day(12), {}, snapshots=snaps)
    points = report.to_dict()["burnup"]
    assert [p["date"] for p in points] == [day(5).isoformat(), day(10).isoformat(), day(12).isoformat()]
    assert points[0]["percent_complete"] == round(100 * 5 / 24, 1)
    assert points[1]["percent_complete"] == round(100 * 10 / 24, 1)
    assert points[0]["planned_percent"] < points[1]["planned_percent"]


def test_status_html_escapes_plan_text():
    evil = "<img src=x onerror=alert(1)>"
    plan = Plan("x", evil, START, CalendarSpec(), (Task("w.a", evil, "w", 3),),
                workstreams=(Workstream("w", evil),))
    page = status_html(status(plan, day(1), {}))
    assert "<img src=x" not in page
    assert "&lt;img src=x" in page


def test_public_names_are_listed_sorted_and_exist():
    import rollout.risk
    import rollout.tracking

    for module in (rollout.risk, rollout.tracking):
        assert list(module.__all__) == sorted(module.__all__)
        assert all(hasattr(module, name) for name in module.__all__)


def test_planned_curve_agrees_with_planned_percent():
    from rollout.tracking.status import _planned_curve

    plan = pilot_plan()
    curve = dict(_planned_curve(status(plan, day(5), {})))
    assert curve[START.isoformat()] == 0.0
    assert list(curve.values())[-1] == 100.0
    assert list(curve.values()) == sorted(curve.values())
    for a in (5, 10):
        assert curve[day(a).isoformat()] == status(plan, day(a), {}).to_dict()["planned_percent"]


def test_csv_from_a_spreadsheet_with_bom_percent_signs_and_column_order(tmp_path):
    path = tmp_path / "progress.csv"
    path.write_bytes("\ufeffTask,Percent_Complete,Status,Actual_Start,Actual_Finish\r\n"
                     "disc.b,40%,in-progress,2027-01-11,\r\n".encode("utf-8"))
    acts = read_actuals_csv(str(path), pilot_plan())
    assert acts["disc.b"].percent_complete == 40 and acts["disc.b"].actual_start == day(5)


# -- risk of the remaining work ------------------------------------------------------------------

def test_risk_from_the_as_of_date_fixes_what_is_done():
    from rollout.model import Estimate
    from rollout.risk import simulate
    from rollout.tracking import Progress

    plan = Plan("r", "R", START, CalendarSpec(), (
        Task("w.a", "A", "w", 5, estimate=Estimate(2, 5, 20)),
        Task("w.b", "B", "w", 5, estimate=Estimate(2, 5, 20), depends_on=(Dependency("w.a"),)),
        Task("w.c", "C", "w", 5, estimate=Estimate(4, 5, 6), depends_on=(Dependency("w.b"),)),
    ))
    acts = parse_actuals_csv(HEADER + "w.a,done,2027-01-04,2027-01-15,\n"          # took 10 days
                                      "w.b,in-progress,2027-01-18,,40\n", plan, "p.csv")
    progress = Progress(day(12), acts, "p.csv")
    result = simulate(plan, iterations=3000, seed=1, findings=[], remaining_from=progress)
    data = result.to_dict()
    assert data["as_of"] == day(12).isoformat() and data["actuals"] == "p.csv"
    # a: edges 0..10 fixed; b: started day 10, 40 % of 5 done, 3 days left from day 12 → 15; c: 15..20
    assert data["finish"]["deterministic_days"] == 20
    # what remains of b keeps b's spread, scaled: 3 days likely, 1 to 12 → b ends 13..24
    assert result.finish_days.min() >= 13 + 4 and result.finish_days.max() <= 24 + 6
    assert result.finish_days.max() > 20                 # b's remaining work can overrun
    drivers = dict(result.drivers())
    assert set(drivers) == {"w.b", "w.c"}                # done work no longer varies
    assert status(plan, day(12), acts).to_dict()["forecast_finish"] == data["finish"]["deterministic"]


# -- workstream status on each workstream's own work ------------------------------------------------

def test_workstream_variance_counts_its_own_work_not_what_it_is_handed():
    plan = pilot_plan()
    # as of day 8: discovery's synthesis started on time but has done nothing (3 days late now);
    # design's process maps are exactly where the baseline wants them (6 of 10 days)
    acts = parse_actuals_csv(HEADER + "disc.a,done,2027-01-04,2027-01-08,\n"
                                      "disc.b,in-progress,2027-01-11,,0\n"
                                      "design.c,in-progress,2027-01-06,,60\n", plan, "p.csv")
    ws = {w["id"]: w for w in status(plan, day(8), acts).to_dict()["workstreams"]}
    assert ws["disc"]["variance_days"] == 3 and ws["disc"]["rag"] == "red"       # and its gate misses its deadline
    # design's tool choice waits for discovery's synthesis: its finish moves, its own work does not
    assert ws["design"]["finish_variance_days"] == 1
    assert ws["design"]["variance_days"] == 0 and ws["design"]["rag"] == "green"
    assert ws["design"]["late"] == ["design.d"]


def test_workstream_own_slip_accumulates_along_its_own_chain():
    plan = pilot_plan()
    # interviews took two days longer, and synthesis (after them) is under way with nothing done yet
    acts = parse_actuals_csv(HEADER + "disc.a,done,2027-01-04,2027-01-12,\n"
                                      "disc.b,in-progress,2027-01-13,,0\n", plan, "p.csv")
    report = status(plan, day(8), acts)
    slip = report.own_slip(lambda t: t.workstream)
    assert slip["disc.a"] == 2 and slip["disc.b"] == 2 + 1       # b: started on time after a, one day lost since
    assert {w["id"]: w["variance_days"] for w in report.workstreams()}["disc"] == 3


def test_nothing_reported_means_no_verdict():
    plan = pilot_plan()
    report = status(plan, day(12), {})
    data = report.to_dict()
    assert data["reported"] is False and data["rag"] is None
    assert data["forecast_finish"] == data["baseline_finish"] and data["variance_days"] == 0
    assert all(w["rag"] is None and w["variance_days"] == 0 for w in data["workstreams"])
    assert all(m["rag"] is None for m in data["milestones"])
    text = report.to_text()
    assert "no progress reported yet" in text and "RED" not in text and "AMBER" not in text
    page = status_html(report)
    body = page[page.index("<body>"):]
    assert "no progress reported yet" in body and 'class="rag rag-red"' not in body and "rag-amber" not in body
    assert "#c62828" not in body                     # no red bar in the chart either


def test_status_is_linear_not_workstreams_times_tasks(monkeypatch):
    """The task index is built a fixed number of times, not once per workstream (it was: 323 s on
    200,000 tasks; benchmarks/bench_status.py measures it)."""
    tasks = tuple(Task(f"w{k}.t{i}", f"T{i}", f"w{k}", 2, depends_on=(Dependency(f"w{k}.t{i - 1}"),) if i else ())
                  for k in range(60) for i in range(5))
    plan = Plan("wide", "Wide", START, CalendarSpec(), tasks)
    calls = []
    original = Plan.task_index
    monkeypatch.setattr(Plan, "task_index", lambda self: calls.append(1) or original(self))
    report = status(plan, day(3), {"w0.t0": Actual("w0.t0", "done", day(0), day(2))})
    data = report.to_dict()
    report.to_text()
    assert len(data["workstreams"]) == 60
    assert len(calls) <= 4, len(calls)
