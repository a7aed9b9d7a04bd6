"""Task runners declared in pyproject.toml: taskipy, poe, pdm, rye, hatch scripts and pixi
tasks (:mod:`.pixitasks`), and
tox configured in ``[tool.tox]`` (the legacy ini string or native TOML commands) or in
tox 4's own ``tox.toml`` (the same native schema)."""

from __future__ import annotations

import shlex
from collections.abc import Iterator, Mapping
from typing import Any

from .invocations import (
    Invocation,
    argv_invocations,
    read_tox_ini,
    script_invocations,
    tox_substitute,
)
from .shell import Run

__all__ = ["read_pyproject", "read_tox_native", "read_tox_toml"]


def _line_of(lines: list[str], needle: str) -> int | None:
    needle = needle.strip().splitlines()[0][:40] if needle.strip() else ""
    for i, line in enumerate(lines, start=1):
        if needle and needle in line:
            return i
    return None


def _task_commands(value: Any) -> Iterator[tuple[str, str]]:
    """("shell"|"call", text) of one task runner entry, in any of the runners' forms."""
    if isinstance(value, str):
        yield "shell", value
    elif isinstance(value, list):
        for item in value:
            yield from _task_commands(item)
    elif isinstance(value, Mapping):
        for k in ("cmd", "shell", "command"):
            cmd = value.get(k)
            if isinstance(cmd, list) and all(isinstance(w, str) for w in cmd):
                yield "shell", shlex.join(cmd)
            elif cmd is not None:
                yield from _task_commands(cmd)
        for k in ("script", "call"):
            if isinstance(value.get(k), str):
                yield "call", value[k]
        for k in ("sequence", "composite", "chain", "sequential", "parallel"):
            if isinstance(value.get(k), list):
                yield from _task_commands(value[k])


def _runner_tables(tool: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    def table(*path: str) -> Any:
        node: Any = tool
        for p in path:
            node = node.get(p) if isinstance(node, Mapping) else None
        return node if isinstance(node, Mapping) else None

    for t in (
        table("taskipy", "tasks"),
        table("poe", "tasks"),
        table("pdm", "scripts"),
        table("rye", "scripts"),
    ):
        if t is not None:
            yield t
    pixi = table("pixi")
    if pixi is not None:
        from .pixitasks import pixi_task_tables

        yield from pixi_task_tables(pixi)
    envs = table("hatch", "envs")
    for env in (envs or {}).values():
        scripts = env.get("scripts") if isinstance(env, Mapping) else None
        if isinstance(scripts, Mapping):
            yield scripts


def read_pyproject(data: Mapping[str, Any], text: str, rel: str) -> list[Invocation]:
    """taskipy, poe, pdm, rye, hatch scripts and pixi tasks; tox in ``[tool.tox]`` (ini
    string or TOML)."""
    tool = data.get("tool")
    if not isinstance(tool, Mapping):
        return []
    lines = text.splitlines()
    out: list[Invocation] = []
    for tasks in _runner_tables(tool):
        for name, value in tasks.items():
            if name == "_":  # pdm's settings table
                continue
            for how, cmd in _task_commands(value):
                line = _line_of(lines, cmd)
                if how == "call":
                    mod = cmd.split(":", 1)[0].strip()
                    out.append(Invocation(Run("python", module=mod), rel, line))
                else:
                    out += script_invocations(cmd, rel, line or 1)
    tox = tool.get("tox")
    if isinstance(tox, Mapping):
        legacy = tox.get("legacy_tox_ini")
        if isinstance(legacy, str):
            out += read_tox_ini(legacy, rel, _line_of(lines, "legacy_tox_ini") or 1)
        out += read_tox_native(tox, lines, rel)
    return out


def read_tox_toml(text: str, rel: str) -> list[Invocation]:
    """tox 4's own ``tox.toml``: the schema of pyproject's ``[tool.tox]``, at top level.
    Raises :class:`~pytest_llmcore.core.errors.InputError` when it is not valid TOML."""
    from pathlib import Path

    from ..core.config import parse_toml_data

    return read_tox_native(parse_toml_data(text, Path(rel)), text.splitlines(), rel)


def read_tox_native(tox: Mapping[str, Any], lines: list[str], rel: str) -> list[Invocation]:
    """``commands``/``commands_pre``/``commands_post`` (lists of argv lists) of every
    env table, each at the line of its first word (searched after the previous one's)."""
    out: list[Invocation] = []
    after = 0
    for _, value in yaml_free_walk(tox):
        if isinstance(value, list) and value and all(isinstance(c, list) for c in value):
            for argv in value:
                line = _quoted_line(lines, argv[0], after) if argv else None
                after = line or after
                out += argv_invocations(tox_argv(argv), rel, line)
    return out


def _quoted_line(lines: list[str], word: Any, after: int) -> int | None:
    """The 1-based line of ``"word"`` (or ``'word'``) from line ``after`` on, else anywhere."""
    if not isinstance(word, str) or not word:
        return None
    needles = (f'"{word}"', f"'{word}'")
    for start in (after, 0):
        for i in range(start, len(lines)):
            if any(n in lines[i] for n in needles):
                return i + 1
    return _line_of(lines, word)


def _tox_words(w: Any) -> list[str]:
    """One word of a native command: a string substituted; ``{replace = "posargs"}`` its
    ``default`` list; ``{replace = "env"}`` its ``default``; any other table unknown."""
    if isinstance(w, str):
        return [tox_substitute(w)]
    if isinstance(w, Mapping) and w.get("replace") == "posargs":
        default = w.get("default")  # what runs when no arguments are given
        return [x for d in default for x in _tox_words(d)] if isinstance(default, list) else []
    if isinstance(w, Mapping) and w.get("replace") == "env" and isinstance(w.get("default"), str):
        return [tox_substitute(w["default"])]
    return ["__var__"]


def tox_argv(argv: list[Any]) -> list[str]:
    """One native TOML tox command: ``{...}`` substituted in every word; tox's ``-``/``!``
    prefix only as the first word or the first word's first character, never an option's
    dashes (``--numprocesses=auto``). ``{replace = "posargs", default = [...]}`` reads as
    its default, any other table as an unknown word."""
    words = [x for w in argv for x in _tox_words(w)]
    if words and words[0] in ("-", "!"):
        words = words[1:]
    elif words and words[0][:1] in ("-", "!") and words[0][1:2] not in ("-", ""):
        words[0] = words[0][1:]
    return words


def yaml_free_walk(node: Any) -> Iterator[tuple[str, Any]]:
    """Every (key, value) of nested mappings: TOML tables such as ``[tool.tox.env.X]``."""
    if isinstance(node, Mapping):
        for k, v in node.items():
            if k in ("commands", "commands_pre", "commands_post"):
                yield str(k), v
            yield from yaml_free_walk(v)
