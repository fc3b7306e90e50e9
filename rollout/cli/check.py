"""Check commands: ``check`` (findings on a plan) and ``rules`` (the rule catalogue)."""

from __future__ import annotations

import click

from ._common import PLAN_ARG, emit, format_option, iso_date, output_option, to_json


def _codes(values: tuple[str, ...]) -> list[str] | None:
    out = [part.strip() for value in values for part in value.split(",") if part.strip()]
    return out or None


@click.command("check")
@PLAN_ARG
@format_option("text", "json", "sarif")
@click.option("--select", multiple=True, metavar="CODES",
              help="Only these rules: codes or prefixes (FM, FM00, S002), comma-separated or repeated.")
@click.option("--ignore", multiple=True, metavar="CODES", help="Skip these rules: codes or prefixes.")
@click.option("--fail-on", type=click.Choice(["error", "warning", "info"]), default="error", show_default=True,
              help="Exit 1 when a finding is at least this severe.")
@click.option("--as-of", "as_of", callback=iso_date, metavar="DATE",
              help="Status date for the schedule-quality rules D009, D011, D013, D014 "
                   "(default: the latest pull snapshot's date; without one they are skipped).")
@click.option("--actuals", "actuals", type=click.Path(dir_okay=False, exists=True), default=None,
              help="Progress CSV for the schedule-quality rules, as for `rollout status`.")
@output_option()
def check_cmd(plan_path, fmt, select, ignore, fail_on, as_of, actuals, output):
    """Check a plan for the failure modes that sink alignment programmes, and for structure problems.

    Findings are grouped by severity, each with its tasks and the file:line where they are defined.
    Exit status: 0 clean (below --fail-on), 1 findings at or above --fail-on, 2 bad input.
    The plan's `checks:` mapping selects, ignores, re-grades rules and sets their thresholds.

    Example:


    \b
        rollout check acme.yaml
        rollout check acme.yaml --select FM --ignore FM011 --fail-on warning
        rollout check acme.yaml --format sarif -o rollout.sarif
        rollout check acme.yaml --select D --as-of 2027-03-01 --actuals progress.csv
    """
    from ..analysis import Analysis
    from ..expand import load_plan

    # lenient load: a dependency on a missing task becomes finding S002 instead of stopping the run
    run = Analysis(load_plan(plan_path, strict=False), as_of=as_of, actuals=actuals, select=_codes(select),
                   ignore=_codes(ignore), fail_on=fail_on)
    result = run.checks
    emit(result.render(fmt), output)
    if result.failed:
        click.get_current_context().exit(1)


@click.command("rules")
@click.argument("code", required=False)
@format_option("text", "json")
def rules_cmd(code, fmt):
    """The rule catalogue, or one rule's full explanation (CODE is a code or a slug).

    Example:


    \b
        rollout rules
        rollout rules FM006
        rollout rules technology-before-process
    """
    from ..checks import get_rule, rules

    if code:
        r = get_rule(code)
        if fmt == "json":
            emit(to_json(dict(r.to_dict(), doc=r.doc, parts=r.doc_parts())))
        else:
            emit(f"{r.code} {r.slug} ({r.severity}{'' if r.origin == 'rollout' else ', from ' + r.origin})\n"
                 f"Fires when {r.summary}.\n\n{r.doc}" + _settings_text(r))
        return
    catalogue = list(rules().values())
    if fmt == "json":
        emit(to_json({"rules": [r.to_dict() for r in catalogue]}))
        return
    emit(_catalogue_text(catalogue) + "\nOne rule in full: rollout rules CODE\n")


def _catalogue_text(catalogue) -> str:
    """code, slug and severity in columns; what fires the rule wrapped beneath, indented."""
    import textwrap

    width = max(len(r.slug) for r in catalogue)
    lines = []
    for r in catalogue:
        origin = "" if r.origin == "rollout" else f"  [{r.origin}]"
        lines.append(f"{r.code:<6} {r.slug:<{width}}  {r.severity}{origin}")
        lines += textwrap.wrap(r.summary.replace("`", ""), 92, initial_indent="       ",
                               subsequent_indent="       ")
    return "\n".join(lines) + "\n"


def _settings_text(r) -> str:
    if not r.settings:
        return ""
    lines = ["", "## Settings (plan `checks: {settings: {...}}`)"]
    for key, value in r.settings.items():
        shown = list(value) if isinstance(value, tuple) else value
        lines.append(f"- {key}: {shown!r}")
    return "\n".join(lines) + "\n"


COMMANDS = [check_cmd, rules_cmd]
