"""The exception tree of rollout; each class carries the exit code the CLI uses.

    RolloutError                      exit_code 1
    ├── PlanError(path, line, col)    exit_code 2   bad file, unknown key, bad value, template problem
    │   └── CycleError(cycle)         the cycle as a list of task ids
    ├── UsageError                    exit_code 2   bad command-line value (not tied to a file)
    └── RemoteError                   exit_code 3   a remote system (Jira) failed; raised ``from`` its cause

Check findings are data (``rollout.checks.Finding``), never exceptions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["CycleError", "PlanError", "Problem", "RemoteError", "RolloutError", "UsageError"]


class RolloutError(Exception):
    """Base of every error rollout raises on purpose."""

    exit_code = 1


@dataclass(frozen=True)
class Problem:
    """One problem in a file: where it is and what is wrong."""

    message: str
    path: str | None = None
    line: int | None = None
    col: int | None = None

    def __post_init__(self):
        # a hostile file can put 40 KB in a value that a message quotes: keep messages readable
        if len(self.message) > MAX_MESSAGE:
            object.__setattr__(self, "message", _shorten(self.message))

    def __str__(self) -> str:
        where = ""
        if self.path:
            where = self.path
            if self.line:
                where += f":{self.line}"
                if self.col:
                    where += f":{self.col}"
            where += ": "
        return where + self.message


MAX_MESSAGE = 1_200      # characters of one problem's message; longer ones keep their head and tail
_LONG_WORD = re.compile(r"\S{121,}")


def _shorten(message: str) -> str:
    """Long runs without spaces cut to 80 characters, then the message to its head and tail."""
    message = _LONG_WORD.sub(lambda m: m.group(0)[:79] + "…", message)
    if len(message) > MAX_MESSAGE:
        message = message[: MAX_MESSAGE - 300] + " … " + message[-297:]
    return message


class PlanError(RolloutError):
    """A plan or template file is wrong; holds every problem found in one run."""

    exit_code = 2

    def __init__(
        self,
        message: str | None = None,
        path: str | None = None,
        line: int | None = None,
        col: int | None = None,
        problems: list[Problem] | None = None,
    ):
        if problems is None:
            problems = [Problem(message or "invalid plan", path, line, col)]
        self.problems = list(problems)
        first = self.problems[0]
        self.path, self.line, self.col = first.path, first.line, first.col
        super().__init__("\n".join(str(p) for p in self.problems))


class CycleError(PlanError):
    """The dependencies form a cycle; ``cycle`` lists its task ids, first repeated last."""

    def __init__(self, cycle: list[str], path: str | None = None, line: int | None = None):
        self.cycle = list(cycle)
        super().__init__("dependency cycle: " + " → ".join(self.cycle), path, line)


class UsageError(RolloutError):
    """A value given to a command or a call is wrong (not tied to a line of a file).

    ``option`` names the parameter at fault (``format``, ``force``): the library's message speaks of
    what is wrong, and the command line adds the flag (``--format``) when it shows the message.
    """

    exit_code = 2

    def __init__(self, message: str = "", *, option: str | None = None):
        super().__init__(message)
        self.option = option


class RemoteError(RolloutError):
    """A remote system (Jira) failed or refused; the message says what to fix."""

    exit_code = 3
