"""The Gantt figure: what is drawn for each task, link and milestone, escaping, collapse, overlays."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from rollout.errors import UsageError
from rollout.reports import gantt
from rollout.reports.gantt import GanttOverlay, gantt_html, gantt_spec, write_gantt
from rollout.schedule import schedule

from .plans import HOSTILE, big_plan, small_plan


def esc(text: str) -> str:
    """HTML-escaped once, as the report templates (Jinja2 autoescape) escape it."""
    from markupsafe import escape

    return str(escape(text))

DAY_MS = 86_400_000


def ms(day: dt.date) -> int:
    return (day - dt.date(1970, 1, 1)).days * DAY_MS


def traces(spec, kind):
    return [t for t in spec["data"] if t["meta"]["rollout"] == kind]


def polygons(xs, ys):
    """Split a None-separated point list into its shapes."""
    shapes, cur = [], []
    for x, y in zip(xs, ys):
        if x is None:
            shapes.append(cur)
            cur = []
        else:
            cur.append((x, y))
    if cur:
        shapes.append(cur)
    return shapes


def bar_list(trace):
    """(x0, x1, row) of every bar of a bar trace."""
    return [(b, b + w, y) for b, w, y in zip(trace["base"], trace["x"], trace["y"])]


def bars(spec, kind="tasks"):
    """(x0, x1, row) of every bar drawn, over all traces of a kind."""
    return [bar for t in traces(spec, kind) for bar in bar_list(t)]


@pytest.fixture
def sched():
    return schedule(small_plan())


def test_one_bar_per_working_task_spanning_its_days(sched):
    spec = gantt_spec(sched, today=dt.date(2027, 1, 25))
    drawn = bars(spec)
    working = [st for st in sched.tasks.values() if not st.task.is_milestone]
    assert len(drawn) == len(working) == 5
    labels = traces(spec, "labels")[0]
    row_of = {text: row for text, row in zip(labels["text"], labels["y"])}
    for st in working:
        x0, x1, row = next(b for b in drawn if b[2] == row_of[st.task.name])
        assert x0 == ms(st.start_date)
        assert x1 == ms(st.finish_date) + DAY_MS      # the bar covers the whole last working day


def test_rows_are_grouped_in_workstream_lanes_in_plan_order(sched):
    spec = gantt_spec(sched)
    labels = traces(spec, "labels")[0]
    order = [next(st.task.workstream for st in sched.tasks.values() if st.task.name == name)
             for name in labels["text"]]
    assert order == ["exec"] * 4 + ["customer"] * 2
    assert labels["y"] == list(range(6))
    assert spec["layout"]["yaxis"]["ticktext"] == ["Executive involvement", "Customer inclusion"]
    colours = {t["meta"]["workstream"]: t["marker"]["color"] for t in traces(spec, "tasks")}
    assert len(set(colours.values())) == 2


def test_milestones_are_diamonds_at_the_end_of_their_day(sched):
    spec = gantt_spec(sched)
    (ms_trace,) = traces(spec, "milestones")
    assert ms_trace["marker"]["symbol"] == "diamond"
    assert ms_trace["x"] == [ms(dt.date(2027, 2, 9)) + DAY_MS]


def test_critical_path_outlines_exactly_the_critical_bars(sched):
    spec = gantt_spec(sched, links=False)
    outlined = set()
    for t in traces(spec, "tasks"):
        line = t["marker"]["line"]
        for (x0, _, row), colour, width in zip(bar_list(t), line["color"], line["width"]):
            if width:
                assert colour == "#d62728"
                outlined.add((x0, row))
    critical = [st for st in sched.tasks.values() if st.critical and not st.task.is_milestone]
    assert len(outlined) == len(critical) == 4
    assert (ms(sched["exec.comms"].start_date), 1) not in outlined      # 13 days of float
    assert not traces(spec, "critical")                                  # no links asked for


def test_links_are_two_traces_whatever_their_number():
    sched = schedule(big_plan(600))
    spec = gantt_spec(sched, collapse=False)
    links = traces(spec, "links") + traces(spec, "critical")
    assert len(links) == 2
    n_deps = sum(len(st.task.depends_on) for st in sched.tasks.values())
    drawn = sum(len(polygons(t["x"], t["y"])) for t in links)
    assert drawn == n_deps


def test_a_link_runs_from_the_predecessor_end_to_the_successor_start(sched):
    spec = gantt_spec(sched)
    crit = traces(spec, "critical")[0]
    elbow = [s for s in polygons(crit["x"], crit["y"]) if len(s) == 6]
    start = ms(sched["customer.voc"].start_date)
    end_charter = ms(sched["exec.charter"].finish_date) + DAY_MS
    assert any(s[0] == (end_charter, 0) and s[2] == (start, 4) for s in elbow)
    # the SS link with a 2-day lag leaves the interviews' start, not their end
    plain = traces(spec, "links")[0]
    ss = [s for s in polygons(plain["x"], plain["y"]) if s[2][0] == ms(sched["exec.comms"].start_date)]
    assert ss and ss[0][0][0] == start


def test_hover_has_owner_dates_float_and_participants(sched):
    labels = traces(gantt_spec(sched), "labels")[0]
    hover = labels["hovertext"][labels["text"].index("Programme charter")]
    for part in ("Owner: dana", "2027-01-11 → 2027-01-15", "Float: 0 d", "critical path",
                 "Participants: executive, sponsor", "exec.charter"):
        assert part in hover
    comms = labels["hovertext"][labels["text"].index("Tell employees why")]
    assert "Float: 13 d" in comms and "critical" not in comms


def test_plan_text_is_escaped_everywhere_plotly_renders_it():
    sched = schedule(small_plan(HOSTILE))
    spec = gantt_spec(sched)
    labels = traces(spec, "labels")[0]
    assert esc(HOSTILE) in labels["text"]
    assert all(HOSTILE not in text for text in labels["text"] + labels["hovertext"])
    assert any(esc(HOSTILE) in text for text in labels["hovertext"])
    assert "<b>" not in spec["layout"]["title"]["text"]          # the plan title holds a <b> tag
    page = gantt_html(sched)
    assert HOSTILE not in page and "<b>alignment</b>" not in page


def test_today_line_only_inside_the_plan(sched):
    inside = gantt_spec(sched, today=dt.date(2027, 1, 25))["layout"]["shapes"]
    outside = gantt_spec(sched, today=dt.date(2030, 1, 1))["layout"]["shapes"]
    assert [s["x0"] for s in inside if s["type"] == "line"] == [ms(dt.date(2027, 1, 25))]
    assert not [s for s in outside if s["type"] == "line"]


def test_collapses_past_the_threshold_and_expands_on_request():
    sched = schedule(big_plan(120, workstreams=4))
    collapsed = gantt_spec(sched, threshold=100)
    assert collapsed["layout"]["meta"]["collapsed"] is True
    summary = traces(collapsed, "summary")
    assert len(summary) == 4 and not traces(collapsed, "tasks")
    for t in summary:
        ws = t["meta"]["workstream"]
        items = [st for st in sched.tasks.values() if st.task.workstream == ws]
        assert bar_list(t) == [(ms(min(st.start_date for st in items)),
                                ms(max(st.finish_date for st in items)) + DAY_MS, t["y"][0])]
    expanded = gantt_spec(sched, threshold=100, collapse=False)
    assert len(bars(expanded)) == sum(1 for st in sched.tasks.values() if not st.task.is_milestone)
    assert gantt_spec(sched)["layout"]["meta"]["collapsed"] is False      # 120 < the default 400


def test_baseline_ghosts_and_progress_shading(sched):
    overlay = GanttOverlay(baseline={"exec.charter": (dt.date(2027, 1, 11), dt.date(2027, 1, 13))},
                           progress={"customer.voc": 40, "exec.charter": 100})
    spec = gantt_spec(sched, overlay=overlay)
    assert bars(spec, "baseline") == [(ms(dt.date(2027, 1, 11)), ms(dt.date(2027, 1, 14)), 0)]
    voc = sched["customer.voc"]
    voc_span = ms(voc.finish_date) + DAY_MS - ms(voc.start_date)
    widths = sorted(x1 - x0 for x0, x1, _ in bars(spec, "progress"))
    assert widths == sorted([round(voc_span * 0.4), 5 * DAY_MS])
    assert not traces(gantt_spec(sched), "progress") and not traces(gantt_spec(sched), "baseline")


def test_range_slider_on_for_normal_plans(sched):
    assert gantt_spec(sched)["layout"]["xaxis"]["rangeslider"]["visible"] is True


def test_html_embeds_plotly_once_and_works_offline(sched, tmp_path):
    path = write_gantt(sched, str(tmp_path / "g.html"))
    page = (tmp_path / "g.html").read_text()
    assert path.endswith("g.html")
    assert page.count("* plotly.js v") == 1
    assert not re.search(r"<script[^>]+src=", page)          # nothing fetched: it works offline


def test_image_formats_need_a_browser_engine(sched, tmp_path, monkeypatch):
    monkeypatch.setattr(gantt, "browser_engine", lambda: None)
    with pytest.raises(UsageError, match="browser engine"):
        write_gantt(sched, str(tmp_path / "g.png"), "png")
    assert not (tmp_path / "g.png").exists()


def test_unknown_format_is_a_usage_error(sched, tmp_path):
    with pytest.raises(UsageError, match="html, png or svg"):
        write_gantt(sched, str(tmp_path / "g.pdf"), "pdf")


def test_gantt_figure_is_a_valid_plotly_figure(sched):
    fig = gantt.gantt_figure(sched, overlay=GanttOverlay(progress={"customer.voc": 50}))
    assert len(fig.data) == len(gantt_spec(sched, overlay=GanttOverlay(progress={"customer.voc": 50}))["data"])


def test_figure_json_cannot_end_its_script_element():
    from rollout.reports.html import script_json

    text = script_json({"name": "</script><script>alert(1)</script><!-- \u2028"})
    assert "</" not in text and "<!--" not in text and "\u2028" not in text
    assert json.loads(text) == {"name": "</script><script>alert(1)</script><!-- \u2028"}


def test_large_charts_draw_links_without_heads():
    sched = schedule(big_plan(1600))
    links = traces(gantt_spec(sched, collapse=False), "links")[0]
    assert {len(s) for s in polygons(links["x"], links["y"])} == {3}


def test_overlay_from_the_state_store(tmp_path):
    from rollout.expand import load_plan
    from rollout.state import StateStore, TaskProgress

    from .plans import plan_yaml

    path = tmp_path / "acme.yaml"
    path.write_text(plan_yaml("Pilot"))
    plan = load_plan(str(path))
    assert gantt.state_overlay(plan) == GanttOverlay()                 # no store yet: nothing to overlay
    sched = schedule(plan)
    with StateStore(plan.path, plan.id) as store:
        store.save_baseline(sched)
        store.save_snapshot([
            TaskProgress("exec.charter", status_category="done", actual_start=dt.date(2027, 1, 11),
                         actual_finish=dt.date(2027, 1, 15)),
            TaskProgress("customer.voc", status_category="indeterminate", actual_start=dt.date(2027, 1, 18)),
        ], as_of=dt.date(2027, 1, 25))
    overlay = gantt.state_overlay(plan)
    assert overlay.baseline["customer.voc"] == (dt.date(2027, 1, 18), dt.date(2027, 1, 29))
    assert overlay.progress["exec.charter"] == 100 and 0 < overlay.progress["customer.voc"] < 100
    assert "exec.pilot" not in overlay.progress
    spec = gantt_spec(sched, overlay=overlay)
    assert len(bars(spec, "baseline")) == 6           # the milestone too
    assert len(bars(spec, "progress")) == 2


def test_names_beside_bars_up_to_two_thousand_rows_unless_asked():
    sched = schedule(big_plan(2100))
    assert traces(gantt_spec(sched, collapse=False), "labels")[0]["mode"] == "none"
    assert traces(gantt_spec(sched, collapse=False, labels=True), "labels")[0]["mode"] == "text"
    assert traces(gantt_spec(schedule(small_plan())), "labels")[0]["mode"] == "text"
    # without names drawn, the hover still carries every task's details
    hover = traces(gantt_spec(sched, collapse=False), "labels")[0]["hovertext"]
    assert len(hover) == 2100 and all("Float:" in h for h in hover)


def test_empty_plans_and_lone_milestones_still_draw():
    from rollout.model import CalendarSpec, Plan, Task

    empty = schedule(Plan("e", "Empty", dt.date(2027, 1, 11), CalendarSpec(), ()))
    assert not bars(gantt_spec(empty)) and gantt_spec(empty)["layout"]["meta"]["rows"] == 0
    lone = schedule(Plan("m", "M", dt.date(2027, 1, 11), CalendarSpec(), (Task("w.m", "Kick-off", "w", 0),)))
    spec = gantt_spec(lone)
    assert traces(spec, "milestones")[0]["x"] == [ms(dt.date(2027, 1, 11)) + DAY_MS]
    assert spec["layout"]["yaxis"]["ticktext"] == ["w"]          # no workstream record: its id names the lane
