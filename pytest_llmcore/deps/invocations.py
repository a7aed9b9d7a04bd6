"""Where a project runs commands, and what they run.

Each reader turns one kind of file into :class:`Invocation` records: workflow ``run:``
steps, Makefile and justfile recipes, tox and nox commands, pre-commit ``entry:`` of
hooks that run in the project's environment, pyproject task runners (taskipy, poe, hatch,
pdm, rye, pixi; pixi.toml's tasks, and ``pixi run TASK ARGS`` with ARGS appended),
Procfile, Dockerfile ``RUN``/``CMD``/``ENTRYPOINT``, compose ``command:``,
GitLab/Travis/Taskfile scripts, lint-staged configurations (:mod:`.lintstaged`) and shell
scripts (the plain text formats are read in :mod:`.textcommands`), the tool of a
workflow's action or reusable workflow (its own copy, ``via``) and the shell code blocks
of developer docs (:mod:`.doccommands`, ``source``). Arguments and YAML data are never uses.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from ..core.errors import InputError
from .invocation import Invocation, argv_invocations, script_invocations
from .shell import Run, imported_by, runs_in_script
from .textcommands import (
    read_docker,
    read_just,
    read_make,
    read_procfile,
    read_shell,
    read_tox_ini,
    tox_command,
    tox_substitute,
)
from .toolfiles import ToolFileSet, scalar, yaml, yaml_get, yaml_nodes, yaml_scalars
from .workflows import read_workflow_all

if TYPE_CHECKING:
    from .toxargs import ToxEnv

__all__ = [
    "Invocation",
    "argv_invocations",
    "read_docker",
    "read_invocations",
    "read_just",
    "read_make",
    "read_procfile",
    "read_shell",
    "read_tox_ini",
    "script_invocations",
    "tox_command",
    "tox_substitute",
]


# -- Python ------------------------------------------------------------------------------


def read_nox(text: str, rel: str) -> list[Invocation]:
    """``session.run("pytest", ...)`` (and ``run_always``): the literal words of the call,
    a ``*cmd`` list built in the session expanded (:mod:`.noxargv`)."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return []
    from .noxargv import run_argvs

    out: list[Invocation] = []
    for words, line in run_argvs(tree):
        out += argv_invocations(words, rel, line)
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


def read_yaml_commands(
    text: str, rel: str, kind: str, read: Callable[[str], str | None] | None = None
) -> list[Invocation]:
    """``read``: a project file's text (a workflow's local actions are followed with it)."""
    if kind == "workflow":  # steps, their env and action inputs: see .workflows
        runs, uses = read_workflow_all(text, rel, read)
        found = [Invocation(run, file, line) for run, file, line in runs]
        for name, what, line in uses:  # the tool of the repository, its own copy of it
            found.append(Invocation(Run(name), rel, line, f"its own {what} runs it"))
        return found
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
    "tox": lambda t, r: _read_tox(t, r),
    "nox": read_nox,
    "pre-commit": read_pre_commit,
    "readthedocs": read_readthedocs_commands,
    "workflow": lambda t, r: read_yaml_commands(t, r, "workflow"),
    "ci-script": lambda t, r: read_yaml_commands(t, r, "ci-script"),
    "compose": lambda t, r: read_yaml_commands(t, r, "compose"),
    "lint-staged": lambda t, r: _read_lint_staged(t, r),
    "pixi": lambda t, r: _read_pixi(t, r),
}


def _read_pixi(text: str, rel: str) -> list[Invocation]:
    from .pixitasks import read_pixi_toml  # most projects have no pixi.toml

    return read_pixi_toml(text, rel)


def _read_tox(text: str, rel: str) -> list[Invocation]:
    """tox.ini, or tox 4's native ``tox.toml`` (read like pyproject's ``[tool.tox]``)."""
    if not rel.endswith(".toml"):
        return read_tox_ini(text, rel)
    from .taskrunners import read_tox_toml

    return read_tox_toml(text, rel)


def _read_lint_staged(text: str, rel: str) -> list[Invocation]:
    from .lintstaged import read_lint_staged  # most projects have no lint-staged config

    return read_lint_staged(text, rel)


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
                if kind == "workflow":  # its local actions and reusable workflows too
                    out += read_yaml_commands(text, rel, kind, files.read)
                else:
                    out += reader(text, rel)
            except InputError as exc:  # a tox.toml that is not TOML
                where = f"{rel}:{exc.line}" if exc.line else rel
                notes.append(f"{where}: not valid TOML; its commands are not counted as uses")
            except yaml.YAMLError as exc:
                mark = getattr(exc, "problem_mark", None)
                where = f"{rel}:{mark.line + 1}" if mark is not None else rel
                notes.append(f"{where}: not valid YAML; its commands are not counted as uses")
    if pyproject:
        from .taskrunners import read_pyproject

        text = files.read("pyproject.toml") or ""
        out += read_pyproject(pyproject, text, "pyproject.toml")
    from .locks import lock_header_invocations

    out += lock_header_invocations(files.root)  # `#    pip-compile ...` of a lock's header
    from .doccommands import read_doc_commands

    out += read_doc_commands(files)
    from .toxargs import forwarded_invocations, project_envs

    def tox_envs() -> dict[str, ToxEnv]:  # read only where `tox ... -- ARGS` is run
        found = sorted(files.of("tox"), key=lambda rel: rel != "tox.ini")
        return project_envs(((rel, files.read(rel)) for rel in found), pyproject)

    out += forwarded_invocations(list(out), tox_envs)  # ENV's commands, {posargs} filled
    if any(inv.run.command == "pixi" for inv in out):
        from .pixitasks import forwarded_pixi, pixi_tasks

        out += forwarded_pixi(list(out), lambda: pixi_tasks(files.read, pyproject))
    out = list(dict.fromkeys(out))  # a local action's run, read in it and in its callers
    # a real run of a tool is the better evidence, a developer doc's command the weakest
    out.sort(key=lambda inv: (bool(inv.source), bool(inv.via)))
    return out
