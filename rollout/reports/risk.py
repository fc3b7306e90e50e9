"""``rollout risk`` as HTML: the risk section of the dashboard and the page of ``--format html``.

The figures come from :class:`rollout.risk.RiskResult`; this module only draws them (plotly figure
dicts) and renders the ``_risk.html`` template.
"""

from __future__ import annotations

from typing import Any

from ..risk import RiskResult, heatmap_cell
from .html import plotly_js_tag, plotly_text, render

__all__ = ["risk_context", "risk_html", "risk_html_section"]


def risk_context(result: RiskResult, id_prefix: str = "") -> dict[str, Any]:
    """What the ``_risk.html`` template shows (every text as written: the template escapes it)."""
    import numpy as np

    d = result.to_dict()
    f = d["finish"]
    values, counts = np.unique(result.finish_days, return_counts=True)
    cum = np.cumsum(counts) / result.iterations
    dates = [result.date(int(v)).isoformat() for v in values]
    marks = [("plan", f["deterministic"], "#555555"), ("P50", f["p50"], "#1565c0"),
             ("P80", f["p80"], "#ef6c00"), ("P95", f["p95"], "#c62828")]
    histogram = {"data": [
        {"type": "bar", "name": "iterations", "x": dates, "y": counts.tolist()},
        {"type": "scatter", "mode": "lines", "name": "cumulative", "x": dates, "y": cum.tolist(), "yaxis": "y2"},
    ], "layout": {
        "title": {"text": "Finish date distribution"}, "yaxis": {"title": {"text": "iterations"}},
        "yaxis2": {"overlaying": "y", "side": "right", "range": [0, 1], "tickformat": ".0%",
                   "tickvals": [0, 0.25, 0.5, 0.8, 0.95, 1], "showgrid": False},
        "height": 380, "margin": {"t": 50, "b": 40}, "legend": {"orientation": "h", "y": -0.15},
        "shapes": [{"type": "line", "x0": when, "x1": when, "y0": 0, "y1": 1, "yref": "paper",
                    "line": {"color": colour, "dash": "dot", "width": 1.5}} for _, when, colour in marks],
        "annotations": [{"x": when, "y": 1, "yref": "paper", "text": label, "showarrow": False,
                         "yanchor": "bottom", "font": {"color": colour, "size": 11}} for label, when, colour in marks],
    }}

    # tasks and risk events ranked together: a task by its sampled duration, a risk by its occurrence
    rows = list(reversed(result.tornado()))
    tornado = None
    if rows:
        colours = ["#c62828" if r.kind == "risk" else "#1565c0" for r in rows]
        tornado = {"data": [{
            "type": "bar", "orientation": "h", "x": [r.value for r in rows],
            "y": [plotly_text(("risk: " if r.kind == "risk" else "") + r.label, 48) for r in rows],
            "marker": {"color": colours},
            "hovertext": [plotly_text(f"{r.id}: +{r.p80_days_added} working days on P80" if r.kind == "risk"
                                      else r.id) for r in rows]}],
            "layout": {"title": {"text": "What drives the finish: tasks (blue) and risk events (red), "
                                         "correlation with the finish"},
                       "height": 120 + 28 * len(rows), "margin": {"l": 260, "t": 50, "b": 40}}}

    heatmap = None
    if result.risks:
        # cells are coloured by their own exposure (band × impact); each names the risks in it
        grid = [[(pb + 1) * (im + 1) for im in range(5)] for pb in range(5)]
        cells: list[list[list[str]]] = [[[] for _ in range(5)] for _ in range(5)]
        for r in result.risks:
            pb, im = heatmap_cell(r["probability"], r["impact"])
            cells[pb - 1][im - 1].append(plotly_text(r["id"]))
        heatmap = {"data": [{
            "type": "heatmap", "z": grid, "x": [1, 2, 3, 4, 5],
            "y": ["0–20%", "20–40%", "40–60%", "60–80%", "80–100%"],
            "text": [["<br>".join(c[:6] + (["…"] if len(c) > 6 else [])) for c in row] for row in cells],
            "texttemplate": "%{text}", "colorscale": [[0, "#e8f5e9"], [0.35, "#fff59d"], [1, "#ef9a9a"]],
            "showscale": False, "hoverinfo": "skip", "xgap": 2, "ygap": 2}],
            "layout": {"title": {"text": "Risk register: probability × impact"}, "xaxis": {"title": {"text": "impact"}},
                       "yaxis": {"title": {"text": "probability"}}, "height": 380, "margin": {"t": 50}}}
    return {"title": result.plan.title, "id_prefix": id_prefix, "as_of": d["as_of"], "actuals": d["actuals"],
            "iterations": d["iterations"], "seed": d["seed"], "distribution": d["distribution"], "finish": f,
            "histogram": histogram, "tornado": tornado, "heatmap": heatmap,
            "milestones": d["milestones"], "risks": result.risks, "mitigation": result.mitigation_lines(f)}


def risk_html_section(result: RiskResult, id_prefix: str = "") -> str:
    """The risk charts and tables as an HTML fragment (plotly.js not included)."""
    from markupsafe import Markup

    return Markup(render("_risk.html", r=risk_context(result, id_prefix)))


def risk_html(result: RiskResult) -> str:
    """A self-contained HTML page (plotly.js inline) with the risk section."""
    return render("risk.html", title=f"Schedule risk — {result.plan.title}", plotly_js=plotly_js_tag(),
                  r=risk_context(result))
