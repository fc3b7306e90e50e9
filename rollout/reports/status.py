"""``rollout status`` as HTML: the status section of the dashboard and the page of ``--format html``.

The figures come from :class:`rollout.tracking.StatusReport`; this module only draws them (plotly
figure dicts) and renders the ``_status.html`` template.
"""

from __future__ import annotations

from typing import Any

from ..tracking import StatusReport
from ..tracking.status import _planned_curve
from .html import plotly_js_tag, plotly_text, render

__all__ = ["status_context", "status_html", "status_html_section"]

_RAG_COLOURS = {"green": "#2e7d32", "amber": "#f9a825", "red": "#c62828", None: "#9e9e9e"}
_HTML_LATE_ROWS = 200         # the page is for people; the JSON lists every task


def status_context(report: StatusReport, id_prefix: str = "") -> dict[str, Any]:
    """What the ``_status.html`` template shows (every text as written: the template escapes it)."""
    d = report.to_dict()
    groups = report.groups()
    label = "workstream" if report.group_by == "workstream" else report.group_by
    ys = [plotly_text(w["name"] or w["id"], 40) for w in groups]
    bars = {"data": [
        {"type": "bar", "orientation": "h", "name": "planned", "y": ys,
         "x": [w["planned_percent"] for w in groups], "marker": {"color": "#bbbbbb"}},
        {"type": "bar", "orientation": "h", "name": "done", "y": ys,
         "x": [w["percent_complete"] for w in groups], "marker": {"color": [_RAG_COLOURS[w["rag"]] for w in groups]}},
    ], "layout": {"title": {"text": plotly_text(f"Percent complete by {label} (colour = RAG)")}, "barmode": "group",
                  "xaxis": {"range": [0, 100], "title": {"text": "%"}}, "yaxis": {"autorange": "reversed"},
                  "height": 160 + 40 * len(groups), "margin": {"l": 200, "t": 50}}}
    curve = _planned_curve(report)
    pts = d["burnup"]
    burnup = {"data": [
        {"type": "scatter", "mode": "lines", "name": "baseline plan", "x": [p[0] for p in curve],
         "y": [p[1] for p in curve]},
        {"type": "scatter", "mode": "lines+markers", "name": "done", "x": [p["date"] for p in pts],
         "y": [p["percent_complete"] for p in pts]},
    ], "layout": {"title": {"text": "Burn-up: duration-weighted percent complete"}, "yaxis": {"range": [0, 101]},
                  "height": 360, "margin": {"t": 50},
                  "shapes": [{"type": "line", "x0": d["as_of"], "x1": d["as_of"], "y0": 0, "y1": 1,
                              "yref": "paper", "line": {"color": "#555555", "dash": "dot", "width": 1.5}}],
                  "annotations": [{"x": d["as_of"], "y": 1, "yref": "paper", "text": "as of",
                                   "showarrow": False, "yanchor": "bottom"}]}}
    late = sorted((r for r in d["tasks"] if r["variance_days"] > 0), key=lambda r: -r["variance_days"]) \
        if report.reported else []
    return {
        "title": report.plan.title, "id_prefix": id_prefix, **{k: d[k] for k in (
            "as_of", "reported", "percent_complete", "planned_percent", "baseline_finish", "forecast_finish",
            "variance_days", "rag", "milestones")},
        "actuals_label": report._actuals_label(), "baseline_source": report.baseline_source,
        "selection": d["filter"], "groups": groups,
        "group_heading": "Workstreams" if label == "workstream" else f"By {label}",
        "group_label": label, "bars": bars, "burnup": burnup,
        "late": late[:_HTML_LATE_ROWS], "late_count": len(late), "earned": d["earned_schedule"],
    }


def status_html_section(report: StatusReport, id_prefix: str = "") -> str:
    """Status charts and tables as an HTML fragment (plotly.js not included)."""
    from markupsafe import Markup

    return Markup(render("_status.html", s=status_context(report, id_prefix)))


def status_html(report: StatusReport) -> str:
    """A self-contained HTML page (plotly.js inline) with the status section."""
    return render("status.html", title=f"Status — {report.plan.title}", plotly_js=plotly_js_tag(),
                  s=status_context(report))
