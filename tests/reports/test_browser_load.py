"""The levelled Gantt, the load chart and the change-load heatmap in a real headless Chromium (Playwright).

Skipped when Chromium or Playwright is missing. Screenshots go to test-artifacts/ for a human to look at.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from rollout.cli import cli

from .plans import chromium_path
from .test_load import PLAN

pytestmark = pytest.mark.browser

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

_RED_BARS = """(id) => {
  const gd = document.getElementById(id);
  let red = 0, blue = 0;
  gd.querySelectorAll('.barlayer .point path').forEach((el) => {
    const fill = getComputedStyle(el).fill;
    if (el.getAttribute('d') && el.getAttribute('d') !== 'M0,0Z') {
      if (fill === 'rgb(214, 39, 40)') red += 1; else if (fill === 'rgb(76, 120, 168)') blue += 1;
    }
  });
  return [red, blue];
}"""


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
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


def open_page(browser, path, div):
    page = browser.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("dialog", lambda d: (problems.append("dialog " + d.message), d.dismiss()))
    page.goto(path.as_uri())
    page.wait_for_function(f"() => {{ const g = document.getElementById('{div}'); return g && g._fullLayout; }}",
                           timeout=60_000)
    return page, problems


def test_load_page_buttons_switch_to_the_unlevelled_over_use(browser, tmp_path):
    plan = tmp_path / "lv.yaml"
    plan.write_text(PLAN.format(extra=""))
    out = tmp_path / "load.html"
    assert CliRunner().invoke(cli, ["load", str(plan), "-o", str(out), "--level"]).exit_code == 0
    page, problems = open_page(browser, out, "load-resources")
    try:
        red, blue = page.evaluate(_RED_BARS, "load-resources")
        assert red == 0 and blue >= 2                  # levelled: nobody over
        page.get_by_text("unlevelled schedule", exact=True).first.click()
        page.wait_for_timeout(300)
        red, _ = page.evaluate(_RED_BARS, "load-resources")
        assert red == 1                                # IT & Ops in the first week
        # the heatmap draws its outline round the week over tolerance, and names the tolerance
        assert page.evaluate("() => document.querySelectorAll('#load-audiences .shapelayer path').length") >= 1
        assert "tolerance 4 a week" in page.inner_text("#load-audiences")
        assert "Dana <Sponsor>" in page.inner_text("#load-resources")          # shown as text, once escaped
        page.screenshot(path=str(tmp_path / "load.png"), full_page=True)
        assert not problems, problems
    finally:
        page.close()


def test_levelled_gantt_draws_the_ghost_under_the_real_bar(browser, tmp_path):
    plan = tmp_path / "lv.yaml"
    plan.write_text(PLAN.format(extra=""))
    out = tmp_path / "g.html"
    assert CliRunner().invoke(cli, ["gantt", str(plan), "-o", str(out), "--level"]).exit_code == 0
    page, problems = open_page(browser, out, "gantt")
    try:
        drawn = page.evaluate("""() => {
          const gd = document.getElementById('gantt');
          const out = {};
          gd.querySelectorAll('.cartesianlayer .trace').forEach((el) => {
            const cd = el.__data__;
            if (cd && cd[0] && cd[0].trace) out[cd[0].trace.meta.rollout] = el.querySelectorAll('.point path').length;
          });
          return out;
        }""")
        assert drawn.get("unlevelled") == 1 and drawn.get("tasks") == 3
        page.evaluate("""() => {
            const gd = document.getElementById('gantt');
            const k = gd._fullData.findIndex((t) => t.meta.rollout === 'labels');
            Plotly.Fx.hover(gd, [{curveNumber: k, pointNumber: gd._fullData[k].text.indexOf('Beta')}], 'x2y');
        }""")
        assert "Levelling delay 3 d, held by IT & Ops" in page.text_content("#gantt .hoverlayer")
        assert page.locator("#resource-load").count() == 1
        assert not problems, problems
    finally:
        page.close()
