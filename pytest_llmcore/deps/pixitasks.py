"""Pixi tasks: ``[tasks]`` of pixi.toml and ``[tool.pixi.tasks]`` of pyproject.toml, with
their ``feature.NAME.tasks`` and ``target.PLATFORM.tasks`` tables.

A task is a command string or a table (``cmd``, a string or a list of words;
``depends-on`` names other tasks, read as their own). ``pixi run [-e ENV] TASK ARGS``
runs TASK's command with ARGS appended (imbalanced-learn's CI ``pixi run -e $ENV tests
-n 3`` runs ``pytest -vsl --cov=imblearn --cov-report=xml imblearn -n 3``): each such
command is recorded at the ``pixi run`` line (where ARGS are written), with its source.
"""

from __future__ import annotations

import contextlib
import shlex
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from .invocation import Invocation, script_invocations

__all__ = ["forwarded_pixi", "pixi_task_tables", "pixi_tasks", "read_pixi_toml", "task_commands"]

#: ``pixi run`` options that take a value (the task name is the first other word)
_VALUED = frozenset(
    {"-e", "--environment", "--manifest-path", "--color", "-x", "--executable", "--cwd"}
)
_UNKNOWN = "__var__"


def pixi_task_tables(manifest: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """The task tables of a pixi manifest (pixi.toml's top level, or ``[tool.pixi]``):
    ``tasks``, ``feature.*.tasks``, ``target.*.tasks`` and ``feature.*.target.*.tasks``."""
    scopes: list[Any] = [manifest]
    features = manifest.get("feature")
    if isinstance(features, Mapping):
        scopes += list(features.values())
    for scope in scopes:
        if not isinstance(scope, Mapping):
            continue
        targets = scope.get("target")
        for node in (scope, *(targets.values() if isinstance(targets, Mapping) else ())):
            tasks = node.get("tasks") if isinstance(node, Mapping) else None
            if isinstance(tasks, Mapping):
                yield tasks


def task_commands(value: Any) -> list[str]:
    """The command strings of one task (none for a ``depends-on``-only alias)."""
    if isinstance(value, str):
        return [value]
    if not isinstance(value, Mapping):
        return []
    cmd = value.get("cmd")
    if isinstance(cmd, list) and all(isinstance(w, str) for w in cmd):
        return [shlex.join(cmd)]
    return [cmd] if isinstance(cmd, str) else []


def _manifests(
    read: Callable[[str], str | None], pyproject: Mapping[str, Any] | None
) -> Iterator[Mapping[str, Any]]:
    from ..core.config import parse_toml_data
    from ..core.errors import InputError

    text = read("pixi.toml")
    manifest: Mapping[str, Any] = {}
    if text is not None:
        with contextlib.suppress(InputError):  # its reading (read_pixi_toml) notes it
            manifest = parse_toml_data(text, Path("pixi.toml"))
    yield manifest
    tool = (pyproject or {}).get("tool")
    pixi = tool.get("pixi") if isinstance(tool, Mapping) else None
    if isinstance(pixi, Mapping):
        yield pixi


def pixi_tasks(
    read: Callable[[str], str | None], pyproject: Mapping[str, Any] | None
) -> dict[str, list[str]]:
    """Task name -> its command strings, of the root's pixi.toml and ``[tool.pixi]``
    (every feature's and target's: which environment a CI run picks is rarely literal)."""
    out: dict[str, list[str]] = {}
    for manifest in _manifests(read, pyproject):
        for table in pixi_task_tables(manifest):
            for name, value in table.items():
                for cmd in task_commands(value):
                    if cmd not in out.setdefault(str(name), []):
                        out[str(name)].append(cmd)
    return out


def read_pixi_toml(text: str, rel: str) -> list[Invocation]:
    """Every task command of a pixi.toml. Raises
    :class:`~pytest_llmcore.core.errors.InputError` when it is not valid TOML."""
    from ..core.config import parse_toml_data

    lines = text.splitlines()
    out: list[Invocation] = []
    for table in pixi_task_tables(parse_toml_data(text, Path(rel))):
        for value in table.values():
            for cmd in task_commands(value):
                first = cmd.strip().splitlines()[0][:40] if cmd.strip() else ""
                line = next((i for i, t in enumerate(lines, 1) if first and first in t), 1)
                out += script_invocations(cmd, rel, line)
    return out


def _task_call(args: Iterable[str]) -> tuple[str, list[str]] | None:
    """(task, the words after it) of ``pixi run``'s arguments (after ``run``)."""
    words = list(args)
    if not words or words[0] != "run":
        return None
    i = 1
    while i < len(words) and words[i].startswith("-"):
        if words[i] == "--":
            i += 1
            break
        i += 2 if words[i] in _VALUED else 1
    if i >= len(words) or _UNKNOWN in words[i]:
        return None
    return words[i], words[i + 1 :]


def forwarded_pixi(
    invocations: Iterable[Invocation], tasks: Callable[[], Mapping[str, list[str]]]
) -> list[Invocation]:
    """The commands of each ``pixi run TASK ARGS`` among ``invocations``, ARGS appended
    (pixi appends them to the task's command line); ``tasks`` reads the project's pixi
    tasks, only when such a command exists."""
    out: list[Invocation] = []
    known: Mapping[str, list[str]] | None = None
    for inv in invocations:
        if inv.run.command != "pixi" or inv.via:
            continue
        call = _task_call(inv.run.args)
        if call is None:
            continue
        known = tasks() if known is None else known
        task, args = call
        for cmd in known.get(task, ()):
            filled = f"{cmd} {shlex.join(args)}" if args else cmd
            for each in script_invocations(filled, inv.file, inv.line or 0):
                found = Invocation(each.run, inv.file, inv.line, "", inv.source)
                if found not in out:
                    out.append(found)
    return out
