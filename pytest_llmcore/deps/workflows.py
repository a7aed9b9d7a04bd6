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

A local composite action (``uses: ./.github/actions/run-tox``) or reusable workflow (a
job's ``uses: ./.github/workflows/testing.yml``) runs its own steps, with
``${{ inputs.X }}`` read as the caller's ``with:`` value (else the input's ``default``).
A command that uses an input the caller gives is recorded where the caller writes it
(``tox-args: --reruns=3`` at testing.yml:78), any other in its own file and line.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Mapping
from typing import NamedTuple

from .shell import Run, imported_by, runs_in_script
from .toolfiles import YamlScalar, scalar, yaml, yaml_get, yaml_nodes, yaml_scalars

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
_INPUT_REF = re.compile(r"^\s*inputs\.([A-Za-z_][A-Za-z0-9_-]*)\s*$")
_INPUT_NAMES = re.compile(r"\binputs\.([A-Za-z_][A-Za-z0-9_-]*)")
#: how deep local actions and reusable workflows are followed into each other
_MAX_INLINE = 4
#: a string literal that is a result of ``&&``/``||`` (not an operand of ``==``).
_RESULT = re.compile(r"(?:&&|\|\|)\s*'((?:[^']|'')*)'")


def resolve_expressions(
    text: str, env: Mapping[str, str], inputs: Mapping[str, str] | None = None
) -> str:
    """``${{ env.X }}`` -> its value (``${{ inputs.X }}`` too, given ``inputs``); an
    expression whose results are option strings -> those options (any of them may be
    passed); anything else is left for the shell reader (an unknown value)."""

    def sub(m: re.Match[str]) -> str:
        body = m.group(1)
        ref = _ENV_REF.match(body)
        if ref is not None:
            return env.get(ref.group(1), m.group(0)).replace("\n", " ")
        ref = _INPUT_REF.match(body) if inputs else None
        if ref is not None and inputs is not None:
            return inputs.get(ref.group(1), m.group(0)).replace("\n", " ")
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


class _Called(NamedTuple):
    """How an inlined action or reusable workflow is called: its inputs' values (the
    caller's ``with:``, else the defaults), and where each ``with:`` value is written
    (file, line): where it came from when it holds the caller's own inputs."""

    values: dict[str, str]
    given: dict[str, tuple[str, int]]


def _local_target(value: str, read: Callable[[str], str | None]) -> tuple[str, str] | None:
    """(path, text) of a local ``uses: ./dir`` action (its action.yml) or reusable workflow."""
    path = value.strip()
    if not path.startswith("./"):
        return None
    path = posixpath.normpath(path[2:])
    if path.startswith(("..", "/")):
        return None
    names = [path] if path.endswith((".yml", ".yaml")) else [f"{path}/{n}" for n in _ACTION_FILES]
    for name in names:
        text = read(name)
        if text is not None:
            return name, text
    return None


_ACTION_FILES = ("action.yml", "action.yaml")


def _input_defaults(doc: yaml.Node) -> dict[str, str]:
    """An action's (or a reusable workflow's ``workflow_call``) inputs' defaults."""
    out: dict[str, str] = {}
    for inputs in (yaml_get(doc, "inputs"), yaml_get(doc, "on", "workflow_call", "inputs")):
        for k, v in inputs.value if isinstance(inputs, yaml.MappingNode) else ():
            default = scalar(yaml_get(v, "default"))
            if isinstance(k, yaml.ScalarNode) and default is not None:
                out[str(k.value)] = default.value
    return out


class _Reader:
    def __init__(
        self,
        rel: str,
        read: Callable[[str], str | None] | None = None,
        called: _Called | None = None,
        seen: tuple[str, ...] = (),
    ) -> None:
        self.rel = rel
        self.read = read
        self.called = called
        self.seen = seen
        self.out: list[tuple[Run, str, int]] = []
        self.uses: list[tuple[str, str, int]] = []

    def _place(self, s: YamlScalar, offset: int) -> tuple[str, int]:
        """Where a command of ``s`` (at line ``offset`` of it) is recorded: its own place;
        inlined, where the caller writes the last input its line uses (arguments come
        last: ``-e ${{ inputs.env }} -- ${{ inputs.args }}``), if it uses one."""
        given = self.called.given if self.called is not None else {}
        if given:
            lines = s.value.splitlines()
            for text in (lines[offset] if offset < len(lines) else "", s.value):
                names = [n for n in _INPUT_NAMES.findall(text) if n in given]
                if names:
                    return given[names[-1]]
        return self.rel, s.line + offset

    def script(self, node: yaml.Node | None, env: Mapping[str, str], shell: str) -> None:
        values = self.called.values if self.called is not None else None
        for s in yaml_scalars(node):
            if shell.split()[:1] in (["python"], ["python3"]):
                run = Run("python", imports=imported_by(s.value))
                self.out.append((run, *self._place(s, 0)))
                continue
            text = resolve_expressions(s.value, env, values)
            self.out += [(r, *self._place(s, r.line)) for r in runs_in_script(text, env=env)]

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
        self.inline(mapping, env)
        return env

    def inline(self, mapping: Mapping[str, yaml.Node], env: Mapping[str, str]) -> None:
        """The steps of a local composite action or reusable workflow this step (or job)
        ``uses:``, its inputs read from ``with:`` (a cycle or a missing file: nothing)."""
        uses = scalar(mapping.get("uses"))
        if uses is None or self.read is None or len(self.seen) >= _MAX_INLINE:
            return
        target = _local_target(uses.value, self.read)
        if target is None or target[0] in self.seen:
            return
        try:
            docs = yaml_nodes(target[1])
        except yaml.YAMLError:
            return  # the file's own reading notes it
        values: dict[str, str] = {}
        given: dict[str, tuple[str, int]] = {}
        node = mapping.get("with")
        for k, v in node.value if isinstance(node, yaml.MappingNode) else ():
            value = scalar(v)
            if isinstance(k, yaml.ScalarNode) and value is not None:
                own = self.called.values if self.called is not None else None
                values[str(k.value)] = resolve_expressions(value.value, env, own)
                given[str(k.value)] = self._place(value, 0)
        for doc in docs:
            called = _Called({**_input_defaults(doc), **values}, given)
            child = _Reader(target[0], self.read, called, (*self.seen, target[0]))
            child.visit(doc)
            self.out += child.out


def read_workflow(text: str, rel: str) -> list[tuple[Run, int]]:
    """(program, line) for every command the workflow's steps run."""
    return [(run, line) for run, _, line in read_workflow_all(text, rel)[0]]


def read_workflow_all(
    text: str, rel: str, read: Callable[[str], str | None] | None = None
) -> tuple[list[tuple[Run, str, int]], list[tuple[str, str, int]]]:
    """(program, file, line) of every command the workflow's steps run, and the
    (repository name, what, line) of every action and reusable workflow it ``uses:``;
    ``read`` gives a project file's text: local actions and reusable workflows are
    followed only with it, and their commands recorded in their own file unless an
    input the caller writes reaches them."""
    runs: list[tuple[Run, str, int]] = []
    uses: list[tuple[str, str, int]] = []
    for doc in yaml_nodes(text):
        reader = _Reader(rel, read)
        reader.visit(doc)
        runs += reader.out
        uses += reader.uses
    return runs, uses
