"""Requirements files in subfolders that CI, docs builds or task runners install from.

A reference is read where it is written (``pip install -r docs/requirements.txt``,
``requirements: docs/requirements.txt``) from the project root, and also from the folder
the command runs in: after ``cd DIR`` or ``pushd DIR`` earlier in the same command line or
workflow step (``popd`` returns), and in a workflow under the step's ``working-directory:``
or its job's (or workflow's) ``defaults: run: working-directory:``.
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Iterator
from pathlib import Path

from .lazyre import lazy_compile
from .safeio import read_text

__all__ = ["REFERENCING_FILES", "referenced_requirement_files"]

_REFERENCE = lazy_compile(
    r"(?:(?:^|[\s\"'])(?:-r|--requirement)\s*=?\s*|requirements\s*:\s*|\s-r)"
    r"[\"']?([\w./{}$-]*requirements[\w./-]*\.(?:txt|in))",
    re.M,
)
#: files where a requirements file's use is written down (CI, docs builds, task runners)
REFERENCING_FILES: tuple[str, ...] = (
    ".github/workflows/*.yml",
    ".github/workflows/*.yaml",
    ".readthedocs.yaml",
    ".readthedocs.yml",
    "readthedocs.yml",
    "tox.ini",
    "tox.toml",  # deps = ["-r requirements/test.txt"]
    "noxfile.py",
    "Makefile",
    "*.mk",
    "Dockerfile*",
    ".gitlab-ci.yml",
    "setup.py",
    "pyproject.toml",
    "justfile",
    "Justfile",
)
#: ``cd DIR`` / ``pushd DIR`` / ``popd`` as a simple command of a shell line
_CHDIR = lazy_compile(r"(?:^|&&|;|\|\||\(|\bthen\b|\bdo\b)\s*(cd|pushd|popd)\b[ \t]*([^\s;&|)]*)")
_WORKFLOW_DIR = ".github/workflows/"


def _join(cwd: str | None, target: str) -> str | None:
    """``target`` seen from ``cwd`` (relative to the root), or None when it cannot be known
    (an absolute path, a variable, ``~``, or one that leaves the project)."""
    if cwd is None or not target or target.startswith(("/", "~", "-")):
        return None
    if re.search(r"[$`{]", target):
        return None
    joined = posixpath.normpath(posixpath.join(cwd, target))
    return None if joined == ".." or joined.startswith("../") else joined


def script_references(script: str, cwd: str | None = ".") -> Iterator[str]:
    """Requirements files a shell script names, as paths from ``cwd`` (from the root; None:
    unknown): each after the ``cd``/``pushd``/``popd`` that precede it in the script."""
    stack: list[str | None] = []
    for line in script.splitlines():
        events = [(m.start(), "chdir", m) for m in _CHDIR.finditer(line)]
        events += [(m.start(1), "ref", m) for m in _REFERENCE.finditer(line)]
        for _, what, m in sorted(events, key=lambda e: e[0]):
            if what == "ref":
                found = _join(cwd, m.group(1))
                if found is not None:
                    yield found
            elif m.group(1) == "popd":
                cwd = stack.pop() if stack else None
            else:
                if m.group(1) == "pushd":
                    stack.append(cwd)
                cwd = _join(cwd, m.group(2)) if m.group(2) else None


def _workflow_steps(text: str) -> Iterator[tuple[str, str | None]]:
    """(run script, folder it runs in) of every step of a GitHub workflow."""
    from .toolfiles import scalar, yaml, yaml_get, yaml_nodes

    try:
        docs = yaml_nodes(text)
    except yaml.YAMLError:
        return
    stack: list[tuple[yaml.Node, str | None]] = [(doc, ".") for doc in docs]
    while stack:
        node, cwd = stack.pop()
        if isinstance(node, yaml.SequenceNode):
            stack.extend((item, cwd) for item in node.value)
            continue
        if not isinstance(node, yaml.MappingNode):
            continue
        default = scalar(yaml_get(node, "defaults", "run", "working-directory"))
        if default is not None:
            cwd = _join(cwd, default.value)
        own = scalar(yaml_get(node, "working-directory"))
        run = scalar(yaml_get(node, "run"))
        if run is not None:
            yield run.value, _join(cwd, own.value) if own is not None else cwd
        stack.extend((v, cwd) for k, v in node.value if getattr(k, "value", None) != "run")


def _references(rel: str, text: str) -> Iterator[str]:
    written = [m.group(1) for m in _REFERENCE.finditer(text)]  # as written, from the root
    yield from written
    if not written:
        # a step's script is a span of the file's text (a folded line break reads as the
        # whitespace the pattern allows), so without a reference in the text there is none
        # in any step: the YAML parser (~10 ms to import) is not needed
        return
    if rel.startswith(_WORKFLOW_DIR):
        for script, cwd in _workflow_steps(text):
            yield from script_references(script, cwd)
    else:  # a Makefile recipe line, a tox command: each line a shell of its own
        for line in text.splitlines():
            yield from script_references(line)


#: Dockerfile names (toolfiles' ``docker`` kind); read in any subfolder (a project's images
#: live in docker/NAME/Dockerfile, built from the root: text-generation-webui)
_DOCKERFILE = lazy_compile(r"^(?:Dockerfile(?:\..+)?|.+\.[Dd]ockerfile|Containerfile)$")
_MAX_DEPTH = 6


def nested_dockerfiles(root: Path) -> list[Path]:
    """Dockerfiles below the root's own, hidden and excluded folders skipped, and Python
    packages (a folder with ``__init__.py``): images are built from ``docker/``,
    ``deploy/``, ``examples/``..., and a package tree (torch's 2,000 files) is no place to
    walk for them on every run."""
    from .walk import DEFAULT_EXCLUDES

    found: list[Path] = []
    stack = [(str(root), 0)]
    while stack:
        folder, depth = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        if depth and any(e.name == "__init__.py" for e in entries):
            continue
        for e in entries:
            try:
                is_dir = e.is_dir(follow_symlinks=False)
            except OSError:
                continue
            if is_dir:
                skip = e.name.startswith(".") or e.name in DEFAULT_EXCLUDES
                if not skip and depth < _MAX_DEPTH:
                    stack.append((e.path, depth + 1))
            elif depth and _DOCKERFILE.match(e.name):
                found.append(Path(e.path))
    return sorted(found)


def referenced_requirement_files(root: Path) -> list[Path]:
    """Requirements files in subfolders that CI, docs builds or task runners install from."""
    found: list[Path] = []
    files = [f for pattern in REFERENCING_FILES for f in sorted(root.glob(pattern))]
    for f in [*files, *nested_dockerfiles(root)]:
        try:
            text = read_text(f)
        except OSError:
            continue
        for target in _references(f.relative_to(root).as_posix(), text):
            while target.startswith("./"):
                target = target[2:]
            p = root / target
            if "{" in target or "$" in target or ".." in target.split("/"):
                continue
            if p.is_file():
                found.append(p)
    return list(dict.fromkeys(found))
