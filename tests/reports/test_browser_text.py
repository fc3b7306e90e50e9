"""Plan text shows exactly as written in every report surface of a real Chromium, and stays inert.

Names with quotes, ampersands, tags, emoji and right-to-left script go into task names, owners,
workstream names, a finding's message (it quotes the task name) and a risk title. Each must be in the
visible text and the hover exactly as written: not escaped twice (``&quot;``), not turned into markup.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from rollout.model import Risk, Workstream
from rollout.reports.dashboard import write_report
from rollout.reports.gantt import write_gantt
from rollout.reports.risk import risk_html
from rollout.reports.status import status_html
from rollout.risk import simulate
from rollout.schedule import schedule
from rollout.tracking import Actual, status

from .plans import small_plan
from .test_browser import browser, open_page  # noqa: F401  (the fixture)

pytestmark = pytest.mark.browser

TASK = 'Launch "Customer First" week'
SYNTHESIS = "R&D <b>bold</b> it's 🚀"            # FM004's message quotes this name
OWNER = "O'Brien & <i>Co</i>"
WORKSTREAM = 'Kunden "Erste" שלום'
RISK = 'Risk <b>x</b> & "y" مرحبا 🚀'
TEXTS = (TASK, SYNTHESIS, OWNER, WORKSTREAM, RISK)
ENTITIES = ("&quot;", "&amp;", "&lt;", "&gt;", "&#", "&apos;")


def awkward_plan():
    plan = small_plan(TASK)
    tasks = tuple(dataclasses.replace(t, name=SYNTHESIS) if t.id == "customer.synthesis" else
                  dataclasses.replace(t, owner=OWNER) if t.id == "exec.pilot" else t for t in plan.tasks)
    return dataclasses.replace(plan, title="Acme", tasks=tasks,
                               workstreams=(Workstream("exec", "Executive involvement"),
                                            Workstream("customer", WORKSTREAM)),
                               risks=(Risk("R1", RISK, 0.5, 3, mitigation="exec.pilot"),))


def _hover_row(page, task_name: str) -> str:
    """Hover the Gantt row of a task (through its label point) and return the hover's text once it
    shows that task (the previous hover is cleared first, so a stale one is never read)."""
    page.evaluate("() => Plotly.Fx.unhover('gantt')")
    page.evaluate("""(name) => {
        const gd = document.getElementById('gantt');
        const k = gd._fullData.findIndex((t) => t.meta.rollout === 'labels');
        const hover = gd._fullData[k].hovertext;
        const i = hover.findIndex((h) => h.includes(name));
        Plotly.Fx.hover(gd, [{curveNumber: k, pointNumber: i}], 'x2y');
    }""", task_name.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))
    try:
        page.wait_for_function("(name) => document.querySelector('#gantt .hoverlayer').textContent.includes(name)",
                               arg=task_name, timeout=15_000)
    except Exception:
        pass                # the assertion below then shows what the hover holds
    return page.text_content("#gantt .hoverlayer")


def _no_markup_from_plan_text(page) -> None:
    # <b>bold</b>, <b>x</b> and <i>Co</i> would become <b>/<i> elements or bold/italic tspans
    made = page.evaluate("""() => [...document.querySelectorAll('b, i, tspan')]
        .filter((el) => el.tagName !== 'tspan' ? ['bold', 'x', 'Co'].includes(el.textContent)
                         : (el.style.fontWeight === 'bold' || el.style.fontStyle === 'italic')
                           && ['bold', 'x', 'Co'].includes(el.textContent))
        .map((el) => el.outerHTML)""")
    assert made == []


def test_dashboard_shows_every_awkward_text_as_written(browser, tmp_path):  # noqa: F811
    plan = awkward_plan()
    write_report(plan, tmp_path, today=dt.date(2027, 1, 25), risk_iterations=300)
    page, problems, dialogs = open_page(browser, tmp_path / "index.html")
    try:
        gantt = page.inner_text("#gantt")
        assert TASK in gantt and SYNTHESIS in gantt and WORKSTREAM in gantt    # labels and lane names
        hover = _hover_row(page, TASK)
        assert TASK in hover and "Executive involvement" in hover
        assert f"Owner: {OWNER}" in hover            # the pilot is the one with the awkward owner
        hover = _hover_row(page, SYNTHESIS)
        assert SYNTHESIS in hover and WORKSTREAM in hover
        page.evaluate("() => Plotly.Fx.unhover('gantt')")
        findings = page.inner_text("#findings")
        assert f"({SYNTHESIS}) feeds no decision" in findings
        assert WORKSTREAM in page.inner_text("#status")
        risk = page.inner_text("#risk")
        assert RISK in risk and OWNER not in ENTITIES
        body = page.inner_text("body")
        for entity in ENTITIES:
            assert entity not in body, entity
        _no_markup_from_plan_text(page)
        assert not problems and not dialogs, problems + dialogs
    finally:
        page.close()


def _open(browser, path):  # noqa: F811
    page = browser.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(path.as_uri())
    page.wait_for_function("() => [...document.querySelectorAll('.plotly-graph-div')].every((g) => g._fullLayout)")
    return page, problems


def test_status_and_risk_pages_show_awkward_text_as_written(browser, tmp_path):  # noqa: F811
    plan = awkward_plan()
    reported = {"exec.charter": Actual("exec.charter", "done", dt.date(2027, 1, 11), dt.date(2027, 1, 15))}
    (tmp_path / "status.html").write_text(status_html(status(plan, dt.date(2027, 1, 25), reported)))
    (tmp_path / "risk.html").write_text(risk_html(simulate(plan, iterations=300, seed=1, findings=[])))
    for name, wanted in (("status.html", (WORKSTREAM,)), ("risk.html", (RISK,))):
        page, problems = _open(browser, tmp_path / name)
        try:
            body = page.inner_text("body")
            for text in wanted:
                assert text in body, (name, text)
            # the bar chart's axis labels (workstreams) and the tornado's (task names) are plotly text
            if name == "status.html":
                assert WORKSTREAM in page.inner_text("#status-bars")
            else:
                assert any(t in page.inner_text("#risk-drivers") for t in (TASK, SYNTHESIS, "Programme charter"))
            for entity in ENTITIES:
                assert entity not in body, (name, entity)
            _no_markup_from_plan_text(page)
            assert not problems, problems
        finally:
            page.close()


def test_gantt_page_shows_awkward_text_as_written(browser, tmp_path):  # noqa: F811
    path = tmp_path / "gantt.html"
    write_gantt(schedule(awkward_plan()), str(path), collapse=False)
    page, problems, _ = open_page(browser, path)
    try:
        text = page.inner_text("#gantt")
        assert TASK in text and WORKSTREAM in text
        assert page.title() == "Gantt — Acme"
        for entity in ENTITIES:
            assert entity not in text, entity
        _no_markup_from_plan_text(page)
        assert not problems, problems
    finally:
        page.close()
