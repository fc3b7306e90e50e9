"""The ``rollout`` command line: a click group whose commands each make one library call.

Command modules live beside this file; each exposes ``COMMANDS``. One wrapper turns a
``RolloutError`` into its message on stderr and its exit code; nothing else exits.
"""

from __future__ import annotations

import importlib
import sys

import click

from .. import __version__
from ..errors import RolloutError

__all__ = ["cli", "main"]

# Command modules, in the order their commands appear in --help. Each must import only
# light modules at import time: pandas, plotly and jira are imported inside commands.
_COMMAND_MODULES = ("plan", "check", "reports", "jira", "tracking", "trend", "review", "interop")


class _Group(click.Group):
    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except RolloutError as exc:
            text = str(exc)
            option = getattr(exc, "option", None)
            if option:                   # the library names the parameter; the command line, its flag
                text += f" (--{option.replace('_', '-')})"
            click.echo(f"error: {text}" if "\n" not in text else f"error:\n{text}", err=True)
            ctx.exit(exc.exit_code)
        except OSError as exc:          # a file the user named cannot be read or written
            where = f" {exc.filename}" if exc.filename else ""
            click.echo(f"error: cannot access{where}: {exc.strerror or exc}", err=True)
            ctx.exit(2)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            ctx.exit(130)

    def list_commands(self, ctx):
        return list(self.commands)  # keep registration order, not alphabetical


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", prog_name="rollout")
def cli():
    """Plan, check, schedule and track customer-alignment rollouts.

    Templated transformation plans expand into dependency-aware task graphs, are checked
    against the failure modes that sink such programmes, scheduled on working calendars,
    pushed to Jira, exported to calendars and reported to steering committees.

    Example:


    \b
        rollout new customer-alignment -o acme.yaml --set org=Acme
        rollout schedule acme.yaml
    """


for _name in _COMMAND_MODULES:      # every family ships: an import error here is a bug, shown as one
    _module = importlib.import_module(f"{__name__}.{_name}")
    for _command in _module.COMMANDS:
        cli.add_command(_command)


def main(argv: list[str] | None = None) -> None:
    cli.main(args=argv, prog_name="rollout")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
