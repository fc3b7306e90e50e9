"""The registry: how rules are declared, found in plugin objects, and kept from clashing."""

from __future__ import annotations

import types

import pytest

from rollout.checks import Rule, Violation, get_rule, rule
from rollout.checks.registry import _add, _rules_in
from rollout.errors import RolloutError, UsageError


def make(code="XQ001", slug="quiet"):
    @rule(code, slug, severity="info", summary="never fires")
    def quiet(ctx):
        """## What it does
        Nothing.

        ## Why is this bad?
        It is not.

        ## Example
        Any plan.

        ## Use instead
        Any plan."""
        return iter(())

    return quiet


def test_a_rule_is_declared_with_a_decorator_and_its_docstring_is_its_documentation():
    r = make()
    assert isinstance(r, Rule) and r.code == "XQ001" and r.origin != "rollout"   # from its module
    assert r.doc_parts() == {"What it does": "Nothing.", "Why is this bad?": "It is not.",
                             "Example": "Any plan.", "Use instead": "Any plan."}


@pytest.mark.parametrize("code, severity", [("fm012", "error"), ("FM-12", "error"), ("FM012", "fatal")])
def test_bad_codes_and_severities_are_refused_at_declaration(code, severity):
    with pytest.raises(ValueError):
        rule(code, "x", severity=severity, summary="x")


def test_plugin_objects_may_be_a_rule_a_list_a_module_or_a_callable():
    a, b = make("XQ001", "a"), make("XQ002", "b")
    module = types.ModuleType("plug")
    module.RULES = [a, b]
    bare = types.ModuleType("bare")
    bare.a, bare.other = a, 42
    assert _rules_in(a) == [a]
    assert _rules_in([a, b]) == [a, b]
    assert _rules_in(module) == [a, b]
    assert _rules_in(bare) == [a]
    assert _rules_in(lambda: [b]) == [b]
    with pytest.raises(RolloutError):
        _rules_in(42)


def test_a_code_cannot_be_taken_twice():
    found = {}
    _add(found, [make("XQ001", "a")], "first")
    with pytest.raises(RolloutError, match="XQ001 from second is already taken by 'a'"):
        _add(found, [make("XQ001", "b")], "second")


def test_rules_are_found_by_code_or_slug_and_unknown_ones_get_a_suggestion():
    assert get_rule("fm006") is get_rule("technology-before-process")
    with pytest.raises(UsageError, match="did you mean 'smile-training'"):
        get_rule("smile-trainng")


def test_violation_defaults():
    v = Violation("m")
    assert (v.tasks, v.cadences, v.hint, v.source) == ((), (), None, None)
