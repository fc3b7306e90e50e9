"""Pieces every command shares: loading a plan, output formats, tables, safe CSV."""

from __future__ import annotations

import csv
import datetime as _dt
import io
import json
import sys
from typing import Any, Iterable, Sequence

import click

from ..util import csv_safe, text_table

PLAN_ARG = click.argument("plan_path", metavar="PLAN", type=click.Path(dir_okay=False))


def iso_date(ctx, param, value):
    """A click callback: an ISO date option (YYYY-MM-DD) as a ``datetime.date``."""
    if value is None:
        return None
    try:
        return _dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"expected a date as YYYY-MM-DD, got {value!r}") from None


def format_option(*choices: str, default: str | None = None):
    """``--format/-f`` limited to the given choices (the first is the default)."""
    return click.option("--format", "-f", "fmt", type=click.Choice(choices), default=default or choices[0],
                        show_default=True, help="Output format.")


def output_option(help: str = "Write to this file instead of standard output."):
    return click.option("--output", "-o", "output", type=click.Path(dir_okay=False), default=None, help=help)


def load(plan_path: str):
    """Load and expand a plan file (errors propagate as RolloutError → exit 2)."""
    from ..expand import load_plan

    return load_plan(plan_path)


def emit(text: str, output: str | None = None) -> None:
    """Write text to a file (atomically) or to stdout."""
    if output:
        from ..util import atomic_write_text

        atomic_write_text(output, text)
        click.echo(f"wrote {output}")
    else:
        click.echo(text, nl=not text.endswith("\n"))


def to_json(data: Any) -> str:
    """Readable JSON that stays fast for 100,000 tasks.

    ``json.dumps`` with ``indent`` runs the pure-Python encoder; here the top-level keys are indented
    and each item of a top-level list is one compact line written by the C encoder.
    """
    if not isinstance(data, dict):
        return json.dumps(data, ensure_ascii=False, default=str) + "\n"
    dumps = json.JSONEncoder(ensure_ascii=False, default=str, separators=(", ", ": ")).encode
    parts = []
    for key, value in data.items():
        head = f"  {dumps(key)}: "
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            parts.append(head + "[\n    " + ",\n    ".join(map(dumps, value)) + "\n  ]")
        else:
            parts.append(head + dumps(value))
    return "{\n" + ",\n".join(parts) + "\n}\n"


def to_csv(columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([csv_safe(row.get(c)) for c in columns])
    return buf.getvalue()


def to_table(columns: Sequence[str], rows: Iterable[Sequence[Any]], headers: Sequence[str] | None = None,
             max_width: int = 48) -> str:
    """A plain aligned text table with a rule under the headers (no pandas: the CLI must start fast)."""
    return text_table(list(headers or columns), list(rows), max_width=max_width, rule=True)


def is_terminal() -> bool:
    return sys.stdout.isatty()
