"""Sandboxed placeholders: ``{{ name }}`` and ``{{ name | filter }}``, nothing more.

The grammar is a name and an optional filter from a fixed list; there is no attribute access, no call,
no expression. A hostile template can substitute text and nothing else.
"""

from __future__ import annotations

import itertools
import math
import re
from typing import Any, Iterator, Mapping

from .util import clip, did_you_mean, slugify

__all__ = ["FILTERS", "LIST_FILTERS", "RenderError", "TooManyCopies", "for_each_contexts", "render", "to_text", "truthy"]

FILTERS = {
    "slug": slugify,
    "lower": str.lower,
    "upper": str.upper,
    "title": str.title,
}
# Filters that take a list parameter whole: its first or last item ("" for an empty list).
LIST_FILTERS = {
    "first": lambda items: items[0] if items else "",
    "last": lambda items: items[-1] if items else "",
}
_INNER = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\|\s*([A-Za-z_]+)\s*)?$")


class RenderError(ValueError):
    """A placeholder that is malformed or names nothing; the caller adds file:line."""


class TooManyCopies(RenderError):
    """A ``for_each`` would make more copies than allowed; raised before any copy is made."""

    def __init__(self, count: int, sizes: list[int]):
        self.count, self.sizes = count, sizes
        super().__init__(f"for_each makes {count:,} copies: {' × '.join(f'{n:,}' for n in sizes)}")


def render(value: Any, ctx: Mapping[str, Any], slug: bool = False) -> Any:
    """Substitute placeholders in a string, or in every string of a list or mapping.

    A string that is exactly one placeholder takes the value itself (a list stays a list); in a
    ``slug`` field every substituted value is slugified.

    >>> render("voc-{{ segment }}", {"segment": "Key accounts"}, slug=True)
    'voc-key-accounts'
    >>> render("{{ units }}", {"units": ["North", "South"]})
    ['North', 'South']
    >>> render("Brief {{ unit | upper }}", {"unit": "north"})
    'Brief NORTH'
    """
    if isinstance(value, str):
        return _render_str(value, ctx, slug)
    if isinstance(value, list):
        out = []
        for item in value:
            r = render(item, ctx, slug)
            if slug and isinstance(r, list) and isinstance(item, str):
                out.extend(r)          # "{{ list_param }}" in a list of ids spreads into it
            else:
                out.append(r)
        return out
    if isinstance(value, dict):
        return {k: render(v, ctx, slug) for k, v in value.items()}
    return value


def _render_str(text: str, ctx: Mapping[str, Any], slug: bool) -> Any:
    if "{{" not in text:
        return text
    spans = _placeholders(text)
    if len(spans) == 1 and spans[0][0] == len(text) - len(text.lstrip()) and \
            spans[0][1] == len(text.rstrip()):
        value = _lookup(spans[0][2], ctx)           # the whole string is one placeholder
        if isinstance(value, list):
            return [slugify(v) for v in value] if slug else list(value)
        return slugify(to_text(value)) if slug else value
    out, pos = [], 0
    for start, end, inner in spans:
        text_value = to_text(_lookup(inner, ctx))
        out.append(text[pos:start])
        out.append(slugify(text_value) if slug else text_value)
        pos = end
    out.append(text[pos:])
    return "".join(out)


def _placeholders(text: str) -> list[tuple[int, int, str]]:
    """(start, end, inner text) of each ``{{ ... }}``, left to right, in one linear pass.

    Each ``{{`` is closed by the first ``}}`` after it; a ``{{`` with no ``}}`` after it is an error.
    """
    spans, pos = [], 0
    while True:
        start = text.find("{{", pos)
        if start < 0:
            return spans
        end = text.find("}}", start + 2)
        if end < 0:
            raise RenderError(f"unclosed placeholder in {clip(repr(text))}: write {{{{ name }}}}")
        spans.append((start, end + 2, text[start + 2:end]))
        pos = end + 2


def _lookup(inner: str, ctx: Mapping[str, Any]) -> Any:
    m = _INNER.match(inner)
    if not m:
        raise RenderError(
            f"{clip('{{' + inner + '}}')} is not a placeholder: write {{{{ name }}}} or {{{{ name | filter }}}} "
            f"(filters: {', '.join([*FILTERS, *LIST_FILTERS])}); expressions, attributes and calls are not allowed")
    name, filt = m.group(1), m.group(2)
    if name not in ctx:
        hint = did_you_mean(name, ctx)
        known = f" (did you mean '{hint}'?)" if hint else (
            f" (known: {clip(', '.join(sorted(ctx)), 200)})" if ctx else " (no parameters are defined here)")
        raise RenderError(f"unknown placeholder '{clip(name)}'{known}")
    value = ctx[name]
    if filt in LIST_FILTERS:
        return LIST_FILTERS[filt](value if isinstance(value, list) else [value])
    if filt:
        if filt not in FILTERS:
            known = [*FILTERS, *LIST_FILTERS]
            hint = did_you_mean(filt, known)
            raise RenderError(f"unknown filter '{clip(filt)}'" + (f" (did you mean '{hint}'?)" if hint else
                                                            f" (filters: {', '.join(known)})"))
        value = FILTERS[filt](to_text(value))
    return value


def to_text(value: Any) -> str:
    """How a value reads inside a sentence: lists joined with commas, booleans as true/false."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ", ".join(to_text(v) for v in value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def truthy(value: Any) -> bool:
    """``when:`` values: true/yes/1 keep, false/no/0/empty drop."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (list, tuple)):
        return bool(value)
    text = to_text(value).strip().lower()
    if text in ("true", "yes", "on", "1"):
        return True
    if text in ("false", "no", "off", "0", "", "none", "null"):
        return False
    raise RenderError(f"'when' must be true or false, not {clip(repr(text))}")


def for_each_contexts(spec: Mapping[str, Any], ctx: Mapping[str, Any],
                      limit: int | None = None) -> Iterator[dict[str, Any]]:
    """One context per combination of the ``for_each`` lists (several keys: cartesian product).

    More than ``limit`` combinations raise TooManyCopies before the first one is made.

    Each variable ``v`` also gives ``v_index`` (1-based) and ``v_previous`` ('' on the first item).

    >>> [c["unit"] + str(c["unit_index"]) + c["unit_previous"] for c in
    ...  for_each_contexts({"unit": "units"}, {"units": ["n", "s"]})]
    ['n1', 's2n']
    """
    names, lists = [], []
    for var, source in spec.items():
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", str(var)):
            raise RenderError(f"for_each variable {clip(repr(var))} must be a name (letters, digits, _)")
        if isinstance(source, str):
            src = source.strip()
            if src.startswith("{{"):
                items = render(src, ctx)
            elif src in ctx:
                items = ctx[src]
            else:
                hint = did_you_mean(src, ctx)
                raise RenderError(f"for_each: '{clip(src)}' is not a parameter" +
                                  (f" (did you mean '{hint}'?)" if hint else ""))
        else:
            items = source
        if items is None:
            items = []
        if not isinstance(items, list):
            raise RenderError(f"for_each: '{var}' must iterate over a list, not {clip(repr(to_text(items)))}")
        for item in items:
            if isinstance(item, (list, dict)):
                raise RenderError(f"for_each: items of '{var}' must be plain values, not lists or mappings")
        names.append(str(var))
        lists.append(items)
    if limit is not None:
        count = math.prod(len(items) for items in lists)
        if count > limit:
            raise TooManyCopies(count, [len(items) for items in lists])
    for combo in itertools.product(*[list(enumerate(items)) for items in lists]):
        local = dict(ctx)
        for name, items, (k, item) in zip(names, lists, combo):
            local[name] = item
            local[f"{name}_index"] = k + 1
            local[f"{name}_previous"] = items[k - 1] if k > 0 else ""
        yield local
