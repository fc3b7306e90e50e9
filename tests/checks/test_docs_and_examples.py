"""docs/rules.md is generated from the registry and up to date; the troubled example fires most
failure modes; a starter plan from the default template comes out clean."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from rollout.checks import check_plan, rules
from rollout.checks.docs import rules_markdown
from rollout.cli import cli
from rollout.expand import load_plan

REPO = Path(__file__).parents[2]


def test_rules_md_is_up_to_date():
    on_disk = (REPO / "docs" / "rules.md").read_text(encoding="utf-8")
    assert on_disk == rules_markdown(), "regenerate: python -m rollout.checks.docs docs/rules.md"
    for r in rules().values():
        if r.origin == "rollout":
            assert f"## {r.code} {r.slug}" in on_disk


def test_the_troubled_programme_fires_most_failure_modes():
    result = check_plan(load_plan(REPO / "examples" / "troubled-programme.yaml"))
    fired = {f.code for f in result.findings}
    assert len({c for c in fired if c.startswith("FM")}) >= 9
    assert {"FM001", "FM003", "FM006", "S004"} <= fired
    assert result.failed


def test_a_starter_plan_from_the_default_template_is_clean(tmp_path):
    runner = CliRunner()
    plan = tmp_path / "acme.yaml"
    made = runner.invoke(cli, ["new", "customer-alignment", "-o", str(plan), "--set", "org=Acme"])
    assert made.exit_code == 0, made.output
    # the default programme shows where its people are overbooked before levelling (S006, by design: see
    # tests/test_templates_builtin.py); nothing else
    checked = runner.invoke(cli, ["check", str(plan), "--format", "json", "--fail-on", "warning", "--ignore", "S006"])
    assert checked.exit_code == 0, checked.output
    assert [f for f in json.loads(checked.output)["findings"] if f["severity"] != "info"] == []
    overbooked = runner.invoke(cli, ["check", str(plan), "--format", "json", "--select", "S006"])
    assert {f["code"] for f in json.loads(overbooked.output)["findings"]} == {"S006"}
