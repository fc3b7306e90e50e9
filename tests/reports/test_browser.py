"""The dashboard and the Gantt in a real headless Chromium, driven by Playwright.

Skipped when Chromium or Playwright is missing (CI installs both). Screenshots are kept under
test-artifacts/ for a human to look at.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from rollout.reports.dashboard import write_report
from rollout.reports.gantt import write_gantt
from rollout.schedule import schedule

from .plans import HOSTILE, big_plan, chromium_path, small_plan

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

# Subpaths drawn for each trace of the main plot (not the range slider), keyed by the trace's meta.
_DRAWN = """() => {
  const gd = document.getElementById('gantt');
  const byUid = {};           // each drawn trace group carries its calcdata, whose trace has the uid
  gd.querySelectorAll('.cartesianlayer .trace').forEach((el) => {
    const cd = el.__data__;
    if (cd && cd[0] && cd[0].trace) byUid[cd[0].trace.uid] = el;
  });
  const out = [];
  gd._fullData.forEach((t) => {
    const g = byUid[t.uid];
    const paths = (sel) => g ? [...g.querySelectorAll(sel)] : [];
    const subpaths = (sel) => paths(sel).reduce((n, el) => n + (el.getAttribute('d') || '').split('M').length - 1, 0);
    const bars = paths('.point path');
    out.push({kind: t.meta.rollout, lines: subpaths('.js-line'), points: g ? g.querySelectorAll('.point').length : 0,
              red: bars.filter((el) => getComputedStyle(el).stroke === 'rgb(214, 39, 40)' &&
                                       parseFloat(getComputedStyle(el).strokeWidth) > 0).length,
              stroke: paths('.js-line').length ? getComputedStyle(paths('.js-line')[0]).stroke : null});
  });
  return out;
}"""


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """A browser context on a fresh profile directory (Playwright's --user-data-dir)."""
    exe = chromium_path()
    if exe is None:
        pytest.skip("headless Chromium is not installed")
    sync_api = pytest.importorskip("playwright.sync_api")
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_api.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(str(profile), executable_path=exe, args=FLAGS,
                                                       headless=True, viewport={"width": 1400, "height": 1000})
        yield context
        context.close()


def open_page(browser, path: Path):
    page = browser.new_page()
    problems: list[str] = []
    dialogs: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(path.as_uri())
    page.wait_for_function("() => { const g = document.getElementById('gantt'); return g && g._fullLayout; }",
                           timeout=60_000)
    return page, problems, dialogs


def test_dashboard_draws_every_task_and_keeps_the_hostile_name_inert(browser, tmp_path):
    plan = small_plan(HOSTILE)
    write_report(plan, tmp_path, today=dt.date(2027, 1, 25), risk_iterations=300)
    page, problems, dialogs = open_page(browser, tmp_path / "index.html")
    try:
        drawn = page.evaluate(_DRAWN)
        bars = sum(d["points"] for d in drawn if d["kind"] == "tasks")
        assert bars == sum(1 for t in plan.tasks if not t.is_milestone) == 5
        assert sum(d["points"] for d in drawn if d["kind"] == "milestones") == 1
        assert sum(d["red"] for d in drawn if d["kind"] == "tasks") == 4       # the critical bars, outlined
        (critical,) = [d for d in drawn if d["kind"] == "critical"]
        assert critical["lines"] == 4 and critical["stroke"] == "rgb(214, 39, 40)"   # the critical links
        # the hostile name is shown as text, nothing ran and no element came of it
        assert HOSTILE in page.inner_text("#gantt")
        assert HOSTILE in page.inner_text("#findings") or HOSTILE in page.inner_text("body")
        assert page.evaluate("() => document.querySelectorAll('img[src=\"x\"], img[onerror]').length") == 0
        # hover on the pilot's row shows its details (as text)
        page.evaluate("""() => {
            const gd = document.getElementById('gantt');
            const k = gd._fullData.findIndex((t) => t.meta.rollout === 'labels');
            const i = gd._fullData[k].text.indexOf('&lt;img src=x onerror=alert(1)&gt;');
            Plotly.Fx.hover(gd, [{curveNumber: k, pointNumber: i}], 'x2y');
        }""")
        hover = page.text_content("#gantt .hoverlayer")
        assert HOSTILE in hover and "Float: 0 d" in hover
        page.evaluate("() => Plotly.Fx.unhover('gantt')")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)
        assert not dialogs, dialogs
        assert not problems, problems
    finally:
        page.close()


def test_large_gantt_expanded_draws_one_bar_per_task(browser, tmp_path):
    sched = schedule(big_plan(1500))
    path = tmp_path / "big.html"
    write_gantt(sched, str(path), collapse=False, today=dt.date(2027, 6, 1))
    page, problems, _ = open_page(browser, path)
    try:
        drawn = page.evaluate(_DRAWN)
        working = sum(1 for st in sched.tasks.values() if not st.task.is_milestone)
        assert sum(d["points"] for d in drawn if d["kind"] == "tasks") == working
        assert sum(d["lines"] for d in drawn if d["kind"] in ("links", "critical")) >= \
            sum(len(st.task.depends_on) for st in sched.tasks.values())
        page.screenshot(path=str(ARTIFACTS / "gantt-1500.png"))
        assert not problems, problems
    finally:
        page.close()


def test_collapsed_gantt_draws_one_bar_per_workstream(browser, tmp_path):
    sched = schedule(big_plan(1500, workstreams=9))
    path = tmp_path / "collapsed.html"
    write_gantt(sched, str(path), today=dt.date(2027, 6, 1))
    page, problems, _ = open_page(browser, path)
    try:
        drawn = page.evaluate(_DRAWN)
        assert sum(d["points"] for d in drawn if d["kind"] == "summary") == 9
        assert not [d for d in drawn if d["kind"] == "tasks"]
        page.screenshot(path=str(ARTIFACTS / "gantt-collapsed.png"))
        assert not problems, problems
    finally:
        page.close()


def test_svg_export_through_kaleido(tmp_path):
    if chromium_path() is None:
        pytest.skip("headless Chromium is not installed")
    pytest.importorskip("kaleido")
    out = tmp_path / "g.svg"
    write_gantt(schedule(small_plan(HOSTILE)), str(out), "svg")
    svg = out.read_text()
    assert svg.startswith("<svg") and "Programme charter" in svg
    assert "<img" not in svg and "onerror=alert(1)&#62;" in svg.replace("&gt;", "&#62;")


def test_hover_works_without_drawn_names(browser, tmp_path):
    path = tmp_path / "nolabels.html"
    write_gantt(schedule(small_plan()), str(path), labels=False)
    page, problems, _ = open_page(browser, path)
    try:
        assert page.evaluate("() => document.querySelectorAll('#gantt .textpoint').length") == 0
        # a real mouse anywhere on the interviews' row (row 4), far from the row's hover point
        x, y = page.evaluate("""() => {
            const gd = document.getElementById('gantt'), L = gd._fullLayout, r = gd.getBoundingClientRect();
            return [r.left + L.xaxis._offset + L.xaxis.d2p(Date.UTC(2027, 0, 19)), r.top + L.yaxis._offset + L.yaxis.d2p(4)];
        }""")
        page.mouse.move(x, y)
        page.wait_for_function("() => document.querySelector('#gantt .hoverlayer').textContent.includes('Float')")
        hover = page.text_content("#gantt .hoverlayer")
        assert "Voice-of-customer interviews" in hover and "Float: 0 d" in hover
        assert not problems, problems
    finally:
        page.close()


def test_the_main_job_report_from_the_built_in_template(browser, tmp_path):
    from click.testing import CliRunner

    from rollout.cli import cli
    from rollout.expand import load_plan

    plan_path = tmp_path / "acme.yaml"
    runner = CliRunner()
    made = runner.invoke(cli, ["new", "customer-alignment", "-o", str(plan_path), "--set", "org=Acme",
                               "--set", "start=2027-01-11"])
    assert made.exit_code == 0, made.output
    result = runner.invoke(cli, ["report", str(plan_path), "-o", str(tmp_path / "report"), "--today", "2027-04-01",
                                 "--risk-iterations", "500"])
    assert result.exit_code == 0, result.output
    report = schedule(load_plan(str(plan_path)))
    page, problems, dialogs = open_page(browser, tmp_path / "report" / "index.html")
    try:
        drawn = page.evaluate(_DRAWN)
        assert sum(d["points"] for d in drawn if d["kind"] == "tasks") == \
            sum(1 for st in report.tasks.values() if not st.task.is_milestone)
        assert sum(d["points"] for d in drawn if d["kind"] == "milestones") == \
            sum(1 for st in report.tasks.values() if st.task.is_milestone)
        assert page.locator("#status").count() == 1 and page.locator("#risk").count() == 1
        page.screenshot(path=str(ARTIFACTS / "main-job-report.png"), full_page=True)
        assert not problems and not dialogs, problems + dialogs
    finally:
        page.close()
