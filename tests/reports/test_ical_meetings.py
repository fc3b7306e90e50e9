"""Meetings at a time, attendees and organizer from people, holidays left out or moved: the export read
back with icalendar and expanded with recurring_ical_events."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import icalendar
import pytest
import recurring_ical_events

from rollout.errors import PlanError
from rollout.expand import expand_text
from rollout.reports.ical import calendar_bytes
from rollout.schedule import schedule

STAMP = dt.datetime(2027, 1, 1, 9, 30, tzinfo=dt.timezone.utc)
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")

PLAN = """\
plan: acme
title: Acme rollout
start: 2027-01-04
calendar: {{holidays: [2027-01-18]{zone}}}
people:
  - {{id: dana, name: Dana Whitfield, email: dana@acme.example, roles: [sponsor]}}
  - {{id: omar, name: Omar Haddad, email: omar@acme.example, roles: [pmo]}}
  - {{id: lena, name: Lena Vogt, email: lena@acme.example, roles: [trainer]}}
  - {{id: tom, name: Tom Berg, roles: [pmo]}}
audiences:
  - {{id: branches, name: Branch staff}}
workstreams:
  - id: w
    tasks:
      - {{id: a, name: Build, duration: 30, owner: sponsor}}
cadences:
  - id: steering
    name: Steering committee
    every: 1w
    owner: sponsor
    participants: [pmo, lena]
{extra}
"""


def plan(extra: str = "    at: \"10:00\"\n    length: 1h\n", zone: str = ""):
    return expand_text(PLAN.format(extra=extra, zone=zone), "acme.yaml")


def read(p):
    return icalendar.Calendar.from_ical(calendar_bytes(schedule(p), dtstamp=STAMP))


def starts(cal):
    found = recurring_ical_events.of(cal).between(dt.date(2027, 1, 1), dt.date(2027, 3, 1))
    return sorted((e.DTSTART, e.DTEND) for e in found if str(e["UID"]) == "acme.steering@rollout")


def masters(cal):
    return [e for e in cal.walk("VEVENT") if str(e["UID"]) == "acme.steering@rollout" and "RRULE" in e]


def test_a_timed_meeting_has_a_zoned_start_and_end_and_a_vtimezone():
    cal = read(plan("    at: \"10:00\"\n    length: 90m\n    timezone: Europe/Berlin\n"))
    ev = masters(cal)[0]
    assert ev.DTSTART == dt.datetime(2027, 1, 4, 10, 0, tzinfo=BERLIN)
    assert ev["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert ev.DTEND - ev.DTSTART == dt.timedelta(minutes=90)
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Europe/Berlin"]
    meetings = starts(cal)
    # weekly from Mon 4 Jan to the plan's finish (Mon 15 Feb: 30 working days less the holiday); the holiday Monday 18 Jan is left out (EXDATE)
    assert [s.date() for s, _ in meetings] == [dt.date(2027, 1, 4), dt.date(2027, 1, 11), dt.date(2027, 1, 25),
                                               dt.date(2027, 2, 1), dt.date(2027, 2, 8), dt.date(2027, 2, 15)]
    assert all(s.hour == 10 and s.utcoffset() == dt.timedelta(hours=1) for s, _ in meetings)
    assert ev["EXDATE"]


def test_the_plan_timezone_is_the_default_and_without_one_time_is_floating():
    ev = masters(read(plan(zone=", timezone: Europe/Berlin")))[0]
    assert ev.DTSTART == dt.datetime(2027, 1, 4, 10, 0, tzinfo=BERLIN)
    floating = read(plan())
    ev = masters(floating)[0]
    assert ev.DTSTART == dt.datetime(2027, 1, 4, 10, 0) and ev.DTSTART.tzinfo is None
    assert ev.DTEND == dt.datetime(2027, 1, 4, 11, 0)
    assert not floating.walk("VTIMEZONE")


def test_without_at_a_meeting_stays_all_day():
    cal = read(plan(""))
    ev = masters(cal)[0]
    assert ev.DTSTART == dt.date(2027, 1, 4) and not isinstance(ev.DTSTART, dt.datetime)
    assert dt.date(2027, 1, 18) not in [s for s, _ in starts(cal)]


def test_on_holiday_next_moves_the_meeting_to_the_next_working_day():
    cal = read(plan("    at: \"10:00\"\n    length: 30m\n    timezone: Europe/Berlin\n    on_holiday: next\n"))
    meetings = starts(cal)
    days = [s.date() for s, _ in meetings]
    assert dt.date(2027, 1, 18) not in days and dt.date(2027, 1, 19) in days
    moved = [s for s, e in meetings if s.date() == dt.date(2027, 1, 19)][0]
    assert moved == dt.datetime(2027, 1, 19, 10, 0, tzinfo=BERLIN)
    assert len(days) == 7
    override = [e for e in cal.walk("VEVENT") if "RECURRENCE-ID" in e][0]
    assert override.decoded("RECURRENCE-ID") == dt.datetime(2027, 1, 18, 10, 0, tzinfo=BERLIN)
    assert override.DTEND - override.DTSTART == dt.timedelta(minutes=30)


def test_attendees_and_organizer_come_from_people_with_an_email():
    ev = masters(read(plan()))[0]
    attendees = ev.get("ATTENDEE")
    attendees = attendees if isinstance(attendees, list) else [attendees]
    assert sorted(str(a) for a in attendees) == ["mailto:lena@acme.example", "mailto:omar@acme.example"]
    for a in attendees:                              # tom holds pmo but has no email: not invited
        assert a.params["ROLE"] == "REQ-PARTICIPANT" and a.params["PARTSTAT"] == "NEEDS-ACTION"
        assert a.params["RSVP"] == "TRUE"
    assert {a.params["CN"] for a in attendees} == {"Lena Vogt", "Omar Haddad"}
    assert str(ev["ORGANIZER"]) == "mailto:dana@acme.example"        # owner: sponsor → dana
    assert ev["ORGANIZER"].params["CN"] == "Dana Whitfield"


def test_audience_members_are_attendees_too():
    ev = masters(read(plan("    audience: [trainer]\n")))[0]
    attendees = ev.get("ATTENDEE")
    attendees = attendees if isinstance(attendees, list) else [attendees]
    assert sorted(str(a) for a in attendees) == ["mailto:lena@acme.example", "mailto:omar@acme.example"]


@pytest.mark.parametrize("extra, key, message", [
    ("    at: \"25:00\"\n", "at", "not a time of day"),
    ("    length: forever\n", "length", "not a meeting length"),
    ("    timezone: Mars/Olympus\n", "timezone", "unknown time zone"),
    ("    on_holiday: later\n", "on_holiday", "unknown on_holiday"),
])
def test_bad_meeting_keys_are_errors_at_their_line(extra, key, message):
    with pytest.raises(PlanError) as err:
        plan(extra)
    assert message in str(err.value)
    text = PLAN.format(extra=extra, zone="").splitlines()
    line = next(i for i, t in enumerate(text, 1) if t.strip().startswith(key + ":"))
    assert f"acme.yaml:{line}" in str(err.value)


def test_plan_timezone_is_checked():
    with pytest.raises(PlanError, match="unknown time zone"):
        plan(zone=", timezone: Europe/Nowhere")


def test_lengths_in_minutes_and_hours():
    assert plan("    at: 9:30\n    length: 90m\n").cadences[0].length == 90
    assert plan("    at: \"9:30\"\n    length: 1h\n").cadences[0].at == "09:30"      # unquoted 9:30 is 570 in YAML
    assert plan("    at: 9:30\n    length: 30m\n").cadences[0].at == "09:30"


FOR_PLAN = PLAN.format(zone="", extra="    at: \"10:00\"\n") + """\
  - {id: training-sync, name: Trainer sync, every: 2w, participants: [trainer]}
  - {id: branch-news, name: Branch newsletter, every: 4w, audience: [branches]}
"""
FOR_TASKS = """\
      - {id: train, name: Train the trainers, duration: 5, depends_on: [a], participants: [trainer]}
      - {id: tell, name: Tell the branches, duration: 2, depends_on: [a], audience: [branches]}
      - {id: cut, name: Cut over, duration: 3, depends_on: [a], resources: {omar: 0.5}}
      - {id: done, name: Live, duration: 0, depends_on: [train, tell, cut]}
"""


def _for(tmp_path, *args):
    from click.testing import CliRunner

    from rollout.cli import cli

    path = tmp_path / "acme.yaml"
    path.write_text(FOR_PLAN.replace("      - {id: a, name: Build, duration: 30, owner: sponsor}\n",
                                     "      - {id: a, name: Build, duration: 30, owner: sponsor}\n" + FOR_TASKS))
    out = tmp_path / "feed.ics"
    result = CliRunner().invoke(cli, ["calendar", str(path), "-o", str(out), *args])
    if result.exit_code:
        return result, None
    cal = icalendar.Calendar.from_ical(out.read_bytes())
    return result, cal


def _uids(cal):
    return sorted({str(e["UID"]).removeprefix("acme.").removesuffix("@rollout") for e in cal.walk("VEVENT")})


def test_for_a_person_is_what_they_own_attend_take_part_in_or_are_a_resource_of(tmp_path):
    _, cal = _for(tmp_path, "--for", "lena")
    assert _uids(cal) == ["steering", "training-sync", "w.train"]    # by id, and by their role (trainer)
    assert str(cal["X-WR-CALNAME"]) == "Acme rollout: Lena Vogt"
    _, cal = _for(tmp_path, "--for", "omar")
    assert _uids(cal) == ["steering", "w.cut"]                         # role pmo; a resource of cut
    _, cal = _for(tmp_path, "--for", "dana")
    assert _uids(cal) == ["steering", "w.a"]                            # owns a (as sponsor) and organizes
    _, full = _for(tmp_path)
    assert "w.done" in _uids(full) and "branch-news" in _uids(full)


def test_for_an_audience_or_a_role(tmp_path):
    _, cal = _for(tmp_path, "--for", "branches")
    assert _uids(cal) == ["branch-news", "w.tell"]
    assert str(cal["X-WR-CALNAME"]) == "Acme rollout: Branch staff"
    _, cal = _for(tmp_path, "--for", "trainer")
    assert _uids(cal) == ["training-sync", "w.train"]
    expanded = recurring_ical_events.of(cal).between(dt.date(2027, 1, 1), dt.date(2028, 1, 1))
    assert {str(e["UID"]) for e in expanded} == {"acme.training-sync@rollout", "acme.w.train@rollout"}


def test_for_someone_unknown_is_a_usage_error_with_a_suggestion(tmp_path):
    result, _ = _for(tmp_path, "--for", "lenna")
    assert result.exit_code == 2
    assert "lenna" in result.output and "did you mean 'lena'" in result.output
    assert "Traceback" not in result.output
