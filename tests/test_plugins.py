"""One plugin path: our rules, templates and tracker are entry points like a third party's."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from rollout import plugins
from rollout.checks import registry
from rollout.trackers.base import available_trackers, load_tracker

ROOT = Path(__file__).resolve().parents[1]


def test_pyproject_declares_exactly_the_default_plugins():
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["entry-points"]
    assert {g: declared.get(g, {}) for g in plugins.GROUPS} == plugins.DEFAULT_PLUGINS


@pytest.mark.parametrize("group", plugins.GROUPS)
def test_discovery_lists_ours_first_and_each_plugin_once(group):
    found = plugins.discover(group)
    assert [p.value for p in found if p.builtin] == list(plugins.DEFAULT_PLUGINS[group].values())
    assert len({p.value for p in found}) == len(found)


def test_built_in_rules_come_through_the_plugin_path(monkeypatch):
    """Taking our quality module out of the plugin table takes its rules out of the catalogue."""
    monkeypatch.setattr(registry, "_catalogue", None)
    table = dict(plugins.DEFAULT_PLUGINS, **{"rollout.checks": {
        k: v for k, v in plugins.DEFAULT_PLUGINS["rollout.checks"].items() if k != "quality"}})
    monkeypatch.setattr(plugins, "DEFAULT_PLUGINS", table)
    monkeypatch.setattr(plugins, "entry_points", lambda group: [])
    codes = set(registry.all_rules())
    assert "S001" in codes and not any(c.startswith("D0") for c in codes)
    monkeypatch.setattr(registry, "_catalogue", None)          # the next caller gets the full catalogue


def test_the_built_in_tracker_and_templates_come_through_the_plugin_path(monkeypatch):
    assert available_trackers()["jira"] == "rollout.trackers.jira:JiraTracker"
    assert type(load_tracker("jira")).__name__ == "JiraTracker"
    plugins.template_dirs.cache_clear()
    try:
        assert plugins.template_dirs()[0] == ("builtin", plugins.BUILTIN_TEMPLATES)
        monkeypatch.setattr(plugins, "DEFAULT_PLUGINS", dict(plugins.DEFAULT_PLUGINS, **{"rollout.templates": {}}))
        monkeypatch.setattr(plugins, "entry_points", lambda group: [])
        plugins.template_dirs.cache_clear()
        assert plugins.template_dirs() == ()
    finally:
        plugins.template_dirs.cache_clear()
