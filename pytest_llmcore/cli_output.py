"""What every subcommand shares: the one-line usage error, --version/--debug, and output
that ends quietly when its reader goes away (``llmcore deps | head -1``)."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any, NoReturn

from . import __version__

__all__ = ["Parser", "common", "emit", "err", "reset_output", "stdout_gone"]


def _columns() -> int:
    """The width ``shutil.get_terminal_size`` gives: $COLUMNS, else stdout's terminal, else 80."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns if columns > 0 else 80


class _Formatter(argparse.HelpFormatter):
    """argparse's help formatter at the width argparse picks, without its import of shutil
    (with bz2 and lzma, ~2 ms of every start, help or not)."""

    def __init__(
        self,
        prog: str,
        indent_increment: int = 2,
        max_help_position: int = 24,
        width: int | None = None,
    ) -> None:
        width = _columns() - 2 if width is None else width
        super().__init__(prog, indent_increment, max_help_position, width)


class Parser(argparse.ArgumentParser):
    """Usage errors as one line naming the option, exit status 2."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def common() -> argparse.ArgumentParser:
    """--version and --debug, on the top command and every subcommand."""
    p = Parser(add_help=False)
    p.add_argument("--version", action="version", version=f"llmcore {__version__}")
    p.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,  # a subcommand must not reset the top command's flag
        help="show the traceback of an internal error",
    )
    return p


def stdout_gone() -> None:
    """stdout's reader went away: point stdout at /dev/null so that the interpreter's final
    flush is quiet too (the recipe of Python's signal module documentation)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # a replaced stdout (tests) has no fd
        pass


_closed = [False]


def reset_output() -> None:
    """A new command (tests run several in one process): stdout is open again."""
    _closed[0] = False


def emit(text: str) -> None:
    """Print ``text`` and flush now: a closed pipe is noticed here, not at exit."""
    if _closed[0]:
        return
    try:
        sys.stdout.write(text if text.endswith("\n") or not text else text + "\n")
        sys.stdout.flush()
    except BrokenPipeError:
        _closed[0] = True
        stdout_gone()


def err(text: str) -> None:
    print(text, file=sys.stderr)
