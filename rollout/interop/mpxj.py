"""The bridge to MPXJ (Java, through JPype): reads MSPDI, MPP, XER and other project files into task lists.

Optional: ``pip install 'rollout[mpxj]'`` and a Java runtime. Without either, one clear UsageError.
"""

from __future__ import annotations

import datetime as _dt
import shutil
from pathlib import Path

from ..errors import PlanError, UsageError
from .tasklist import SourcePlan, SourceTask

__all__ = ["read_project", "start_jvm"]

_LINK_TYPES = {"FINISH_START": "FS", "START_START": "SS", "FINISH_FINISH": "FF", "START_FINISH": "SF"}


def start_jvm() -> None:
    """Start the Java VM with MPXJ on its class path (once per process)."""
    try:
        import jpype
        import mpxj  # noqa: F401  (puts MPXJ's jars on the class path)
    except ImportError:
        raise UsageError("reading MS Project and Primavera files needs the mpxj extra: "
                         "pip install 'rollout[mpxj]' (and a Java runtime)") from None
    if jpype.isJVMStarted():
        return
    try:
        jvm = jpype.getDefaultJVMPath()
    except jpype.JVMNotFoundException:
        hint = "" if shutil.which("java") is None else " (java is on PATH but JPype cannot find libjvm; set JAVA_HOME)"
        raise UsageError("reading MS Project and Primavera files needs a Java runtime (11 or later), e.g. "
                         f"apt-get install default-jre-headless{hint}") from None
    jpype.startJVM(jvm, "-Xmx2g", "-Dlog4j2.level=OFF", convertStrings=True)


def read_project(path: str | Path, start: _dt.date | None, warn) -> SourcePlan:
    """A project file (MSPDI, MPP, XER, …) as a SourcePlan, through MPXJ."""
    start_jvm()
    import jpype
    from java.time import LocalDate
    from org.mpxj import TimeUnit
    from org.mpxj.reader import UniversalProjectReader

    display = str(path)
    try:
        project = UniversalProjectReader().read(str(path))
    except jpype.JException as exc:
        raise PlanError(f"MPXJ cannot read this file: {exc.getMessage() or exc}", display) from None
    if project is None:
        raise PlanError("not a project file MPXJ recognises (MSPDI, MPP, XER, …)", display)
    props = project.getProjectProperties()
    all_tasks = [t for t in project.getTasks() if not t.getNull() and (t.getOutlineLevel() or 0) >= 1
                 and t.getUniqueID() is not None]
    # an XER or PMXML file with several projects: MPXJ reads the first; a lone project summary (level 0) is skipped
    summaries = {int(t.getUniqueID()) for t in all_tasks if t.getSummary()}
    leaves = [t for t in all_tasks if not t.getSummary()]

    # a lone top-level summary holding the other summaries is the project itself (a P6 project node):
    # the workstreams are the level below it
    tops = [t for t in all_tasks if (t.getOutlineLevel() or 0) == 1]
    ws_level = 2 if len(tops) == 1 and tops[0].getSummary() and any(
        c.getSummary() for c in tops[0].getChildTasks()) else 1

    def top_summary(task):
        chain = chains[int(task.getUniqueID())]   # parent first, top last
        return chain[-ws_level] if len(chain) >= ws_level else None

    def days(duration, what: str, notes: dict) -> int:
        if duration is None:
            return 0
        units = str(duration.getUnits().name())
        if units.startswith("ELAPSED_"):
            notes.setdefault("elapsed", []).append(what)
        elif units == "PERCENT":
            notes.setdefault("percent", []).append(what)
            return 0
        value = float(duration.convertUnits(TimeUnit.DAYS, props).getDuration())
        if abs(value - round(value)) > 1e-6:
            notes.setdefault("fraction", []).append(f"{what} ({value:g}d)")
        return int(round(value))

    chains: dict[int, list] = {}              # task uid → its summaries, parent first (one Java walk each)
    under: dict[int, list] = {}               # summary uid → the tasks under it
    for t in leaves:
        chain = chains[int(t.getUniqueID())] = _ancestors(t)
        for a in chain:
            under.setdefault(int(a.getUniqueID()), []).append(t)

    def leaves_under(uid: int) -> list:
        return under.get(uid, [])

    notes: dict[str, list[str]] = {}
    people: dict[str, str] = {}
    resource_id, pools, capacity, emails = _resources(project, people)
    nested = sum(1 for t in all_tasks if t.getSummary() and (t.getOutlineLevel() or 0) > ws_level)
    tasks: list[SourceTask] = []
    for t in leaves:
        name = str(t.getName() or f"Task {t.getUniqueID()}")
        what = f"'{name}'"
        top = top_summary(t)
        deps: list[tuple[str, str, int]] = []
        for r in t.getPredecessors():
            pred = r.getPredecessorTask()
            typ = _LINK_TYPES.get(str(r.getType().name()), "FS")
            lag = days(r.getLag(), f"the link {pred.getName()} → {name}", notes)
            targets = [pred]
            if int(pred.getUniqueID()) in summaries:
                targets = leaves_under(int(pred.getUniqueID()))
                notes.setdefault("summary-link", []).append(f"{pred.getName()} → {name}")
            deps += [(str(p.getUniqueID()), typ, lag) for p in targets]
        for ancestor in chains[int(t.getUniqueID())]:     # links to a summary hold for each task under it
            for r in ancestor.getPredecessors():
                pred = r.getPredecessorTask()
                if pred in under.get(int(ancestor.getUniqueID()), ()) or _has_ancestor(pred, int(ancestor.getUniqueID())):
                    continue
                typ = _LINK_TYPES.get(str(r.getType().name()), "FS")
                link_name = f"{pred.getName()} → {ancestor.getName()}"
                if typ in ("FF", "SF"):
                    notes.setdefault("summary-finish", []).append(link_name)
                elif link_name not in notes.get("summary-link", ()):
                    notes.setdefault("summary-link", []).append(link_name)
                lag = days(r.getLag(), f"the link {pred.getName()} → {ancestor.getName()}", notes)
                targets = leaves_under(int(pred.getUniqueID())) if int(pred.getUniqueID()) in summaries else [pred]
                deps += [(str(p.getUniqueID()), typ, lag) for p in targets]
        snet = None
        ctype = t.getConstraintType()
        ctype = str(ctype.name()) if ctype is not None else "AS_SOON_AS_POSSIBLE"
        if ctype == "START_NO_EARLIER_THAN" and t.getConstraintDate() is not None:
            snet = _day_of_start(t.getConstraintDate())
        elif ctype not in ("AS_SOON_AS_POSSIBLE",):
            notes.setdefault("constraint", []).append(f"{what} ({ctype.lower().replace('_', ' ')})")
        if str(t.getTaskMode().name()) == "MANUALLY_SCHEDULED" if t.getTaskMode() is not None else False:
            notes.setdefault("manual", []).append(what)
        deadline = t.getDeadline()
        owner = t.getContact()
        if not owner:
            # the first resource assigned owns the task; all of them stay the task's resources
            ids = [resource_id[int(a.getResource().getUniqueID())] for a in t.getResourceAssignments()
                   if a.getResource() is not None and a.getResource().getUniqueID() is not None
                   and int(a.getResource().getUniqueID()) in resource_id]
            owner = ids[0] if ids else None
            if len(ids) > 1:
                notes.setdefault("resources", []).append(what)
        if owner:
            from ..util import slugify

            owner = str(owner)
            if slugify(owner) != owner:
                people.setdefault(slugify(owner), owner)
        hint = t.getText(1)                       # the rollout id, in files rollout wrote
        hint = str(hint) if hint and "." in str(hint) else None
        duration = 0 if t.getMilestone() else days(t.getDuration(), what, notes)
        used: dict[str, float] = {}
        for a in t.getResourceAssignments():
            res = a.getResource()
            rid = resource_id.get(int(res.getUniqueID())) if res is not None and res.getUniqueID() is not None else None
            if rid is not None and a.getUnits() is not None and float(a.getUnits()) > 0:
                used[rid] = used.get(rid, 0.0) + round(float(a.getUnits()) / 100.0, 4)
        tasks.append(SourceTask(
            str(t.getUniqueID()), name, duration, str(top.getName()) if top is not None else None, deps, owner,
            snet, _dt.date.fromisoformat(str(deadline.toLocalDate())) if deadline is not None else None,
            f"{display}: task {name}", hint, str(t.getActivityID()) if t.getActivityID() else None,
            list(used.items())))
    _say(notes, nested, warn, display)
    cal = project.getDefaultCalendar() or (project.getCalendars()[0] if project.getCalendars() else None)
    workdays: tuple[int, ...] = (0, 1, 2, 3, 4)
    holidays: list[_dt.date] = []
    begin_dt = props.getStartDate()
    source_start = _dt.date.fromisoformat(str(begin_dt.toLocalDate())) if begin_dt is not None else None
    begin = start or source_start or _dt.date.today()
    if cal is not None:
        from java.time import DayOfWeek

        workdays = tuple(k for k, d in enumerate(("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY",
                                                   "SATURDAY", "SUNDAY"))
                         if cal.isWorkingDay(getattr(DayOfWeek, d)))
        finish_dt = props.getFinishDate()
        last = _dt.date.fromisoformat(str(finish_dt.toLocalDate())) if finish_dt is not None else begin
        day, stop = min(begin, source_start or begin), max(last, begin) + _dt.timedelta(days=366)
        while day <= stop:
            if day.weekday() in workdays and not cal.isWorkingDate(LocalDate.of(day.year, day.month, day.day)):
                holidays.append(day)
            day += _dt.timedelta(days=1)
    title = props.getProjectTitle() or props.getName() or Path(display).stem
    return SourcePlan(display, str(title), begin, tasks, workdays or (0, 1, 2, 3, 4), tuple(holidays), people,
                      capacity, emails, pools)


def _resources(project, people: dict[str, str]):
    """Work resources as people and pools: (resource uid → id, pools, capacities, emails); ``people`` is
    filled in place. A resource with more than 100% max units is a pool, else a person (rollout's own
    files keep the id in the resource's Text1, P6 files in the resource id)."""
    from ..util import slugify

    resource_id: dict[int, str] = {}
    pools: dict[str, tuple[str, float]] = {}
    capacity: dict[str, float] = {}
    emails: dict[str, str] = {}
    start = project.getProjectProperties().getStartDate()
    used = set(people)
    for r in project.getResources():
        if r.getUniqueID() is None or not r.getName() or (r.getType() is not None and str(r.getType().name()) != "WORK"):
            continue
        name = str(r.getName())
        hint = r.getText(1) or r.getResourceID()
        rid = slugify(str(hint)) if hint else ""
        rid = rid or slugify(name) or f"r{r.getUniqueID()}"
        base, n = rid, 2
        while rid in used:
            rid, n = f"{base}-{n}", n + 1
        used.add(rid)
        resource_id[int(r.getUniqueID())] = rid
        units = r.getMaxUnits()
        if units is None and start is not None and r.getAvailability() is not None:
            entry = r.getAvailability().getEntryByDate(start)
            units = entry.getUnits() if entry is not None else None
        if units is None:
            units = r.getDefaultUnits()
        units = round(float(units) / 100.0, 4) if units is not None else 1.0
        if units > 1.0:
            pools[rid] = (name, units)
        else:
            people[rid] = name
            if units != 1.0 and units > 0:
                capacity[rid] = units
            if r.getEmailAddress():
                emails[rid] = str(r.getEmailAddress())
    return resource_id, pools, capacity, emails


def _ancestors(task) -> list:
    out, parent = [], task.getParentTask()
    while parent is not None and (parent.getOutlineLevel() or 0) >= 1:
        out.append(parent)
        parent = parent.getParentTask()
    return out


def _has_ancestor(task, uid: int) -> bool:
    return any(int(a.getUniqueID()) == uid for a in _ancestors(task))


def _day_of_start(java_datetime) -> _dt.date:
    """A start-no-earlier-than instant as the day work may begin (at or after 17:00: the next day)."""
    day = _dt.date.fromisoformat(str(java_datetime.toLocalDate()))
    return day + _dt.timedelta(days=1) if int(java_datetime.getHour()) >= 17 else day


_NOTES = {
    "elapsed": "elapsed durations or lags become working days (rollout counts working days only)",
    "percent": "lags in percent of the predecessor's duration are dropped (lag 0)",
    "fraction": "durations or lags that are not whole working days are rounded",
    "summary-link": "links from or to a summary task become links from or to each task under it",
    "summary-finish": "FF/SF links to a summary task become links to each task under it (stricter than "
                      "the source: every task, not only the last, must meet them)",
    "constraint": "only start-no-earlier-than constraints are kept; other constraints are dropped",
    "manual": "manually scheduled tasks are scheduled automatically",
    "resources": "tasks with several resources (all kept as the task's resources) have the first as owner",
}


def _say(notes: dict[str, list[str]], nested: int, warn, display: str) -> None:
    if nested:
        warn(f"{display}: {nested} summary task{'s' if nested > 1 else ''} below the top level "
             "flattened into their top-level workstream")
    for key, items in notes.items():
        shown = ", ".join(items[:5]) + (f" and {len(items) - 5} more" if len(items) > 5 else "")
        warn(f"{display}: {_NOTES[key]}: {shown}")
