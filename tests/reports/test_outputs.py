"""Outputs: special files stay special, plan text cannot break a calendar or a terminal, and a report
replaces its folder's files only once all of them are ready."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import stat
import threading

import icalendar
import pytest
from click.testing import CliRunner

from rollout.cli import cli
from rollout.model import Risk
from rollout.reports import dashboard
from rollout.reports.ical import calendar_bytes
from rollout.risk import simulate
from rollout.schedule import schedule
from rollout.util import atomic_write_bytes, text_table

from .plans import plan_yaml, small_plan


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


# -- special files ------------------------------------------------------------------------------

def test_output_onto_a_fifo_writes_into_it_and_keeps_it(tmp_path):
    plan = tmp_path / "acme.yaml"
    plan.write_text(plan_yaml("Pilot"))
    fifo = tmp_path / "feed.ics"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    result = run("calendar", plan, "-o", fifo)
    reader.join(timeout=10)
    assert result.exit_code == 0, result.output
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)                       # still the pipe, not a file
    assert got and got[0].startswith(b"BEGIN:VCALENDAR")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []     # no temporary left


def test_output_onto_a_device_node_writes_into_it_and_keeps_it(tmp_path):
    node = tmp_path / "null"
    try:
        os.mknod(node, 0o666 | stat.S_IFCHR, os.makedev(1, 3))       # the null device, as /dev/null is
    except (PermissionError, OSError) as exc:
        pytest.skip(f"mknod is not permitted here ({exc})")
    plan = tmp_path / "acme.yaml"
    plan.write_text(plan_yaml("Pilot"))
    result = run("gantt", plan, "-o", node)
    assert result.exit_code == 0, result.output
    st = os.stat(node)
    assert stat.S_ISCHR(st.st_mode) and os.major(st.st_rdev) == 1 and os.minor(st.st_rdev) == 3
    atomic_write_bytes(node, b"x" * 100_000)                         # the library call, too
    assert stat.S_ISCHR(os.stat(node).st_mode)


def test_a_regular_file_is_still_replaced_atomically(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    os.chmod(target, 0o640)
    atomic_write_bytes(target, b"new")
    assert target.read_text() == "new" and stat.S_IMODE(os.stat(target).st_mode) == 0o640


# -- calendar text ------------------------------------------------------------------------------

@pytest.mark.parametrize("title", ["Acme\nalignment", "Acme\rBEGIN:VEVENT\rSUMMARY:injected",
                                   "Acme\r\nEND:VCALENDAR", "A\x00cme \u202eemila\u202c 2027"])
def test_plan_text_cannot_break_or_inject_into_the_calendar(tmp_path, title):
    plan = dataclasses.replace(small_plan("Pilot\rBEGIN:VEVENT\x00"), title=title)
    sched = schedule(plan)
    data = calendar_bytes(sched, dtstamp=dt.datetime(2027, 1, 1))
    cal = icalendar.Calendar.from_ical(data)
    events = [c for c in cal.walk("VEVENT")]
    expected = sum(1 for t in plan.tasks if t.is_milestone) + len(plan.cadences)
    assert len(events) == expected
    # a lenient reader that ends a line at any CR or LF sees no extra component either
    lines = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")
    assert sum(1 for line in lines if line.startswith(b"BEGIN:VEVENT")) == expected
    assert sum(1 for line in lines if line.startswith(b"END:VCALENDAR")) == 1
    assert b"\x00" not in data and "\u202e".encode() not in data and b"\r" not in data.replace(b"\r\n", b"")
    name = str(cal["X-WR-CALNAME"])
    assert "\n" not in name and "Acme" in name.replace("A\x00cme", "Acme")


def test_report_with_a_multi_line_title_is_written(tmp_path):
    plan = tmp_path / "acme.yaml"
    plan.write_text(plan_yaml("Pilot").replace("title: Acme alignment", 'title: "Acme\\nalignment\\r2027"'))
    result = run("report", plan, "-o", tmp_path / "out", "--risk-iterations", 0, "--today", "2027-01-25")
    assert result.exit_code == 0, result.output
    cal = icalendar.Calendar.from_ical((tmp_path / "out" / "plan.ics").read_bytes())
    assert str(cal["X-WR-CALNAME"]) == "Acme alignment 2027"


def test_report_replaces_its_files_only_when_all_are_ready(tmp_path, monkeypatch):
    out = tmp_path / "out"
    dashboard.write_report(small_plan("First pilot"), out, today=dt.date(2027, 1, 25), risk_iterations=0)
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def broken(*args, **kwargs):
        raise RuntimeError("the page failed")

    monkeypatch.setattr("rollout.reports.html.render", broken)
    with pytest.raises(RuntimeError):
        dashboard.write_report(small_plan("Second pilot"), out, today=dt.date(2027, 1, 25), risk_iterations=0)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before       # nothing half replaced, no temporaries


# -- terminal text ------------------------------------------------------------------------------

def test_terminal_tables_drop_control_characters():
    table = text_table(("id", "name"), [("a", "Go\u202elive\x00\x1b[2J\rnext")])
    assert table.splitlines()[1] == "a   Golive[2J next"
    plan = dataclasses.replace(small_plan(), risks=(Risk("R1", "Sponsor\u202e quits\x00\x1b]0;pwned\x07", 0.5, 3),))
    text = simulate(plan, iterations=100, seed=1, findings=[]).to_text()
    assert "Sponsor quits]0;pwned" in text
    assert not any(ch in text for ch in "\x00\x1b\x07\u202e\r")
