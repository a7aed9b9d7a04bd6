"""Where a project runs commands, and what they run.

Each reader turns one kind of file into :class:`Invocation` records: workflow ``run:``
steps, Makefile and justfile recipes, tox and nox commands, pre-commit ``entry:`` of
hooks that run in the project's environment, pyproject task runners (taskipy, poe, hatch,
pdm, rye), Procfile, Dockerfile ``RUN``/``CMD``/``ENTRYPOINT``, compose ``command:``,
GitLab/Travis/Taskfile scripts and shell scripts. Arguments and YAML data are never uses.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, NamedTuple

from .shell import Run, imported_by, runs_in_argv, runs_in_script
from .toolfiles import ToolFileSet, scalar, yaml, yaml_get, yaml_nodes, yaml_scalars
from .workflows import read_workflow_all

__all__ = ["Invocation", "read_invocations"]


class Invocation(NamedTuple):
    """One program run by one line of a tool file."""

    run: Run
    file: str
    line: int | None
    via: str = ""
    """How it runs when not in the project's environment (a pre-commit hook's own copy)."""


def script_invocations(text: str, rel: str, first_line: int, **kw: Any) -> list[Invocation]:
    return [Invocation(r, rel, first_line + r.line) for r in runs_in_script(text, **kw)]


def argv_invocations(words: Iterable[str], rel: str, line: int | None) -> list[Invocation]:
    return [Invocation(r, rel, line) for r in runs_in_argv(list(words))]


# -- plain text formats ------------------------------------------------------------------

_MAKE_VAR = re.compile(
    r"^(?:export\s+|override\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*(?::{1,3}=|\?=|\+=|!=|=)\s*(.*)$"
)


def _joined(text: str) -> Iterator[tuple[int, str]]:
    """(1-based line, text) with backslash continuations joined."""
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        start, line = i, lines[i]
        while line.endswith("\\") and i + 1 < len(lines):
            i += 1
            line = line[:-1] + " " + lines[i].lstrip("\t")
        i += 1
        yield start + 1, line


_MAKE_SHELL = re.compile(r"\$([({])shell\s")


def make_shell_calls(line: str) -> tuple[str, list[str]]:
    """The line with each ``$(shell CMD)`` (or ``${shell CMD}``) replaced by an unknown
    word, and those commands: Make runs them wherever they stand (a variable's value, a
    conditional, a recipe). Parentheses are matched: ``$(shell echo $(X))`` is one call."""
    calls: list[str] = []
    rest, pos = [], 0
    for m in _MAKE_SHELL.finditer(line):
        if m.start() < pos:
            continue  # inside a call already read
        opener = m.group(1)
        closer = ")" if opener == "(" else "}"
        depth, i = 1, m.end()
        while i < len(line) and depth:
            depth += (line[i] == opener) - (line[i] == closer)
            i += 1
        if depth == 0:
            body, inner = make_shell_calls(line[m.end() : i - 1])
            calls += [body.strip().replace("$$", "$"), *inner]
            rest += [line[pos : m.start()], "__var__"]
            pos = i
    return "".join(rest) + line[pos:], calls


def read_make(text: str, rel: str) -> list[Invocation]:
    """Recipe lines (tab-indented, or after ``target: ;``) and every ``$(shell ...)``
    function call, Make variables expanded."""
    variables: dict[str, str] = {}
    recipes: list[tuple[int, str]] = []
    for line_no, line in _joined(text):
        if not line.lstrip().startswith("#"):
            line, calls = make_shell_calls(line)
            recipes += [(line_no, call) for call in calls]
        if line.startswith("\t"):
            recipes.append((line_no, line.strip().lstrip("@-+ ").replace("$$", "$")))
            continue
        m = _MAKE_VAR.match(line)
        if m:
            variables.setdefault(m.group(1), m.group(2).split(" #", 1)[0].strip())
        elif ":" in line and ";" in line and not line.startswith("#"):
            recipes.append((line_no, line.split(";", 1)[1].strip()))
    out: list[Invocation] = []
    for line_no, recipe in recipes:
        out += script_invocations(recipe, rel, line_no, variables=variables)
    return out


def read_just(text: str, rel: str) -> list[Invocation]:
    """Indented recipe lines; shebang recipes (another language) are skipped."""
    out: list[Invocation] = []
    shebang = False
    for line_no, line in _joined(text):
        if not line[:1].isspace():
            shebang = False
            continue
        body = line.strip()
        if body.startswith("#!"):
            shebang = True
        if shebang or not body or body.startswith("#"):
            continue
        out += script_invocations(body.lstrip("@-"), rel, line_no)
    return out


def read_shell(text: str, rel: str) -> list[Invocation]:
    return script_invocations(text, rel, 1)


def read_procfile(text: str, rel: str) -> list[Invocation]:
    out: list[Invocation] = []
    for i, line in enumerate(text.splitlines(), start=1):
        m = re.match(r"^[\w.-]+\s*:\s*(.+)$", line)
        if m:
            out += script_invocations(m.group(1), rel, i)
    return out


def read_docker(text: str, rel: str) -> list[Invocation]:
    """``RUN``, ``CMD`` and ``ENTRYPOINT``: JSON exec form or shell form, heredocs too."""
    out: list[Invocation] = []
    lines = list(_joined(text))
    i = 0
    while i < len(lines):
        line_no, line = lines[i]
        i += 1
        m = re.match(r"^\s*(RUN|CMD|ENTRYPOINT)\s+(.*)$", line, re.IGNORECASE)
        if not m:
            continue
        rest = re.sub(r"^(?:--\S+\s+)*", "", m.group(2).strip())
        heredoc = re.match(r"^<<-?\s*['\"]?(\w+)['\"]?(.*)$", rest)
        if heredoc:
            body: list[str] = []
            while i < len(lines) and lines[i][1].strip() != heredoc.group(1):
                body.append(lines[i][1])
                i += 1
            out += script_invocations("\n".join(body), rel, line_no + 1)
            continue
        if rest.startswith("["):
            try:
                words = json.loads(rest)
            except ValueError:
                words = None
            if isinstance(words, list) and all(isinstance(w, str) for w in words):
                out += argv_invocations(words, rel, line_no)
                continue
        out += script_invocations(rest, rel, line_no)
    return out


def tox_substitute(text: str) -> str:
    """tox's ``{...}`` substitutions: the env's python is ``python``, ``{posargs:DEFAULT}``
    its default, the rest unknown."""
    text = re.sub(r"\{envpython\}|\{envbindir\}/python\d*", "python", text)
    text = re.sub(r"\{(?:envbindir|toxinidir|envdir|envtmpdir)\}/(?:bin/)?", "", text)
    text = re.sub(r"\{posargs:([^{}]*)\}", r"\1", text)  # the default runs when none given
    return re.sub(r"\{[^{}]*\}", "", text)


#: tox's prefixes of a whole command line: ``-`` ignores its exit code, ``!`` inverts it.
_TOX_PREFIX = re.compile(r"^\s*(?:-(?!-)|!)\s*")


def tox_command(cmd: str) -> str:
    """One tox command line, substituted, without its ``-``/``!`` prefix. Only the line's
    first character can be that prefix: ``--numprocesses=auto`` inside it is an option."""
    return _TOX_PREFIX.sub("", tox_substitute(cmd), count=1)


def read_tox_ini(text: str, rel: str, first_line: int = 1) -> list[Invocation]:
    """``commands``, ``commands_pre``, ``commands_post`` of every ``[testenv*]`` section."""
    out: list[Invocation] = []
    section = ""
    in_commands = False
    for line_no, line in _joined(text):
        stripped = line.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            section, in_commands = stripped[1:-1], False
            continue
        if not section.startswith("testenv") or not stripped or stripped.startswith(("#", ";")):
            continue
        key = re.match(r"^(\w+)\s*=\s*(.*)$", line)
        if key:
            in_commands = key.group(1) in ("commands", "commands_pre", "commands_post")
            stripped = key.group(2).strip() if in_commands else ""
        elif not line[:1].isspace():
            in_commands = False
        if in_commands and stripped:
            out += script_invocations(tox_command(stripped), rel, first_line + line_no - 1)
    return out


# -- Python ------------------------------------------------------------------------------


def read_nox(text: str, rel: str) -> list[Invocation]:
    """``session.run("pytest", ...)`` (and ``run_always``): the literal words of the call."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return []
    out: list[Invocation] = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("run", "run_always")
            and node.args
        ):
            words = [
                a.value if isinstance(a, ast.Constant) and isinstance(a.value, str) else "__var__"
                for a in node.args
            ]
            out += argv_invocations(words, rel, node.lineno)
    return out


# -- YAML formats ------------------------------------------------------------------------

#: file kind -> keys whose value is a shell command (a string, or a list of lines).
_YAML_COMMAND_KEYS: dict[str, frozenset[str]] = {
    "ci-script": frozenset(
        {"script", "before_script", "after_script", "install", "before_install", "cmds", "cmd"}
        | {"test_script", "build_script", "after_success", "bash", "commands", "command"}
    ),
    "compose": frozenset({"command", "entrypoint"}),
}


def _mappings(node: yaml.Node) -> Iterator[dict[str, yaml.Node]]:
    """Every mapping of a YAML tree, as key -> value node."""
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, yaml.MappingNode):
            yield {str(k.value): v for k, v in n.value if isinstance(k, yaml.ScalarNode)}
            stack.extend(reversed([v for _, v in n.value]))
        elif isinstance(n, yaml.SequenceNode):
            stack.extend(reversed(n.value))


def read_yaml_commands(text: str, rel: str, kind: str) -> list[Invocation]:
    if kind == "workflow":  # steps, their env and action inputs: see .workflows
        runs, uses = read_workflow_all(text, rel)
        out = [Invocation(run, rel, line) for run, line in runs]
        for name, what, line in uses:  # the tool of the repository, its own copy of it
            via = f"its own {what} runs it"
            out.append(Invocation(Run(name), rel, line, via))
        return out
    keys = _YAML_COMMAND_KEYS[kind]
    out: list[Invocation] = []
    for doc in yaml_nodes(text):
        for mapping in _mappings(doc):
            shell = scalar(mapping.get("shell"))
            for key in sorted(keys & mapping.keys()):
                value = mapping[key]
                if kind == "compose" and isinstance(value, yaml.SequenceNode):
                    words = yaml_scalars(value)  # exec form: one argv
                    if words:
                        out += argv_invocations([w.value for w in words], rel, words[0].line)
                    continue
                for s in yaml_scalars(value):
                    if shell is not None and shell.value.split()[0] in ("python", "python3"):
                        run = Run("python", imports=imported_by(s.value))  # a Python step
                        out.append(Invocation(run, rel, s.line))
                    else:
                        out += script_invocations(s.value, rel, s.line)
    return out


#: pre-commit languages whose hooks run in the project's own environment.
_PROJECT_ENV_LANGUAGES = frozenset({"system", "script", "unsupported", "unsupported_script"})
#: local hook languages whose ``entry`` is a command run from an environment pre-commit
#: builds (``pygrep``'s entry is a regex, ``fail``'s a message).
_OWN_ENV_LANGUAGES = frozenset({"python", "python_venv", "conda"})
#: an entry that runs its command in the project's environment whatever the language.
_PROJECT_ENV_RUNNER = re.compile(r"^\s*(?:uv|poetry|pdm|pipenv|hatch|rye|pixi)\s+run\b")


def _hook_repo_name(url: str) -> str:
    """The tool a hook repository is named after: ``mirrors-mypy``, ``ruff-pre-commit``."""
    name = url.rstrip("/").rsplit("/", 1)[-1].lower().removesuffix(".git")
    name = name.removeprefix("mirrors-")
    for suffix in ("-pre-commit-mirror", "-pre-commit"):
        name = name.removesuffix(suffix)
    return name


def _own_copy(hook: yaml.Node, url: str, rel: str) -> list[Invocation]:
    """A hook pre-commit installs itself runs a copy of the tool the project declares for
    its developers (editors, runs by hand): the same tool, recorded with how it runs."""
    hook_id = scalar(yaml_get(hook, "id"))
    if hook_id is None or not hook_id.value:
        return []
    entry = scalar(yaml_get(hook, "entry"))
    names = {hook_id.value}
    if url in ("local", "meta"):
        lang = scalar(yaml_get(hook, "language"))
        if entry and lang and lang.value in _OWN_ENV_LANGUAGES:  # not a pygrep regex or
            names |= {r.command for r in runs_in_script(entry.value)}  # a `fail` message
    else:
        names.add(_hook_repo_name(url))
    where = f"the repository {url}" if url not in ("local", "meta") else "its own environment"
    via = f"the tool of pre-commit hook `{hook_id.value}` (pre-commit installs it from {where})"
    return [Invocation(Run(n), rel, hook_id.line, via) for n in sorted(names) if n]


def read_pre_commit(text: str, rel: str) -> list[Invocation]:
    """``entry:`` of hooks that run in the project's environment (``language: system``, or
    an entry through ``uv run``/``poetry run``...), and the tool of every other hook.

    Hooks from a remote repository, or with ``language: python``, run in an environment
    pre-commit builds from the hook's own requirements: what they run is recorded with
    ``via`` (the same tool, another copy of it).
    """
    out: list[Invocation] = []
    for doc in yaml_nodes(text):
        repos = yaml_get(doc, "repos")
        for repo in repos.value if isinstance(repos, yaml.SequenceNode) else ():
            url = scalar(yaml_get(repo, "repo"))
            hooks = yaml_get(repo, "hooks")
            for hook in hooks.value if isinstance(hooks, yaml.SequenceNode) else ():
                lang = scalar(yaml_get(hook, "language"))
                entry = scalar(yaml_get(hook, "entry"))
                if (
                    entry
                    and entry.value
                    and (
                        (lang and lang.value in _PROJECT_ENV_LANGUAGES)
                        or _PROJECT_ENV_RUNNER.match(entry.value)
                    )
                ):
                    out += script_invocations(entry.value, rel, entry.line)
                else:
                    out += _own_copy(hook, url.value if url else "local", rel)
    return out


def read_readthedocs_commands(text: str, rel: str) -> list[Invocation]:
    """``build.commands`` and every ``build.jobs.<step>`` list."""
    out: list[Invocation] = []
    for doc in yaml_nodes(text):
        for s in yaml_scalars(yaml_get(doc, "build", "commands")):
            out += script_invocations(s.value, rel, s.line)
        jobs = yaml_get(doc, "build", "jobs")
        for _, steps in jobs.value if isinstance(jobs, yaml.MappingNode) else ():
            for s in yaml_scalars(steps):
                out += script_invocations(s.value, rel, s.line)
    return out


# -- all of them -------------------------------------------------------------------------

_READERS: dict[str, Callable[[str, str], list[Invocation]]] = {
    "make": read_make,
    "just": read_just,
    "shell": read_shell,
    "procfile": read_procfile,
    "docker": read_docker,
    "tox": read_tox_ini,
    "nox": read_nox,
    "pre-commit": read_pre_commit,
    "readthedocs": read_readthedocs_commands,
    "workflow": lambda t, r: read_yaml_commands(t, r, "workflow"),
    "ci-script": lambda t, r: read_yaml_commands(t, r, "ci-script"),
    "compose": lambda t, r: read_yaml_commands(t, r, "compose"),
}


def read_invocations(
    files: ToolFileSet, pyproject: Mapping[str, Any] | None, notes: list[str]
) -> list[Invocation]:
    """Every program the project's tool files run, in file order. Unreadable files are
    notes, never errors."""
    out: list[Invocation] = []
    for kind, reader in _READERS.items():
        for rel in files.of(kind):
            text = files.read(rel)
            if text is None:
                notes.append(f"{rel}: cannot be read; its commands are not counted as uses")
                continue
            try:
                out += reader(text, rel)
            except yaml.YAMLError as exc:
                mark = getattr(exc, "problem_mark", None)
                where = f"{rel}:{mark.line + 1}" if mark is not None else rel
                notes.append(f"{where}: not valid YAML; its commands are not counted as uses")
    if pyproject:
        from .taskrunners import read_pyproject

        text = files.read("pyproject.toml") or ""
        out += read_pyproject(pyproject, text, "pyproject.toml")
    out.sort(key=lambda inv: bool(inv.via))  # a real run of a tool is the better evidence
    return out
