"""The trend page and the dashboard's trend and quality sections in a real headless Chromium."""

from __future__ import annotations

import datetime as dt

import pytest

from rollout.expand import load_plan
from rollout.reports.dashboard import write_report
from rollout.reports.trend import trend_html
from rollout.trend import trend

from .plans import HOSTILE
from .test_browser import ARTIFACTS, browser  # noqa: F401 - the fixture
from .trendplans import recorded_plan

pytestmark = pytest.mark.browser

# per drawn trace of a figure: its meta, how many line subpaths and markers plotly drew
_DRAWN = """(id) => {
  const gd = document.getElementById(id);
  const byUid = {};
  gd.querySelectorAll('.cartesianlayer .trace').forEach((el) => {
    const cd = el.__data__;
    if (cd && cd[0] && cd[0].trace) byUid[cd[0].trace.uid] = el;
  });
  return gd._fullData.map((t) => {
    const g = byUid[t.uid];
    const lines = g ? [...g.querySelectorAll('.js-line')].reduce(
      (n, el) => n + ((el.getAttribute('d') || '').length > 0 ? 1 : 0), 0) : 0;
    return {kind: t.meta.rollout, id: t.meta.id || null, name: t.name, lines: lines,
            points: g ? g.querySelectorAll('.point').length : 0};
  });
}"""


def _open(browser, path, *ids):  # noqa: F811
    page = browser.new_page()
    problems: list[str] = []
    dialogs: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(path.as_uri())
    for div in ids:
        page.wait_for_function(f"() => {{ const g = document.getElementById('{div}'); return g && g._fullLayout; }}",
                               timeout=60_000)
    return page, problems, dialogs


def test_trend_page_draws_a_line_per_milestone_and_the_band(browser, tmp_path):  # noqa: F811
    path = recorded_plan(tmp_path)
    out = tmp_path / "trend.html"
    out.write_text(trend_html(trend(load_plan(path))))
    page, problems, dialogs = _open(browser, out, "trend-mta", "trend-finish")
    try:
        mta = page.evaluate(_DRAWN, "trend-mta")
        lines = [t for t in mta if t["kind"] == "milestone"]
        assert [t["id"] for t in lines] == ["disc.gate", "design.signoff"]
        assert all(t["lines"] == 1 and t["points"] == 3 for t in lines), lines     # three report dates each
        assert [t for t in mta if t["kind"] == "diagonal" and t["lines"] == 1]
        legend = page.locator("#trend-mta .legendtext").all_text_contents()
        assert HOSTILE in legend                                                   # shown as text, not run
        finish = {t["kind"]: t for t in page.evaluate(_DRAWN, "trend-finish")}
        assert finish["forecast"]["points"] == 3 and finish["p50"]["lines"] == 1
        band = page.evaluate("() => [...document.querySelectorAll('#trend-finish .js-fill')]"
                             ".filter((el) => (el.getAttribute('d') || '').length > 10).length")
        assert band >= 1                                                           # the P50–P80 band
        assert page.locator("table.trend-milestones tr").count() == 3
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "trend.png"), full_page=True)
        assert problems == [] and dialogs == []
    finally:
        page.close()


def test_dashboard_shows_trend_and_quality(browser, tmp_path):  # noqa: F811
    path = recorded_plan(tmp_path, risk=False)
    write_report(load_plan(path), tmp_path / "out", today=dt.date(2027, 1, 25), risk_iterations=0)
    page, problems, dialogs = _open(browser, tmp_path / "out" / "index.html", "gantt", "dash-trend-mta",
                                    "dash-trend-finish")
    try:
        mta = page.evaluate(_DRAWN, "dash-trend-mta")
        assert sum(1 for t in mta if t["kind"] == "milestone" and t["lines"] == 1) == 2
        finish = {t["kind"] for t in page.evaluate(_DRAWN, "dash-trend-finish")}
        assert "p50" not in finish and "forecast" in finish                       # no --risk: no band
        assert page.evaluate("() => [...document.querySelectorAll('#dash-trend-finish .js-fill')]"
                             ".filter((el) => (el.getAttribute('d') || '').length > 10).length") == 0
        assert page.locator("#quality tr.metric").count() == 14
        assert page.locator("#quality tr.metric-fail td.result").first.text_content() == "fail"
        assert problems == [] and dialogs == []
    finally:
        page.close()
