"""Which distribution a command the project runs belongs to: its invocations indexed by
program (``ruff``, ``mkdocs build``), by ``python -m`` module, and by the modules that
inline Python code (``python -c``) imports."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from .records import Evidence

if TYPE_CHECKING:
    from .invocations import Invocation

__all__ = ["RunIndex", "command_names", "matches_any", "where"]

_LAUNCHER_WORDS = {"coverage": "coverage run", "accelerate": "accelerate launch"}


def matches_any(module: str, provided: Iterable[str]) -> bool:
    """Is ``module`` one of ``provided`` or inside one of them?"""
    return any(module == p or module.startswith(p + ".") for p in provided)


def where(file: str, line: int | None) -> str:
    return f"{file}:{line}" if line else file


def command_names(key: str, scripts: Iterable[str]) -> set[str]:
    """Programs a distribution provides: installed console scripts, else the table and name."""
    from .evidence_tables import CONSOLE_SCRIPTS, SUBCOMMANDS, SYSTEM_COMMANDS

    names = {c for c, d in CONSOLE_SCRIPTS.items() if d == key}
    names |= {c for c, d in SUBCOMMANDS.items() if d == key}
    names |= {key, key.replace("-", "_")}
    return (names - SYSTEM_COMMANDS) | set(scripts)


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
                if inv.run.args and not inv.run.args[0].startswith("-"):
                    sub = f"{inv.run.command} {inv.run.args[0]}"  # a plugin's subcommand
                    self.by_command.setdefault(sub, inv)
            for mod in inv.run.imports:
                self.by_import.setdefault(mod, inv)

    def evidence(self, commands: Iterable[str], modules: tuple[str, ...]) -> Evidence | None:
        """A run of one of ``commands`` (the distribution's programs) or of its ``modules``."""
        for name in sorted(commands):
            inv = self.by_command.get(name)
            if inv is not None:
                how = inv.via or f"run as `{name}`"  # via: a pre-commit hook's own copy
                return Evidence(f"{how} in {where(inv.file, inv.line)}", inv.file, inv.line)
        for module, inv in self.by_module.items():
            if matches_any(module, modules):
                launcher = _LAUNCHER_WORDS.get(inv.run.command, inv.run.command)
                text = f"run as `{launcher} -m {module}` in {where(inv.file, inv.line)}"
                return Evidence(text, inv.file, inv.line)
        for module, inv in self.by_import.items():
            if matches_any(module, modules):
                text = f"imported by Python code run in {where(inv.file, inv.line)}"
                return Evidence(text, inv.file, inv.line)
        return None
