"""One program run by one line of a tool file, and the helpers every reader shares."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

from .shell import Run, runs_in_argv, runs_in_script

__all__ = ["Invocation", "argv_invocations", "script_invocations"]


class Invocation(NamedTuple):
    """One program run by one line of a tool file."""

    run: Run
    file: str
    line: int | None
    via: str = ""
    """How it runs when not in the project's environment (a pre-commit hook's own copy)."""
    source: str = ""
    """``doc-command`` when a developer doc tells developers to run it (weaker evidence)."""


def script_invocations(text: str, rel: str, first_line: int, **kw: Any) -> list[Invocation]:
    return [Invocation(r, rel, first_line + r.line) for r in runs_in_script(text, **kw)]


def argv_invocations(words: Iterable[str], rel: str, line: int | None) -> list[Invocation]:
    return [Invocation(r, rel, line) for r in runs_in_argv(list(words))]
