"""SARIF: the tool and every built-in rule link to their documentation (the SARIF validator warns without)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

from rollout.checks import run_checks
from rollout.checks.render import PROJECT_URL, RULES_DOC_URL
from rollout.schedule import schedule

from .plans import small_plan

RULES_DOC = (Path(__file__).resolve().parents[2] / "docs" / "rules.md").read_text()


def _github_anchor(heading: str) -> str:
    """GitHub's anchor of a Markdown heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_tool_and_rules_carry_their_documentation_uris():
    plan = small_plan()
    log = json.loads(run_checks(plan, schedule(plan)).render("sarif"))
    driver = log["runs"][0]["tool"]["driver"]
    assert driver["informationUri"] == PROJECT_URL and urlsplit(PROJECT_URL).scheme == "https"
    anchors = {_github_anchor(h) for h in re.findall(r"^## (.+)$", RULES_DOC, flags=re.M)}
    builtin = [r for r in driver["rules"] if r["properties"]["origin"] == "rollout"]
    assert builtin
    for rule in builtin:
        page, _, anchor = rule["helpUri"].partition("#")
        assert page == RULES_DOC_URL and page.endswith("/docs/rules.md")
        assert anchor in anchors, f"{rule['id']}: no heading of docs/rules.md has the anchor #{anchor}"
        assert anchor.startswith(rule["id"].lower())
