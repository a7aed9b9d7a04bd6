"""Who requires whom, from the project's lock files: uv.lock, poetry.lock, pdm.lock, and
the ``# via`` annotations of compiled requirements files (pip-compile, uv pip compile).

A declared dependency nothing imports, that another declared dependency requires (directly
or through others), is a version pin of that requirement (fastapi's ``fastar>=0.9.0``,
which fastapi-cloud-cli requires). Installed metadata answers this when the dependencies
are installed; the lock file answers it in a CI job where they are not.

The three formats are read line by line, not with a TOML parser: lock files run to
megabytes (fastapi's uv.lock is 0.8 MB, seconds for tomlkit), and only the package names
and their unconditional requirements are needed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from .invocation import Invocation, script_invocations
from .lazyre import lazy_compile
from .records import canonical_name
from .safeio import read_bounded

__all__ = [
    "LOCK_FILES",
    "Requirers",
    "compiled_graph",
    "lock_graph",
    "lock_header_invocations",
    "lock_requirers",
]

#: Lock files read; the requirements of every one present are merged.
LOCK_FILES = ("uv.lock", "poetry.lock", "pdm.lock")
#: A lock file is read up to this size (pathological inputs stay bounded).
_MAX_LOCK = 50_000_000

_HEADER = lazy_compile(r"^\[\[?\s*([A-Za-z0-9_.-]+)\s*\]?\]\s*$")
_NAME = lazy_compile(r'^name\s*=\s*"([^"]+)"')
_INLINE_NAME = lazy_compile(r'\{\s*name\s*=\s*"([^"]+)"')
_POETRY_DEP = lazy_compile(r'^"?([A-Za-z0-9][A-Za-z0-9._-]*)"?\s*=\s*(.*)$')
_STRING = lazy_compile(r'"((?:[^"\\]|\\.)*)"')
_EXTRA_HEAD = lazy_compile(r'^"?([A-Za-z0-9][A-Za-z0-9._-]*)"?\s*=\s*(.*)$')
_REQ_HEAD = lazy_compile(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[([^\]]*)\])?")
#: ``name==1.0`` (or ``name[extra]==1.0 ; marker``) at the start of a compiled file's line
_PINNED_LINE = lazy_compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*(?:[=<>~!@;]|$)")
_VIA = lazy_compile(r"^\s+#\s+via\b(.*)$")
_INLINE_VIA = lazy_compile(r"\s#\s+via\s+(.*)$")
_VIA_MORE = lazy_compile(r"^\s+#\s{2,}(\S.*)$")


class Requirers(dict[str, list[str]]):
    """Requirement -> declared requirers (:func:`lock_requirers`), with the merged
    ``graph`` (package -> what it requires) they were found in: the chain from a used
    requirer to a pin is told from it (:mod:`.pin_chains`)."""

    def __init__(self, found: Mapping[str, list[str]], graph: Mapping[str, set[str]]) -> None:
        super().__init__(found)
        self.graph: Mapping[str, set[str]] = graph


def compiled_graph(text: str) -> dict[str, set[str]]:
    """Requirer -> the packages it requires, from the ``# via`` annotations of a compiled
    requirements file: ``pkg==1.0`` then ``    # via litellm`` (or ``# via a, b``) or
    ``    # via`` followed by ``    #   litellm`` lines. ``-r file``/``-c file`` and
    ``name (pyproject.toml)`` entries name the project's own files, not a requirer."""
    graph: dict[str, set[str]] = {}
    current: str | None = None
    in_via = False
    for raw in text.splitlines():
        if raw[:1] not in ("", " ", "\t"):  # a package line, or a comment of the file's own
            head = _PINNED_LINE.match(raw)
            current = canonical_name(head.group(1)) if head is not None else None
            inline = _INLINE_VIA.search(raw) if current is not None else None
            if inline is not None:  # --annotation-style=line
                _add_requirers(graph, current, inline.group(1))
            in_via = False
            continue
        via = _VIA.match(raw)
        more = _VIA_MORE.match(raw) if via is None and in_via else None
        in_via = current is not None and (via is not None or more is not None)
        if not in_via:
            continue  # a hash continuation, a blank line, another comment
        words = via.group(1) if via is not None else more.group(1) if more is not None else ""
        _add_requirers(graph, current, words)
    return graph


def _add_requirers(graph: dict[str, set[str]], package: str | None, words: str) -> None:
    """``a, b`` of a ``# via`` line require ``package``; ``-r file`` and ``x (file)`` do not
    name a package."""
    for word in words.split(","):
        name = word.strip()
        if package is not None and re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", name):
            graph.setdefault(canonical_name(name), set()).add(package)


def lock_graph(name: str, text: str) -> dict[str, set[str]]:
    """Package -> the packages it requires, from a lock file named ``name`` (``uv.lock``,
    ``poetry.lock`` or ``pdm.lock``). An extra is a node of its own, ``pkg[extra]``, that
    requires ``pkg`` and what the extra adds; a requirement only an extra asks for is
    never one of ``pkg``'s."""
    graph: dict[str, set[str]] = {}
    current: str | None = None
    base = ""
    extra_node: str | None = None
    section = ""
    in_list = False
    for raw in text.splitlines():
        line = raw.strip()
        header = _HEADER.match(line)
        if header is not None:
            section, in_list, extra_node = header.group(1), False, None
            if line.startswith("[[") and section == "package":
                current = None
            continue
        if section == "package" and current is None:
            named = _NAME.match(line)
            if named is not None:
                current = base = canonical_name(named.group(1))
                graph.setdefault(current, set())
            continue
        if current is None:
            continue
        if section in ("package.extras", "package.optional-dependencies"):
            head = _EXTRA_HEAD.match(line)
            if head is not None:  # ``standard = [`` opens one extra's list
                extra_node = f"{base}[{canonical_name(head.group(1))}]"
                graph.setdefault(extra_node, set()).add(base)
                line = head.group(2)
            if extra_node is not None:
                _list_items(name, line, graph[extra_node])
            continue
        if name == "poetry.lock":
            if section == "package.dependencies":
                _poetry_dependency(line, graph[current])
            continue
        if section != "package":
            continue
        if name == "pdm.lock" and line.startswith("extras") and "=" in line:
            # pdm writes a package with extras as a block of its own
            extras = [canonical_name(e) for e in _STRING.findall(line)]
            if extras:
                current = f"{base}[{extras[0]}]"
                graph.setdefault(current, set()).add(base)
                for extra in extras[1:]:
                    graph.setdefault(f"{base}[{extra}]", set()).add(current)
            continue
        if line.startswith("dependencies") and "=" in line:
            in_list = True
            line = line.split("=", 1)[1]
        if in_list:
            _list_items(name, line, graph[current])
            if line.rstrip().endswith("]"):
                in_list = False
    return graph


def _poetry_dependency(line: str, into: set[str]) -> None:
    """``griffe = ">=0.30"``; ``foo = {version = "*", optional = true}`` needs an extra."""
    m = _POETRY_DEP.match(line)
    if m is None or re.search(r"\boptional\s*=\s*true\b", m.group(2)):
        return
    into.add(canonical_name(m.group(1)))


def _list_items(name: str, line: str, into: set[str]) -> None:
    """Items of a ``dependencies = [...]`` list: uv's ``{ name = "x" }`` tables (one with
    ``extra = [...]`` of another package still needs that package), pdm's requirement
    strings (one whose marker asks for an extra does not count)."""
    if name == "uv.lock":
        for item in re.findall(r"\{[^}]*\}", line):
            named = _INLINE_NAME.search(item)
            if named is None:
                continue
            dep = canonical_name(named.group(1))
            into.add(dep)
            extras = re.search(r"\bextras?\s*=\s*\[([^\]]*)\]", item)
            for extra in _STRING.findall(extras.group(1)) if extras else ():
                into.add(f"{dep}[{canonical_name(extra)}]")
        return
    for req in _STRING.findall(line):
        spec, _, marker = req.partition(";")
        named = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", spec)
        if named is not None and "extra" not in marker:
            into.add(canonical_name(named.group(1)))


def lock_requirers(root: Path, declared: Iterable[tuple[str, str]]) -> Requirers:
    """Requirement -> the declared distributions (as written) that require it, directly or
    through other packages, per the project's lock file; nearest requirer first.
    ``declared``: (name, requirement text) pairs; the extras a requirement asks for
    (``fastapi-cli[standard]``) count."""
    graph: dict[str, set[str]] = {}
    for name in LOCK_FILES:  # a project may keep two (textual: uv.lock and poetry.lock)
        raw = read_bounded(root / name, _MAX_LOCK)
        if isinstance(raw, bytes):
            for node, reqs in lock_graph(name, raw.decode("utf-8", "replace")).items():
                graph.setdefault(node, set()).update(reqs)
    for node, reqs in _compiled_requirements(root).items():
        graph.setdefault(node, set()).update(reqs)
    return Requirers(_requirers(graph, declared) if graph else {}, graph)


def _compiled_requirements(root: Path) -> dict[str, set[str]]:
    """The merged ``# via`` graphs of the project's compiled requirements files."""
    from .declarations_req import is_lockfile, referenced_requirement_files, requirement_files

    graph: dict[str, set[str]] = {}
    for path in dict.fromkeys([*requirement_files(root), *referenced_requirement_files(root)]):
        raw = read_bounded(path, _MAX_LOCK)
        if not isinstance(raw, bytes) or path.suffix != ".txt":
            continue
        text = raw.decode("utf-8", "replace")
        if is_lockfile(path, text):
            for node, reqs in compiled_graph(text).items():
                graph.setdefault(node, set()).update(reqs)
    return graph


def _requirers(
    graph: Mapping[str, set[str]], declared: Iterable[tuple[str, str]]
) -> dict[str, list[str]]:
    """Breadth first from each declared distribution (and its extras): requirements by
    distance."""
    found: dict[str, dict[str, int]] = {}
    for dist, requirement in declared:
        key = canonical_name(dist)
        head = _REQ_HEAD.match(requirement)
        extras = head.group(2) if head is not None and head.group(2) else ""
        starts = [key] + [f"{key}[{canonical_name(e)}]" for e in extras.split(",") if e.strip()]
        depth = dict.fromkeys(starts, 0)
        frontier = list(starts)
        while frontier:
            nxt = []
            for node in frontier:
                for req in graph.get(node, ()):
                    if req not in depth:
                        depth[req] = depth[node] + 1
                        nxt.append(req)
            frontier = nxt
        for req, d in depth.items():
            if "[" not in req and req != key:
                by = found.setdefault(req, {})
                by[dist] = min(d, by.get(dist, d))
    return {req: sorted(by, key=lambda n: (by[n], n)) for req, by in found.items()}


#: the regeneration command a compiled file's header names (``#    pip-compile --output-file
#: =requirements/dev.txt requirements/dev.in``, ``#    uv pip compile ...``, ``uv export``)
_REGENERATE = lazy_compile(
    r"^#\s+((?:pip-compile|uv\s+pip\s+compile|uv\s+export|poetry\s+export|pdm\s+export)\b.*)$"
)
#: a header is the comment lines at the top of the file; this many at most are read
_HEADER_LINES = 30


def lock_header_invocations(root: Path) -> list[Invocation]:
    """The tool that regenerates each compiled requirements file, run by the command its
    header records (the file:line of that command): the documented way to update it."""
    from .declarations_req import is_lockfile, requirement_files

    out: list[Invocation] = []
    for path in requirement_files(root):
        raw = read_bounded(path, _MAX_LOCK)
        if not isinstance(raw, bytes) or path.suffix != ".txt":
            continue
        text = raw[:8192].decode("utf-8", "replace")
        if not is_lockfile(path, text):
            continue
        rel = path.relative_to(root).as_posix()
        for i, line in enumerate(text.splitlines()[:_HEADER_LINES], start=1):
            if not line.startswith("#"):
                break  # the header ends at the first requirement
            m = _REGENERATE.match(line)
            if m is not None:
                out += script_invocations(m.group(1), rel, i)
                break
    return out
