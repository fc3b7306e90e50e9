"""Small shared helpers with no dependencies beyond the standard library."""

from __future__ import annotations

import contextlib
import gc
import os
import re
import tempfile
import unicodedata
from pathlib import Path

from .errors import UsageError

__all__ = ["atomic_write_bytes", "atomic_write_text", "csv_safe", "ensure_dir", "no_gc", "slugify", "text_table"]

_SLUG_STRIP = re.compile(r"[^a-z0-9]+")


def slugify(text: object) -> str:
    """Lower-case ASCII words joined by hyphens.

    >>> slugify("Key Accounts & Partners (EMEA)")
    'key-accounts-partners-emea'
    >>> slugify("Zürich")
    'zurich'
    """
    norm = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode("ascii").lower()
    return _SLUG_STRIP.sub("-", norm).strip("-")


def ensure_dir(path: str | os.PathLike) -> Path:
    """Create a folder (and its parents) for output; a user-caused failure is a UsageError."""
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError) as exc:
        blocker = next((p for p in [path, *path.parents] if p.exists() and not p.is_dir()), path)
        raise UsageError(f"cannot create folder {path}: {blocker} is a file, not a folder") from exc
    except OSError as exc:
        raise _cannot_write(path, exc) from exc
    if not path.is_dir():
        raise UsageError(f"cannot write to {path}: it is a file, not a folder")
    return path


def _cannot_write(path: Path, exc: OSError):
    return UsageError(f"cannot write {path}: {exc.strerror or exc}")


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write a file so that readers see either the old or the new content, never half of it."""
    path = Path(path)
    if path.is_dir():
        raise UsageError(f"cannot write {path}: it is a folder; give a file name")
    ensure_dir(path.parent)
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise _cannot_write(path, exc) from exc
    try:
        # mkstemp makes the file private (0600); a report is for others to read: keep the old file's
        # mode, or give a new one the mode the user's umask gives any new file
        try:
            mode = path.stat().st_mode & 0o7777
        except FileNotFoundError:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        _unlink_quietly(tmp)
        raise _cannot_write(path, exc) from exc
    except BaseException:
        _unlink_quietly(tmp)
        raise


def _unlink_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


@contextlib.contextmanager
def no_gc():
    """Pause the cyclic garbage collector while building large acyclic structures.

    Building a 100,000-task plan allocates millions of objects; each allocation burst would trigger a
    generational collection that walks the whole heap again (most of the load time). Nothing built
    here forms reference cycles, so reference counting frees it all the same.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def csv_safe(value: object) -> str:
    """A CSV cell a spreadsheet will not run: text starting with = + - @ (or tab/CR) gets a leading quote.

    >>> csv_safe("=HYPERLINK(1)"), csv_safe(-3), csv_safe("-3"), csv_safe(True), csv_safe(["a", "b"])
    ("'=HYPERLINK(1)", '-3', '-3', 'true', 'a;b')
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, (list, tuple)):
        value = ";".join(str(v) for v in value)
    text = str(value)
    if text and text[0] in "=+-@\t\r" and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def text_table(headers, rows, max_width: int = 48, indent: str = "", rule: bool = False) -> str:
    """A plain aligned text table; long cells are clipped with an ellipsis.

    >>> print(text_table(("id", "name"), [("a", "Alpha"), ("bb", None)], rule=True), end="")
    id  name
    --  -----
    a   Alpha
    bb
    """
    def clip(value) -> str:
        text = "" if value is None else str(value).replace("\n", " ")
        return text if len(text) <= max_width else text[: max_width - 1] + "…"

    body = [[clip(v) for v in row] for row in rows]
    widths = [max([len(h)] + [len(row[k]) for row in body]) for k, h in enumerate(headers)]
    lines = [indent + "  ".join(h.ljust(widths[k]) for k, h in enumerate(headers)).rstrip()]
    if rule:
        lines.append(indent + "  ".join("-" * w for w in widths))
    lines += [indent + "  ".join(c.ljust(widths[k]) for k, c in enumerate(row)).rstrip() for row in body]
    return "\n".join(lines) + "\n"
