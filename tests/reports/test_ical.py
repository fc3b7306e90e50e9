"""The iCalendar export, read back with icalendar and expanded with recurring_ical_events."""

from __future__ import annotations

import dataclasses
import datetime as dt

import icalendar
import pytest
import recurring_ical_events

from rollout.cadence import occurrences
from rollout.model import Cadence
from rollout.reports.ical import calendar_bytes, write_calendar
from rollout.schedule import schedule

from .plans import big_plan, small_plan

STAMP = dt.datetime(2027, 1, 1, 9, 30, tzinfo=dt.timezone.utc)


def parse(data: bytes):
    return icalendar.Calendar.from_ical(data)


def events(cal):
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


def expand(cal, uid):
    found = recurring_ical_events.of(cal).between(dt.date(2020, 1, 1), dt.date(2035, 1, 1))
    return sorted(e.DTSTART for e in found if str(e["UID"]) == uid)


@pytest.fixture
def sched():
    return schedule(small_plan())


def test_calendar_header(sched):
    cal = parse(calendar_bytes(sched, dtstamp=STAMP))
    assert str(cal["VERSION"]) == "2.0"
    assert str(cal["PRODID"]).startswith("-//rollout//")
    assert str(cal["X-WR-CALNAME"]) == "Acme <b>alignment</b>"


def test_milestones_are_all_day_events_on_their_date(sched):
    evs = events(parse(calendar_bytes(sched, dtstamp=STAMP)))
    ev = evs["acme-2027.exec.go-live@rollout"]
    assert ev.DTSTART == dt.date(2027, 2, 9) and not isinstance(ev.DTSTART, dt.datetime)
    assert ev.DTEND == dt.date(2027, 2, 10)
    assert str(ev["SUMMARY"]) == "Go-live decision"
    assert not [uid for uid in evs if "charter" in uid]              # tasks only with tasks=True


def test_tasks_on_request_span_their_dates(sched):
    evs = events(parse(calendar_bytes(sched, tasks=True, dtstamp=STAMP)))
    task_uids = {f"acme-2027.{t}@rollout" for t in sched.tasks}
    assert task_uids <= set(evs)
    voc = evs["acme-2027.customer.voc@rollout"]
    assert (voc.DTSTART, voc.DTEND) == (dt.date(2027, 1, 18), dt.date(2027, 1, 30))   # DTEND is exclusive


def test_cadences_recur_on_the_dates_of_the_cadence_module(sched):
    cal = parse(calendar_bytes(sched, dtstamp=STAMP))
    steering = expand(cal, "acme-2027.steering@rollout")
    # every 14 days from the plan start (Mon 11 Jan) up to the finish (Tue 9 Feb)
    assert steering == [dt.date(2027, 1, 11), dt.date(2027, 1, 25), dt.date(2027, 2, 8)]
    # from the synthesis (ends Wed 3 Feb): the next working day, then every 21 days until 9 Feb
    assert expand(cal, "acme-2027.panel@rollout") == [dt.date(2027, 2, 4)]
    for cadence in sched.plan.cadences:
        assert expand(cal, f"acme-2027.{cadence.id}@rollout") == occurrences(cadence, sched)
    rrule = events(cal)["acme-2027.steering@rollout"]["RRULE"]
    assert rrule["FREQ"] == ["WEEKLY"] and rrule["INTERVAL"] == [2] and rrule["UNTIL"] == [dt.date(2027, 2, 9)]


def test_odd_intervals_and_long_plans_expand_to_the_same_dates():
    plan = big_plan(300, workstreams=3)
    tasks = plan.tasks
    cadences = (Cadence("weekly", "Weekly note", 7, audience=("employees",)),
                Cadence("ten", "Ten-day pulse", 10, from_task=tasks[40].id),
                Cadence("dated", "Until a date", 21, until=dt.date(2027, 6, 30)),
                Cadence("to-task", "Until a task", 14, until=tasks[150].id))
    sched = schedule(dataclasses.replace(plan, cadences=cadences))
    cal = parse(calendar_bytes(sched, dtstamp=STAMP))
    for cadence in cadences:
        dates = expand(cal, f"{plan.id}.{cadence.id}@rollout")
        assert dates == occurrences(cadence, sched)
        assert len(dates) > 2
        assert {(b - a).days for a, b in zip(dates, dates[1:])} == {cadence.every}
    assert events(cal)[f"{plan.id}.ten@rollout"]["RRULE"]["FREQ"] == ["DAILY"]


def test_a_cadence_that_never_meets_has_no_event(sched):
    plan = dataclasses.replace(sched.plan, cadences=(Cadence("late", "Too late", 7, until=dt.date(2026, 1, 1)),))
    assert list(events(parse(calendar_bytes(schedule(plan), dtstamp=STAMP)))) == ["acme-2027.exec.go-live@rollout"]


def test_uids_are_stable_and_later_exports_outrank_earlier_ones(sched):
    first = events(parse(calendar_bytes(sched, tasks=True, dtstamp=STAMP)))
    later = events(parse(calendar_bytes(sched, tasks=True, dtstamp=STAMP + dt.timedelta(hours=2))))
    assert set(first) == set(later) and len(first) == 8
    for uid in first:
        assert later[uid]["SEQUENCE"] > first[uid]["SEQUENCE"]
        assert later[uid].DTSTAMP > first[uid].DTSTAMP


def test_source_date_epoch_makes_the_file_reproducible(sched, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1800000000")
    a, b = calendar_bytes(sched, tasks=True), calendar_bytes(sched, tasks=True)
    assert a == b
    assert b"DTSTAMP:20270115T080000Z" in a


def test_text_is_escaped_and_folded(sched):
    tricky = "Kick-off; Sales, Service\nand a very long name " + "x" * 120
    plan = dataclasses.replace(sched.plan, tasks=tuple(
        dataclasses.replace(t, name=tricky) if t.id == "exec.go-live" else t for t in sched.plan.tasks))
    data = calendar_bytes(schedule(plan), dtstamp=STAMP)
    assert all(len(line) <= 75 for line in data.split(b"\r\n"))
    assert b"Kick-off\\; Sales\\, Service\\nand" in data.replace(b"\r\n ", b"")
    assert str(events(parse(data))["acme-2027.exec.go-live@rollout"]["SUMMARY"]) == tricky


def test_write_calendar(sched, tmp_path):
    path = write_calendar(sched, str(tmp_path / "plan.ics"), dtstamp=STAMP)
    assert (tmp_path / "plan.ics").read_bytes() == calendar_bytes(sched, dtstamp=STAMP)
    assert path.endswith("plan.ics")
