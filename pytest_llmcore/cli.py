"""The ``llmcore`` command: deps, doctor, ceilings, kv, fit, history, ab.

Exit status, for CI: 0 ok, 1 findings (the gate failed, the model does not fit, a GPU is
missing with ``--expect-gpu``), 2 a usage, input or internal error. Every error is one
line on stderr; ``--debug`` adds the traceback of an internal error. Output cut short by a
closed pipe (``llmcore deps | head -1``) is not an error: the command ends quietly with
the status of its result.

This module builds the parser from :data:`_COMMANDS` and turns errors into exit statuses;
each subcommand (its parser and its run function) lives in a module of its capability's
name: ``deps``, ``gpu`` (doctor, ceilings), ``llm`` (kv, fit); history and ab delegate to
their capabilities.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from .cli_deps import deps_parser as _deps_parser
from .cli_deps import run_deps as _run_deps
from .cli_gpu import ceilings_parser as _ceilings_parser
from .cli_gpu import doctor_parser as _doctor_parser
from .cli_gpu import run_ceilings as _run_ceilings
from .cli_gpu import run_doctor as _run_doctor
from .cli_llm import fit_parser as _fit_parser
from .cli_llm import kv_parser as _kv_parser
from .cli_llm import run_fit as _run_fit
from .cli_llm import run_kv as _run_kv
from .cli_output import Parser, common, err, reset_output, stdout_gone
from .core.errors import LlmcoreError

__all__ = ["build_parser", "main"]


def _history_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from .history.commands import add_history_parser

    add_history_parser(sub, parents=[common()])


def _run_history(args: argparse.Namespace) -> int:
    from .history.commands import run_history

    return run_history(args)


def _ab_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from .budgets.ab import add_ab_parser

    add_ab_parser(sub, parents=[common()])


def _run_ab(args: argparse.Namespace) -> int:
    from .budgets.ab import run_ab

    return run_ab(args)


#: subcommand -> (adds its parser, runs it and returns the exit status)
_COMMANDS: dict[str, tuple[Callable[[Any], None], Callable[[argparse.Namespace], int]]] = {
    "deps": (_deps_parser, _run_deps),
    "doctor": (_doctor_parser, _run_doctor),
    "ceilings": (_ceilings_parser, _run_ceilings),
    "kv": (_kv_parser, _run_kv),
    "fit": (_fit_parser, _run_fit),
    "history": (_history_parser, _run_history),
    "ab": (_ab_parser, _run_ab),
}


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser; with ``only``, just that subcommand's (a command imports only its own
    modules: ``llmcore deps`` must not pay for the history store's imports)."""
    parser = Parser(prog="llmcore", description="pytest-llmcore tools", parents=[common()])
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (make, _) in _COMMANDS.items():
        if only is None or name == only:
            make(sub)
    return parser


def _named_command(argv: Sequence[str]) -> str | None:
    """The subcommand ``argv`` names, when its first word is one (else None: build all)."""
    return argv[0] if argv and argv[0] in _COMMANDS else None


def _run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    name = args.command
    if name is None:
        parser.print_help()
        return 2
    try:
        return _COMMANDS[name][1](args)
    except LlmcoreError as exc:  # bad input: a file, a config value
        err(f"llmcore {name}: {exc}")
        return 2
    except OSError as exc:  # the environment: permissions, a full disk
        if isinstance(exc, BrokenPipeError):
            raise
        where = f"{exc.filename}: " if exc.filename else ""
        err(f"llmcore {name}: {where}{exc.strerror or exc}")
        return 2


def _one_shot_gc() -> None:
    """Collector settings for a process that runs one command and exits: the objects of
    every module loaded live until the end, so collections need not walk them again and
    again (``gc.freeze``, as pre-fork servers do), and the young generation is collected
    less often. ~6% of a small project's cold ``llmcore deps``."""
    gc.freeze()
    gc.set_threshold(5000, 20, 20)


def _exit_now(rc: int) -> NoReturn:
    """End a one-shot ``llmcore deps`` process without the interpreter's teardown (freeing
    every object of every module one by one: ~10 ms of a small project's run). Its files are
    written and closed by then; only the standard streams need flushing."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        pass  # the reader went away (``| head``): nothing left to tell it
    except (OSError, ValueError) as exc:  # a full disk behind a redirection
        err(f"llmcore: cannot write the output: {exc}")
        rc = 2
    with contextlib.suppress(OSError, ValueError):  # nowhere left to say so
        sys.stderr.flush()
    os._exit(rc)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; returns its exit status (see the module docstring)."""
    words = list(sys.argv[1:] if argv is None else argv)
    if argv is None:  # the console script: a process of its own (a caller's argv: not)
        _one_shot_gc()
        if words[:1] == ["deps"]:
            _exit_now(_main(words))
    return _main(words)


def _main(words: list[str]) -> int:
    reset_output()
    parser = build_parser(_named_command(words))
    args = parser.parse_args(words)
    debug = getattr(args, "debug", False) or os.environ.get("LLMCORE_DEBUG", "") not in ("", "0")
    try:
        return _run(args, parser)
    except BrokenPipeError:
        stdout_gone()
        return 0
    except KeyboardInterrupt:
        err("llmcore: interrupted")
        return 130
    except Exception as exc:
        if debug:
            import traceback  # only for an internal error (start-up time)

            traceback.print_exc()
        text = " ".join(str(exc).split()) or "(no message)"
        hint = "" if debug else " (re-run with --debug for the traceback)"
        err(f"llmcore: internal error: {type(exc).__name__}: {text}{hint}")
        return 2


if __name__ == "__main__":  # python -m pytest_llmcore.cli
    sys.exit(main())
