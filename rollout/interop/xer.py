"""Primavera P6 XER out: the project, a WBS node per workstream, activities, relationships, the calendar.

XER is tab-separated text in tables (``%T`` name, ``%F`` fields, ``%R`` rows, ``%E`` end). Durations,
lags and float are in hours on the calendar's hours per day; the rollout id is the activity id.
"""

from __future__ import annotations

import datetime as _dt
from typing import Iterator

from ..schedule import Schedule
from .mspdi import HOURS_PER_DAY, holidays_of
from .resources import export_resources
from .table import late_dates, workstream_order

__all__ = ["XER_LINK_TYPES", "xer_text"]

XER_LINK_TYPES = {"FS": "PR_FS", "SS": "PR_SS", "FF": "PR_FF", "SF": "PR_SF"}
_EXCEL_EPOCH = _dt.date(1899, 12, 30)           # calendar exceptions are day numbers from this date
_PROJECT, _CALENDAR = 1, 1


def _cell(value: object) -> str:
    # a tab or a line break would end the field or the row
    return "" if value is None else str(value).replace("\t", " ").replace("\r", " ").replace("\n", " ")


def _table(name: str, fields: tuple[str, ...], rows) -> Iterator[str]:
    yield f"%T\t{name}\n%F\t" + "\t".join(fields) + "\n"
    for row in rows:
        yield "%R\t" + "\t".join(_cell(v) for v in row) + "\n"


def _at(day: _dt.date, hour: str) -> str:
    return f"{day.isoformat()} {hour}"


def xer_text(sched: Schedule) -> str:
    """The plan and its schedule as one XER document."""
    return "".join(_document(sched))


def _document(sched: Schedule) -> Iterator[str]:
    plan = sched.plan
    today = _dt.date.today().isoformat()
    yield f"ERMHDR\t19.12\t{today}\tProject\tadmin\tadmin\tdbxDatabaseNoName\tProject Management\tUSD\n"
    yield from _table("PROJECT", (
        "proj_id", "proj_short_name", "clndr_id", "plan_start_date", "plan_end_date", "scd_end_date",
        "last_recalc_date", "def_duration_type", "def_task_type", "critical_path_type", "critical_drtn_hr_cnt",
    ), [(_PROJECT, plan.id, _CALENDAR, _at(plan.start, "08:00"), _at(sched.finish_date, "17:00"),
         _at(sched.finish_date, "17:00"), _at(plan.start, "08:00"), "DT_FixedDrtn", "TT_Task", "CT_TotFloat", 0)])
    workdays = sorted(plan.calendar.workdays)
    yield from _table("CALENDAR", (
        "clndr_id", "default_flag", "clndr_name", "proj_id", "base_clndr_id", "clndr_type", "day_hr_cnt",
        "week_hr_cnt", "month_hr_cnt", "year_hr_cnt", "clndr_data",
    ), [(_CALENDAR, "Y", "Standard", "", "", "CA_Base", HOURS_PER_DAY, HOURS_PER_DAY * len(workdays),
         HOURS_PER_DAY * len(workdays) * 4, HOURS_PER_DAY * len(workdays) * 52, _calendar_data(sched, workdays))])
    groups = workstream_order(sched)
    # no project node: MPXJ would read one as a summary task above the workstreams
    wbs_id = {ws: k for k, (ws, _n, _i) in enumerate(groups, start=1)}
    yield from _table("PROJWBS", (
        "wbs_id", "proj_id", "seq_num", "proj_node_flag", "status_code", "wbs_short_name", "wbs_name",
        "parent_wbs_id",
    ), [(wbs_id[ws], _PROJECT, k, "N", "WS_Open", ws, name, "") for k, (ws, name, _i) in enumerate(groups, 1)])
    task_id: dict[str, int] = {}
    for _ws, _name, items in groups:
        for st in items:
            task_id[st.id] = len(task_id) + 1
    rows = []
    for ws, _name, items in groups:
        for st in items:
            rows.append(_task_row(sched, st, task_id[st.id], wbs_id[ws]))
    yield from _table("TASK", (
        "task_id", "proj_id", "wbs_id", "clndr_id", "task_type", "duration_type", "status_code", "task_code",
        "task_name", "total_float_hr_cnt", "remain_drtn_hr_cnt", "target_drtn_hr_cnt", "cstr_date",
        "cstr_type", "cstr_date2", "cstr_type2", "early_start_date", "early_end_date", "late_start_date",
        "late_end_date", "target_start_date", "target_end_date", "complete_pct_type",
    ), rows)
    links = []
    for st in sched.tasks.values():
        for dep in st.task.depends_on:
            links.append((len(links) + 1, task_id[st.id], task_id[dep.task], _PROJECT, _PROJECT,
                          XER_LINK_TYPES[dep.type], dep.lag * HOURS_PER_DAY))
    yield from _table("TASKPRED", ("task_pred_id", "task_id", "pred_task_id", "proj_id", "pred_proj_id",
                                   "pred_type", "lag_hr_cnt"), links)
    yield from _resources(sched, task_id)
    yield "%E\n"


def _resources(sched: Schedule, task_id: dict[str, int]) -> Iterator[str]:
    """People and pools (RSRC, their max units in RSRCRATE) and each task's units of them (TASKRSRC)."""
    resources = export_resources(sched.plan)
    if not resources:
        return
    yield from _table("RSRC", ("rsrc_id", "parent_rsrc_id", "clndr_id", "rsrc_name", "rsrc_short_name",
                               "rsrc_type", "email_addr", "def_qty_per_hr", "active_flag"),
                      [(r.uid, "", _CALENDAR, r.name, r.id, "RT_Labor", r.email or "", f"{r.units:g}", "Y")
                       for r in resources])
    yield from _table("RSRCRATE", ("rsrc_rate_id", "rsrc_id", "max_qty_per_hr", "cost_per_qty", "start_date"),
                      [(r.uid, r.uid, f"{r.units:g}", 0, _at(sched.plan.start, "00:00")) for r in resources])
    by_id = {r.id: r for r in resources}
    rows = []
    for st in sched.tasks.values():
        t = st.task
        for rid, units in t.resources:
            if rid in by_id:
                hours = f"{t.duration * HOURS_PER_DAY * units:g}"
                start = _at(st.start_date, "08:00")
                finish = _at(st.finish_date, "17:00") if t.duration else start
                rows.append((len(rows) + 1, task_id[st.id], _PROJECT, by_id[rid].uid, "RT_Labor", hours, hours,
                             f"{units:g}", f"{units:g}", start, finish, start, finish))
    yield from _table("TASKRSRC", ("taskrsrc_id", "task_id", "proj_id", "rsrc_id", "rsrc_type", "remain_qty",
                                   "target_qty", "remain_qty_per_hr", "target_qty_per_hr", "target_start_date",
                                   "target_end_date", "restart_date", "reend_date"), rows)


def _task_row(sched: Schedule, st, tid: int, wbs: int) -> tuple:
    t = st.task
    d = t.duration
    ls, lf = late_dates(sched, st)
    if d == 0:
        # a finish milestone: at the end of the day it is dated (as MS Project shows one after its predecessor)
        start = finish = _at(st.start_date, "17:00")
        late_start = late_finish = _at(lf, "17:00")
    else:
        start, finish = _at(st.start_date, "08:00"), _at(st.finish_date, "17:00")
        late_start, late_finish = _at(ls, "08:00"), _at(lf, "17:00")
    snet = None
    if t.start_no_earlier_than:
        cal = sched.calendar
        snet = _at(t.start_no_earlier_than if d == 0 else cal.date(cal.index_on_or_after(t.start_no_earlier_than)),
                   "08:00")
    return (tid, _PROJECT, wbs, _CALENDAR, "TT_FinMile" if d == 0 else "TT_Task", "DT_FixedDrtn", "TK_NotStart",
            t.id, t.name, st.total_float * HOURS_PER_DAY, d * HOURS_PER_DAY, d * HOURS_PER_DAY,
            snet, "CS_MSOA" if snet else "",
            _at(t.deadline, "17:00") if t.deadline else "", "CS_MEOB" if t.deadline else "",
            start, finish, late_start, late_finish, start, finish, "CP_Drtn")


def _calendar_data(sched: Schedule, workdays: list[int]) -> str:
    hours = "(0||0(s|08:00|f|12:00)())(0||1(s|13:00|f|17:00)())"
    days = []
    for p6_day in range(1, 8):                     # 1 = Sunday … 7 = Saturday
        weekday = (p6_day + 5) % 7
        days.append(f"(0||{p6_day}()({hours if weekday in workdays else ''}))")
    off = "".join(f"(0||{k}(d|{(day - _EXCEL_EPOCH).days})())" for k, (day, _n) in enumerate(holidays_of(sched)))
    return f"(0||CalendarData()((0||DaysOfWeek()({''.join(days)}))(0||Exceptions()({off}))))"
