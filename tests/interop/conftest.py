"""Interop tests: plans to export, and MPXJ (a reader we did not write) started once per test process."""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def generator():
    """benchmarks/generate.py: realistic plans with FS/SS links, lags, milestones, US holidays."""
    spec = importlib.util.spec_from_file_location("rollout_bench_generate", ROOT / "benchmarks" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def jvm():
    """MPXJ's Java classes, or a skip when this machine truly has no Java runtime."""
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip("no Java runtime (java not on PATH, JAVA_HOME unset): scripts/setup.sh --test installs one")
    from rollout.interop.mpxj import start_jvm

    start_jvm()
    import jpype

    return jpype


@pytest.fixture
def links_plan():
    return HERE / "links.yaml"
