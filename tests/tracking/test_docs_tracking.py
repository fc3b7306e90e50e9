"""docs/tracking-and-risk.md keeps up with the commands and the library's settings."""

from __future__ import annotations

from pathlib import Path

from rollout.cli import cli
from rollout.risk import DEFAULT_UNCERTAINTY
from rollout.tracking import ACTUALS_COLUMNS, RAG_RULES

DOC = (Path(__file__).resolve().parents[2] / "docs" / "tracking-and-risk.md").read_text()


def test_every_option_of_status_and_risk_is_documented():
    for name in ("status", "risk"):
        for param in cli.commands[name].params:
            for opt in getattr(param, "opts", []):
                if opt.startswith("--") and opt not in ("--help", "--output", "--format"):
                    assert f"`{opt}" in DOC or f"{opt} " in DOC, f"{name} {opt} is not in the docs"


def test_default_uncertainty_table_matches_the_code():
    for kind, (low, high) in DEFAULT_UNCERTAINTY.items():
        if kind == "milestone":
            continue
        assert f"| {kind} | {low} | {high} |" in DOC, kind


def test_rag_thresholds_and_csv_header_match_the_code():
    assert ",".join(ACTUALS_COLUMNS) in DOC
    assert f"variance > {RAG_RULES['red_days']} working days" in DOC
    assert f"{RAG_RULES['red_points']} points or more behind" in DOC
    assert f"{RAG_RULES['amber_points']} points or more behind" in DOC
    assert f"within {RAG_RULES['deadline_margin']} working days of its deadline" in DOC


def test_the_risk_events_example_loads_and_runs(tmp_path):
    import json
    import re

    from click.testing import CliRunner

    block = re.search(r"```yaml\n(risks:\n  - id: R1\n.*?)```", DOC, re.S).group(1)
    plan = tmp_path / "plan.yaml"
    plan.write_text("plan: acme\ntitle: Acme\nstart: 2027-01-11\nuses:\n  - template: customer-alignment\n"
                    "    with: {org: Acme}\ntasks:\n  - {id: design.vendor-shortlist-early, name: Shortlist "
                    "vendors early, duration: 3d}\n" + block)
    result = CliRunner().invoke(cli, ["risk", str(plan), "-n", "300", "--seed", "1", "-f", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["mitigated"] == ["R1"]
    assert {r["id"] for r in data["risks"] if r["p80_days_added"] is not None} == {"R1", "R2"}
