"""Every pull stores the forecast it gives (milestones and finish, P50/P80 with --risk) for `rollout trend`."""

from __future__ import annotations

import datetime as dt
import json

from click.testing import CliRunner
from jira_fixtures import make_plan, write_plan_yaml

from rollout.cli import cli
from rollout.state import StateStore
from rollout.trackers import pull_plan, push_plan

UTC = dt.timezone.utc


def test_pull_stores_a_forecast_snapshot_dated_by_the_pull(standin, tmp_path):
    plan = make_plan(tmp_path)
    push_plan(plan)
    key = {ref: keys[0] for ref, keys in standin.task_issues().items()}
    standin.transition(key["disc.interviews"], "3", dt.datetime(2027, 1, 12, 9, 30, tzinfo=UTC))

    result = pull_plan(plan)
    with StateStore(plan.path, plan.id) as store:
        (snap,) = store.forecasts()
        pulled = store.latest_snapshot()
    assert snap.source == "pull" and snap.as_of == pulled.as_of == result.forecast.as_of
    milestones = [t.id for t in plan.tasks if t.is_milestone or t.deadline is not None]
    assert [m.task_id for m in snap.milestones] == milestones and milestones
    assert snap.p50 is None and snap.p80 is None                 # no --risk: no simulation
    from rollout.analysis import Analysis

    expected = Analysis(plan).status.to_dict()                    # the same forecast `rollout status` gives
    assert snap.finish.isoformat() == expected["forecast_finish"]
    assert {m.task_id: m.forecast.isoformat() for m in snap.milestones} == \
        {m["id"]: m["forecast"] for m in expected["milestones"]}


def test_pull_with_risk_through_the_cli_stores_p50_and_p80(standin, tmp_path):
    path = write_plan_yaml(tmp_path)
    assert CliRunner().invoke(cli, ["push", str(path)]).exit_code == 0
    out = CliRunner().invoke(cli, ["pull", str(path), "--risk", "--format", "json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    f = data["forecast"]
    assert f["source"] == "pull" and f["p50"] <= f["p80"] and f["seed"] is not None
    text = CliRunner().invoke(cli, ["pull", str(path), "--risk"])      # same day: replaces, same seed, same figures
    assert text.exit_code == 0 and f"P80 {f['p80']}" in text.output
    with StateStore(str(path), "acme") as store:
        assert len(store.forecasts()) == 1
