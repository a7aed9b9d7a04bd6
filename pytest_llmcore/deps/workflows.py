"""GitHub Actions and CircleCI workflows: the shell commands their steps run.

A step's ``run:`` is a shell script (CircleCI: ``run:`` or ``run: {command: ...}``). It
runs with the ``env:`` (CircleCI ``environment:``) of the workflow, job and step, so
``$NAME``, ``${NAME}`` and ``${{ env.NAME }}`` are read from there. A GitHub expression
that chooses between option strings (``${{ matrix.fast && '-n auto' || '' }}``) reads as
those options. An action's ``with:`` inputs are data for the action (maturin-action's
``command: build`` runs maturin, not the ``build`` package), except the inputs of the
actions in :data:`ACTION_COMMAND_INPUTS`, which run a shell command. The repository of a
``uses:`` (an action, or a job's reusable workflow) names the tool it runs: the repository
``huggingface/doc-builder`` runs ``doc-builder``, a console script of hf-doc-builder.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from .shell import Run, imported_by, runs_in_script
from .toolfiles import scalar, yaml, yaml_nodes, yaml_scalars

__all__ = ["ACTION_COMMAND_INPUTS", "read_workflow", "read_workflow_all", "resolve_expressions"]

#: action (``owner/name``, lower case) -> its inputs that are shell commands.
ACTION_COMMAND_INPUTS: dict[str, frozenset[str]] = {
    "nick-fields/retry": frozenset({"command", "on_retry_command"}),
    "wandalen/wretry.action": frozenset({"command"}),
    "gabrielbb/xvfb-action": frozenset({"run"}),
    "coactions/setup-xvfb": frozenset({"run"}),
    "addnab/docker-run-action": frozenset({"run"}),
    "uraimo/run-on-arch-action": frozenset({"run"}),
    "reactivecircus/android-emulator-runner": frozenset({"script"}),
}

_EXPR = re.compile(r"\$\{\{(.*?)\}\}", re.S)
_ENV_REF = re.compile(r"^\s*env\.([A-Za-z_][A-Za-z0-9_-]*)\s*$")
#: a string literal that is a result of ``&&``/``||`` (not an operand of ``==``).
_RESULT = re.compile(r"(?:&&|\|\|)\s*'((?:[^']|'')*)'")


def resolve_expressions(text: str, env: Mapping[str, str]) -> str:
    """``${{ env.X }}`` -> its value; an expression whose results are option strings ->
    those options (any of them may be passed); anything else is left for the shell
    reader (an unknown value)."""

    def sub(m: re.Match[str]) -> str:
        body = m.group(1)
        ref = _ENV_REF.match(body)
        if ref is not None:
            return env.get(ref.group(1), m.group(0)).replace("\n", " ")
        results = [r.replace("''", "'").strip() for r in _RESULT.findall(body)]
        chosen = [r for r in results if r]
        if chosen and all(r.startswith("-") for r in chosen):
            return " ".join(chosen)
        return m.group(0)

    for _ in range(2):  # an env value may hold an expression
        text = _EXPR.sub(sub, text)
    return text


def _env_of(mapping: Mapping[str, yaml.Node], env: Mapping[str, str]) -> dict[str, str]:
    out = dict(env)
    for key in ("env", "environment"):
        node = mapping.get(key)
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                value = scalar(v)
                if isinstance(k, yaml.ScalarNode) and value is not None:
                    out[str(k.value)] = resolve_expressions(value.value, env)
    return out


def _action(mapping: Mapping[str, yaml.Node]) -> str:
    uses = scalar(mapping.get("uses"))
    return uses.value.split("@", 1)[0].lower() if uses is not None else ""


#: ``owner/repo[/path]@ref`` of a ``uses:`` (never ``./local`` or ``docker://image``).
_USES = re.compile(r"^([A-Za-z0-9][\w.-]*)/([\w.-]+)(/[^@\s]*)?@\S+$")


def _uses_tool(mapping: Mapping[str, yaml.Node]) -> tuple[str, str, int] | None:
    """(repository name, what it is, line) of a job's reusable workflow or a step's action:
    the tool of that repository runs, from the repository's own copy."""
    uses = scalar(mapping.get("uses"))
    m = _USES.match(uses.value.strip()) if uses is not None else None
    if m is None or uses is None:
        return None
    path = m.group(3) or ""
    what = "reusable workflow" if path.endswith((".yml", ".yaml")) else "action"
    return m.group(2).lower().removesuffix(".git"), f"{what} `{uses.value.strip()}`", uses.line


class _Reader:
    def __init__(self, rel: str) -> None:
        self.rel = rel
        self.out: list[tuple[Run, int]] = []
        self.uses: list[tuple[str, str, int]] = []

    def script(self, node: yaml.Node | None, env: Mapping[str, str], shell: str) -> None:
        for s in yaml_scalars(node):
            if shell.split()[:1] in (["python"], ["python3"]):
                self.out.append((Run("python", imports=imported_by(s.value)), s.line))
                continue
            text = resolve_expressions(s.value, env)
            self.out += [(r, s.line + r.line) for r in runs_in_script(text, env=env)]

    def visit(self, root: yaml.Node) -> None:
        """Every mapping of the tree with the environment it inherits (a stack, not
        recursion: a hostile file may nest thousands deep)."""
        stack: list[tuple[yaml.Node, Mapping[str, str]]] = [(root, {})]
        while stack:
            node, env = stack.pop()
            if isinstance(node, yaml.SequenceNode):
                stack.extend((item, env) for item in reversed(node.value))
            elif isinstance(node, yaml.MappingNode):
                pairs = [(str(k.value), v) for k, v in node.value if isinstance(k, yaml.ScalarNode)]
                env = self.step(dict(pairs), env)
                children = [v for k, v in pairs if k not in ("run", "with", "env", "environment")]
                stack.extend((child, env) for child in reversed(children))

    def step(self, mapping: Mapping[str, yaml.Node], env: Mapping[str, str]) -> dict[str, str]:
        """The commands of one mapping (a step, a job...); the environment its children see."""
        env = _env_of(mapping, env)
        shell = scalar(mapping.get("shell"))
        run = mapping.get("run")
        if isinstance(run, yaml.MappingNode):  # CircleCI: run: {command: ..., environment:}
            inner = {str(k.value): v for k, v in run.value if isinstance(k, yaml.ScalarNode)}
            self.script(inner.get("command"), _env_of(inner, env), "")
        elif run is not None:
            self.script(run, env, shell.value if shell is not None else "")
        uses = _uses_tool(mapping)
        if uses is not None:
            self.uses.append(uses)
        inputs = mapping.get("with")
        command_inputs = ACTION_COMMAND_INPUTS.get(_action(mapping), frozenset())
        if isinstance(inputs, yaml.MappingNode):
            for k, v in inputs.value:
                if isinstance(k, yaml.ScalarNode) and str(k.value) in command_inputs:
                    self.script(v, env, "")
        return env


def read_workflow(text: str, rel: str) -> list[tuple[Run, int]]:
    """(program, line) for every command the workflow's steps run."""
    return read_workflow_all(text, rel)[0]


def read_workflow_all(
    text: str, rel: str
) -> tuple[list[tuple[Run, int]], list[tuple[str, str, int]]]:
    """The commands the workflow's steps run, and the (repository name, what, line) of
    every action and reusable workflow it ``uses:``."""
    runs: list[tuple[Run, int]] = []
    uses: list[tuple[str, str, int]] = []
    for doc in yaml_nodes(text):
        reader = _Reader(rel)
        reader.visit(doc)
        runs += reader.out
        uses += reader.uses
    return runs, uses
