"""Markers for the oracle tests."""


def pytest_configure(config):
    config.addinivalue_line("markers", "tj3: compares rollout's schedule with TaskJuggler 3 (needs the tj3 binary)")
