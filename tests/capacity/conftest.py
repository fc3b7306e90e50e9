import textwrap
from pathlib import Path

import pytest


@pytest.fixture
def write(tmp_path):
    """write("name.yaml", text) → path; text is dedented."""
    def _write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path
    return _write
