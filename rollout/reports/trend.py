"""``rollout trend`` as HTML: the milestone trend analysis chart and the forecast-finish trend.

The series come from :class:`rollout.trend.Trend`; this module draws them as plotly figure dicts
(every text from a plan through :func:`rollout.reports.html.plotly_text`, so escaped once) and renders
the ``_trend.html`` template, which the dashboard includes too.
"""

from __future__ import annotations

from typing import Any

from .html import plotly_js_tag, plotly_text, render

__all__ = ["finish_figure", "milestone_figure", "trend_context", "trend_html"]

#: Lines the milestone trend chart draws at most: those that moved most (the JSON and table list all).
MTA_MAX_LINES = 40
_HTML_ROWS = 200              # the table is for people; the JSON lists every milestone

_PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
            "#bcbd22", "#17becf")


def milestone_figure(trend) -> dict[str, Any]:
    """Milestone trend analysis: x = report (status) date, y = forecast date, one line per milestone;
    the diagonal (forecast = report date) is where a milestone lands when it is done."""
    series = _most_moved(trend.milestones())
    data: list[dict[str, Any]] = []
    dates = [p[k] for s in series for p in s["points"] for k in ("as_of", "forecast")]
    if dates:
        lo, hi = min(dates), max(dates)
        data.append({"type": "scatter", "mode": "lines", "name": "completion (forecast = report date)",
                     "x": [lo, hi], "y": [lo, hi], "hoverinfo": "skip", "meta": {"rollout": "diagonal"},
                     "line": {"color": "#555555", "dash": "dash", "width": 1.5}})
    for i, s in enumerate(series):
        label = plotly_text(s["name"] or s["id"], 40)
        pts = _on_the_diagonal(s["points"])
        data.append({
            "type": "scatter", "mode": "lines+markers", "name": label,
            "x": [p["x"] for p in pts], "y": [p["forecast"] for p in pts],
            "meta": {"rollout": "milestone", "id": plotly_text(s["id"])},
            "line": {"color": _PALETTE[i % len(_PALETTE)]},
            "marker": {"size": [11 if p["done"] else 7 for p in pts],
                       "symbol": ["diamond" if p["done"] else "circle" for p in pts]},
            "text": [("done" if p["done"] else "forecast") + (f", baseline {p['baseline']}" if p["baseline"] else "")
                     for p in pts],
            "hovertemplate": f"{label}<br>reported %{{x}}<br>%{{text}} %{{y}}<extra></extra>",
        })
    shown = len([d for d in data if d["meta"]["rollout"] == "milestone"])
    total = len(trend.milestones())
    title = "Milestone trend analysis: forecast date by report date"
    if shown < total:
        title += f" ({shown} of {total:,} milestones: those that moved most)"
    return {"data": data, "layout": {
        "title": {"text": title},
        "xaxis": {"title": {"text": "report date"}, "type": "date"},
        "yaxis": {"title": {"text": "forecast date"}, "type": "date"},
        "height": 460 + 12 * min(len(series), 20), "margin": {"t": 50}, "legend": {"orientation": "v"}}}


def _most_moved(series: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """At most MTA_MAX_LINES series, in plan order: the ones whose forecast moved most over the snapshots."""
    if len(series) <= MTA_MAX_LINES:
        return series

    def moved(s: dict[str, Any]) -> int:
        days = [p["forecast"] for p in s["points"]]
        return (_day(max(days)) - _day(min(days))).days

    keep = {id(s) for s in sorted(series, key=moved, reverse=True)[:MTA_MAX_LINES]}
    return [s for s in series if id(s) in keep]


def _day(text: str):
    import datetime as _dt

    return _dt.date.fromisoformat(text)


def _on_the_diagonal(points: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The points of one milestone's line: reported forecasts at their report date, and once done, one
    point at its finish on the diagonal (forecast = report date), where the line ends."""
    out = []
    for p in points:
        if p["done"]:
            out.append({**p, "x": min(p["forecast"], p["as_of"])})
            break
        out.append({**p, "x": p["as_of"]})
    return out


def finish_figure(trend) -> dict[str, Any]:
    """The forecast finish by report date, with the P50–P80 band where snapshots carry it."""
    points = trend.finish()
    x = [p["as_of"] for p in points]
    data: list[dict[str, Any]] = []
    banded = [p for p in points if p["p50"] and p["p80"]]
    if banded:
        data.append({"type": "scatter", "mode": "lines", "name": "P80", "x": [p["as_of"] for p in banded],
                     "y": [p["p80"] for p in banded], "line": {"color": "rgba(214, 39, 40, 0.6)", "width": 1},
                     "meta": {"rollout": "p80"}})
        data.append({"type": "scatter", "mode": "lines", "name": "P50 (P50–P80 band)",
                     "x": [p["as_of"] for p in banded], "y": [p["p50"] for p in banded], "fill": "tonexty",
                     "fillcolor": "rgba(214, 39, 40, 0.15)", "line": {"color": "rgba(214, 39, 40, 0.6)", "width": 1},
                     "meta": {"rollout": "p50"}})
    data.append({"type": "scatter", "mode": "lines+markers", "name": "forecast finish (CPM)", "x": x,
                 "y": [p["forecast"] for p in points], "line": {"color": "#1f3a5f", "width": 2.5},
                 "meta": {"rollout": "forecast"}})
    if any(p["baseline"] for p in points):
        data.append({"type": "scatter", "mode": "lines", "name": "baseline finish", "x": x,
                     "y": [p["baseline"] for p in points], "line": {"color": "#777777", "dash": "dot"},
                     "meta": {"rollout": "baseline"}})
    return {"data": data, "layout": {
        "title": {"text": "Forecast finish by report date" + (" with the P50–P80 band" if banded else "")},
        "xaxis": {"title": {"text": "report date"}, "type": "date"},
        "yaxis": {"title": {"text": "finish date"}, "type": "date"}, "height": 400, "margin": {"t": 50}}}


def trend_context(trend, id_prefix: str = "") -> dict[str, Any]:
    """What the ``_trend.html`` template shows (texts as written: the template escapes them)."""
    d = trend.to_dict()
    rows = []
    for s in d["milestones"]:
        first, last = s["points"][0], s["points"][-1]
        rows.append({"id": s["id"], "name": s["name"], "first": first["forecast"], "latest": last["forecast"],
                     "done": last["done"], "points": len(s["points"])})
    return {"title": trend.plan.title, "id_prefix": id_prefix, "count": d["snapshots"],
            "first": d["finish"][0]["as_of"] if d["finish"] else None,
            "last": d["finish"][-1]["as_of"] if d["finish"] else None,
            "mta": milestone_figure(trend), "finish": finish_figure(trend), "milestones": rows[:_HTML_ROWS],
            "milestone_count": len(rows)}


def trend_html(trend) -> str:
    """A self-contained HTML page (plotly.js inline) with both trend charts."""
    return render("trend.html", title=f"Trend — {trend.plan.title}", heading=f"Trend — {trend.plan.title}",
                  plotly_js=plotly_js_tag(), t=trend_context(trend))
