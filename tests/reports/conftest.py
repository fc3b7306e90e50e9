"""Fixtures for the report tests."""

from __future__ import annotations

import pytest

from .plans import HOSTILE, small_plan


@pytest.fixture
def plan():
    return small_plan()


@pytest.fixture
def hostile_plan():
    return small_plan(HOSTILE)
