"""Find a project's task, CI, container and docs files in one walk, and read YAML tolerantly."""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, NamedTuple

from .safeio import read_bytes, read_text
from .walk import DEFAULT_EXCLUDES

__all__ = [
    "INVOCATION_KINDS",
    "TASK_RUNNER_TOOLS",
    "ToolFileSet",
    "YamlScalar",
    "find_tool_files",
    "yaml_nodes",
    "yaml_scalars",
]

#: Kinds of tool files whose commands ``invocations.read_invocations`` reads (one reader
#: each there; a test keeps both lists equal). Listed here so that a project with none of
#: them and no task-runner table never imports the readers.
INVOCATION_KINDS: tuple[str, ...] = (
    "make",
    "just",
    "shell",
    "procfile",
    "docker",
    "tox",
    "nox",
    "pre-commit",
    "readthedocs",
    "workflow",
    "ci-script",
    "compose",
    "lint-staged",
    "pixi",
)
#: ``[tool.X]`` tables ``taskrunners.read_pyproject`` reads commands from.
TASK_RUNNER_TOOLS: tuple[str, ...] = ("taskipy", "poe", "pdm", "rye", "hatch", "tox", "pixi")


class _LazyYaml(ModuleType):
    """``yaml``, imported on first attribute access: most projects have no YAML file the
    gate reads, and importing PyYAML costs a cold run ~8 ms."""

    def __getattr__(self, name: str) -> Any:
        import yaml as real

        return getattr(real, name)


if TYPE_CHECKING:
    import yaml as yaml  # re-exported: the other YAML readers import it from here
else:
    yaml = _LazyYaml("yaml")

#: file kind -> name patterns (matched against the file name, or the path when it has a /).
KINDS: dict[str, tuple[str, ...]] = {
    "make": ("Makefile", "makefile", "GNUmakefile", "*.mk"),
    "shell": ("*.sh", "*.bash"),
    "tox": ("tox.ini", "tox.toml"),  # tox.toml: tox 4's native format
    "pixi": ("pixi.toml",),  # its [tasks]
    "nox": ("noxfile.py",),
    "pre-commit": (".pre-commit-config.yaml", ".pre-commit-config.yml"),
    "workflow": (
        ".github/workflows/*.yml",
        ".github/workflows/*.yaml",
        ".github/actions/*/action.yml",
        ".github/actions/*/action.yaml",
        ".circleci/config.yml",
    ),
    "ci-script": (
        ".gitlab-ci.yml",
        "*.gitlab-ci.yml",
        ".travis.yml",
        "bitbucket-pipelines.yml",
        "azure-pipelines.yml",
        "appveyor.yml",
        ".appveyor.yml",
        "Taskfile.yml",
        "Taskfile.yaml",
        "cloudbuild.yaml",
        ".buildkite/*.yml",
    ),
    "procfile": ("Procfile", "Procfile.*"),
    "docker": ("Dockerfile", "Dockerfile.*", "*.Dockerfile", "*.dockerfile", "Containerfile"),
    "compose": ("docker-compose*.yml", "docker-compose*.yaml", "compose.yml", "compose.yaml"),
    "just": ("justfile", "Justfile", ".justfile", "*.just"),
    "lint-staged": (
        ".lintstagedrc",
        ".lintstagedrc.json",
        ".lintstagedrc.yaml",
        ".lintstagedrc.yml",
        ".lintstagedrc.js",
        ".lintstagedrc.mjs",
        ".lintstagedrc.cjs",
        "lint-staged.config.js",
        "lint-staged.config.mjs",
        "lint-staged.config.cjs",
        "package.json",  # its "lint-staged" key
    ),
    "readthedocs": (".readthedocs.yaml", ".readthedocs.yml", "readthedocs.yml"),
    "mkdocs": ("mkdocs.yml", "mkdocs.yaml", "mkdocs[-._]*.yml", "mkdocs[-._]*.yaml"),
    "zensical": ("zensical.toml", "zensical[-._]*.toml"),  # the mkdocs successor's config
    "sphinx": ("conf.py",),
    "cmake": ("CMakeLists.txt", "*.cmake"),
    "markdown": ("*.md",),
    "rst": ("*.rst",),
    "jupyter-book": ("_config.yml",),
}
#: Hidden directories that hold CI files; every other hidden directory is skipped.
_HIDDEN_KEPT = frozenset({".github", ".circleci", ".ci", ".buildkite", ".devcontainer", ".husky"})
#: Extensionless files in these directories are scripts when their shebang names a shell.
_SCRIPT_DIRS = frozenset({"scripts", "script", "bin", ".ci", "ci", "tools", "dev"})
_MAX_DEPTH = 8


@dataclass
class ToolFileSet:
    """The project's tool files by kind (relative POSIX paths, sorted)."""

    root: Path
    by_kind: dict[str, list[str]] = field(default_factory=dict)
    _texts: dict[str, str | None] = field(default_factory=dict, repr=False)

    def of(self, kind: str) -> list[str]:
        return self.by_kind.get(kind, [])

    def read(self, rel: str) -> str | None:
        """The file's text, read once per run (several readers look at the same files)."""
        if rel not in self._texts:
            try:
                self._texts[rel] = read_text(self.root / rel)
            except OSError:
                self._texts[rel] = None
        return self._texts[rel]


def _glob_test(pattern: str) -> Callable[[str], bool]:
    """A test for one name pattern: plain string methods for ``*.md`` and ``Procfile*``
    (most patterns), fnmatch for the rest; compiling every pattern into one regex cost a
    cold run ~5 ms."""
    inner = pattern[1:] if pattern.startswith("*") else pattern[:-1]
    if pattern.endswith("*") == pattern.startswith("*") or any(c in inner for c in "*?["):
        return lambda text: fnmatch.fnmatchcase(text, pattern)
    if pattern.startswith("*"):
        return lambda text: text.endswith(inner)
    return lambda text: text.startswith(inner)


def _index_kinds() -> tuple[
    dict[str, int], list[tuple[int, Callable[[str], bool]]], list[tuple[int, str]]
]:
    """Exact file names, name patterns and path patterns, each with its kind's position."""
    exact: dict[str, int] = {}
    name_globs: list[tuple[int, Callable[[str], bool]]] = []
    path_globs: list[tuple[int, str]] = []
    for i, patterns in enumerate(KINDS.values()):
        for pat in patterns:
            if "/" in pat:
                path_globs.append((i, pat))
            elif any(c in pat for c in "*?["):
                name_globs.append((i, _glob_test(pat)))
            else:
                exact.setdefault(pat, i)
    return exact, name_globs, path_globs


_EXACT, _NAME_GLOBS, _PATH_GLOBS = _index_kinds()
_KIND_NAMES = list(KINDS)


def _kind_of(rel: str, name: str) -> str | None:
    """The kind of the first ``KINDS`` entry whose pattern matches the file name, else the
    first whose pattern matches the path (the order in ``KINDS`` decides)."""
    first = _EXACT.get(name, len(_KIND_NAMES))
    for i, test in _NAME_GLOBS:
        if i >= first:
            break
        if test(name):
            return _KIND_NAMES[i]
    if first < len(_KIND_NAMES):
        return _KIND_NAMES[first]
    for i, pat in _PATH_GLOBS:
        if fnmatch.fnmatchcase(rel, pat):
            return _KIND_NAMES[i]
    return None


def _is_shell_script(path: str) -> bool:
    try:
        head = read_bytes(path).split(b"\n", 1)[0][:200] + b"\n"  # never blocks on a FIFO
    except OSError:
        return False
    return head.startswith(b"#!") and any(s in head for s in (b"sh\n", b"bash", b"/sh ", b"zsh"))


def _walk(root: str, rel_dir: str, depth: int) -> Iterator[tuple[str, str, str]]:
    try:
        entries = sorted(os.scandir(os.path.join(root, rel_dir) if rel_dir else root), key=str)
    except OSError:
        return
    for e in entries:
        rel = f"{rel_dir}/{e.name}" if rel_dir else e.name
        try:
            is_dir = e.is_dir(follow_symlinks=False)
        except OSError:
            continue
        if is_dir:
            skip = e.name in DEFAULT_EXCLUDES or (
                e.name.startswith(".") and e.name not in _HIDDEN_KEPT
            )
            if not skip and depth < _MAX_DEPTH and not os.path.exists(f"{e.path}/pyvenv.cfg"):
                yield from _walk(root, rel, depth + 1)
        else:
            yield rel, e.name, e.path


def find_tool_files(root: Path) -> ToolFileSet:
    """One walk of ``root``: every file whose name says it runs commands or builds docs."""
    found = ToolFileSet(root)
    for rel, name, path in _walk(str(root), "", 0):
        kind = _kind_of(rel, name)
        if kind is None and "." not in name:
            parent = rel.rsplit("/", 2)[-2] if "/" in rel else ""
            if parent in _SCRIPT_DIRS and _is_shell_script(path):
                kind = "shell"
            elif parent == ".husky":
                kind = "shell"  # a git hook husky runs (v9 hooks have no shebang)
        if kind is None and name.endswith((".yaml", ".yml")):
            kind = "yaml"  # any other YAML file: a config its values may name a package in
        if kind is not None:
            found.by_kind.setdefault(kind, []).append(rel)
    return found


# -- YAML --------------------------------------------------------------------------------


class YamlScalar(NamedTuple):
    """A string value in a YAML file, with the 1-based line its text starts on."""

    value: str
    line: int
    tag: str = ""


def yaml_nodes(text: str) -> list[yaml.Node]:
    """Every document's node tree. Composing never constructs objects, so custom tags
    (mkdocs' ``!!python/name:``, ``!ENV``) are harmless. Raises ``yaml.YAMLError``."""
    loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    docs = [n for n in yaml.compose_all(text, Loader=loader) if n is not None]
    for doc in docs:
        _drop_overridden_keys(doc)
    return docs


def _drop_overridden_keys(root: yaml.Node) -> None:
    """A key given twice in one mapping (mkdocs.yml's ``plugins:`` at two places): PyYAML,
    and so MkDocs, GitHub Actions and compose, keep the last value and discard the earlier
    ones, so every reader of the tree sees only the pair that counts."""
    stack, seen = [root], set()
    while stack:
        node = stack.pop()
        if id(node) in seen:  # an anchor's node is shared by its aliases
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            last = {
                (k.tag, k.value): i
                for i, (k, _) in enumerate(node.value)
                if isinstance(k, yaml.ScalarNode)
            }
            if len(last) < sum(isinstance(k, yaml.ScalarNode) for k, _ in node.value):
                node.value = [
                    (k, v)
                    for i, (k, v) in enumerate(node.value)
                    if not isinstance(k, yaml.ScalarNode) or last[(k.tag, k.value)] == i
                ]
            stack.extend(v for _, v in node.value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)


def scalar(node: yaml.Node | None) -> YamlScalar | None:
    if not isinstance(node, yaml.ScalarNode):
        return None
    block = 1 if node.style in ("|", ">") else 0
    return YamlScalar(str(node.value), node.start_mark.line + 1 + block, node.tag)


def yaml_get(node: yaml.Node | None, *keys: str) -> yaml.Node | None:
    """``node[k1][k2]...`` for mapping nodes, or None."""
    for key in keys:
        if not isinstance(node, yaml.MappingNode):
            return None
        # the last pair wins, as in PyYAML (a tree not from yaml_nodes may repeat a key)
        node = next((v for k, v in reversed(node.value) if getattr(k, "value", None) == key), None)
    return node


def yaml_scalars(node: yaml.Node | None) -> list[YamlScalar]:
    """The scalar itself, or the scalar items of a sequence."""
    if node is None:
        return []
    one = scalar(node)
    if one is not None:
        return [one]
    if isinstance(node, yaml.SequenceNode):
        return [s for s in map(scalar, node.value) if s is not None]
    return []


def yaml_walk(node: yaml.Node) -> Iterator[tuple[str, yaml.Node]]:
    """Every (key, value) pair of every mapping in the tree, depth first."""
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, yaml.MappingNode):
            for k, v in n.value:
                if isinstance(k, yaml.ScalarNode):
                    yield str(k.value), v
            stack.extend(reversed([v for _, v in n.value]))
        elif isinstance(n, yaml.SequenceNode):
            stack.extend(reversed(n.value))
