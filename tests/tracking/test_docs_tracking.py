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
