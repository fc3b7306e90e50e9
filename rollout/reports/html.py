"""HTML for every report: one Jinja2 environment with autoescaping, one page shell, plotly figures.

Text from a plan or from Jira reaches a page by one of two roads, and each escapes it exactly once:

- **HTML** (headings, tables, cards): the templates in ``rollout/reports/templates`` render it with
  Jinja2's autoescaping, so nothing in Python escapes it by hand.
- **plotly** (labels, hover, legend, axis ticks, titles): plotly.js reads these strings as its own
  pseudo-HTML (``<b>``, ``<br>``) and decodes only the entities ``&amp; &lt; &gt;`` (and numeric
  ones), not ``&quot;``. :func:`plotly_text` escapes exactly ``& < >`` for it, so ``Launch "Customer
  First" week`` shows as written. The figure's JSON goes into a ``<script>`` through
  :func:`script_json`, which only keeps it from closing the element (that is not HTML escaping: the
  browser does not decode entities inside a script).
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any, Mapping

__all__ = ["figure_div", "plotly_js_tag", "plotly_text", "render", "script_json"]

_PLOTLY_SPECIAL = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_SCRIPT_UNSAFE = re.compile(r"<(?=[/!])|[\u2028\u2029]")


def plotly_text(value: Any, limit: int | None = None) -> str:
    """Text for a plotly label or hover, shown by plotly.js exactly as written and never as markup.

    >>> plotly_text('Launch "Customer First" <b>week</b> & more')
    'Launch "Customer First" &lt;b&gt;week&lt;/b&gt; &amp; more'
    >>> plotly_text("abcdef", limit=4)
    'abc…'
    """
    from ..util import printable

    text = printable("" if value is None else str(value))
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    return text.translate(_PLOTLY_SPECIAL)


def script_json(value: Any) -> str:
    """Compact JSON that is safe inside a ``<script>`` element: no ``</``, no ``<!--``, no line separators.

    >>> script_json({"name": "</script><b>"})
    '{"name":"\\\\u003c/script><b>"}'
    """
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=_json_default)
    return _SCRIPT_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _json_default(value: Any) -> Any:
    if hasattr(value, "tolist"):          # numpy arrays and scalars
        return value.tolist()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"cannot put {type(value).__name__} into a figure")


def figure_div(spec: Mapping[str, Any], div_id: str, config: Mapping[str, Any] | None = None):
    """A ``<div>`` and the script that draws a plotly figure dict into it (plotly.js loaded elsewhere),
    as markup a template inserts as it is.

    Written here rather than by ``plotly.io.to_html`` to keep 5,000-task charts small: compact JSON,
    no validation pass over every point.
    """
    from markupsafe import Markup, escape

    config = dict(config or {"displaylogo": False, "responsive": True})
    height = spec.get("layout", {}).get("height", 450)
    return Markup(f'<div id="{escape(div_id)}" class="plotly-graph-div" style="height:{int(height)}px;width:100%">'
                  f"</div>\n<script>Plotly.newPlot({script_json(div_id)},{script_json(spec['data'])},"
                  f"{script_json(spec['layout'])},{script_json(config)});</script>")


@functools.lru_cache(maxsize=1)
def plotly_js_tag():
    """``<script>`` elements holding plotly.js itself, once per page, so the page works offline."""
    from markupsafe import Markup
    from plotly.offline import get_plotlyjs

    return Markup('<script>window.PlotlyConfig = {MathJaxConfig: "local"};</script>\n'
                  f'<script charset="utf-8">{get_plotlyjs()}</script>')


@functools.lru_cache(maxsize=1)
def _environment():
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("rollout.reports", "templates"),
        autoescape=True,                      # every {{ value }} is HTML-escaped, once
        undefined=jinja2.StrictUndefined,     # a misspelt name is an error, not an empty cell
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
    )
    env.filters["signed"] = lambda n: "" if n is None else f"{int(n):+d}"
    env.filters["percent"] = lambda x: "" if x is None else f"{x:.0%}"
    env.filters["printable"] = _printable
    env.globals["figure"] = figure_div
    return env


def _printable(value: Any) -> str:
    from ..util import printable

    return printable("" if value is None else str(value))


def render(template: str, **context: Any) -> str:
    """Render one of the report templates (``base.html`` is the shell every page extends)."""
    from .. import __version__

    context.setdefault("version", __version__)
    return _environment().get_template(template).render(**context)
