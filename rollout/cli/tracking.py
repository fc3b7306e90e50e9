"""Tracking commands: status (progress against the baseline, forecast, RAG) and risk (Monte Carlo)."""

from __future__ import annotations

import click

from ._common import PLAN_ARG, emit, format_option, is_terminal, iso_date, load, output_option, to_csv, to_json

STATUS_COLUMNS = ("id", "name", "workstream", "status", "percent_complete", "baseline_start", "baseline_finish",
                  "forecast_start", "forecast_finish", "variance_days")
RISK_COLUMNS = ("id", "name", "workstream", "criticality", "correlation")


@click.command("status")
@PLAN_ARG
@click.option("--as-of", "as_of", callback=iso_date, metavar="DATE",
              help="Status date (YYYY-MM-DD): work before it is reported, remaining work starts on it. "
                   "Default: the latest pull snapshot's date, else today.")
@click.option("--actuals", "actuals", type=click.Path(dir_okay=False, exists=True), default=None,
              help="Progress CSV (task,status,actual_start,actual_finish,percent_complete) instead of "
                   "the pull snapshots in the state store.")
@click.option("--filter", "filters", multiple=True, metavar="FIELD:VALUE",
              help="Only tasks with this tag, owner or workstream (tag:unit:retail, owner:dana, "
                   "workstream:customer; globs allowed). Repeat: the same field is 'or', different fields 'and'.")
@click.option("--group-by", "group_by", default="workstream", show_default=True, metavar="workstream|owner|tag:KEY",
              help="Group the status table by workstream, owner or the value of a tag key (tag:unit).")
@click.option("--baseline", "baseline_name", default=None, metavar="NAME",
              help="Measure against this named baseline (`rollout baselines` lists them) instead of the default.")
@click.option("--record", is_flag=True,
              help="Store this status date's milestone and finish forecasts as a snapshot for `rollout trend`.")
@click.option("--risk", is_flag=True,
              help="With --record: also store the P50/P80 of a simulation of the remaining work (fixed seed).")
@format_option("text", "json", "html", "csv")
@output_option()
def status_cmd(plan_path, as_of, actuals, filters, group_by, baseline_name, record, risk, fmt, output):
    """Progress, schedule variance, forecast finish and RAG per workstream and milestone.

    Actuals come from --actuals FILE, or else from the latest `rollout pull` snapshot in the
    state store. The baseline is the one stored at the first push, or else the plan's current
    schedule. The forecast re-plans the remaining work from the as-of date with actual dates fixed.

    --format csv lists every task: status, percent complete, baseline and forecast dates, variance.

    With no progress reported at all, it says so and gives no RAG (nothing is red for want of a
    report). Each workstream's variance is measured on its own work: slip handed on by another
    workstream counts against that one (docs/tracking-and-risk.md).

    Example:

    \b
        rollout status acme.yaml --actuals progress.csv --as-of 2027-03-01
        rollout status acme.yaml --filter tag:unit:retail --group-by tag:segment
        rollout status acme.yaml --format json
        rollout status acme.yaml --format html -o status.html
        rollout status acme.yaml --baseline "SteerCo 2027-03"
        rollout status acme.yaml --record --risk
    """
    from ..analysis import Analysis
    from ..selection import Selection

    _check_record(record, risk, filters, baseline_name)
    run = Analysis(load(plan_path), as_of=as_of, actuals=actuals, selection=Selection.parse(filters),
                   group_by=group_by, baseline_name=baseline_name)
    report = run.status
    if record:
        from ..trend import record_forecast

        snap = record_forecast(run.plan, report=report, progress=run.progress, risk=risk)
        click.echo(f"recorded the forecast of {snap.as_of.isoformat()} for `rollout trend`", err=True)
    if fmt == "json":
        emit(to_json(report.to_dict()), output)
    elif fmt == "csv":
        emit(to_csv(STATUS_COLUMNS, report.tasks()), output)
    elif fmt == "html":
        from ..reports.status import status_html

        emit(status_html(report), output)
    else:
        emit(report.to_text(), output)


@click.command("risk")
@PLAN_ARG
@click.option("--iterations", "-n", type=click.IntRange(min=1), default=10_000, show_default=True,
              help="Number of simulated schedules.")
@click.option("--seed", type=click.IntRange(min=0), default=None,
              help="Random seed for a reproducible run (one is drawn and reported when omitted).")
@click.option("--distribution", type=click.Choice(["pert", "triangular"]), default="pert", show_default=True,
              help="Shape of each task's duration between its optimistic and pessimistic estimates.")
@click.option("--as-of", "as_of", callback=iso_date, metavar="DATE",
              help="Simulate only the work remaining at this date, with actuals as for `rollout status`.")
@click.option("--actuals", "actuals", type=click.Path(dir_okay=False, exists=True), default=None,
              help="Progress CSV for --as-of (default: the latest pull snapshot). Implies --as-of today.")
@click.option("--pre-mitigation", "pre_mitigation", is_flag=True,
              help="Ignore mitigations: every risk event keeps its pre-mitigation probability and effect, "
                   "even when its mitigation task is in the plan.")
@format_option("text", "json", "html", "csv")
@output_option()
def risk_cmd(plan_path, iterations, seed, distribution, as_of, actuals, pre_mitigation, fmt, output):
    """Monte Carlo schedule risk, the risk register and check findings as risks.

    Durations are drawn from each task's three-point `estimate`, or from a default range for its
    kind, rounded to whole working days. Reports P50/P80/P95 dates for the finish and every
    milestone, the chance of meeting each deadline, how often each task is critical, the top
    drivers of the finish date and the risk register as a probability x impact heatmap.
    Register risks with an `effect` (a delay or factor on named tasks) occur in each iteration
    with their probability; a risk whose mitigation task is in the plan takes its
    `post_mitigation` values (--pre-mitigation ignores them). Each risk's P80 days added, and
    what the mitigations move P80 from and to, are reported.
    --format csv lists every task's criticality and correlation with the finish.

    Example:

    \b
        rollout risk acme.yaml
        rollout risk acme.yaml --iterations 20000 --seed 7 --format json
        rollout risk acme.yaml --format html -o risk.html
        rollout risk acme.yaml --actuals progress.csv --as-of 2027-03-01
        rollout risk acme.yaml --pre-mitigation
    """
    from ..analysis import Analysis

    remaining = bool(as_of or actuals)       # the remaining work at a status date, or the whole plan
    run = Analysis(load(plan_path), as_of=as_of, actuals=actuals, use_state=remaining, iterations=iterations,
                   seed=seed, distribution=distribution, remaining=remaining, pre_mitigation=pre_mitigation)
    with _progress(iterations, len(run.plan.tasks)) as progress:
        run.risk_progress = progress
        result = run.risk
    if fmt == "json":
        emit(to_json(result.to_dict()), output)
    elif fmt == "csv":
        emit(to_csv(RISK_COLUMNS, result.task_rows()), output)
    elif fmt == "html":
        from ..reports.risk import risk_html

        emit(risk_html(result), output)
    else:
        emit(result.to_text(), output)


def _check_record(record: bool, risk: bool, filters, baseline_name) -> None:
    from ..errors import UsageError

    if not (record or risk):
        return
    if risk and not record:
        raise UsageError("--risk goes with --record (it adds P50/P80 to the stored snapshot)")
    if filters:
        raise UsageError("--record stores the whole plan's forecast: leave out --filter")
    if baseline_name:
        raise UsageError("--record measures against the default baseline: leave out --baseline")


class _progress:
    """A click progress bar on stderr for long simulations on a terminal; nothing otherwise."""

    def __init__(self, total: int, tasks: int):
        self.total, self.tasks, self.bar, self.shown = total, tasks, None, 0

    def __enter__(self):
        import sys

        # about a second of work or more: 10 million task-iterations
        if self.total * self.tasks >= 10_000_000 and is_terminal() and sys.stderr.isatty():
            self.bar = click.progressbar(length=self.total, label="simulating", file=sys.stderr)
            self.bar.__enter__()
            return self.update
        return None

    def update(self, done: int, total: int) -> None:
        self.bar.update(done - self.shown)
        self.shown = done

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.__exit__(*exc)


COMMANDS = [status_cmd, risk_cmd]
