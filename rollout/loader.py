"""YAML files to plain data that remembers where each value came from (file:line:col).

Scalars load as strings (``None`` for null, and plain ``true``/``false`` as booleans): the schema, not
YAML's implicit typing, decides what a value means, so ``NO`` stays a country code, ``007`` keeps its
zeros and ``2027-01-11`` is a date whether quoted or not.

Two paths give the same data:
- fast: rapidyaml parses, emits JSON, and the C ``json`` module builds the objects (a 100k-task plan in
  about a second); used when the file has no anchors, aliases, tags or merge keys;
- precise: PyYAML composes nodes with marks; used for those features (aliases are shared, never copied,
  and their expanded size is bounded) and to word syntax errors.
Line numbers on the fast path come from rapidyaml's node offsets, looked up only when asked for.
"""

from __future__ import annotations

import bisect
import contextlib
import functools
import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any, Iterator

from .errors import PlanError, Problem
from .model import Source

__all__ = ["MAX_BYTES", "MAX_DEPTH", "MAX_NODES", "YamlDoc", "load_yaml", "load_yaml_text"]

MAX_BYTES = 64 * 1024 * 1024      # a 100,000-task plan is about 17 MB
MAX_NODES = 20_000_000            # values after alias expansion: refuses "billion laughs"
# Values nested below the top (the top mapping is level 0, a task's field about 6). rapidyaml's emitter
# stops past 64 and PyYAML's composer near 1,000: both paths refuse past this one documented depth.
MAX_DEPTH = 64

_CONTENT = re.compile(r"^[ \t]*[^#\s]", re.M)   # a line that is neither blank nor a comment
_RYML_NONE = 2**64 - 1          # rapidyaml's NONE: "no such node"
_PLAIN_TILDE = re.compile(rb"(?:^|[:\-\[,])[ \t]*~[ \t]*(?:$|[,\]\}#])", re.M)
# Anything that needs the precise path: anchors, aliases, tags, merge keys. Searched only when one of
# the characters is in the file at all (a bare membership test scans 17 MB in milliseconds).
_NEEDS_PRECISE = re.compile(rb"(?:^|[\s\[\{,:-])[&*!][^\s,\]\}]|<<\s*:", re.M)
_PRECISE_HINTS = (b"&", b"*", b"!", b"<<")


class YamlDoc:
    """Parsed YAML data plus a way back from a path inside it to a line and column."""

    def __init__(self, path: str, text: str, data: Any, locator):
        self.path = path
        self.text = text
        self.data = data
        self._locator = locator

    def locate(self, docpath: tuple) -> tuple[int | None, int | None]:
        """Line and column (1-based) of the value at ``docpath`` (keys and list indices)."""
        return _safe_locate(self._locator, docpath)

    def source(self, docpath: tuple) -> Source:
        # the partial holds the small locator, not the document: sources outlive the parsed data
        return Source(self.path, resolve=functools.partial(_safe_locate, self._locator, docpath))

    def problem(self, docpath: tuple, message: str) -> Problem:
        line, col = self.locate(docpath)
        return Problem(message, self.path, line, col)

    def error(self, docpath: tuple, message: str) -> PlanError:
        return PlanError(problems=[self.problem(docpath, message)])


def _safe_locate(locator, docpath: tuple) -> tuple[int | None, int | None]:
    try:
        return locator(docpath)
    except Exception:  # a location is a courtesy; never fail an error report over it
        return None, None


def load_yaml(path: str | os.PathLike, display: str | None = None) -> YamlDoc:
    """Read and parse a YAML file; every failure is a PlanError naming the file (and line)."""
    shown = display or str(path)
    p = Path(path)
    try:
        if p.is_dir():
            raise PlanError("is a directory, not a YAML file", shown)
        size = p.stat().st_size
        if size > MAX_BYTES:
            raise PlanError(f"file is {size:,} bytes; the limit is {MAX_BYTES:,}", shown)
        with open(p, "rb") as fh:           # a pipe or a /proc file says size 0: read at most the limit
            raw = fh.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise PlanError("file not found", shown) from None
    except PermissionError:
        raise PlanError("permission denied", shown) from None
    except IsADirectoryError:
        raise PlanError("is a directory, not a YAML file", shown) from None
    except OSError as exc:                  # e.g. /proc/self/pagemap: "Invalid argument"
        raise PlanError(f"cannot read the file: {exc.strerror or exc}", shown) from None
    except ValueError as exc:               # a path with a NUL byte in it
        raise PlanError(f"cannot read the file: {exc}", shown) from None
    if len(raw) > MAX_BYTES:
        raise PlanError(f"file is more than {MAX_BYTES:,} bytes, the limit", shown)
    return load_yaml_bytes(raw, shown)


def load_yaml_text(text: str, path: str = "<string>") -> YamlDoc:
    return load_yaml_bytes(text.encode("utf-8"), path)


def load_yaml_bytes(raw: bytes, path: str) -> YamlDoc:
    if len(raw) > MAX_BYTES:
        raise PlanError(f"file is {len(raw):,} bytes; the limit is {MAX_BYTES:,}", path)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise PlanError(f"not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file as UTF-8",
                        path, line, col) from None
    if text.startswith("\ufeff"):
        text = text[1:]
        raw = text.encode("utf-8")
    if not _CONTENT.search(text):
        raise PlanError("the file is empty", path, 1)
    if "\x00" in text:
        raise PlanError("the file contains a NUL character; is it a binary file?", path,
                        text.count("\n", 0, text.index("\x00")) + 1)
    if not (any(h in raw for h in _PRECISE_HINTS) and _NEEDS_PRECISE.search(raw)):
        doc = _fast(raw, text, path)
        if doc is not None:
            return doc
    return _precise(text, path)


# ---------------------------------------------------------------- fast path (rapidyaml)

def _fast(raw: bytes, text: str, path: str) -> YamlDoc | None:
    try:
        import ryml
    except ImportError:  # pragma: no cover - rapidyaml is a dependency; stay correct without it
        return None
    buf = bytearray(raw)
    with _quiet_stderr() as captured:
        try:
            tree = ryml.parse_in_place(buf)
        except Exception:
            tree = None
    if tree is None:
        _precise(text, path)                      # PyYAML words the error with line:col
        msg = _ryml_message(captured())
        raise PlanError(f"invalid YAML: {msg[2]}", path, msg[0], msg[1])
    root = tree.root_id()
    if tree.is_stream(root) and tree.num_children(root) > 1:
        second = ryml_child_offset(tree, root, 1, buf)
        line = text.count("\n", 0, second) + 1 if second is not None else None
        raise PlanError("only one YAML document per file is allowed", path, line)
    try:
        with _quiet_stderr():
            js = ryml.emit_json(tree)
    except Exception:
        _too_deep(tree, buf, text, path)         # the emitter stops past MAX_DEPTH: say where
        return None                               # anything else: let the precise path word it
    is_stream = tree.is_stream(root)
    del tree, buf           # the tree and its buffer are as big as the data about to be built
    # rapidyaml's emitter rewrites some plain scalars (nan → .nan, inf → .inf, 1. → 1.0, .5 → 0.5);
    # a token in the JSON that the file never spelt that way sends the file down the precise path
    if (".nan" in js and b".nan" not in raw) or (".inf" in js and b".inf" not in raw):
        return None
    spelt: dict[str, bool] = {}

    def parse_float(token: str) -> str:
        ok = spelt.get(token)
        if ok is None:
            ok = spelt[token] = token.encode() in raw
        if not ok:
            raise _Rewritten
        return token

    try:
        data = json.loads(js, object_pairs_hook=_unique_pairs, parse_int=str, parse_float=parse_float,
                          parse_constant=str)
    except (_DuplicateKey, _Rewritten):
        return None                               # the precise path reports duplicates with a line
    except ValueError:
        return None                               # JSON the emitter got wrong (e.g. +3): be precise
    del js
    if isinstance(data, list) and is_stream:
        data = data[0] if data else None
    if b"~" in raw and _PLAIN_TILDE.search(raw):
        data = _normalise(data)        # plain ~ is null in YAML; JSON kept it as text
    return YamlDoc(path, text, data, _RymlLocator(raw))


def _too_deep(tree, buf, text: str, path: str) -> None:
    """Raise the depth error at the first value nested deeper than MAX_DEPTH (an iterative walk)."""
    root = tree.root_id()
    if tree.is_stream(root):
        root = tree.first_child(root)
    todo = [(root, 0)]
    while todo:
        node, depth = todo.pop()
        if depth > MAX_DEPTH:
            loc = _RymlLocator(bytes(buf))
            loc.tree, loc.buf = tree, buf
            off = loc._offset(node)
            while off is None and tree.has_parent(node):     # an empty [] has no text of its own
                node = tree.parent(node)
                off = loc._offset(node)
            raise PlanError(_DEPTH_MESSAGE, path, text.count("\n", 0, off) + 1 if off is not None else None)
        c = tree.first_child(node)
        while c != _RYML_NONE:
            todo.append((c, depth + 1))
            c = tree.next_sibling(c)


_DEPTH_MESSAGE = f"the document is nested more than {MAX_DEPTH} levels deep (lists and mappings inside each other)"


class _DuplicateKey(Exception):
    pass


class _Rewritten(Exception):
    pass


def _unique_pairs(pairs):
    d = dict(pairs)
    if len(d) != len(pairs):
        raise _DuplicateKey
    return d


def _normalise(value):
    """Plain '~' to None: YAML's null, which rapidyaml's JSON kept as text."""
    if isinstance(value, dict):
        for k, v in value.items():
            if v == "~":
                value[k] = None
            elif isinstance(v, (dict, list)):
                _normalise(v)
        return value
    if isinstance(value, list):
        for k, v in enumerate(value):
            if v == "~":
                value[k] = None
            elif isinstance(v, (dict, list)):
                _normalise(v)
    return None if value == "~" else value


class _RymlLocator:
    """Finds the line of a value by re-parsing the raw bytes on first use (the tree is not kept)."""

    def __init__(self, raw: bytes):
        self._raw = raw
        self.tree = None
        self.buf: bytearray | None = None
        self._newlines: list[int] | None = None
        self._kids: dict[int, list[int]] = {}

    def _parse(self) -> None:
        import ryml

        self.buf = bytearray(self._raw)
        with _quiet_stderr():
            self.tree = ryml.parse_in_place(self.buf)

    def _children(self, node: int) -> list[int]:
        kids = self._kids.get(node)
        if kids is None:
            t = self.tree
            kids, c = [], t.first_child(node)
            while c != _RYML_NONE:
                kids.append(c)
                c = t.next_sibling(c)
            self._kids[node] = kids
        return kids

    def __call__(self, docpath: tuple) -> tuple[int | None, int | None]:
        if self.tree is None:
            self._parse()
        t = self.tree
        node = t.root_id()
        if t.is_stream(node):
            node = self._children(node)[0]
        for step in docpath:
            kids = self._children(node)
            if t.is_map(node):
                key = str(step).encode("utf-8")
                found = next((c for c in kids if bytes(t.key(c)) == key), None)
            elif t.is_seq(node) and isinstance(step, int) and 0 <= step < len(kids):
                found = kids[step]
            else:
                found = None
            if found is None:
                break
            node = found
        off = self._offset(node)
        if off is None:
            return None, None
        if self._newlines is None:
            self._newlines = [m.start() for m in re.finditer(rb"\n", self._raw)]
        line = bisect.bisect_left(self._newlines, off)
        start = self._newlines[line - 1] + 1 if line else 0
        return line + 1, len(self._raw[start:off].decode("utf-8", "replace")) + 1

    def _offset(self, node: int) -> int | None:
        t = self.tree
        while True:
            if t.has_key(node) and len(t.key(node)):
                return _address(t.key(node)) - _address(self.buf)
            if t.has_val(node) and len(t.val(node)):
                return _address(t.val(node)) - _address(self.buf)
            kids = self._children(node)
            if not kids:
                return None
            node = kids[0]


def ryml_child_offset(tree, node, k, buf) -> int | None:
    c = tree.first_child(node)
    for _ in range(k):
        c = tree.next_sibling(c)
    loc = _RymlLocator(bytes(buf))
    loc.tree, loc.buf = tree, buf
    return loc._offset(c)


def _address(mem) -> int:
    import numpy as np  # only when a location is asked for

    return np.frombuffer(mem, dtype=np.uint8).ctypes.data


@contextlib.contextmanager
def _quiet_stderr() -> Iterator:
    """rapidyaml prints its parse errors on fd 2; capture them instead of showing them."""
    try:
        saved = os.dup(2)
    except OSError:  # no fd 2 (embedded use): nothing to hide
        yield lambda: ""
        return
    with tempfile.TemporaryFile() as tmp:
        os.dup2(tmp.fileno(), 2)
        try:
            yield lambda: (tmp.seek(0), tmp.read().decode("utf-8", "replace"))[1]
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def _ryml_message(text: str) -> tuple[int | None, int | None, str]:
    m = re.search(r"line=(\d+) col=(\d+).*?ERROR: \[\w+\] ([^\n]+)", text)
    if not m:
        return None, None, "the parser could not read it"
    return int(m.group(1)), int(m.group(2)), m.group(3)


# ---------------------------------------------------------------- precise path (PyYAML with marks)

def _precise(text: str, path: str) -> YamlDoc:
    import yaml

    loader_cls = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        nodes = list(yaml.compose_all(text, Loader=loader_cls))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = exc.problem or exc.context or "invalid YAML"
        if "maximum nesting depth" in what:      # libyaml's own ceiling, far past ours
            raise PlanError(_DEPTH_MESSAGE, path, mark.line + 1 if mark else None) from None
        if mark is not None and _tab_near(text, mark.index):
            what += " (YAML does not allow tabs for indentation; use spaces)"
        raise PlanError(f"invalid YAML: {what}", path,
                        mark.line + 1 if mark else None, mark.column + 1 if mark else None) from None
    except yaml.YAMLError as exc:
        raise PlanError(f"invalid YAML: {exc}", path) from None
    if not nodes:
        raise PlanError("the file is empty", path, 1)
    if len(nodes) > 1:
        raise PlanError("only one YAML document per file is allowed", path, nodes[1].start_mark.line + 1)
    root = nodes[0]
    builder = _NodeBuilder(path)
    data = builder.build(root)
    return YamlDoc(path, text, data, lambda docpath: _locate_node(root, docpath))


def _tab_near(text: str, index: int) -> bool:
    line_start = text.rfind("\n", 0, index) + 1
    line_end = text.find("\n", index)
    return "\t" in text[line_start: line_end if line_end >= 0 else None]


_CORE_TAGS = {
    "tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null", "tag:yaml.org,2002:timestamp",
    "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:merge",
    "tag:yaml.org,2002:binary", "tag:yaml.org,2002:omap", "tag:yaml.org,2002:set",
}
# The plain scalars that are not text, exactly as the fast path's JSON has them.
_PLAIN_CONSTANTS = {"": None, "~": None, "null": None, "true": True, "false": False}


class _NodeBuilder:
    """PyYAML nodes → plain data; refuses tags, duplicate keys and oversized alias expansion."""

    def __init__(self, path: str):
        self.path = path
        self.memo: dict[int, Any] = {}
        self.sizes: dict[int, int] = {}

    def build(self, root):
        if self._size(root, 0) > MAX_NODES:
            raise PlanError(f"the document expands to more than {MAX_NODES:,} values through aliases "
                            "(an alias bomb?)", self.path, root.start_mark.line + 1)
        return self._build(root)

    def _size(self, node, depth: int) -> int:
        import yaml

        key = id(node)
        if key in self.sizes:
            return self.sizes[key]
        if depth > MAX_DEPTH:
            raise PlanError(_DEPTH_MESSAGE, self.path, node.start_mark.line + 1)
        self.sizes[key] = 1                       # guards recursive aliases
        total = 1
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                total += self._size(k, depth + 1) + self._size(v, depth + 1)
                if total > MAX_NODES:
                    break
        elif isinstance(node, yaml.SequenceNode):
            for v in node.value:
                total += self._size(v, depth + 1)
                if total > MAX_NODES:
                    break
        self.sizes[key] = total
        return total

    def _fail(self, node, message: str):
        raise PlanError(message, self.path, node.start_mark.line + 1, node.start_mark.column + 1)

    def _build(self, node):
        import yaml

        key = id(node)
        if key in self.memo:
            return self.memo[key]
        tag = node.tag or ""
        if tag.startswith("!") or (tag.startswith("tag:") and tag not in _CORE_TAGS):
            self._fail(node, f"YAML tags are not allowed here (found {tag.replace('tag:yaml.org,2002:', '!!')})")
        if isinstance(node, yaml.ScalarNode):
            value = node.value
            if not node.style:                       # plain (the C loader says '', the Python one None)
                value = _PLAIN_CONSTANTS.get(value, value)
            self.memo[key] = value
            return value
        if isinstance(node, yaml.SequenceNode):
            out: list = []
            self.memo[key] = out
            out.extend(self._build(v) for v in node.value)
            return out
        out_map: dict = {}
        self.memo[key] = out_map
        merged: dict = {}
        seen: dict[str, Any] = {}
        for k, v in node.value:
            if k.tag == "tag:yaml.org,2002:merge":
                for src in (v.value if isinstance(v, yaml.SequenceNode) else [v]):
                    part = self._build(src)
                    if not isinstance(part, dict):
                        self._fail(src, "a merge key (<<) takes a mapping or a list of mappings")
                    for mk, mv in part.items():
                        merged.setdefault(mk, mv)
                continue
            if not isinstance(k, yaml.ScalarNode):
                self._fail(k, "keys must be plain text, not lists or mappings")
            name = k.value                       # keys are always text, as in JSON
            if name in seen:
                first = seen[name]
                self._fail(k, f"duplicate key '{name}' (first defined on line {first.start_mark.line + 1})")
            seen[name] = k
            out_map[name] = self._build(v)
        for mk, mv in merged.items():
            out_map.setdefault(mk, mv)
        return out_map


def _locate_node(root, docpath: tuple) -> tuple[int | None, int | None]:
    """Follow keys and indices from the root; point at the key of the last mapping entry reached."""
    import yaml

    node, anchor = root, root
    for step in docpath:
        if isinstance(node, yaml.MappingNode):
            pair = next(((k, v) for k, v in node.value if getattr(k, "value", None) == str(step)), None)
            if pair is None:
                break
            anchor, node = pair
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and 0 <= step < len(node.value):
            anchor = node = node.value[step]
        else:
            break
    if anchor is node and isinstance(node, yaml.MappingNode) and node.value:
        anchor = node.value[0][0]             # a mapping in a list: point at its first key
    mark = anchor.start_mark
    return mark.line + 1, mark.column + 1
