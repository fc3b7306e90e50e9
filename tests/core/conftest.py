import textwrap
from pathlib import Path

import pytest


@pytest.fixture
def write(tmp_path):
    """write("name.yaml", text) → path; text is dedented."""
    def _write(name: str, text: str | bytes) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path
    return _write
