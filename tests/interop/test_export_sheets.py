"""The workbook re-read with openpyxl: real dates, a frozen header, filters, and never a formula; the CSV."""

from __future__ import annotations

import csv
import datetime as _dt

from click.testing import CliRunner
from openpyxl import load_workbook

import rollout
from rollout.cli import cli


def _export(plan_path, out, *extra):
    result = CliRunner().invoke(cli, ["export", str(plan_path), "-o", str(out), *extra])
    assert result.exit_code == 0, result.output
    return out


def test_workbook_has_real_dates_a_frozen_header_filters_and_no_formulas(links_plan, tmp_path):
    wb = load_workbook(_export(links_plan, tmp_path / "plan.xlsx"))
    assert wb.sheetnames == ["schedule", "status", "risks", "findings"]
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2", ws.title
        assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:"), ws.title
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", f"{ws.title}!{c.coordinate} is a formula: {c.value!r}"
    ws = wb["schedule"]
    header = [c.value for c in ws[1]]
    assert header[:13] == ["id", "wbs", "name", "workstream", "owner", "duration", "start", "finish", "late_start",
                           "late_finish", "total_float", "critical", "predecessors"]
    assert ws.auto_filter.ref == f"A1:O{ws.max_row}"
    rows = {r[0]: dict(zip(header, r)) for r in ws.iter_rows(min_row=2, values_only=True)}
    sched = rollout.schedule_plan(rollout.load_plan(links_plan))
    for tid, st in sched.tasks.items():
        assert rows[tid]["start"] == _dt.datetime.combine(st.start_date, _dt.time())
        assert rows[tid]["finish"] == _dt.datetime.combine(st.finish_date, _dt.time())
    start_cell = ws.cell(row=2, column=header.index("start") + 1)
    assert start_cell.is_date and start_cell.number_format == "yyyy-mm-dd"
    assert rows["exec.kickoff"]["name"] == '=HYPERLINK("http://x")'           # the text itself, as text
    kickoff_row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "exec.kickoff")
    assert kickoff_row[2].data_type == "s" and kickoff_row[2].quotePrefix
    assert rows["exec.sign"]["predecessors"] == "exec.review SF+3d"
    assert rows["data.synth"]["predecessors"] == "data.late FS; exec.sign FS+5d"
    assert rows["exec.charter"]["wbs"] == "1.1" and rows["data.survey"]["wbs"] == "2.1"
    assert ws.column_dimensions["C"].width > ws.column_dimensions["B"].width   # names are wider than WBS codes
    risks = list(wb["risks"].iter_rows(min_row=2))
    assert risks[0][1].value == "+cmd|' /C calc'!A0" and risks[0][1].quotePrefix
    assert "No progress reported" in wb["status"]["A2"].value


def test_status_sheet_lists_reported_progress(links_plan, tmp_path):
    actuals = tmp_path / "progress.csv"
    actuals.write_text("task,status,actual_start,actual_finish,percent_complete\n"
                       "exec.charter,done,2027-01-11,2027-01-15,100\n", encoding="utf-8")
    wb = load_workbook(_export(links_plan, tmp_path / "plan.xlsx", "--actuals", str(actuals),
                               "--as-of", "2027-01-20"))
    ws = wb["status"]
    header = [c.value for c in ws[1]]
    rows = {r[0]: dict(zip(header, r)) for r in ws.iter_rows(min_row=2, values_only=True) if r[0]}
    assert rows["exec.charter"]["status"] == "done" and rows["exec.charter"]["percent_complete"] == 100
    assert rows["data.survey"]["status"] == "todo"
    assert isinstance(rows["data.survey"]["forecast_finish"], _dt.datetime)


def test_findings_sheet_lists_the_checks_findings(links_plan, tmp_path):
    from rollout.checks import check_plan

    wb = load_workbook(_export(links_plan, tmp_path / "plan.xlsx"))
    codes = [r[0] for r in wb["findings"].iter_rows(min_row=2, values_only=True)]
    expected = [f.code for f in check_plan(rollout.load_plan(links_plan)).findings]
    assert codes == expected and codes


def test_csv_has_the_schedule_columns_and_neutralised_text(links_plan, tmp_path):
    out = _export(links_plan, tmp_path / "plan.csv")
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    by_id = {r["id"]: r for r in rows}
    assert by_id["exec.kickoff"]["name"] == "'=HYPERLINK(\"http://x\")"
    assert by_id["exec.review"]["predecessors"] == "exec.brief FF+1d"
    assert by_id["data.survey"]["predecessors"] == "exec.charter FS-2d"
    assert by_id["data.late"]["start"] == "2027-02-16" and by_id["data.late"]["start_no_earlier_than"] == "2027-02-13"
    assert by_id["data.synth"]["critical"] == "true" and by_id["exec.charter"]["critical"] == "false"
