"""Review commands: ``diff`` (what changed between two versions of a plan)."""

from __future__ import annotations

import click

from ._common import emit, format_option, output_option


@click.command("diff")
@click.argument("old", metavar="OLD")
@click.argument("new", metavar="NEW")
@format_option("text", "json", "markdown")
@click.option("--risk", is_flag=True, help="Also compare the P80 finish (Monte Carlo with a fixed seed).")
@click.option("--iterations", type=click.IntRange(min=1), default=None, metavar="N",
              help="Iterations for --risk (default 2000).")
@click.option("--seed", type=click.IntRange(min=0), default=None, metavar="S",
              help="Seed for --risk (default fixed, so reruns agree).")
@click.option("--fail-on-slip", "fail_on_slip", type=click.IntRange(min=0), default=None, metavar="N",
              help="Exit 1 when the finish moves later by more than N working days.")
@output_option()
def diff_cmd(old, new, fmt, risk, iterations, seed, fail_on_slip, output):
    """What changed between two versions of a plan: tasks added, removed and renamed, dates moved
    (largest first), the critical path, the finish, milestones, findings and (with --risk) the P80.

    OLD and NEW are plan files, git:REV:PATH (the plan as committed at REV; PATH as from the current
    folder) or baseline:[NAME] (a baseline stored for the plan on the other side: the default one, or
    one stored with `rollout baseline --name NAME`). Deltas are working days
    on NEW's calendar, positive when later. --format markdown is a pull-request comment.

    Example:


    \b
        rollout diff git:origin/main:plan.yaml plan.yaml
        rollout diff git:HEAD~1:plan.yaml plan.yaml --format markdown --fail-on-slip 5
        rollout diff baseline: plan.yaml --format json
        rollout diff "baseline:SteerCo 2027-03" plan.yaml
    """
    from ..diff import DIFF_ITERATIONS, DIFF_SEED, diff_versions, load_version

    opts = {"risk": risk, "iterations": iterations or DIFF_ITERATIONS, "seed": DIFF_SEED if seed is None else seed}
    result = diff_versions(load_version(old, other=new, **opts), load_version(new, other=old, **opts))
    emit(result.render(fmt), output)
    if fail_on_slip is not None and result.slipped_more_than(fail_on_slip):
        click.get_current_context().exit(1)


COMMANDS = [diff_cmd]
