"""Failure-mode and structure checks of a plan (SPEC 3a): the rule catalogue and the engine.

    >>> from rollout.checks import rules
    >>> rules()["FM006"].slug
    'technology-before-process'

Rules are functions of the expanded, scheduled plan, registered with :func:`rule`; plugins add
their own through the ``rollout.checks`` entry point group (a Rule, a list of Rules, or a module
with ``RULES``).
"""

from __future__ import annotations

from .context import CheckContext
from .engine import CheckResult, check_plan, run_checks
from .registry import SEVERITIES, Finding, Rule, Selection, Violation, all_rules, get_rule, rule

__all__ = [
    "SEVERITIES",
    "CheckContext",
    "CheckResult",
    "Finding",
    "Rule",
    "Selection",
    "Violation",
    "check_plan",
    "get_rule",
    "rule",
    "rules",
    "run_checks",
]


def rules() -> dict[str, Rule]:
    """The catalogue: every rule by code, built-ins then plugins."""
    return all_rules()
