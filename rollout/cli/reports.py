"""Report commands: gantt (plotly chart), calendar (iCalendar) and report (the HTML dashboard)."""

from __future__ import annotations

import click

from ._common import PLAN_ARG, iso_date, load

_TODAY = click.option("--today", callback=iso_date, metavar="DATE",
                      help="Date of the 'today' line and of the report (YYYY-MM-DD). Default: today.")
_FILTER = click.option("--filter", "filters", multiple=True, metavar="FIELD:VALUE",
                       help="Only tasks with this tag, owner or workstream (tag:unit:retail, owner:dana, "
                            "workstream:customer; globs allowed). Repeat: the same field is 'or', different "
                            "fields 'and'.")
_COLLAPSE = click.option("--expand/--collapse", "expand", default=None,
                         help="One row per task (--expand) or one summary bar per workstream (--collapse). "
                              "Default: collapse past 400 tasks (gantt: --threshold).")


_LEVEL = click.option("--level/--no-level", "level", default=None,
                      help="Resource-levelled dates (no person or pool used beyond what it has free), with the "
                           "unlevelled position as a ghost where levelling moved a task. Default: the plan's "
                           "scheduling: {level: ...}.")


def _schedules(run):
    """The schedule to draw (the analysis's ``scheduled``) and, when it is levelled, the unlevelled one
    behind it (else None)."""
    return run.scheduled, (run.schedule if run.is_levelled else None)


@click.command("gantt")
@PLAN_ARG
@click.option("--output", "-o", "output", type=click.Path(dir_okay=False), required=True,
              help="File to write (gantt.html, gantt.png, gantt.svg).")
@click.option("--format", "-f", "fmt", type=click.Choice(["html", "png", "svg"]), default=None,
              help="Output format. Default: from the file extension of -o, else html.")
@_COLLAPSE
@click.option("--threshold", type=click.IntRange(min=1), default=None, metavar="N",
              help="Collapse to workstream bars past N tasks (default 400).")
@click.option("--no-links", "no_links", is_flag=True, help="Leave out the dependency arrows.")
@click.option("--labels/--no-labels", "labels", default=None,
              help="Task names beside the bars. Default: up to 2,000 rows (the names are always in the hover).")
@click.option("--actuals", type=click.Path(dir_okay=False, exists=True), default=None,
              help="Progress CSV to shade progress (else the state store's last pull, if any).")
@_LEVEL
@_FILTER
@_TODAY
def gantt_cmd(plan_path, output, fmt, expand, threshold, no_links, labels, actuals, level, filters, today):
    """Gantt chart: workstream lanes, the critical path in red, milestones, dependency arrows.

    The HTML works offline (plotly.js is embedded). Hover a row for owner, dates, float and
    participants. The baseline (ghost bars) and progress (dark shading) come from the state
    store when a push or pull has filled it. With --level the bars are the resource-levelled
    dates, a hatched ghost marks where levelling moved a task from, and the page adds the load of
    each person and pool per week against what they have. PNG and SVG need a headless Chromium.

    Example:

    \b
        rollout gantt acme.yaml -o gantt.html
        rollout gantt acme.yaml -o gantt.html --expand --today 2027-03-01
        rollout gantt acme.yaml -o gantt.html --level
        rollout gantt acme.yaml -o gantt.svg
        rollout gantt acme.yaml -o retail.html --filter tag:unit:retail
    """
    from ..analysis import Analysis
    from ..reports.gantt import COLLAPSE_THRESHOLD, select, state_overlay, write_gantt
    from ..selection import Selection

    if fmt is None:
        ext = output.rsplit(".", 1)[-1].lower() if "." in output else ""
        fmt = ext if ext in ("png", "svg") else "html"
    selection = Selection.parse(filters)
    run = Analysis(load(plan_path), actuals=actuals, level=level)
    full, unlevelled = _schedules(run)
    sched = select(full, selection)
    write_gantt(sched, output, fmt, today=today, collapse=None if expand is None else not expand,
                threshold=threshold or COLLAPSE_THRESHOLD, links=not no_links, labels=labels,
                overlay=state_overlay(run), unlevelled=unlevelled)
    click.echo(f"wrote {output} ({len(sched.tasks)} tasks, finish {sched.finish_date.isoformat()})")


@click.command("calendar")
@PLAN_ARG
@click.option("--output", "-o", "output", type=click.Path(dir_okay=False), default=None,
              help="File to write (plan.ics). Default: standard output.")
@click.option("--tasks", "with_tasks", is_flag=True, help="Add every task as an all-day event, not only milestones.")
@click.option("--no-cadences", "no_cadences", is_flag=True, help="Leave out the recurring cadence events.")
@click.option("--for", "for_who", default=None, metavar="WHO",
              help="Only what WHO (a person id, a role or an audience id) takes part in: the tasks they own, "
                   "take part in, are the audience or a resource of, and the meetings they attend.")
def calendar_cmd(plan_path, output, with_tasks, no_cadences, for_who):
    """iCalendar file: milestones as all-day events, cadences as recurring events.

    Each event's UID is <plan>.<task or cadence id>@rollout, so importing a newer export into
    the same calendar updates the events instead of duplicating them. SOURCE_DATE_EPOCH fixes
    DTSTAMP for reproducible files.

    Example:

    \b
        rollout calendar acme.yaml -o acme.ics
        rollout calendar acme.yaml --tasks -o acme-all.ics
        rollout calendar acme.yaml --for dana -o dana.ics
    """
    from ..analysis import Analysis
    from ..reports.ical import calendar_bytes

    data = calendar_bytes(Analysis(load(plan_path)).schedule, tasks=with_tasks, cadences=not no_cadences,
                          for_who=for_who)
    if output:
        from ..util import atomic_write_bytes

        atomic_write_bytes(output, data)
        click.echo(f"wrote {output}")
    else:
        click.echo(data, nl=False)       # bytes go to the binary stream untouched


@click.command("report")
@PLAN_ARG
@click.option("--output", "-o", "out_dir", type=click.Path(file_okay=False), required=True,
              help="Directory to write index.html, schedule.csv, plan.ics and findings.sarif into.")
@click.option("--fail-on", "fail_on", type=click.Choice(["error", "warning", "info"]), default=None,
              help="Exit 1 when a finding is at or above this severity (the files are written anyway).")
@_COLLAPSE
@click.option("--calendar-tasks", is_flag=True, help="Put every task in plan.ics, not only milestones.")
@click.option("--actuals", type=click.Path(dir_okay=False, exists=True), default=None,
              help="Progress CSV for the status section (else the state store's last pull).")
@click.option("--risk-iterations", type=click.IntRange(min=0), default=2000, show_default=True,
              help="Monte Carlo iterations for the risk section (0 leaves it out).")
@click.option("--seed", type=click.IntRange(min=0), default=1, show_default=True, help="Seed of the risk simulation.")
@_LEVEL
@_FILTER
@_TODAY
def report_cmd(plan_path, out_dir, fail_on, expand, calendar_tasks, actuals, risk_iterations, seed, level, filters,
               today):
    """Dashboard for a steering committee: one self-contained index.html plus its files.

    index.html holds the headline (start, finish, critical path, findings by severity), the
    Gantt, the load of people, pools and audiences (when the plan has them), the findings table,
    and the status and risk sections. --level shows resource-levelled dates. Beside it: schedule.csv,
    plan.ics and findings.sarif. Open index.html in any browser; it needs no network.

    Example:

    \b
        rollout report acme.yaml -o report/
        rollout report acme.yaml -o report/ --level
        rollout report acme.yaml -o report/ --fail-on error --today 2027-03-01
        rollout report acme.yaml -o retail/ --filter tag:unit:retail
    """
    from ..analysis import Analysis
    from ..reports.dashboard import severity_count, write_report
    from ..selection import Selection

    run = Analysis(load(plan_path), as_of=today, actuals=actuals, fail_on=fail_on or "error",
                   iterations=risk_iterations, seed=seed, selection=Selection.parse(filters), level=level)
    report = write_report(run, out_dir, today=today, collapse=None if expand is None else not expand,
                          calendar_tasks=calendar_tasks)
    for path in report.files.values():
        click.echo(f"wrote {path}")
    counts = report.counts()
    if counts:
        click.echo("findings: " + ", ".join(severity_count(n, sev) for sev, n in counts.items()))
    if fail_on and report.failed:
        raise click.exceptions.Exit(1)


@click.command("load")
@PLAN_ARG
@click.option("--output", "-o", "output", type=click.Path(dir_okay=False), default=None,
              help="File to write (load.html, load.json, load.csv). Default for json and csv: standard output.")
@click.option("--format", "-f", "fmt", type=click.Choice(["html", "json", "csv"]), default=None,
              help="Output format. Default: from the file extension of -o, else html.")
@_LEVEL
def load_cmd(plan_path, output, fmt, level):
    """Change load per audience and week, and the load of each person and pool.

    The HTML page holds a heatmap (audience x ISO week: change points, colour the share of the
    audience's tolerance, an outline round each week over it, the largest contributors in the
    hover) and, per person or pool, the unit-days asked of them each week against what they have
    (red where over). With --level the levelled schedule is charted, and the unlevelled load is a
    button away. JSON and CSV carry the same figures.

    Example:

    \b
        rollout load acme.yaml -o load.html
        rollout load acme.yaml -o load.html --level
        rollout load acme.yaml --format csv > load.csv
    """
    from ..analysis import Analysis
    from ..errors import UsageError
    from ..reports.load import write_load

    if fmt is None:
        ext = output.rsplit(".", 1)[-1].lower() if output and "." in output else ""
        fmt = ext if ext in ("json", "csv") else "html"
    if fmt == "html" and not output:
        raise UsageError("rollout load: the html page needs -o FILE (or choose --format json or csv)")
    run = Analysis(load(plan_path), use_state=False, level=level)
    sched, unlevelled = _schedules(run)
    text = write_load(run.plan, sched, output, fmt, unlevelled=unlevelled)
    if output:
        click.echo(f"wrote {output}")
    else:
        click.echo(text, nl=False)


COMMANDS = [gantt_cmd, calendar_cmd, report_cmd, load_cmd]
