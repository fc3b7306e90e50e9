"""Baselines and trends: ``baselines`` (the stored baselines) and ``trend`` (milestone trend analysis)."""

from __future__ import annotations

import click

from ._common import PLAN_ARG, emit, format_option, load, output_option, to_json, to_table


@click.command("baselines")
@PLAN_ARG
@format_option("text", "json")
def baselines_cmd(plan_path, fmt):
    """List the baselines stored for the plan: name, when stored, finish and task count.

    The default baseline is stored at the first push or by `rollout baseline`; named ones by
    `rollout baseline --name NAME`. Compare against one with `rollout status --baseline NAME`
    or `rollout diff baseline:NAME PLAN`.

    Example:

    \b
        rollout baselines acme.yaml
        rollout baselines acme.yaml --format json
    """
    from ..state import StateStore, state_path

    plan = load(plan_path)
    with StateStore(plan.path, plan.id) as store:
        stored = [b.to_dict() for b in store.baselines()]
    if fmt == "json":
        emit(to_json({"plan": plan.id, "baselines": stored}))
    elif not stored:
        emit(f"{plan.id}: no baseline stored yet (in {state_path(plan.path, plan.id)}); "
             "`rollout baseline PLAN [--name NAME]` stores one\n")
    else:
        emit(to_table(("name", "stored at", "finish", "tasks"),
                      [(b["name"], b["saved_at"], b["finish"] or "", b["tasks"]) for b in stored]))


@click.command("trend")
@PLAN_ARG
@format_option("html", "text", "json")
@output_option("The page to write (trend.html); text and JSON go to standard output without it.")
def trend_cmd(plan_path, fmt, output):
    """Milestone trend analysis and the forecast-finish trend, from the stored forecast snapshots.

    Every `rollout pull` and every `rollout status --record` stores, dated by the status date,
    the forecast of each milestone and of the finish (P50/P80 too with --risk). The milestone
    trend chart puts the report date across and the forecast date up, one line per milestone,
    with the diagonal where a milestone lands when done; the finish chart shows the forecast
    finish with the P50-P80 band.

    Example:

    \b
        rollout status acme.yaml --actuals week9.csv --as-of 2027-03-01 --record --risk
        rollout trend acme.yaml -o trend.html
        rollout trend acme.yaml --format json
    """
    from ..errors import UsageError
    from ..trend import trend

    if fmt == "html" and not output:
        raise UsageError("the trend page needs a file: -o trend.html (or --format text / --format json)")
    t = trend(load(plan_path))
    if fmt == "json":
        emit(to_json(t.to_dict()), output)
    elif fmt == "text":
        emit(t.to_text(), output)
    else:
        from ..reports.trend import trend_html

        emit(trend_html(t), output)


COMMANDS = [baselines_cmd, trend_cmd]
