"""Small shared helpers with no dependencies beyond the standard library."""

from __future__ import annotations

import bisect
import contextlib
import difflib
import gc
import os
import re
import stat
import tempfile
import unicodedata
from pathlib import Path
from typing import Mapping

from .errors import UsageError

__all__ = ["Candidates", "atomic_write_bytes", "atomic_write_files", "atomic_write_text", "clip", "csv_safe",
           "did_you_mean", "ensure_dir", "no_gc", "printable", "slugify", "text_table"]

_SLUG_STRIP = re.compile(r"[^a-z0-9]+")
# C0 and C1 control characters but tab and newline, and the bidirectional embeddings, overrides and
# isolates (U+202A–U+202E, U+2066–U+2069) that make a terminal or a calendar show text out of order
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_NEWLINES = re.compile(r"\r\n?")


def printable(text: str) -> str:
    """``text`` without control characters: a CR or CRLF becomes a newline, NUL, escape sequences'
    ESC, bidirectional overrides and the other control characters are dropped.

    >>> printable("Go\\u202elive\\x00\\x1b[31m\\r\\nnext\\rline")
    'Golive[31m\\nnext\\nline'
    """
    return _UNPRINTABLE.sub("", _NEWLINES.sub("\n", text))


def slugify(text: object) -> str:
    """Lower-case ASCII words joined by hyphens.

    >>> slugify("Key Accounts & Partners (EMEA)")
    'key-accounts-partners-emea'
    >>> slugify("Zürich")
    'zurich'
    """
    norm = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode("ascii").lower()
    return _SLUG_STRIP.sub("-", norm).strip("-")


def clip(text: object, limit: int = 80) -> str:
    """User text short enough to quote in a message: at most ``limit`` characters, then an ellipsis.

    >>> clip("short"), clip("x" * 100, 10)
    ('short', 'xxxxxxxxx…')
    """
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Candidates:
    """A large set of names, indexed once for repeated did-you-mean look-ups.

    A suggestion shares its start or its end with the word (a typo rarely changes both), so the
    names sorted forwards and sorted backwards, read around where the word would stand, hold the
    likely matches: a few hundred candidates instead of every name, found in O(log n).
    """

    WINDOW = 100                      # names read on each side of the word, in each order

    def __init__(self, options):
        self.names = sorted({str(o) for o in options})
        self._reversed: list[str] | None = None

    def __len__(self) -> int:
        return len(self.names)

    def near(self, word: str) -> list[str]:
        if len(self.names) <= 4 * self.WINDOW:
            return self.names
        if self._reversed is None:
            self._reversed = sorted(n[::-1] for n in self.names)
        w = self.WINDOW
        k = bisect.bisect_left(self.names, word)
        out = self.names[max(0, k - w): k + w]
        drow = word[::-1]
        k = bisect.bisect_left(self._reversed, drow)
        out.extend(n[::-1] for n in self._reversed[max(0, k - w): k + w])
        return out


def did_you_mean(word: object, options, cutoff: float = 0.6) -> str | None:
    """The option closest to ``word`` (difflib's ratio of at least ``cutoff``), or None.

    Linear at worst in the number of options, and logarithmic with a prebuilt ``Candidates`` (pass
    one when asking many times over the same large set, e.g. task ids).

    >>> did_you_mean("colour", ["color", "flavour"]), did_you_mean("x", ["abc"])
    ('color', None)
    """
    word = str(word)
    if not isinstance(options, Candidates):
        options = options if isinstance(options, list) else list(options)
        if len(options) > 4 * Candidates.WINDOW:
            options = Candidates(options)
    pool = options.near(word) if isinstance(options, Candidates) else [str(o) for o in options]
    hint = difflib.get_close_matches(word, pool, n=1, cutoff=cutoff)
    return hint[0] if hint else None


def suggestion(word: object, options, cutoff: float = 0.6) -> str:
    """`` (did you mean 'x'?)`` for the closest option (see :func:`did_you_mean`), or an empty string:
    the one place every message's suggestion comes from.

    >>> "unknown key 'colr'" + suggestion("colr", ["color", "size"])
    "unknown key 'colr' (did you mean 'color'?)"
    """
    hint = did_you_mean(word, options, cutoff)
    return f" (did you mean '{hint}'?)" if hint else ""


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
    """Write a file so that readers see either the old or the new content, never half of it.

    Only a regular file (or a missing one) is replaced. A device, a FIFO or a socket (``-o /dev/null``,
    a named pipe a script reads) is written in place, as a shell redirection would: replacing it with a
    regular file would break whatever else uses it.
    """
    atomic_write_files({path: data})


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_files(files: Mapping[str | os.PathLike, bytes]) -> None:
    """Write several files as one step: each is first written beside its target under a temporary
    name, and only when all of them are ready are they renamed over the old ones. A failure before
    that leaves every old file as it was (a report's folder is never half replaced)."""
    staged: list[tuple[str, Path]] = []
    special: list[tuple[Path, bytes]] = []
    try:
        for target, data in files.items():
            path = Path(target)
            st = _stat(path)
            if st is not None and stat.S_ISDIR(st.st_mode):
                raise UsageError(f"cannot write {path}: it is a folder; give a file name")
            if st is not None and not stat.S_ISREG(st.st_mode):
                special.append((path, data))          # written in place, after the regular files are ready
                continue
            staged.append((_stage(path, data, st), path))
        for tmp, path in staged:
            try:
                os.replace(tmp, path)
            except OSError as exc:
                raise _cannot_write(path, exc) from exc
        staged = []
        for path, data in special:
            _write_in_place(path, data)
    finally:
        for tmp, _ in staged:
            _unlink_quietly(tmp)


def _stat(path: Path) -> os.stat_result | None:
    try:
        return path.stat()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise _cannot_write(path, exc) from exc


def _stage(path: Path, data: bytes, st: os.stat_result | None) -> str:
    """``data`` in a temporary file beside ``path``, flushed to disk; returns its name."""
    ensure_dir(path.parent)
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise _cannot_write(path, exc) from exc
    try:
        # mkstemp makes the file private (0600); a report is for others to read: keep the old file's
        # mode, or give a new one the mode the user's umask gives any new file
        if st is not None:
            mode = st.st_mode & 0o7777
        else:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as exc:
        _unlink_quietly(tmp)
        raise _cannot_write(path, exc) from exc
    except BaseException:
        _unlink_quietly(tmp)
        raise
    return tmp


def _write_in_place(path: Path, data: bytes) -> None:
    """Write to a device, FIFO or socket as it is (never truncating or replacing it)."""
    try:
        with open(path, "wb", buffering=0) as fh:
            view = memoryview(data)
            while view:
                view = view[fh.write(view):]
    except OSError as exc:
        raise _cannot_write(path, exc) from exc


def _unlink_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


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
        text = "" if value is None else printable(str(value)).replace("\n", " ").replace("\t", " ")
        return text if len(text) <= max_width else text[: max_width - 1] + "…"

    body = [[clip(v) for v in row] for row in rows]
    widths = [max([len(h)] + [len(row[k]) for row in body]) for k, h in enumerate(headers)]
    lines = [indent + "  ".join(h.ljust(widths[k]) for k, h in enumerate(headers)).rstrip()]
    if rule:
        lines.append(indent + "  ".join("-" * w for w in widths))
    lines += [indent + "  ".join(c.ljust(widths[k]) for k, c in enumerate(row)).rstrip() for row in body]
    return "\n".join(lines) + "\n"
