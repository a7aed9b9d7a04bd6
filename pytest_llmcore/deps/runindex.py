"""Which distribution a command the project runs belongs to: its invocations indexed by
program (``ruff``, ``mkdocs build``), by ``python -m`` module, and by the modules that
inline Python code (``python -c``) imports."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import TYPE_CHECKING

from .records import Evidence

if TYPE_CHECKING:
    from .invocations import Invocation
    from .shell import Run

__all__ = [
    "RunIndex",
    "affix_stripped",
    "command_names",
    "matches_any",
    "subcommand_of",
    "where",
]

_LAUNCHER_WORDS = {"coverage": "coverage run", "accelerate": "accelerate launch"}


def matches_any(module: str, provided: Iterable[str]) -> bool:
    """Is ``module`` one of ``provided`` or inside one of them?"""
    return any(module == p or module.startswith(p + ".") for p in provided)


def where(file: str, line: int | None) -> str:
    return f"{file}:{line}" if line else file


def command_names(key: str, scripts: Iterable[str], taken: Collection[str] = ()) -> set[str]:
    """Programs a distribution provides: installed console scripts, else the table and name.

    Not installed (no scripts known), its name without a packaging affix counts too
    (``dprint-py`` runs as ``dprint``), unless that name is another declared distribution
    (``taken``), another's known command, or a base program (``pip-tools`` is not ``pip``)."""
    from .evidence_tables import CONSOLE_SCRIPTS, SUBCOMMANDS, SYSTEM_COMMANDS
    from .module_commands import module_commands

    scripts = set(scripts)
    names = {c for c, d in CONSOLE_SCRIPTS.items() if d == key}
    names |= {c for c, d in SUBCOMMANDS.items() if d == key}
    names |= {key, key.replace("-", "_")}
    if not scripts:
        # not installed: a top-level module may be its program too (pypyp's ``pyp``)
        names |= {
            n
            for n in affix_stripped(key) | module_commands(key)
            if n not in taken and CONSOLE_SCRIPTS.get(n, key) == key
        }
    return (names - SYSTEM_COMMANDS) | scripts


def subcommand_of(run: Run) -> str | None:
    """``"PROGRAM SUB"`` for a run whose first positional word after the program's options
    is SUB (``celery -A app flower``, ``python -m celery --app app flower``), else None.

    A ``python -m MODULE`` run is the program MODULE; the options of ``PROGRAM`` that take
    a value (``SUBCOMMAND_VALUE_OPTIONS``) skip their value, ``--opt=value`` is one word."""
    from .evidence_tables import SUBCOMMAND_VALUE_OPTIONS

    program = run.module.split(".")[0] if run.module else run.command
    takes_value = SUBCOMMAND_VALUE_OPTIONS.get(program, frozenset())
    args, i = run.args, 0
    while i < len(args) and args[i].startswith("-") and args[i] not in ("-", "--"):
        i += 2 if args[i] in takes_value else 1
    if i < len(args) and args[i] == "--":
        i += 1
    if i >= len(args) or not args[i] or args[i] == "__var__":
        return None
    return f"{program} {args[i]}"


#: How a distribution's name may wrap its command's: ``dprint-py``, ``haystack-pydoc-tools``,
#: ``databricks-cli``, ``nodejs-bin``; ``python-``/``py-``/``-python`` as module guesses.
_AFFIX_SUFFIXES = ("-py", "-tools", "-cli", "-bin", "-python")
_AFFIX_PREFIXES = ("python-", "py-")


def affix_stripped(key: str) -> set[str]:
    """``key`` without one packaging affix, never a base program (pip, python, node...)."""
    from .evidence_tables import BASE_PROGRAMS

    out = {key[: -len(s)] for s in _AFFIX_SUFFIXES if key.endswith(s)}
    out |= {key[len(p) :] for p in _AFFIX_PREFIXES if key.startswith(p)}
    return {n for n in out if len(n) > 1 and n not in BASE_PROGRAMS}


def _at(inv: Invocation) -> str:
    """Where it runs; a developer doc's command (weaker evidence) says so."""
    at = where(inv.file, inv.line)
    return f"a developer doc's command: {at}" if inv.source else at


class RunIndex:
    """The first invocation of each program, ``-m`` module and inline import."""

    def __init__(self, invocations: Iterable[Invocation]) -> None:
        self.by_command: dict[str, Invocation] = {}
        self.by_module: dict[str, Invocation] = {}
        self.by_import: dict[str, Invocation] = {}
        for inv in invocations:
            if inv.run.module:
                self.by_module.setdefault(inv.run.module, inv)
            else:
                self.by_command.setdefault(inv.run.command, inv)
            sub = subcommand_of(inv.run)  # a plugin's subcommand, also of `python -m X`
            if sub is not None:
                self.by_command.setdefault(sub, inv)
            for mod in inv.run.imports:
                self.by_import.setdefault(mod, inv)

    def evidence(self, commands: Iterable[str], modules: tuple[str, ...]) -> Evidence | None:
        """A run of one of ``commands`` (the distribution's programs) or of its ``modules``."""
        for name in sorted(commands):
            inv = self.by_command.get(name)
            if inv is not None:
                how = inv.via or f"run as `{name}`"  # via: a pre-commit hook's own copy
                return Evidence(f"{how} in {_at(inv)}", inv.file, inv.line)
        for module, inv in self.by_module.items():
            if matches_any(module, modules):
                launcher = _LAUNCHER_WORDS.get(inv.run.command, inv.run.command)
                text = f"run as `{launcher} -m {module}` in {_at(inv)}"
                return Evidence(text, inv.file, inv.line)
        for module, inv in self.by_import.items():
            if matches_any(module, modules):
                text = f"imported by Python code run in {_at(inv)}"
                return Evidence(text, inv.file, inv.line)
        return None
