"""Gantt charts of a schedule, drawn with plotly: workstream lanes, critical path, links, milestones.

Everything taken from a plan reaches plotly through :func:`rollout.reports.html.plotly_text`, which
escapes exactly what plotly's pseudo-HTML needs (``& < >``), so names show as written and never as
markup. The HTML output embeds plotly.js once and works offline.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import shutil
from dataclasses import dataclass
from typing import Any, Mapping

from ..errors import UsageError
from ..schedule import Schedule, ScheduledTask
from .html import figure_div, plotly_js_tag, plotly_text, render

__all__ = [
    "COLLAPSE_THRESHOLD",
    "GanttOverlay",
    "browser_engine",
    "figure_div",
    "gantt_figure",
    "gantt_html",
    "gantt_spec",
    "plotly_js_tag",
    "select",
    "state_overlay",
    "write_gantt",
]

#: Past this many tasks the chart shows one summary bar per workstream unless asked to expand.
COLLAPSE_THRESHOLD = 400

_PALETTE = (
    "#4c78a8", "#f58518", "#54a24b", "#b279a2", "#72b7b2", "#eeca3b", "#9d755d", "#bab0ac",
    "#ff9da6", "#8cd17d", "#86bcb6", "#79706e",
)
_CRITICAL = "#d62728"
_LINK = "rgba(90, 90, 90, 0.55)"
# Critical links often run between lanes (a steering decision gating delivery work); drawn solid they
# read as walls across the chart, so they are lighter than the critical bars they join.
_CRITICAL_LINK = "rgba(214, 39, 40, 0.45)"
_DAY_MS = 86_400_000
_EPOCH = _dt.date(1970, 1, 1).toordinal()
_ROW_PX = 24
_SLIDER_ROWS = 600
_HEAD_ROWS = 1500
_LABEL_ROWS = 2000
_MARGIN_PX = 300    # top and bottom margins: title, axis, range selector; range slider, legend


@dataclass(frozen=True)
class GanttOverlay:
    """What the state store knows beyond the plan: the baseline and progress per task id.

    ``baseline`` maps a task id to its (start, finish) dates when the baseline was taken;
    ``progress`` maps a task id to its percent complete (0–100).
    """

    baseline: Mapping[str, tuple[_dt.date, _dt.date]] | None = None
    progress: Mapping[str, float] | None = None


def state_overlay(run) -> GanttOverlay:
    """Baseline and progress of an :class:`rollout.Analysis` (or a plan) from its state store and actuals.

    Progress is the percent complete ``rollout status`` reports (the analysis's status); without a pull
    snapshot or an actuals file there is none.
    """
    from ..analysis import Analysis

    if not isinstance(run, Analysis):
        run = Analysis(run)
    stored = run.stored
    if not (stored.snapshots or run.actuals_path):
        return GanttOverlay(baseline=stored.baseline)
    return GanttOverlay(baseline=stored.baseline, progress={tid: pct for tid, pct in run.status.percent.items() if pct})


def select(schedule: Schedule, selection) -> Schedule:
    """The schedule narrowed to the tasks of a :class:`rollout.selection.Selection` (None: all of it);
    links to tasks left out are not drawn. A UsageError when no task matches."""
    if selection is None:
        return schedule
    keep = set(selection.ids(st.task for st in schedule.tasks.values()))
    return dataclasses.replace(schedule, tasks={tid: st for tid, st in schedule.tasks.items() if tid in keep})


_esc = plotly_text       # every plan text on the chart goes through plotly_text, once


def _lanes(schedule: Schedule) -> list[tuple[str, str, list[ScheduledTask]]]:
    """Workstream lanes in plan order, each with its tasks sorted by start then finish."""
    names = {w.id: w.name for w in schedule.plan.workstreams}
    lanes: dict[str, list[ScheduledTask]] = {w: [] for w in names}
    for st in schedule.tasks.values():
        lanes.setdefault(st.task.workstream, []).append(st)
    result = []
    for ws, items in lanes.items():
        if not items:
            continue
        items.sort(key=lambda st: (st.start, st.end))
        result.append((ws, names.get(ws) or ws, items))
    return result


def _holders(plan) -> dict[str, str]:
    """Names of what can hold a task back when levelling: pools, people and audiences, by id."""
    names = {a.id: a.name for a in getattr(plan, "audiences", ())}
    names.update({p.id: p.name for p in plan.people})
    names.update({r.id: r.name for r in getattr(plan, "resources", ())})
    return names


def levelling_note(st: ScheduledTask, names: Mapping[str, str]) -> str | None:
    """'levelling delay 3 d, held by IT team, Dana' for a task levelling moved, else None (plain text)."""
    if not st.levelling_delay:
        return None
    if not st.delayed_by:       # nothing of its own held it: a predecessor levelling moved pushed it
        return f"levelling delay {st.levelling_delay} d, after predecessors levelling moved"
    held = ", ".join(names.get(r) or r for r in st.delayed_by)
    return f"levelling delay {st.levelling_delay} d, held by {held}"


def _hover(st: ScheduledTask, ws_name: str, overlay: GanttOverlay, names: Mapping[str, str] | None = None,
           ghost: ScheduledTask | None = None) -> str:
    t = st.task
    if t.is_milestone:
        when = f"Milestone on {st.finish_date.isoformat()}"
    else:
        when = (f"{st.start_date.isoformat()} → {st.finish_date.isoformat()} "
                f"({t.duration} working day{'s' if t.duration != 1 else ''})")
    float_text = f"Float: {st.total_float} d" + (" · critical path" if st.critical else "")
    lines = [f"<b>{_esc(t.name, 120)}</b>", f"{_esc(t.id)} · {_esc(ws_name)}", when, float_text,
             f"Owner: {_esc(t.owner or '—')}"]
    if t.participants:
        lines.append("Participants: " + _esc(", ".join(t.participants), 120))
    if t.deadline is not None:
        lines.append(f"Deadline: {t.deadline.isoformat()}")
    if overlay.progress and t.id in overlay.progress:
        lines.append(f"Progress: {overlay.progress[t.id]:.0f}%")
    if overlay.baseline and t.id in overlay.baseline:
        b0, b1 = overlay.baseline[t.id]
        lines.append(f"Baseline: {b0.isoformat()} → {b1.isoformat()}")
    note = levelling_note(st, names or {})
    if note is not None:
        lines.append(_esc(note[0].upper() + note[1:], 160))
        if ghost is not None:
            lines.append(f"Unlevelled: {ghost.start_date.isoformat()} → {ghost.finish_date.isoformat()}")
    return "<br>".join(lines)


def gantt_spec(schedule: Schedule, *, today: _dt.date | None = None, collapse: bool | None = None,
               threshold: int = COLLAPSE_THRESHOLD, overlay: GanttOverlay | None = None,
               links: bool = True, labels: bool | None = None, title: str | None = None,
               unlevelled: Schedule | None = None) -> dict[str, Any]:
    """The Gantt chart as a plain plotly figure dict (``{"data": [...], "layout": {...}}``).

    For a levelled ``schedule``, ``unlevelled`` (the same plan scheduled without levelling) adds a ghost
    bar at each task's unlevelled position where levelling moved it; the hover says how long and what
    held it.

    ``collapse`` None means: collapse to workstream summary bars when there are more than
    ``threshold`` tasks. ``labels`` None means: task names beside the bars up to 2,000 rows (past
    that, drawing them costs seconds; the names stay in the hover). ``today`` defaults to the current date and is drawn only when it falls
    inside the plan. Building the dict directly (rather than through ``plotly.graph_objects``)
    keeps a 5,000-task chart fast to produce.
    """
    overlay = overlay or GanttOverlay()
    today = today or _dt.date.today()
    if collapse is None:
        collapse = len(schedule.tasks) > threshold
    lanes = _lanes(schedule)
    colours = {ws: _PALETTE[k % len(_PALETTE)] for k, (ws, _, _) in enumerate(lanes)}
    if collapse:
        data, lane_rows = _summary_traces(schedule, lanes, colours)
    else:
        if labels is None:
            labels = len(schedule.tasks) <= _LABEL_ROWS
        data, lane_rows = _task_traces(schedule, lanes, colours, overlay, links, labels,
                                       unlevelled if schedule.levelled else None)
    for k, trace in enumerate(data):       # stable handles (plotly uids) for tests and scripts
        trace["uid"] = f"{trace['meta']['rollout']}-{k}"
    rows = lane_rows[-1][2] + 1 if lane_rows else 0
    layout = _layout(schedule, rows, lane_rows, today, title, collapse)
    return {"data": data, "layout": layout}


def gantt_figure(schedule: Schedule, **options: Any):
    """The Gantt chart as a ``plotly.graph_objects.Figure`` (options as for :func:`gantt_spec`)."""
    import plotly.graph_objects as go

    return go.Figure(gantt_spec(schedule, **options))


def _ms(day: _dt.date) -> int:
    """Milliseconds since the epoch at the start of ``day``: what a plotly date axis reads."""
    return (day.toordinal() - _EPOCH) * _DAY_MS


def _bars(name: str, base: list, width: list, rows: list, colour: Any, meta: dict, thickness: float = 0.62,
          **extra: Any) -> dict[str, Any]:
    """Horizontal bars from ``base`` (ms) for ``width`` ms on the given rows: one trace, many bars."""
    trace = {"type": "bar", "orientation": "h", "name": name, "base": base, "x": width, "y": rows,
             "width": thickness, "marker": {"color": colour, "line": {"width": 0}}, "hoverinfo": "skip",
             "meta": meta}
    trace.update(extra)
    return trace


def _task_traces(schedule, lanes, colours, overlay, links, labels, unlevelled=None):
    """One row per task: a bar trace per workstream, names, overlays, links and milestones.

    Hover comes from the name labels (hovermode "y": one row, one task), and the links are two line
    traces whatever their number, so a 5,000-task chart stays quick to draw. Per-task y-axis ticks
    are avoided on purpose: plotly spends seconds per thousand of them.
    """
    rows: dict[str, int] = {}
    lane_rows: list[tuple[str, int, int]] = []
    data: list[dict[str, Any]] = []
    ghost: tuple[list, list, list] = ([], [], [])
    moved: tuple[list, list, list] = ([], [], [])
    moved_ms: tuple[list, list] = ([], [])
    names = _holders(schedule.plan) if schedule.levelled else {}
    done: tuple[list, list, list] = ([], [], [])
    crit_x: list = []
    crit_y: list = []
    hover_text: list[str] = []
    label_x, label_y, label_text = [], [], []
    ms_x, ms_y, ms_colour = [], [], []
    row = 0
    for ws, ws_name, items in lanes:
        first = row
        base, width, ys, line_colour, line_width = [], [], [], [], []
        for st in items:
            rows[st.id] = row
            x0, x1 = _ms(st.start_date), _ms(st.finish_date) + _DAY_MS
            if st.task.is_milestone:
                ms_x.append(x1)
                ms_y.append(row)
                ms_colour.append(_CRITICAL if st.critical else colours[ws])
            else:
                base.append(x0)
                width.append(x1 - x0)
                ys.append(row)
                line_colour.append(_CRITICAL if st.critical else colours[ws])
                line_width.append(2.5 if st.critical else 0)
                pct = (overlay.progress or {}).get(st.id)
                if pct:
                    done[0].append(x0)
                    done[1].append(round((x1 - x0) * min(max(float(pct), 0.0), 100.0) / 100))
                    done[2].append(row)
            if overlay.baseline and st.id in overlay.baseline:
                g0, g1 = overlay.baseline[st.id]
                ghost[0].append(_ms(g0))
                ghost[1].append(_ms(g1) + _DAY_MS - _ms(g0))
                ghost[2].append(row)
            was = unlevelled.tasks.get(st.id) if unlevelled is not None else None
            if was is not None and (was.start_date, was.finish_date) != (st.start_date, st.finish_date):
                if st.task.is_milestone:
                    moved_ms[0].append(_ms(was.finish_date) + _DAY_MS)
                    moved_ms[1].append(row)
                else:
                    w0 = _ms(was.start_date)
                    moved[0].append(w0)
                    moved[1].append(_ms(was.finish_date) + _DAY_MS - w0)
                    moved[2].append(row)
            else:
                was = None
            hover_text.append(_hover(st, ws_name, overlay, names, was))
            label_x.append(x1)
            label_y.append(row)
            label_text.append(_esc(st.task.name, 48))
            row += 1
        lane_rows.append((ws_name, first, row - 1))
        if base:
            trace = _bars(_esc(ws_name, 40), base, width, ys, colours[ws], {"rollout": "tasks", "workstream": ws},
                          legendgroup=ws)
            trace["marker"]["line"] = {"color": line_colour, "width": line_width}   # critical: red outline
            data.append(trace)
    if ghost[0]:
        data.insert(0, _bars("Baseline", *ghost, "rgba(110, 110, 110, 0.5)", {"rollout": "baseline"},
                             thickness=0.16, offset=0.27))
    if moved[0]:
        # Drawn first, under the real bars: a pale, outlined box where the task would be without levelling.
        data.insert(0, _bars("Unlevelled position", *moved, "rgba(150, 150, 150, 0.16)", {"rollout": "unlevelled"},
                             thickness=0.62))
        data[0]["marker"]["line"] = {"color": "rgba(110, 110, 110, 0.8)", "width": 1}
        data[0]["marker"]["pattern"] = {"shape": "/", "fgcolor": "rgba(120, 120, 120, 0.45)", "size": 6}
    if moved_ms[0]:
        data.insert(0, {"type": "scatter", "mode": "markers", "name": "Unlevelled milestone", "x": moved_ms[0],
                        "y": moved_ms[1], "hoverinfo": "skip", "meta": {"rollout": "unlevelled-milestones"},
                        "marker": {"symbol": "diamond-open", "size": 12, "color": "rgba(110, 110, 110, 0.8)"}})
    if done[0]:
        data.append(_bars("Progress", *done, "rgba(20, 20, 20, 0.6)", {"rollout": "progress"}, thickness=0.22))
    link_x: list = []
    link_y: list = []
    if links:
        # Past a thousand-odd rows a head is under a pixel wide; leaving them out saves a third of the links' data.
        _links(schedule, rows, link_x, link_y, crit_x, crit_y, heads=len(rows) <= _HEAD_ROWS)
    if link_x:
        data.append({"type": "scatter", "mode": "lines", "name": "Dependencies", "x": link_x, "y": link_y,
                     "line": {"color": _LINK, "width": 1}, "hoverinfo": "skip", "meta": {"rollout": "links"}})
    if crit_x:
        data.append({"type": "scatter", "mode": "lines", "name": "Critical path", "x": crit_x, "y": crit_y,
                     "line": {"color": _CRITICAL_LINK, "width": 1.2}, "hoverinfo": "skip",
                     "meta": {"rollout": "critical"}})
    if ms_x:
        data.append({
            "type": "scatter", "mode": "markers", "name": "Milestones", "x": ms_x, "y": ms_y, "hoverinfo": "skip",
            "marker": {"symbol": "diamond", "size": 12, "color": ms_colour, "line": {"color": "#333", "width": 1}},
            "meta": {"rollout": "milestones"},
        })
    # Names sit right of their bars, on a twin x axis so the range slider does not draw them again.
    data.append({"type": "scatter", "mode": "text" if labels else "none", "name": "Tasks", "x": label_x,
                 "y": label_y, "text": label_text, "textposition": "middle right",
                 "textfont": {"size": 10, "color": "#333"}, "hovertext": hover_text, "hoverinfo": "text",
                 "showlegend": False, "xaxis": "x2", "meta": {"rollout": "labels"}})
    return data, lane_rows


def _anchor(st: ScheduledTask, at_end: bool) -> int:
    """Where a link leaves or reaches a task on the time axis: an edge of its bar, or its diamond."""
    if st.task.is_milestone or at_end:
        return _ms(st.finish_date) + _DAY_MS
    return _ms(st.start_date)


def _links(schedule: Schedule, rows: Mapping[str, int], xs: list, ys: list, crit_x: list, crit_y: list,
           heads: bool = True) -> None:
    """Dependency arrows as None-separated elbows with a small head, plain or (when driving) critical.

    All links go into two line traces whatever their number, so thousands stay cheap to draw.
    """
    tasks = schedule.tasks
    head = max(_DAY_MS // 4, (_ms(schedule.finish_date) - _ms(schedule.start_date)) // 250)
    for st in tasks.values():
        for dep in st.task.depends_on:
            pred = tasks.get(dep.task)
            if pred is None:
                continue
            x0 = _anchor(pred, dep.type in ("FS", "FF"))
            x1 = _anchor(st, dep.type in ("FF", "SF"))
            y0, y1 = rows[pred.id], rows[st.id]
            bound = {"FS": pred.end + dep.lag, "SS": pred.start + dep.lag,
                     "FF": pred.end + dep.lag - st.task.duration,
                     "SF": pred.start + dep.lag - st.task.duration}[dep.type]
            driving = pred.critical and st.critical and bound == st.start
            lx, ly = (crit_x, crit_y) if driving else (xs, ys)
            if heads:
                lx += [x0, x0, x1, x1 - head, x1, x1 - head, None]
                ly += [y0, y1, y1, round(y1 - 0.22, 2), y1, round(y1 + 0.22, 2), None]
            else:
                lx += [x0, x0, x1, None]
                ly += [y0, y1, y1, None]


def _summary_traces(schedule, lanes, colours):
    """One bar per workstream (first start to last finish) with its milestones on the same row."""
    lane_rows, data = [], []
    hover_x, hover_y, hover_text = [], [], []
    ms_x, ms_y, ms_colour = [], [], []
    for row, (ws, ws_name, items) in enumerate(lanes):
        lane_rows.append((f"{ws_name} ({len(items)})", row, row))
        x0 = min(_ms(st.start_date) for st in items)
        x1 = max(_ms(st.finish_date) + _DAY_MS for st in items)
        critical = sum(1 for st in items if st.critical)
        trace = _bars(_esc(ws_name, 40), [x0], [x1 - x0], [row], colours[ws],
                      {"rollout": "summary", "workstream": ws}, legendgroup=ws)
        trace["marker"]["line"] = {"color": _CRITICAL, "width": 2.5 if critical else 0}
        data.append(trace)
        first = min(st.start_date for st in items)
        last = max(st.finish_date for st in items)
        hover_x.append((x0 + x1) // 2)
        hover_y.append(row)
        hover_text.append("<br>".join([
            f"<b>{_esc(ws_name)}</b>", f"{len(items)} tasks, {critical} on the critical path",
            f"{first.isoformat()} → {last.isoformat()}"]))
        for st in items:
            if st.task.is_milestone:
                ms_x.append(_ms(st.finish_date) + _DAY_MS)
                ms_y.append(row)
                ms_colour.append(_CRITICAL if st.critical else "#fff")
    if ms_x:
        data.append({
            "type": "scatter", "mode": "markers", "name": "Milestones", "x": ms_x, "y": ms_y, "hoverinfo": "skip",
            "marker": {"symbol": "diamond", "size": 11, "color": ms_colour, "line": {"color": "#333", "width": 1}},
            "xaxis": "x2", "meta": {"rollout": "milestones"},     # x2: keeps the range slider uncluttered
        })
    data.append({"type": "scatter", "mode": "markers", "name": "Details", "x": hover_x, "y": hover_y,
                 "hovertext": hover_text, "hoverinfo": "text", "marker": {"size": 1, "opacity": 0},
                 "showlegend": False, "xaxis": "x2", "meta": {"rollout": "hover"}})
    return data, lane_rows


def _layout(schedule, rows, lane_rows, today, title, collapsed):
    plot_px = _ROW_PX * max(rows, 5)
    height = _MARGIN_PX + plot_px
    start = schedule.start_date - _dt.timedelta(days=3)
    end = schedule.finish_date + _dt.timedelta(days=(schedule.finish_date - schedule.start_date).days // 8 + 4)
    shapes: list[dict[str, Any]] = []
    annotations: list[dict[str, Any]] = []
    for k, (_, first, last) in enumerate(lane_rows):
        if k % 2 == 0:
            shapes.append({"type": "rect", "layer": "below", "xref": "paper", "yref": "y", "x0": 0, "x1": 1,
                           "y0": first - 0.5, "y1": last + 0.5, "line": {"width": 0},
                           "fillcolor": "rgba(0, 0, 0, 0.045)"})
    if schedule.start_date <= today <= schedule.finish_date:
        shapes.append({"type": "line", "xref": "x", "yref": "paper", "x0": _ms(today), "x1": _ms(today),
                       "y0": 0, "y1": 1, "line": {"color": "#e45756", "width": 1.5, "dash": "dot"}})
        annotations.append({"xref": "x", "yref": "paper", "x": _ms(today), "y": 1, "yanchor": "bottom",
                            "showarrow": False, "text": "today", "font": {"size": 11, "color": "#e45756"}})
    plan = schedule.plan
    heading = title if title is not None else f"{plan.title} — {len(schedule.tasks)} tasks"
    # The y axis labels lanes, not rows: a tick per task costs seconds per thousand rows to draw.
    return {
        "title": {"text": _esc(heading), "x": 0.01},
        "height": height,
        "margin": {"l": 220, "r": 30, "t": 110 if heading else 80, "b": 100},
        "hovermode": "y",
        "barmode": "overlay",
        "hoverdistance": -1,
        "showlegend": True,
        "legend": {"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom", "x": 0},
        "plot_bgcolor": "white",
        "xaxis": {
            "type": "date", "range": [_ms(start), _ms(end)], "gridcolor": "#e5e5e5", "side": "top",
            # The range slider redraws every trace a second time: worth it up to a few hundred rows.
            "rangeslider": {"visible": rows <= _SLIDER_ROWS, "thickness": min(0.2, 45 / plot_px),
                            "range": [_ms(start), _ms(end)], "autorange": False,
                            "yaxis": {"rangemode": "match"}},
            "rangeselector": {"buttons": [
                {"count": 1, "label": "1m", "step": "month", "stepmode": "backward"},
                {"count": 3, "label": "3m", "step": "month", "stepmode": "backward"},
                {"count": 6, "label": "6m", "step": "month", "stepmode": "backward"},
                {"step": "all", "label": "all"},
            ], "y": 1 + 38 / plot_px, "yanchor": "bottom", "x": 1, "xanchor": "right"},   # above the dates
        },
        # Task names live on a twin of the x axis so the range slider does not draw them again.
        "xaxis2": {"type": "date", "matches": "x", "overlaying": "x", "visible": False},
        "yaxis": {"tickmode": "array", "tickvals": [(first + last) / 2 for _, first, last in lane_rows],
                  "ticktext": [_esc(name, 40) for name, _, _ in lane_rows],
                  "range": [max(rows, 1) - 0.5, -0.5], "fixedrange": True, "showgrid": False,
                  "zeroline": False, "tickfont": {"size": 12}},
        "shapes": shapes,
        "annotations": annotations,
        "meta": {"rollout": "gantt", "collapsed": collapsed, "rows": rows},
    }


def gantt_html(schedule: Schedule, *, full_html: bool = True, div_id: str = "gantt", **options: Any) -> str:
    """The Gantt chart as HTML. A full page embeds plotly.js and, when tasks use people or pools, adds the
    load chart of each (:mod:`rollout.reports.load`) below the Gantt; a fragment (``full_html=False``) is the
    chart alone, so that a page holding several charts embeds plotly.js once (see :func:`plotly_js_tag`)."""
    spec = gantt_spec(schedule, **options)
    div = figure_div(spec, div_id)
    if not full_html:
        return div
    from .load import load_section

    # below the chart: what each person and pool is asked for per week (levelled, and unlevelled behind it)
    load = load_section(schedule.plan, schedule, options.get("unlevelled"), heatmap=False)
    return render("gantt.html", title=f"Gantt — {schedule.plan.title}", plotly_js=plotly_js_tag(), chart=div,
                  chart_only=True, l=load)


def browser_engine() -> str | None:
    """The path of a Chromium or Chrome that kaleido can drive, or None."""
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def write_gantt(schedule: Schedule, path: str, fmt: str = "html", **options: Any) -> str:
    """Write the Gantt chart to ``path`` as html, png or svg; returns the path.

    png and svg go through kaleido, which drives a headless Chromium; without one (or without
    kaleido) this raises UsageError naming what to install.
    """
    from ..util import atomic_write_bytes, atomic_write_text

    if fmt == "html":
        atomic_write_text(path, gantt_html(schedule, **options))
        return path
    if fmt not in ("png", "svg"):
        raise UsageError(f"unknown Gantt format '{fmt}' (choose html, png or svg)")
    engine = browser_engine()
    if engine is None:
        raise UsageError(f"{fmt} output needs a browser engine for kaleido: install Chromium "
                         "(Debian: apt-get install chromium) or write html", option="format")
    try:
        import kaleido  # noqa: F401
    except ImportError as exc:
        raise UsageError(f"{fmt} output needs kaleido: pip install 'rollout[png]', "
                         "or write html", option="format") from exc
    import os

    import plotly.io as pio

    os.environ.setdefault("BROWSER_PATH", engine)
    spec = gantt_spec(schedule, **options)
    spec["layout"]["xaxis"]["rangeslider"]["visible"] = False     # controls mean nothing on paper
    spec["layout"]["xaxis"]["rangeselector"]["visible"] = False
    # kaleido's page can lose the race with its own script on a loaded machine ("kaleido_scopes is not
    # defined"): one more try before giving up
    for attempt in (1, 2):
        try:
            image = pio.to_image(spec, format=fmt, width=1400, height=spec["layout"]["height"], validate=False)
            break
        except Exception as exc:  # kaleido reports a missing or broken browser in many shapes
            if attempt == 2:
                raise UsageError(f"{fmt} output: the browser engine failed to render ({exc}); "
                                 "write html instead", option="format") from exc
    atomic_write_bytes(path, image)
    return path
