"""Interop commands: export a plan to MS Project, Primavera, Excel or CSV; import one from them."""

from __future__ import annotations

import click

from ._common import PLAN_ARG, iso_date, load


@click.command("export")
@PLAN_ARG
@click.option("--output", "-o", "output", required=True, type=click.Path(dir_okay=False),
              help="The file to write: .xml (MS Project), .xer (Primavera P6), .xlsx (Excel) or .csv.")
@click.option("--format", "-f", "fmt", type=click.Choice(["mspdi", "xer", "xlsx", "csv"]), default=None,
              help="The format, when the file name does not say it.")
@click.option("--actuals", type=click.Path(dir_okay=False, exists=True), default=None,
              help="Progress CSV for the xlsx status sheet (default: the latest pull snapshot, if any).")
@click.option("--as-of", "as_of", callback=iso_date, metavar="DATE", help="Status date for the status sheet.")
@click.option("--level/--no-level", "level", default=None,
              help="Write the levelled dates (no person or pool used beyond what it has); default: the "
                   "plan's scheduling: {level: ...}.")
def export_cmd(plan_path, output, fmt, actuals, as_of, level):
    """Write the plan and its schedule for MS Project, Primavera P6, Excel or a CSV reader.

    MS Project XML has workstreams as summary tasks, links with their types and lags, start-no-earlier-than
    constraints, deadlines, the calendar with its holidays, people and pools as resources with the
    tasks' assignments; MS Project and MPXJ get the same dates when
    they recalculate. The workbook has sheets for the schedule, status, risks and findings.

    Example:


    \b
        rollout export acme.yaml -o acme.xml
        rollout export acme.yaml -o acme.xlsx --actuals progress.csv
        rollout export acme.yaml -o acme.xer
        rollout export acme.yaml -o acme.xml --level
    """
    from ..analysis import Analysis
    from ..interop import EXPORT_FORMATS, export_plan, format_of
    from ..util import no_gc

    fmt = format_of(output, EXPORT_FORMATS, fmt)
    with no_gc():
        # the workbook's status sheet reads the actuals file (the state store is left closed)
        export_plan(Analysis(load(plan_path), as_of=as_of, actuals=actuals, use_state=False, level=level), output, fmt)
    click.echo(f"wrote {output}")


@click.command("import")
@click.argument("source", metavar="FILE", type=click.Path(dir_okay=False, exists=True))
@click.option("--output", "-o", "output", required=True, type=click.Path(dir_okay=False),
              help="The plan file (YAML) to write.")
@click.option("--start", callback=iso_date, metavar="DATE",
              help="Plan start (YYYY-MM-DD). Default: the source's project start, else the next working day.")
@click.option("--plan-id", "plan_id", default=None, help="The plan's id (default: from the file name).")
@click.option("--force", is_flag=True, help="Overwrite an existing plan file.")
def import_cmd(source, output, start, plan_id, force):
    """Make a plan file from a CSV or Excel task list, or from MS Project (.xml, .mpp) or Primavera (.xer).

    A task list has the columns id, name, duration, predecessors (such as `a FS+2d; b SS`) and optionally
    workstream, owner, start_no_earlier_than and deadline. Project files are read through MPXJ
    (pip install 'rollout[mpxj]', and a Java runtime): summary tasks become workstreams, links keep
    their types and lags, the calendar its holidays. What cannot be kept is said on stderr.

    Example:


    \b
        rollout import tasks.csv -o plan.yaml --start 2027-01-11
        rollout import programme.mpp -o plan.yaml
    """
    from pathlib import Path

    from ..errors import UsageError
    from ..interop import import_plan
    from ..util import atomic_write_text

    if Path(output).exists() and not force:
        raise UsageError(f"{output} exists; use --force to overwrite it")
    text = import_plan(source, start, plan_id, warn=lambda message: click.echo(f"warning: {message}", err=True))
    atomic_write_text(output, text)
    click.echo(f"wrote {output}; next: rollout schedule {output}")


COMMANDS = [export_cmd, import_cmd]
