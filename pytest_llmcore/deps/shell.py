"""What a shell command line runs: the command words of a CI step, recipe or script.

Only the program a command runs is a use of a tool. Its arguments are data: in
``pip install torch torchvision`` the program is ``pip``; in ``pytest -k "not cohere"``
it is ``pytest``; ``echo mkdocs`` runs ``echo``. Wrappers are seen through (``sudo``,
``env``, ``timeout 60``, ``uv run``, ``poetry run``, ``pipx run``, ``coverage run -m``...),
``python -m X`` runs module ``X`` and ``python -c CODE`` imports what CODE imports.
"""

from __future__ import annotations

import ast
import re
import shlex
from collections.abc import Mapping, Sequence
from typing import NamedTuple

from .lazyre import lazy_compile
from .shellsyntax import (
    logical_lines,
    simple_commands,
    split_substitutions,
    tokens,
    wrapper_functions,
)

__all__ = ["Run", "runs_in_argv", "runs_in_script"]


class Run(NamedTuple):
    """One program a command line runs."""

    command: str
    """The program's name, without its directory (``pytest``, ``python``, ``mkdocs``)."""
    module: str | None = None
    """The module of ``python -m MODULE`` (and of ``coverage run -m``, ``torchrun -m``...)."""
    imports: tuple[str, ...] = ()
    """Top-level modules that ``python -c CODE`` imports."""
    args: tuple[str, ...] = ()
    """The words after the program (after the module for ``-m``)."""
    line: int = 0
    """Line offset inside the script it came from (0 = its first line)."""


#: Programs that run the command after them, with the options of each that take a value
#: and how many positional words come before the command (``timeout 60 pytest``).
_PREFIX: dict[str, tuple[frozenset[str], int]] = {
    "sudo": (frozenset({"-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-U"}), 0),
    "env": (frozenset({"-u", "-C", "-S", "--unset", "--chdir"}), 0),
    "time": (frozenset({"-f", "-o"}), 0),
    "nohup": (frozenset(), 0),
    "setsid": (frozenset(), 0),
    "exec": (frozenset({"-a"}), 0),
    "command": (frozenset(), 0),
    "builtin": (frozenset(), 0),
    "nice": (frozenset({"-n"}), 0),
    "ionice": (frozenset({"-c", "-n", "-p"}), 0),
    "stdbuf": (frozenset({"-i", "-o", "-e"}), 0),
    "xvfb-run": (frozenset({"-n", "-s", "-f", "-e", "-p", "--server-args", "--server-num"}), 0),
    "timeout": (frozenset({"-s", "-k", "--signal", "--kill-after"}), 1),
    "xargs": (frozenset({"-n", "-I", "-P", "-L", "-d", "-E", "-s", "-a"}), 0),
    "catchsegv": (frozenset(), 0),
    "ddtrace-run": (frozenset(), 0),
    "opentelemetry-instrument": (frozenset(), 0),
    "mpirun": (frozenset({"-n", "-np", "-N", "-H", "--host", "--hostfile", "-x", "--map-by"}), 0),
    "mpiexec": (frozenset({"-n", "-np", "-N", "-H", "--host", "--hostfile", "-x"}), 0),
    "srun": (frozenset({"-n", "-N", "-c", "-p", "-t", "--ntasks", "--nodes", "--gres"}), 0),
}
_UV_OPTS = frozenset(
    {
        "--with",
        "--with-requirements",
        "--with-editable",
        "--python",
        "-p",
        "--extra",
        "--group",
        "--only-group",
        "--no-group",
        "--package",
        "--env-file",
        "--directory",
        "--project",
        "--index",
        "--default-index",
        "--index-url",
        "--extra-index-url",
        "--from",
    }
)
#: ``RUNNER SUB`` pairs that run the command after them (a use of the runner too).
_RUNNERS: dict[tuple[str, str | None], frozenset[str]] = {
    ("uv", "run"): _UV_OPTS,
    ("uvx", None): _UV_OPTS,
    ("poetry", "run"): frozenset({"-P", "--project", "-C", "--directory"}),
    ("pdm", "run"): frozenset({"-p", "--project", "--venv"}),
    ("pipenv", "run"): frozenset(),
    ("hatch", "run"): frozenset(),
    ("rye", "run"): frozenset(),
    ("pixi", "run"): frozenset({"-e", "--environment", "--manifest-path"}),
    ("conda", "run"): frozenset({"-n", "--name", "-p", "--prefix", "--cwd"}),
    ("mamba", "run"): frozenset({"-n", "--name", "-p", "--prefix", "--cwd"}),
    ("micromamba", "run"): frozenset({"-n", "--name", "-p", "--prefix", "--cwd"}),
    ("pipx", "run"): frozenset({"--spec", "--python", "--index-url", "--pip-args"}),
    ("dotenv", "run"): frozenset(),
}
#: Launchers that run a Python script or ``-m module`` (like ``python`` itself).
_LAUNCHERS: dict[tuple[str, str | None], frozenset[str]] = {
    ("python", None): frozenset({"-W", "-X", "-Q"}),
    ("coverage", "run"): frozenset(
        {"--rcfile", "--source", "--data-file", "--context", "--concurrency", "--include"}
    ),
    ("torchrun", None): frozenset(
        {
            "--nproc_per_node",
            "--nproc-per-node",
            "--nnodes",
            "--node_rank",
            "--node-rank",
            "--master_addr",
            "--master-addr",
            "--master_port",
            "--master-port",
            "--rdzv_backend",
            "--rdzv-backend",
            "--rdzv_endpoint",
            "--rdzv-endpoint",
            "--rdzv_id",
            "--rdzv-id",
            "--max_restarts",
            "--max-restarts",
        }
    ),
    ("accelerate", "launch"): frozenset(
        {
            "--config_file",
            "--num_processes",
            "--num_machines",
            "--mixed_precision",
            "--gpu_ids",
            "--main_process_port",
            "--main_process_ip",
            "--machine_rank",
            "--dynamo_backend",
        }
    ),
    ("deepspeed", None): frozenset(
        {"--num_gpus", "--num_nodes", "--hostfile", "--include", "--exclude", "--master_port"}
    ),
}
#: Shells whose ``-c SCRIPT`` runs a command line given as one word.
_SHELLS = frozenset({"sh", "bash", "zsh", "dash", "ksh", "ash"})
_SHELL_VALUE_OPTS = frozenset({"--rcfile", "--init-file", "-o", "+o", "-O", "+O"})
#: Shell words that start or end a compound command; the word after them is a command.
_RESERVED = frozenset(
    {"if", "then", "else", "elif", "do", "while", "until", "!", "{", "}", "fi", "done", "esac"}
)
#: Compound commands whose words are not commands (``for x in a b``, ``case $x in``).
_SKIP_WHOLE = frozenset({"for", "case", "select", "function", "in"})
_ASSIGNMENT = lazy_compile(r"^[A-Za-z_][A-Za-z0-9_]*\+?=")
_PYTHON = lazy_compile(r"^(?:python|pypy|pythonw)(?:\d+(?:\.\d+)?t?)?(?:\.exe)?$|^py$")
_VAR = lazy_compile(r"\$\{\{[^}]*\}\}|\{\{[^}]*\}\}|\$[({]([A-Za-z_][A-Za-z0-9_.]*)[)}]")


def _placeholder(name: str | None) -> str:
    """A stand-in word for an unresolved variable: ``$(PYTHON)`` still reads as python."""
    if name and ("PYTHON" in name.upper() or name.upper() in ("PY", "PYEXE", "INTERPRETER")):
        return "python"
    return "__var__"


def expand(text: str, variables: Mapping[str, str] | None = None) -> str:
    """Replace ``$(NAME)``/``${NAME}`` with its value (Make variables), else a stand-in."""
    vars_ = variables or {}

    def sub(m: re.Match[str]) -> str:
        name = m.group(1)
        if name is not None and name in vars_:
            return vars_[name]
        if name is not None and m.group(0).startswith("${") and _placeholder(name) != "python":
            return m.group(0)  # a shell variable: the script may assign it
        return _placeholder(name)

    for _ in range(3):  # values may name other variables
        new = _VAR.sub(sub, text)
        if new == text:
            break
        text = new
    return text


def _basename(word: str) -> str:
    word = word.replace("\\", "/").rsplit("/", 1)[-1]
    return word[:-4] if word.lower().endswith(".exe") else word


def _skip_options(argv: Sequence[str], i: int, takes_value: frozenset[str]) -> int:
    """Index of the first word after the options starting at ``argv[i]``."""
    while i < len(argv) and argv[i].startswith("-") and argv[i] != "-":
        opt = argv[i]
        i += 1
        if opt == "--":
            break
        if opt in takes_value:
            i += 1
    return i


def _python_run(name: str, argv: Sequence[str], i: int, opts: frozenset[str]) -> Run | None:
    """``python [opts] -m MOD ...`` / ``-c CODE`` / ``script.py``: what the launcher runs."""
    while i < len(argv):
        word = argv[i]
        if word in ("-m", "-c") and i + 1 < len(argv):
            if word == "-m":
                return Run(name, module=argv[i + 1], args=tuple(argv[i + 2 :]))
            return Run(name, imports=imported_by(argv[i + 1]))
        if word.startswith("-m") and len(word) > 2:  # python -mpytest
            return Run(name, module=word[2:], args=tuple(argv[i + 1 :]))
        if not word.startswith("-") or word == "-":
            return None  # a script: not a use of any distribution by name
        i += 2 if word in opts else 1
    return None


def imported_by(code: str) -> tuple[str, ...]:
    """Top-level modules a snippet of Python code imports (``python -c``)."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return tuple(dict.fromkeys(re.findall(r"\bimport\s+([A-Za-z_]\w*)", code)))
    mods: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            mods.extend(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            mods.append(node.module.split(".")[0])
    return tuple(dict.fromkeys(mods))


def _shell_command_string(argv: Sequence[str], i: int) -> str | None:
    """The script of ``sh -c SCRIPT`` (``bash -euo pipefail -c``, ``zsh -lc``), else None."""
    command = False
    while i < len(argv):
        word = argv[i]
        if word == "--":
            i += 1
            break
        if word in _SHELL_VALUE_OPTS:
            i += 2
        elif len(word) > 1 and word[0] in "-+" and not word.startswith("--"):
            command = command or (word[0] == "-" and "c" in word)
            i += 2 if "o" in word[1:] or "O" in word[1:] else 1  # -o pipefail
        elif word.startswith("--"):
            i += 1
        else:
            break
    return argv[i] if command and i < len(argv) else None


def runs_in_argv(argv: Sequence[str]) -> list[Run]:
    """The programs one simple command runs: the command word, seen through wrappers."""
    out: list[Run] = []
    i = 0
    while i < len(argv):
        word = argv[i]
        if _ASSIGNMENT.match(word) or word in _RESERVED:
            i += 1
            continue
        if word in _SKIP_WHOLE:
            return out
        name = _basename(word)
        if name.startswith("-") or name in ("__var__", ""):
            return out  # an unresolved variable runs something we can't name
        if _PYTHON.match(name):
            name = "python"
        sub = argv[i + 1] if i + 1 < len(argv) else None
        if name in _SHELLS:
            out.append(Run(name, args=tuple(argv[i + 1 :])))
            script = _shell_command_string(argv, i + 1)
            return out + (_script_runs(script, {}) if script is not None else [])
        if name in _PREFIX:
            opts, positional = _PREFIX[name]
            out.append(Run(name, args=tuple(argv[i + 1 :])))
            i = _skip_options(argv, i + 1, opts) + positional
            continue
        for (runner, sub_word), opts in _RUNNERS.items():
            if name == runner and (sub_word is None or sub == sub_word):
                out.append(Run(name, args=tuple(argv[i + 1 :])))
                i = _skip_options(argv, i + (1 if sub_word is None else 2), opts)
                if name == "hatch" and i < len(argv) and ":" in argv[i]:
                    argv = [*argv[:i], argv[i].split(":", 1)[1], *argv[i + 1 :]]
                break
        else:
            for (launcher, sub_word), opts in _LAUNCHERS.items():
                if name == launcher and (sub_word is None or sub == sub_word):
                    start = i + (1 if sub_word is None else 2)
                    run = _python_run(name, argv, start, opts)
                    if name != "python" or run is None:
                        out.append(Run(name, args=tuple(argv[start:])))
                    if run is not None:
                        out.append(run)
                    return out
            out.append(Run(name, args=tuple(argv[i + 1 :])))
            return out
    return out


_SHELL_REF = lazy_compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?")


def _resplit(text: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError:
        return text.split()


def _with_shell_vars(argv: list[str], shell_vars: dict[str, str]) -> list[str] | None:
    """``argv`` with the script's own variables expanded (``PYTEST="python -m pytest"``
    then ``$PYTEST tests``, ``eval $PYTEST``); None for a line that only assigns."""

    def sub(word: str) -> str:
        return _SHELL_REF.sub(lambda m: shell_vars.get(m.group(1), m.group(0)), word)

    if all(_ASSIGNMENT.match(w) for w in argv):
        for w in argv:
            name, _, value = w.partition("=")
            shell_vars[name.rstrip("+")] = sub(value)
        return None
    out: list[str] = []
    for w in argv:
        new = sub(w)
        out.extend(_resplit(new) if new != w else [w])
    if out and out[0] == "eval":  # eval runs its arguments as a command line
        out = _resplit(" ".join(out[1:]))
    return out


def runs_in_script(
    text: str,
    variables: Mapping[str, str] | None = None,
    env: Mapping[str, str] | None = None,
) -> list[Run]:
    """Every program a shell script (or one CI step) runs, with its line offset.

    ``variables`` are Make-style ``$(NAME)``/``${NAME}`` values; ``env`` the environment
    the script starts with (a workflow's ``env:``), read as ``$NAME`` and ``${NAME}``."""
    shell_vars: dict[str, str] = {k: v.replace("\n", " ") for k, v in (env or {}).items()}
    return _script_runs(expand(text, variables), shell_vars)


def _commands_run(argv: list[str]) -> list[str]:
    return [run.command for run in runs_in_argv(argv)]


def _script_runs(text: str, shell_vars: dict[str, str]) -> list[Run]:
    out: list[Run] = []
    wrappers = wrapper_functions(text, _commands_run)
    for offset, line, heredoc in logical_lines(text):
        stripped = line.lstrip()
        if not stripped or stripped.startswith("#"):
            continue
        for run in _line_runs(line, heredoc, shell_vars, wrappers):
            out.append(run._replace(line=offset + run.line))
    return out


def _line_runs(
    line: str,
    heredoc: list[str],
    shell_vars: dict[str, str],
    wrappers: Mapping[str, int],
) -> list[Run]:
    """The programs one logical line runs: its command substitutions' first. A call of
    one of the script's ``wrappers`` runs the command after the function's own words."""
    outer, inner = split_substitutions(line)
    out = [run for script in inner for run in _line_runs(script, [], shell_vars, wrappers)]
    for words in simple_commands(tokens(outer)):
        argv = _with_shell_vars(words, shell_vars)
        if argv is None:
            continue
        if argv and argv[0] in wrappers:
            out.append(Run(argv[0], args=tuple(argv[1:])))
            argv = argv[1 + wrappers[argv[0]] :]
        for run in runs_in_argv(argv):
            if heredoc and run.command == "python" and run.module is None:
                run = Run("python", imports=imported_by("\n".join(heredoc)))
            out.append(run)
    return out
