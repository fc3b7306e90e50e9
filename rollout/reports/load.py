"""Load charts: what each person and pool is asked for per ISO week against what they have, and the change
load each audience absorbs per week against its tolerance (``rollout load``, the Gantt page, the dashboard).

Figures are plain plotly dicts; every plan text reaches plotly through
:func:`rollout.reports.html.plotly_text` exactly once. ``ResourceLoad`` is the per-resource table behind the
bar chart: for each resource and ISO week, the unit-days used (units × working days) and the unit-days it
has (its units on each of its working days that week, nothing on leave), the busiest day's use against what
it had that day, and whether any day is over (what S006 reports on an unlevelled schedule).
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import json
from dataclasses import dataclass
from typing import Any, Mapping

from ..model import Plan
from ..schedule import Schedule
from .html import figure_div, plotly_js_tag, plotly_text, render

__all__ = [
    "LOAD_COLUMNS",
    "ResourceLoad",
    "ResourceWeek",
    "heatmap_spec",
    "load_csv",
    "load_html",
    "load_json",
    "load_section",
    "resource_load",
    "resource_load_spec",
    "write_load",
]

_esc = plotly_text
_DAY_MS = 86_400_000
_EPOCH = _dt.date(1970, 1, 1).toordinal()
_EPS = 1e-9
_USED = "#4c78a8"
_OVER = "#d62728"
_CAPACITY = "#333333"
_ROW_PX = 120          # one resource's strip in the load chart
_HEAT_ROW_PX = 34      # one audience's row in the heatmap


def _ms(day: _dt.date) -> int:
    return (day.toordinal() - _EPOCH) * _DAY_MS


def _iso_week(day: _dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _monday(day: _dt.date) -> _dt.date:
    return day - _dt.timedelta(days=day.weekday())


def _fmt(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".") if x != int(x) else str(int(x))


# ------------------------------------------------------------------------------------------ resource load

@dataclass(frozen=True)
class ResourceWeek:
    """One resource in one ISO week: unit-days used and available, the busiest day, the tasks using it."""

    resource: str
    week: str
    monday: _dt.date
    used: float              # units × working days asked for in the week
    available: float         # units × working days it has in the week
    peak: float              # the most used on one day of the week
    peak_available: float    # what it had on that day
    over_days: int           # working days of the week on which it is used beyond what it has
    tasks: tuple[str, ...]   # the tasks using it in the week, largest use first

    @property
    def over(self) -> bool:
        return self.over_days > 0


@dataclass(frozen=True)
class ResourceLoad:
    """Every person and pool some task names, per ISO week of the schedule (``cells`` by (resource, week);
    weeks in which a resource is neither used nor available are left out)."""

    resources: tuple[tuple[str, str, str], ...]        # (id, name, "pool" | "person") in plan order
    weeks: tuple[str, ...]
    mondays: tuple[_dt.date, ...]
    cells: Mapping[tuple[str, str], ResourceWeek]
    levelled: bool

    def cell(self, resource: str, week: str) -> ResourceWeek | None:
        return self.cells.get((resource, week))

    def over(self) -> list[ResourceWeek]:
        """Every resource-week with a day of over-use, in resource then week order."""
        order = {r[0]: k for k, r in enumerate(self.resources)}
        return sorted((c for c in self.cells.values() if c.over), key=lambda c: (order[c.resource], c.week))

    def to_dict(self) -> dict[str, Any]:
        return {"levelled": self.levelled, "weeks": list(self.weeks), "resources": [{
            "id": rid, "name": name, "kind": kind,
            "weeks": [{"week": c.week, "monday": c.monday.isoformat(), "used": round(c.used, 4),
                       "available": round(c.available, 4), "peak": round(c.peak, 4),
                       "peak_available": round(c.peak_available, 4), "over_days": c.over_days, "over": c.over,
                       "tasks": list(c.tasks)}
                      for w in self.weeks if (c := self.cells.get((rid, w))) is not None]}
            for rid, name, kind in self.resources]}


def resource_load(plan: Plan, sched: Schedule) -> ResourceLoad:
    """The load of each person and pool the schedule's tasks name, per ISO week of the schedule."""
    import numpy as np

    from ..capacity import availability
    from ..levelling._network import units_on

    kinds = {p.id: (p.name, "pool") for p in plan.resources} | {p.id: (p.name, "person") for p in plan.people}
    uses: dict[str, list[tuple[int, int, float, str]]] = {}
    for st in sched.tasks.values():
        if st.end > st.start:
            for rid, units in st.task.resources:
                uses.setdefault(rid, []).append((st.start, st.end, units, st.id))
    order = [r.id for r in plan.resources] + [p.id for p in plan.people]
    rids = [rid for rid in order if rid in uses and rid in kinds]
    end = max([sched.finish] + [e for rows in uses.values() for _, e, _, _ in rows])
    # to the end of the last week, so that its capacity counts all of its working days
    last_day = sched.calendar.date(max(end - 1, 0))
    horizon = sched.calendar.index_on_or_after(_monday(last_day) + _dt.timedelta(days=7))
    dates = sched.calendar.dates(range(horizon))
    weeks_of_day = [_iso_week(d) for d in dates]
    weeks: list[str] = []
    mondays: list[_dt.date] = []
    day = _monday(sched.start_date)
    last = max([sched.finish_date, last_day])
    while day <= last:
        weeks.append(_iso_week(day))
        mondays.append(day)
        day += _dt.timedelta(days=7)
    have_all = {r.id: units_on(r, 0, horizon) for r in availability(plan, sched.calendar, used_only=True)}
    by_week: dict[str, list[int]] = {}
    for k, w in enumerate(weeks_of_day):
        by_week.setdefault(w, []).append(k)
    cells: dict[tuple[str, str], ResourceWeek] = {}
    for rid in rids:
        used = np.zeros(horizon)
        for s, e, u, tid in uses[rid]:
            used[s:e] += u
        have = have_all.get(rid, np.zeros(horizon))
        for w, days in by_week.items():
            u, h = used[days], have[days]
            if not u.any() and not h.any():
                continue
            over = u > h + _EPS * np.maximum(1.0, u)
            k = int(np.argmax(u - h)) if over.any() else int(np.argmax(u))
            lo, hi = days[0], days[-1] + 1
            busy = sorted(((-u_ * (min(e, hi) - max(s, lo)), tid) for s, e, u_, tid in uses[rid]
                           if s < hi and e > lo))
            monday = _monday(dates[days[0]])
            cells[(rid, w)] = ResourceWeek(rid, w, monday, float(u.sum()), float(h.sum()), float(u[k]), float(h[k]),
                                           int(over.sum()), tuple(tid for _, tid in busy))
    return ResourceLoad(tuple((rid, kinds[rid][0], kinds[rid][1]) for rid in rids), tuple(weeks), tuple(mondays),
                        cells, sched.levelled)


def _week_hover(c: ResourceWeek, names: Mapping[str, str], label: str) -> str:
    lines = [f"<b>{_esc(names.get(c.resource, c.resource), 60)}</b> · {c.week} (from {c.monday.isoformat()}), {label}",
             f"Used {_fmt(c.used)} of {_fmt(c.available)} unit-days",
             f"Busiest day: {_fmt(c.peak)} of {_fmt(c.peak_available)} units"]
    if c.over:
        lines.append(f"<b>Over on {c.over_days} day{'s' if c.over_days != 1 else ''}</b>")
    if c.tasks:
        shown = ", ".join(names.get(t, t) for t in c.tasks[:5])
        lines.append("Tasks: " + _esc(shown, 200) + (f" and {len(c.tasks) - 5} more" if len(c.tasks) > 5 else ""))
    return "<br>".join(lines)


def resource_load_spec(loads: list[tuple[str, ResourceLoad]], plan: Plan, title: str | None = None) -> dict[str, Any]:
    """The per-resource load chart: one strip per person or pool, bars for the unit-days used each ISO week
    (red in a week with a day of over-use), a step line for the unit-days it has. ``loads`` holds one or two
    (label, ResourceLoad) views — e.g. ("levelled", ...), ("unlevelled", ...); with two, buttons switch
    between them and the first is shown."""
    names = {t.id: t.name for t in plan.tasks} | {p.id: p.name for p in plan.people} | {
        r.id: r.name for r in plan.resources}
    resources: list[tuple[str, str, str]] = []
    for _, load in loads:
        for r in load.resources:
            if r not in resources:
                resources.append(r)
    n = max(len(resources), 1)
    gap = 0.35 / n if n > 1 else 0.0
    height_each = (1 - gap * (n - 1)) / n
    data: list[dict[str, Any]] = []
    layout: dict[str, Any] = {}
    annotations: list[dict[str, Any]] = []
    visible_sets: list[list[bool]] = []
    for v, (label, load) in enumerate(loads):
        for k, (rid, rname, rkind) in enumerate(resources):
            axis = "" if k == 0 else str(k + 1)
            cells = [load.cells.get((rid, w)) for w in load.weeks]
            xs = [_ms(m) + _DAY_MS * 5 // 2 for m in load.mondays]      # each bar spans Monday to Friday
            shown = v == 0
            data.append({
                "type": "bar", "name": "Used (unit-days)", "x": xs, "y": [round(c.used, 3) if c else 0 for c in cells],
                "marker": {"color": [_OVER if c and c.over else _USED for c in cells]},
                "width": 5 * _DAY_MS, "xaxis": "x" + axis, "yaxis": "y" + axis, "visible": shown,
                "hovertext": [_week_hover(c, names, label) if c else "" for c in cells], "hoverinfo": "text",
                "showlegend": False, "legendgroup": "used",
                "meta": {"rollout": "resource-used", "resource": rid, "view": label}})
            # the capacity as a step line across each week (Monday to the next Monday)
            lx, ly = [], []
            for m, c in zip(load.mondays, cells):
                lx += [_ms(m), _ms(m + _dt.timedelta(days=7))]
                cap = round(c.available, 3) if c else 0
                ly += [cap, cap]
            data.append({
                "type": "scatter", "mode": "lines", "name": "Available (unit-days)", "x": lx, "y": ly,
                "line": {"color": _CAPACITY, "width": 1.5, "shape": "hv"}, "xaxis": "x" + axis,
                "yaxis": "y" + axis, "hoverinfo": "skip", "visible": shown, "showlegend": False,
                "meta": {"rollout": "resource-capacity", "resource": rid, "view": label}})
    per_view = 2 * len(resources)
    for v in range(len(loads)):
        visible_sets.append([k // per_view == v for k in range(len(data))])
    size = {r.id: f"pool of {_fmt(r.units)}" for r in plan.resources} | {
        p.id: f"{_fmt(p.capacity)} of a day" if p.capacity != 1 else "person" for p in plan.people}
    start = min((m for _, ld in loads for m in ld.mondays), default=_dt.date.today())
    end = max((m for _, ld in loads for m in ld.mondays), default=start) + _dt.timedelta(days=7)
    for k, (rid, rname, rkind) in enumerate(resources):
        axis = "" if k == 0 else str(k + 1)
        top = 1 - k * (height_each + gap)
        layout["xaxis" + axis] = {"type": "date", "range": [_ms(start), _ms(end)], "anchor": "y" + axis,
                                  "showticklabels": k == n - 1, "gridcolor": "#eee",
                                  **({} if k == 0 else {"matches": "x"})}
        # headroom above the larger of use and capacity, so the capacity line never sits on the frame
        tallest = max([c.used for _, ld in loads for c in ld.cells.values() if c.resource == rid]
                      + [c.available for _, ld in loads for c in ld.cells.values() if c.resource == rid] + [1.0])
        layout["yaxis" + axis] = {"domain": [max(top - height_each, 0), top], "anchor": "x" + axis,
                                  "range": [0, round(tallest * 1.18, 3)], "fixedrange": True, "gridcolor": "#eee",
                                  "zeroline": True, "tickfont": {"size": 10}, "nticks": 4}
        over = [c for _, ld in loads[:1] for c in ld.over() if c.resource == rid]
        note = f" — over in {len(over)} week{'s' if len(over) != 1 else ''}" if over else ""
        annotations.append({"xref": "paper", "yref": "paper", "x": 0, "y": top, "xanchor": "left",
                            "yanchor": "bottom", "showarrow": False, "align": "left",
                            "text": f"<b>{_esc(rname, 60)}</b> · {size.get(rid, rkind)}{note}",
                            "font": {"size": 12, "color": _OVER if over else "#222"},
                            "meta": {"resource": rid}})
    # a legend in words, once: the strips share it
    data.append({"type": "bar", "name": "used, unit-days a week", "x": [None], "y": [None],
                 "marker": {"color": _USED}, "hoverinfo": "skip", "meta": {"rollout": "legend"}})
    data.append({"type": "bar", "name": "used, a week with a day over capacity", "x": [None], "y": [None],
                 "marker": {"color": _OVER}, "hoverinfo": "skip", "meta": {"rollout": "legend"}})
    data.append({"type": "scatter", "mode": "lines", "name": "available, unit-days a week", "x": [None],
                 "y": [None], "line": {"color": _CAPACITY, "width": 1.5}, "hoverinfo": "skip",
                 "meta": {"rollout": "legend"}})
    for vis in visible_sets:
        vis += [True, True, True]
    strip_px = _ROW_PX * n
    layout.update({
        "title": {"text": _esc(title) if title else "", "x": 0.01},
        "height": strip_px + 150, "margin": {"l": 60, "r": 30, "t": 80 if len(loads) > 1 else 40, "b": 80},
        "barmode": "overlay", "plot_bgcolor": "white", "hovermode": "closest", "bargap": 0.1,
        "showlegend": True,
        "legend": {"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom", "x": 0},
        "annotations": annotations,
        "meta": {"rollout": "resource-load", "views": [label for label, _ in loads]},
    })
    if len(loads) > 1:
        layout["updatemenus"] = [{
            "type": "buttons", "direction": "right", "x": 0, "xanchor": "left", "y": 1 + 24 / strip_px,
            "yanchor": "bottom", "showactive": True, "active": 0, "pad": {"t": 8, "l": 4},
            "buttons": [{"label": f"{label} schedule", "method": "restyle", "args": [{"visible": vis}]}
                        for (label, _), vis in zip(loads, visible_sets)]}]
    return {"data": data, "layout": layout}


# ------------------------------------------------------------------------------------------ change load heatmap

def heatmap_spec(cl, plan: Plan, title: str | None = None) -> dict[str, Any]:
    """The change-load heatmap: a row per audience, a column per ISO week, colour the share of the audience's
    tolerance used (past 100 % red), the points in each cell, an outline round each week over tolerance; the
    row label says the tolerance; the hover lists the largest contributors."""
    names = {t.id: t.name for t in plan.tasks} | {c.id: c.name for c in plan.cadences}
    mondays = [_dt.date.fromisocalendar(int(w[:4]), int(w[6:]), 1) for w in cl.weeks]
    xs = [_ms(m) + _DAY_MS * 7 // 2 for m in mondays]      # each cell spans its week, Monday to Monday
    z, text, hover, labels = [], [], [], []
    shapes: list[dict[str, Any]] = []
    peak = max((c.points for c in cl.cells.values()), default=0.0) or 1.0
    for row, a in enumerate(cl.audiences):
        tol = a.tolerance
        limit = f"tolerance {_fmt(tol)} a week" if tol is not None else "no tolerance set"
        labels.append(f"{_esc(a.name, 40)}<br><span style='font-size:10px'>{limit}</span>")
        zr, tr, hr = [], [], []
        for w, m, x in zip(cl.weeks, mondays, xs):
            c = cl.cells.get((a.id, w))
            pts = c.points if c else 0.0
            # colour: share of the tolerance (1.0 is the line); with no tolerance, of the busiest cell, kept amber
            zr.append(round(pts / tol, 3) if tol else round(0.8 * pts / peak, 3))
            tr.append(_fmt(pts) if pts else "")
            lines = [f"<b>{_esc(a.name, 60)}</b> · {w} (from {m.isoformat()})",
                     f"{_fmt(pts)} change points" + (f" of {_fmt(tol)} tolerated" if tol is not None else "")]
            if c is not None and c.over:
                lines.append(f"<b>Over tolerance by {_fmt(pts - tol)}</b>")
            if c is not None and c.contributors:
                lines.append("Largest contributors:")
                for cid, p, kind in c.contributors[:5]:
                    lines.append(f"  {_fmt(p)} · {_esc(names.get(cid, cid), 70)}" + (" (meeting)" if kind == "cadence" else ""))
                if len(c.contributors) > 5:
                    lines.append(f"  and {len(c.contributors) - 5} more")
            hr.append("<br>".join(lines))
            if c is not None and c.over:
                shapes.append({"type": "rect", "xref": "x", "yref": "y", "x0": _ms(m), "x1": _ms(m + _dt.timedelta(days=7)),
                               "y0": row - 0.5, "y1": row + 0.5, "line": {"color": "#000", "width": 2},
                               "fillcolor": "rgba(0,0,0,0)", "meta": {"audience": a.id, "week": w}})
        z.append(zr)
        text.append(tr)
        hover.append(hr)
    over = cl.over()
    heading = title if title is not None else ""
    start = mondays[0] if mondays else _dt.date.today()
    end = (mondays[-1] if mondays else start) + _dt.timedelta(days=7)
    return {"data": [{
        "type": "heatmap", "x": xs, "y": list(range(len(cl.audiences))), "z": z, "text": text,
        "texttemplate": "%{text}", "textfont": {"size": 11}, "hovertext": hover, "hoverinfo": "text",
        "xgap": 1, "ygap": 2, "zmin": 0, "zmax": 1.5,
        "colorscale": [[0, "#f7f7f7"], [0.01, "#fff5d6"], [0.4, "#fdd49e"], [0.6667, "#fc8d59"],
                       [0.6668, "#e34a33"], [1, "#99000d"]],
        "colorbar": {"title": {"text": "share of<br>tolerance"}, "tickvals": [0, 0.5, 1, 1.5],
                     "ticktext": ["0", "50 %", "100 %", "150 %+"], "thickness": 12},
        "meta": {"rollout": "change-load"}}],
        "layout": {
            "title": {"text": _esc(heading), "x": 0.01}, "height": 170 + _HEAT_ROW_PX * max(len(cl.audiences), 2),
            "margin": {"l": 190, "r": 30, "t": 70 if heading else 40, "b": 40}, "plot_bgcolor": "white",
            "xaxis": {"type": "date", "range": [_ms(start), _ms(end)], "side": "top", "gridcolor": "#eee",
                      # a few weeks: a tick on each Monday
                      **({"tick0": _ms(start), "dtick": 7 * _DAY_MS, "tickformat": "%a %d %b<br>%Y"}
                         if len(mondays) <= 16 else {})},
            "yaxis": {"tickmode": "array", "tickvals": list(range(len(cl.audiences))), "ticktext": labels,
                      "autorange": "reversed", "fixedrange": True, "tickfont": {"size": 12}},
            "shapes": shapes,
            "meta": {"rollout": "change-load", "over": [f"{c.audience} {c.week}" for c in over]}}}


# ------------------------------------------------------------------------------------------ pages and files

def _views(plan: Plan, sched: Schedule, unlevelled: Schedule | None):
    """(label, ResourceLoad) views: the schedule shown first, then the unlevelled one behind it."""
    views = [("levelled" if sched.levelled else "unlevelled", resource_load(plan, sched))]
    if sched.levelled and unlevelled is not None:
        views.append(("unlevelled", resource_load(plan, unlevelled)))
    return views


def load_section(plan: Plan, sched: Schedule, unlevelled: Schedule | None = None, *, heatmap: bool = True,
                 div_prefix: str = "load") -> dict[str, Any] | None:
    """The context of the load section (``_load.html``): the resource chart and the change-load heatmap as
    HTML fragments, and the words around them; None when the plan has neither resources in use nor
    audiences."""
    from ..capacity import change_load

    views = _views(plan, sched, unlevelled)
    has_res = bool(views[0][1].resources)
    has_aud = heatmap and bool(plan.audiences)
    if not (has_res or has_aud):
        return None
    ctx: dict[str, Any] = {"levelled": sched.levelled, "resources": None, "heatmap": None,
                           "resource_over": [], "audience_over": [], "tolerances": [], "views": [label for label, _ in views]}
    if has_res:
        ctx["resources"] = figure_div(resource_load_spec(views, plan), f"{div_prefix}-resources")
        names = {r[0]: r[1] for _, ld in views for r in ld.resources}
        for label, ld in views:
            weeks: dict[str, int] = {}
            for c in ld.over():
                weeks[c.resource] = weeks.get(c.resource, 0) + 1
            ctx["resource_over"].append((label, [(names[r], n) for r, n in weeks.items()]))
    if has_aud:
        cl = change_load(plan, sched)
        ctx["heatmap"] = figure_div(heatmap_spec(cl, plan), f"{div_prefix}-audiences")
        aname = {a.id: a.name for a in plan.audiences}
        ctx["audience_over"] = [(aname[c.audience], c.week, _fmt(c.points), _fmt(c.tolerance)) for c in cl.over()]
        ctx["tolerances"] = [(a.name, None if a.tolerance is None else _fmt(a.tolerance), a.headcount)
                             for a in plan.audiences]
    return ctx


def load_html(plan: Plan, sched: Schedule, unlevelled: Schedule | None = None) -> str:
    """The page ``rollout load -o load.html`` writes: the change-load heatmap and the resource load chart."""
    ctx = load_section(plan, sched, unlevelled, div_prefix="load")
    return render("load.html", title=f"Load — {plan.title}", heading=f"{plan.title} — load",
                  plotly_js=plotly_js_tag(), l=ctx)


def load_json(plan: Plan, sched: Schedule) -> str:
    """``rollout load --format json``: the change load (as ``ChangeLoad.to_dict()``) and the resource load."""
    from ..capacity import change_load

    out = change_load(plan, sched).to_dict()
    out["levelled"] = sched.levelled
    out["resources"] = resource_load(plan, sched).to_dict()["resources"]
    return json.dumps(out, indent=1) + "\n"


LOAD_COLUMNS = ("kind", "id", "name", "week", "monday", "load", "limit", "over", "contributors")


def load_csv(plan: Plan, sched: Schedule) -> str:
    """``rollout load --format csv``: one row per audience and week of the plan (load = change points, limit
    = tolerance), then per resource and week (load = unit-days used, limit = unit-days available); every
    cell neutralised against spreadsheet formulas."""
    from ..capacity import change_load
    from ..util import csv_safe

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(LOAD_COLUMNS)
    cl = change_load(plan, sched)
    for a in cl.audiences:
        for week in cl.weeks:
            c = cl.cells.get((a.id, week))
            monday = _dt.date.fromisocalendar(int(week[:4]), int(week[6:]), 1)
            row = ["audience", a.id, a.name, week, monday.isoformat(), _fmt(c.points if c else 0.0),
                   "" if a.tolerance is None else _fmt(a.tolerance), "yes" if c is not None and c.over else "",
                   " ".join(i for i, _, _ in c.contributors) if c else ""]
            w.writerow([csv_safe(v) for v in row])
    rl = resource_load(plan, sched)
    for rid, name, _ in rl.resources:
        for week, monday in zip(rl.weeks, rl.mondays):
            c = rl.cells.get((rid, week))
            if c is None:
                continue
            row = ["resource", rid, name, week, c.monday.isoformat(), _fmt(round(c.used, 4)),
                   _fmt(round(c.available, 4)), "yes" if c.over else "", " ".join(c.tasks)]
            w.writerow([csv_safe(v) for v in row])
    return buf.getvalue()


def write_load(plan: Plan, sched: Schedule, path: str | None, fmt: str = "html",
               unlevelled: Schedule | None = None) -> str:
    """The load report as html (a page), json or csv; written to ``path`` (atomically), or returned."""
    from ..errors import UsageError
    from ..util import atomic_write_text

    if fmt == "html":
        if not (plan.audiences or any(t.resources for t in plan.tasks)):
            raise UsageError("the plan has no audiences and no task uses a person or pool: nothing to chart "
                             "(add audiences, or resources to tasks)")
        text = load_html(plan, sched, unlevelled)
    elif fmt == "json":
        text = load_json(plan, sched)
    elif fmt == "csv":
        text = load_csv(plan, sched)
    else:
        raise UsageError(f"unknown load format '{fmt}' (choose html, json or csv)")
    if path:
        atomic_write_text(path, text)
    return text
