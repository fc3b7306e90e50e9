"""Plan commands: templates, new, expand, schedule."""

from __future__ import annotations

import click

from ..util import no_gc
from ._common import PLAN_ARG, emit, format_option, load, output_option, to_csv, to_json, to_table

EXPAND_COLUMNS = ("id", "name", "workstream", "kind", "phase", "element", "duration", "owner", "depends_on",
                  "participants", "audience", "produces", "consumes", "tags")
SCHEDULE_COLUMNS = ("id", "name", "workstream", "kind", "duration", "start", "finish", "late_start", "late_finish",
                    "total_float", "free_float", "critical", "depends_on", "owner", "tags")


@click.command("templates")
@format_option("text", "json")
def templates_cmd(fmt):
    """List templates (built-in and plugins) with their parameters.

    Example:


    \b
        rollout templates
        rollout templates --format json
    """
    from ..newplan import templates_catalogue

    catalogue = templates_catalogue()
    if fmt == "json":
        emit(to_json({"templates": catalogue}))
        return
    lines = []
    for t in catalogue:
        lines.append(f"{t['name']}  ({t['provider']})  {t['title']}")
        if t["description"]:
            lines.append(f"    {t['description'].strip()}")
        for p in t["parameters"]:
            default = "required" if p["required"] else f"default {p['default']!r}"
            desc = f" - {p['description']}" if p["description"] else ""
            lines.append(f"    --set {p['name']}=<{p['type']}>  ({default}){desc}")
        lines.append("")
    emit("\n".join(lines) if lines else "no templates found\n")


@click.command("new")
@click.argument("template")
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False), help="The plan file to write.")
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE",
              help="A template parameter (lists comma-separated); also plan=, title=, start=, and the "
                   "calendar's country= (ISO code) and subdiv= (region). Repeatable.")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def new_cmd(template, output, sets, force):
    """Write a starter plan file that uses TEMPLATE, with comments on what to edit.

    `rollout templates` lists the templates and their parameters. Without --set start=DATE the
    plan starts next Monday; the plan id comes from org and the start year (--set plan=ID to choose).

    Example:


    \b
        rollout new customer-alignment -o acme.yaml --set org=Acme --set "sponsor=Dana Whitfield"
        rollout new customer-alignment -o acme.yaml --set country=DE --set subdiv=BY
    """
    from ..newplan import write_starter_plan

    path = write_starter_plan(template, output, _parse_sets(sets), force=force)
    click.echo(f"wrote {path}; next: rollout schedule {path}")


def _parse_sets(sets: tuple[str, ...]) -> dict[str, str]:
    from ..errors import UsageError

    values = {}
    for item in sets:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--set takes KEY=VALUE, not {item!r}")
        values[key.strip()] = value.strip()
    return values


@click.command("expand")
@PLAN_ARG
@format_option("table", "json", "csv")
@output_option()
def expand_cmd(plan_path, fmt, output):
    """The expanded task graph: every task after templates, for_each, overrides and removals.

    Example:


    \b
        rollout expand acme.yaml --format csv -o tasks.csv
    """
    with no_gc():
        _expand_out(load(plan_path), fmt, output)


def _notes(plan) -> None:
    """Info about how the plan changed its templates (e.g. predecessors an override dropped), on stderr."""
    for note in plan.notes:
        click.echo(f"info: {note}", err=True)


def _expand_out(plan, fmt, output):
    _notes(plan)
    if fmt == "json":
        emit(to_json({"plan": plan.id, "tasks": [t.to_dict() for t in plan.tasks],
                      "cadences": [c.to_dict() for c in plan.cadences]}), output)
        return
    rows = [_flat(t.to_dict()) for t in plan.tasks]
    if fmt == "csv":
        emit(to_csv(EXPAND_COLUMNS, rows), output)
    else:
        cols = ("id", "name", "kind", "phase", "duration", "owner", "depends_on")
        emit(to_table(cols, ([r[c] for c in cols] for r in rows)) +
             f"\n{len(plan.tasks)} tasks in {len(plan.workstreams)} workstreams, {len(plan.cadences)} cadences\n",
             output)


def _flat(d: dict) -> dict:
    out = dict(d)
    out["depends_on"] = " ".join(
        x["task"] + ("" if x["type"] == "FS" else f":{x['type']}") + (f"{x['lag']:+d}d" if x["lag"] else "")
        for x in d["depends_on"])
    for key in ("participants", "audience", "produces", "consumes", "tags"):
        out[key] = " ".join(d[key])
    return out


def predecessors(depends_on: list[dict]) -> str:
    """Predecessors as a scheduler writes them: ``a FS+2d; b SS; c FF-1d``."""
    return "; ".join(f"{d['task']} {d['type']}" + (f"{d['lag']:+d}d" if d["lag"] else "") for d in depends_on)


@click.command("schedule")
@PLAN_ARG
@format_option("table", "json", "csv")
@output_option()
@click.option("--critical", is_flag=True,
              help="Show only the critical tasks: zero total float, milestones included (the count the headline gives).")
@click.option("--level/--no-level", "level", default=None,
              help="Level resources: no person or pool used beyond what it has free on any day; default: the plan's "
                   "scheduling: {level: ...}.")
def schedule_cmd(plan_path, fmt, output, critical, level):
    """Dates, late dates, total and free float and the critical path, on the plan's working calendar.

    Dates follow TaskJuggler's arithmetic: a task of d working days starting on day s finishes on
    day s+d-1; a milestone sits on the day its predecessors finish. A task is critical when its
    total float is 0; the summary counts those tasks, and --critical lists them. JSON gives each
    task's depends_on as [{"task", "type", "lag"}]; CSV gives predecessors as "a FS+2d; b SS".

    With --level (or scheduling: {level: true} in the plan) no person or pool is used beyond what
    it has free on any day; each task then also reports levelling_delay (working days later than
    unlevelled) and delayed_by (the resources or audiences that held it).

    Example:


    \b
        rollout schedule acme.yaml
        rollout schedule acme.yaml --format json -o schedule.json
        rollout schedule acme.yaml --level
    """
    from ..capacity import plan_schedule

    with no_gc():       # serialising 100,000 tasks allocates millions of short-lived objects
        plan = load(plan_path)
        _notes(plan)
        with _progress(plan, level) as progress:
            sched = plan_schedule(plan, level=level, progress=progress)
        _schedule_out(sched, fmt, output, critical)


class _progress:
    """A progress bar on stderr while levelling runs, only when stderr is a terminal."""

    def __init__(self, plan, level):
        import sys

        on = level if level is not None else plan.scheduling.level
        self.bar = None
        if on and sys.stderr.isatty():
            self.bar = click.progressbar(length=1, label="levelling", file=sys.stderr, show_eta=False)
        self.done = 0

    def __enter__(self):
        if self.bar is None:
            return None
        self.bar.__enter__()
        return self.update

    def update(self, done: int, total: int) -> None:
        self.bar.length = total
        self.bar.update(done - self.done)
        self.done = done

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.__exit__(*exc)
        return False


def _schedule_out(sched, fmt, output, critical):
    data = sched.to_dict()
    tasks = [t for t in data["tasks"] if t["critical"]] if critical else data["tasks"]
    if fmt == "json":
        data["tasks"] = tasks
        emit(to_json(data), output)
    elif fmt == "csv":
        columns = SCHEDULE_COLUMNS + (("levelling_delay", "delayed_by") if sched.levelled else ())
        emit(to_csv(columns, (dict(t, tags=" ".join(t["tags"]), depends_on=predecessors(t["depends_on"]),
                                   **({"delayed_by": " ".join(t["delayed_by"])} if sched.levelled else {}))
                              for t in tasks)), output)
    else:
        cols = ("id", "name", "duration", "start", "finish", "total_float", "critical")
        headers = ("id", "name", "days", "start", "finish", "float", "crit")
        rows = [[t["id"], t["name"], t["duration"], t["start"], t["finish"], t["total_float"],
                 "*" if t["critical"] else ""] for t in tasks]
        if sched.levelled:
            headers += ("delay", "held by")
            for row, t in zip(rows, tasks):
                row += [t["levelling_delay"] or "", ", ".join(t["delayed_by"])]
        summary = (f"\n{sched.plan.title}: {data['start']} → {data['finish']} ({sched.finish} working days, "
                   f"{len(data['tasks'])} tasks); critical path: {len(sched.critical_tasks)} tasks with zero float\n")
        if sched.levelled:
            lv = data["levelling"]
            late = sched.finish - lv["unlevelled_finish_days"]
            summary += (f"levelled ({lv['method']}, seed {lv['seed']}): {late} working day(s) later than unlevelled"
                        f" ({lv['unlevelled_finish_days']} days); lower bound {lv['bound_days']} days"
                        + (", proved optimal" if lv["optimal"] else "") + "\n")
            if lv.get("audiences"):
                summary += f"audience weeks still over tolerance: {', '.join(lv['audiences'])}\n"
        emit(to_table(cols, rows, headers=headers) + summary, output)


COMMANDS = [templates_cmd, new_cmd, expand_cmd, schedule_cmd]
