"""Earned schedule in status: SPI(t), IEAC(t) and BEI, worked out by hand on the pilot plan.

Pilot (working days from day 0 = Mon 2027-01-04): interviews 0–5 (5 d), synthesis 5–10 (5 d), gate
milestone at 10, process maps 2–12 (10 d, SS+2 on interviews), tool 12–16 (4 d). Value = duration:
24 in all; planned duration PD = 16.
"""

from __future__ import annotations

import json

from click.testing import CliRunner

from rollout.cli import cli

from .test_cli_tracking import HEADER, PLAN


def status(tmp_path, rows: str, as_of: str, fmt: str = "json"):
    plan = tmp_path / "pilot.yaml"
    plan.write_text(PLAN)
    csv = tmp_path / "a.csv"
    csv.write_text(HEADER + rows)
    out = CliRunner().invoke(cli, ["status", str(plan), "--actuals", str(csv), "--as-of", as_of, "--format", fmt])
    assert out.exit_code == 0, out.output
    return json.loads(out.output) if fmt == "json" else out.output


def test_behind_schedule(tmp_path):
    # as of Thu 2027-01-14: AT = 8. Earned: interviews 5 + synthesis 20 % of 5 = 6.
    # Planned by day 4: interviews 4 + maps 2 = 6, so ES = 4.0; SPI(t) = 4/8 = 0.5;
    # IEAC(t) = 16 / 0.5 = 32 working days: the end of day 31 = Tue 2027-02-16.
    # BEI: only interviews was baselined to finish by 01-14 (synthesis on 01-15), and it is done: 1/1.
    es = status(tmp_path, "disc.interviews,done,2027-01-04,2027-01-08,\n"
                          "disc.synthesis,in-progress,2027-01-11,,20\n", "2027-01-14")["earned_schedule"]
    assert (es["at_days"], es["pd_days"], es["es_days"], es["spi_t"]) == (8, 16, 4.0, 0.5)
    assert (es["ieac_t_days"], es["ieac_t"]) == (32.0, "2027-02-16")
    assert (es["bei"], es["bei_finished"], es["bei_baselined"]) == (1.0, 1, 1)


def test_interpolated_and_ahead(tmp_path):
    # as of Mon 2027-01-11: AT = 5. Earned: interviews 5 + maps 60 % of 10 = 11.
    # PV(5) = 5 + 3 = 8, PV(6) = 5 + 1 + 4 = 10, PV(7) = 5 + 2 + 5 = 12: C = 6, ES = 6 + (11 − 10)/2 = 6.5.
    # SPI(t) = 6.5 / 5 = 1.3; IEAC(t) = 16 / 1.3 = 12.3 → day 13 ends Wed 2027-01-20.
    # BEI: interviews (due 01-08) done: 1/1; synthesis (due 01-15) not yet due.
    es = status(tmp_path, "disc.interviews,done,2027-01-04,2027-01-08,\n"
                          "design.maps,in-progress,2027-01-06,,60\n", "2027-01-11")["earned_schedule"]
    assert (es["es_days"], es["spi_t"], es["ieac_t_days"], es["ieac_t"]) == (6.5, 1.3, 12.3, "2027-01-20")
    assert es["bei"] == 1.0


def test_bei_counts_tasks_due_but_not_finished(tmp_path):
    # as of Mon 2027-01-18 (AT = 10): interviews (01-08), synthesis and the gate (01-15) are due: 3.
    # Only interviews is finished: BEI = 1/3. Earned 5 + maps 10 % = 6 → ES = 4.0, SPI(t) 0.4.
    es = status(tmp_path, "disc.interviews,done,2027-01-04,2027-01-08,\n"
                          "design.maps,in-progress,2027-01-06,,10\n", "2027-01-18")["earned_schedule"]
    assert (es["bei_finished"], es["bei_baselined"], es["bei"]) == (1, 3, 0.333)
    assert (es["es_days"], es["spi_t"], es["ieac_t"]) == (4.0, 0.4, "2027-02-26")   # 16/0.4 = 40: day 39, Fri


def test_everything_done_earns_the_whole_planned_duration(tmp_path):
    rows = "".join(f"{t},done,2027-01-04,2027-01-20,\n" for t in
                   ("disc.interviews", "disc.synthesis", "disc.gate", "design.maps", "design.tool"))
    es = status(tmp_path, rows, "2027-01-27")["earned_schedule"]          # AT = 17
    assert es["es_days"] == 16 and es["spi_t"] == round(16 / 17, 3) and es["bei"] == 1.0


def test_no_spi_before_the_start_and_text_and_html(tmp_path):
    es = status(tmp_path, "disc.interviews,in-progress,2027-01-04,,0\n", "2027-01-04")["earned_schedule"]
    assert es["spi_t"] is None and es["note"] == "the status date is on or before the plan's start"
    rows = "disc.interviews,done,2027-01-04,2027-01-08,\ndisc.synthesis,in-progress,2027-01-11,,20\n"
    text = status(tmp_path, rows, "2027-01-14", fmt="text")
    assert ("Earned schedule: SPI(t) 0.50 (ES 4.0 of AT 8 working days): forecast finish 2027-02-16 at this "
            "pace, CPM forecast 2027-02-02; BEI 1.00 (1 finished of 1 baselined") in text
    html = status(tmp_path, rows, "2027-01-14", fmt="html")
    assert "<strong>SPI(t) 0.50</strong>" in html and "forecast finish <strong>2027-02-16</strong>" in html


def test_nothing_is_given_without_progress(tmp_path):
    # no row reported: no figure is a verdict, BEI included (3 tasks were due, none is known finished)
    es = status(tmp_path, "", "2027-01-18")["earned_schedule"]
    assert es["spi_t"] is None and es["bei"] is None and es["note"] == "no progress reported yet"
    assert es["bei_baselined"] == 3
    assert "Earned schedule: not given until progress is reported" in status(tmp_path, "", "2027-01-18", "text")
    assert "Earned schedule: not given until progress is reported." in status(tmp_path, "", "2027-01-18", "html")
