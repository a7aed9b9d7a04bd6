"""Arguments a ``tox`` command hands to its envs: ``tox -e ENV -- ARGS`` fills ``{posargs}``.

``tox [run|run-parallel|legacy] -e ENV -- ARGS`` runs ENV's commands with ``{posargs}``
(ini) or ``{replace = "posargs"}`` (TOML) replaced by ARGS: ``python -m pytest tests/e2e
{posargs}`` with ``-- --reruns=3`` runs pytest with ``--reruns=3``. Each such command is
recorded at the tox command's line (where ARGS are written), with its ``source`` (a
developer doc's command stays one). An env's commands are its section's, else those of
its ``base`` envs, else ``[testenv]``'s (TOML: ``env.NAME``, else ``env_run_base``); a
factor-conditional line (``unit: pytest {posargs}``) counts for an env with those
factors. Without ``-e`` every env with ``{posargs}`` may run. ``tox exec -e ENV -- CMD``
runs CMD itself. An env named by an unknown value (``-e $ENV``) is none.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from .invocation import Invocation, argv_invocations, script_invocations
from .textcommands import tox_command

__all__ = ["ToxEnv", "forwarded_invocations", "native_envs", "project_envs", "read_ini_envs"]

_PLACEHOLDER = "__posargs__"
_POSARGS = re.compile(r"\{posargs(?::[^{}]*)?\}")
_COMMAND_KEYS = ("commands_pre", "commands", "commands_post")
_RUN_SUBCOMMANDS = frozenset({"run", "r", "run-parallel", "p", "legacy", "le"})
_EXEC_SUBCOMMANDS = frozenset({"exec", "e"})
_SUBCOMMANDS = _RUN_SUBCOMMANDS | _EXEC_SUBCOMMANDS | {"list", "l", "config", "c", "devenv", "de"}
#: tox options that take a value (their value is never the subcommand)
_VALUED = frozenset({"-c", "--conf", "--root", "--workdir", "-x", "--override", "-f", "-m"})
_UNKNOWN = "__var__"
#: a factor-conditional command line: ``py311,unit: pytest`` (factors joined by ``-``)
_FACTORS = re.compile(r"^(!?[\w.]+(?:-!?[\w.]+)*(?:\s*,\s*!?[\w.]+(?:-!?[\w.]+)*)*)\s*:\s+(.*)$")


class ToxEnv(NamedTuple):
    """One env's configuration as read: its ``base`` envs and its command lines
    ((line, text), where a TOML command's text is the shell-quoted argv)."""

    base: tuple[str, ...]
    commands: tuple[tuple[int | None, str], ...] | None
    """None when the env sets no ``commands`` (inherited)."""


def _ini_sections(text: str, first_line: int) -> dict[str, dict[str, list[tuple[int, str]]]]:
    """section -> key -> its value's lines (1-based line, text); comments dropped."""
    out: dict[str, dict[str, list[tuple[int, str]]]] = {}
    section: dict[str, list[tuple[int, str]]] | None = None
    key = ""
    for n, raw in enumerate(text.splitlines(), first_line):
        stripped = raw.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            section, key = out.setdefault(stripped[1:-1].strip(), {}), ""
            continue
        if section is None or not stripped or stripped.startswith(("#", ";")):
            continue
        m = re.match(r"^(\w[\w.-]*)\s*=\s*(.*)$", raw)
        if m is not None and not raw[:1].isspace():
            key = m.group(1)
            section[key] = [(n, m.group(2).strip())] if m.group(2).strip() else []
        elif raw[:1].isspace() and key:
            section[key].append((n, stripped))
    return out


def read_ini_envs(text: str, first_line: int = 1) -> dict[str, ToxEnv]:
    """tox.ini's envs (``testenv`` for ``[testenv]``, ``NAME`` for ``[testenv:NAME]``)."""
    out: dict[str, ToxEnv] = {}
    for name, keys in _ini_sections(text, first_line).items():
        if name != "testenv" and not name.startswith("testenv:"):
            continue
        env = "testenv" if name == "testenv" else name.split(":", 1)[1].strip()
        base = tuple(w for _, v in keys.get("base", []) for w in re.split(r"[,\s]+", v) if w)
        lines = [item for k in _COMMAND_KEYS for item in keys.get(k, [])]
        has = any(k in keys for k in _COMMAND_KEYS)
        out[env] = ToxEnv(base, tuple(_joined(lines)) if has else None)
    return out


def _joined(lines: list[tuple[int, str]]) -> Iterable[tuple[int | None, str]]:
    """Command lines with their backslash continuations joined."""
    start: int | None = None
    parts: list[str] = []
    for n, text in lines:
        start = n if not parts else start
        parts.append(text[:-1] if text.endswith("\\") else text)
        if not text.endswith("\\"):
            yield start, " ".join(parts)
            parts = []
    if parts:
        yield start, " ".join(parts)


def _native_word(w: Any) -> str:
    if isinstance(w, Mapping) and w.get("replace") == "posargs":
        return "{posargs}"
    return w if isinstance(w, str) else _UNKNOWN


def native_envs(tox: Mapping[str, Any], lines: Sequence[str]) -> dict[str, ToxEnv]:
    """tox.toml's (or ``[tool.tox]``'s) envs: ``env.NAME`` and ``env_run_base`` (as
    ``testenv``); each command at the first line that holds its first word."""
    env = tox.get("env")
    tables: dict[str, Any] = dict(env) if isinstance(env, Mapping) else {}
    if isinstance(tox.get("env_run_base"), Mapping):
        tables["testenv"] = tox["env_run_base"]
    out: dict[str, ToxEnv] = {}
    for name, table in tables.items():
        if not isinstance(table, Mapping):
            continue
        base = table.get("base")
        commands: list[tuple[int | None, str]] = []
        for key in _COMMAND_KEYS:
            for argv in table.get(key) or ():
                if isinstance(argv, list) and argv:
                    words = [_native_word(w) for w in argv]
                    line = next((i for i, t in enumerate(lines, 1) if f'"{words[0]}"' in t), None)
                    text = shlex.join(words).replace("'{posargs}'", "{posargs}")
                    commands.append((line, text))
        has = any(k in table for k in _COMMAND_KEYS)
        bases = tuple(str(b) for b in base) if isinstance(base, list) else ()
        out[str(name)] = ToxEnv(bases, tuple(commands) if has else None)
    return out


def _factor_match(condition: str, factors: set[str]) -> bool:
    for alternative in re.split(r"\s*,\s*", condition):
        parts = alternative.split("-")
        if all((p[1:] not in factors) if p.startswith("!") else (p in factors) for p in parts):
            return True
    return False


def _env_commands(envs: Mapping[str, ToxEnv], name: str) -> list[tuple[int | None, str]]:
    """The command lines env ``name`` runs (its own, a base's, else ``[testenv]``'s),
    factor conditions applied."""
    factors = set(name.split("-"))
    todo, seen = [name], set()
    while todo:
        current = todo.pop(0)
        if current in seen:
            continue
        seen.add(current)
        env = envs.get(current)
        if env is not None and env.commands is not None:
            out = []
            for line, text in env.commands:
                m = _FACTORS.match(text)
                if m is None:
                    out.append((line, text))
                elif _factor_match(m.group(1), factors):
                    out.append((line, m.group(2)))
            return out
        todo += [*(env.base if env is not None else ()), "testenv"]
    return []


def _tox_call(args: Sequence[str]) -> tuple[str, list[str] | None, list[str]] | None:
    """(subcommand, env names or None for the default ones, the words after ``--``) of a
    tox command line that passes words after ``--``; None without them."""
    if "--" not in args:
        return None
    cut = args.index("--")
    before, after = args[:cut], list(args[cut + 1 :])
    sub, envs, i, positional = "run", None, 0, False
    while i < len(before):
        word = before[i]
        value: str | None = None
        if word in ("-e", "--env"):
            value = before[i + 1] if i + 1 < len(before) else None
            i += 1
        elif word.startswith("--env="):
            value = word[len("--env=") :]
        elif word.startswith("-e") and len(word) > 2 and not word.startswith("--"):
            value = word[2:].lstrip("=")
        elif word in _VALUED:
            i += 1
        elif word in _SUBCOMMANDS and not positional:  # any other word: an option's value
            sub, positional = word, True
        if value is not None:
            envs = [*(envs or []), *(v.strip() for v in value.split(",") if v.strip())]
        i += 1
    return sub, envs, after


def _forward(
    inv: Invocation, call: tuple[str, list[str] | None, list[str]], envs: Mapping[str, ToxEnv]
) -> list[Invocation]:
    sub, names, args = call
    if sub in _EXEC_SUBCOMMANDS:  # `tox exec -e ENV -- CMD` runs CMD in the env
        return [i._replace(source=inv.source) for i in argv_invocations(args, inv.file, inv.line)]
    if sub not in _RUN_SUBCOMMANDS or (names and any(_UNKNOWN in n for n in names)):
        return []
    chosen = names if names and "ALL" not in names else list(envs)
    filled = shlex.join(args)
    out: list[Invocation] = []
    for name in chosen:
        for _, text in _env_commands(envs, name):
            if not _POSARGS.search(text):
                continue  # unchanged by the arguments: read from the tox file already
            command = tox_command(_POSARGS.sub(_PLACEHOLDER, text)).replace(_PLACEHOLDER, filled)
            for each in script_invocations(command, inv.file, inv.line or 0):
                run = Invocation(each.run, inv.file, inv.line, "", inv.source)
                if run not in out:
                    out.append(run)
    return out


def project_envs(
    files: Iterable[tuple[str, str | None]], pyproject: Mapping[str, Any] | None
) -> dict[str, ToxEnv]:
    """The envs of the project's tox configuration: ``files`` are (path, text) of its
    tox.ini/tox.toml files (only the root's count; tox.ini first), read before
    pyproject's ``[tool.tox]``."""
    from ..core.config import parse_toml_data
    from ..core.errors import InputError

    for rel, text in files:
        if text is None or "/" in rel:  # tox reads the configuration beside it
            continue
        if not rel.endswith(".toml"):
            return read_ini_envs(text)
        try:
            return native_envs(parse_toml_data(text, Path(rel)), text.splitlines())
        except InputError:
            return {}  # its reading notes it
    tool = (pyproject or {}).get("tool")
    tox = tool.get("tox") if isinstance(tool, Mapping) else None
    if not isinstance(tox, Mapping):
        return {}
    legacy = tox.get("legacy_tox_ini")
    return read_ini_envs(legacy) if isinstance(legacy, str) else native_envs(tox, [])


def forwarded_invocations(
    invocations: Iterable[Invocation], envs: Callable[[], Mapping[str, ToxEnv]]
) -> list[Invocation]:
    """The commands tox runs with the arguments of each ``tox ... -- ARGS`` among
    ``invocations`` (a pre-commit hook's own copy of tox excepted); ``envs`` reads the
    project's tox configuration (only when such a command exists)."""
    out: list[Invocation] = []
    read: Mapping[str, ToxEnv] | None = None
    for inv in invocations:
        run = inv.run
        is_tox = (run.module or "").split(".")[0] == "tox" or (
            not run.module and run.command == "tox"
        )
        call = _tox_call(run.args) if is_tox and not inv.via else None
        if call is None:
            continue
        read = envs() if read is None else read
        out += _forward(inv, call, read)
    return out
