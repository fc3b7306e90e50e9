"""Fixtures for the Jira tests: the stand-in server (checked against Atlassian's OpenAPI document)
with fast retry settings. Shared plans and settings live in jira_fixtures.py."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from jira_fixtures import FAST  # noqa: E402
from jira_standin import JiraStandIn  # noqa: E402
from openapi_check import SPEC_PATH, OpenAPIChecker  # noqa: E402


@pytest.fixture(scope="session")
def openapi_checker():
    """Atlassian's REST v3 document, loaded once per session (2.4 MB)."""
    if not SPEC_PATH.exists():
        pytest.skip("swagger-v3.v3.json not available")
    return OpenAPIChecker()


@pytest.fixture
def standin(openapi_checker, monkeypatch):
    server = JiraStandIn(checker=openapi_checker, timeout_sleep=0.6).start()   # just past the 0.5 s timeout
    for name in ("JIRA_PAT", "JIRA_EMAIL", "JIRA_API_TOKEN", "ROLLOUT_JIRA_API", "ROLLOUT_JIRA_WORKERS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in {**server.env(), **FAST}.items():
        monkeypatch.setenv(name, value)
    yield server
    server.stop()
    assert server.violations == [], "calls that do not conform to Atlassian's OpenAPI document:\n" + \
        "\n".join(server.violations[:10])
