"""Rendering lives in rollout.reports: the tracking and risk libraries return data only."""

from __future__ import annotations

import ast
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _imports(path: Path) -> set[str]:
    """Every module a file imports, anywhere in it (inside functions too), as absolute names."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            # relative imports count as rollout.* (which module exactly does not matter here; a
            # sibling such as rollout.tracking.status is no rollout.reports module either way)
            base = "rollout" if node.level else ""
            found.add(".".join(p for p in (base, node.module or "") if p))
    return found


@pytest.mark.parametrize("module", ["tracking/__init__.py", "tracking/actuals.py", "tracking/forecast.py",
                                    "tracking/status.py", "risk.py",
                                    "earned.py"])
def test_library_modules_build_no_html_and_open_no_state_store(module):
    imports = _imports(ROOT / "rollout" / module)
    assert not {m for m in imports if m.split(".")[0] in ("plotly", "html", "jinja2", "markupsafe")}, imports
    assert "rollout.state" not in imports and not any(m.startswith("rollout.reports") for m in imports)
    source = (ROOT / "rollout" / module).read_text()
    assert "<table" not in source and "<section" not in source


def test_every_html_page_extends_the_one_page_shell():
    folder = ROOT / "rollout" / "reports" / "templates"
    pages = [p for p in folder.glob("*.html") if not p.name.startswith("_") and p.name not in ("base.html", "macros.html")]
    assert {p.name for p in pages} == {"dashboard.html", "gantt.html", "status.html", "risk.html", "trend.html",
                                       "load.html"}
    for page in pages:
        assert page.read_text().startswith('{% extends "base.html" %}'), page.name
    # and no module of rollout.reports writes a page shell of its own
    for module in (ROOT / "rollout" / "reports").glob("*.py"):
        assert "<!DOCTYPE" not in module.read_text(), module.name


@pytest.mark.slow
def test_the_wheel_carries_the_templates(tmp_path):
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                           "-w", str(tmp_path), str(ROOT)], capture_output=True, text=True, timeout=300)
    if proc.returncode != 0 and "No matching distribution" in proc.stderr:
        pytest.skip("no package index reachable for the build backend")
    assert proc.returncode == 0, proc.stderr
    names = zipfile.ZipFile(next(tmp_path.glob("rollout-*.whl"))).namelist()
    for template in (ROOT / "rollout" / "reports" / "templates").glob("*.html"):
        assert f"rollout/reports/templates/{template.name}" in names
