"""Which files the project's type checker checks: type stubs are used only there.

``types-requests`` is used when mypy checks a file that imports requests. mypy's scope
comes from ``[tool.mypy]`` (or mypy.ini / setup.cfg ``[mypy]``) ``files``, ``packages``
and ``exclude``, else from the paths the project passes to ``mypy`` on its command lines.
When the scope cannot be known (pyright is configured too, or mypy is neither configured
with paths nor run anywhere), every file counts, as before.
"""

from __future__ import annotations

import configparser
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from .invocations import Invocation
from .records import Evidence
from .safeio import read_text

__all__ = ["CheckedScope", "StubSite", "mypy_scope", "stub_evidence"]

#: mypy options that take a value (the value is not a path to check).
_VALUE_OPTIONS = frozenset(
    {
        "--config-file",
        "--python-version",
        "--platform",
        "--cache-dir",
        "--junit-xml",
        "--html-report",
        "--txt-report",
        "--xml-report",
        "--linecount-report",
        "--any-exprs-report",
        "--cobertura-xml-report",
        "--custom-typeshed-dir",
        "--python-executable",
        "--always-true",
        "--always-false",
        "--enable-error-code",
        "--disable-error-code",
        "--shadow-file",
        "-c",
        "--command",
    }
)


@dataclass(frozen=True)
class CheckedScope:
    """Paths mypy checks (empty: the whole project) minus its ``exclude`` patterns."""

    paths: tuple[str, ...]
    excludes: tuple[re.Pattern[str], ...]
    source: str

    def checks(self, rel: str) -> bool:
        if any(x.search(rel) for x in self.excludes):
            return False
        if not self.paths:
            return True
        return any(_under(rel, p) for p in self.paths)


def _under(rel: str, path: str) -> bool:
    """Is ``rel`` checked when mypy is given ``path``? A glob (``pkg/*.py``) counts from its
    directory down: mypy follows the imports of the files it checks into their package."""
    glob = re.search(r"[*?\[]", path)
    if glob is not None:
        head = path[: glob.start()]
        path = head.rsplit("/", 1)[0] if "/" in head else ""
    path = path.removeprefix("./").rstrip("/")
    return path in ("", ".") or rel == path or rel.startswith(path + "/")


def _as_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [v.strip() for v in re.split(r"[,\n]", value) if v.strip()]
    if isinstance(value, list):
        return [str(v) for v in value]
    return []


def _config(root: Path, pyproject: Mapping[str, Any]) -> tuple[dict[str, Any], str] | None:
    tool = pyproject.get("tool")
    table = tool.get("mypy") if isinstance(tool, Mapping) else None
    if isinstance(table, Mapping):
        return dict(table), "[tool.mypy]"
    for name, section in (("mypy.ini", "mypy"), (".mypy.ini", "mypy"), ("setup.cfg", "mypy")):
        path = root / name
        if not path.is_file():
            continue
        parser = configparser.RawConfigParser(strict=False)
        try:
            parser.read_string(read_text(path))
        except (configparser.Error, OSError):
            continue
        if parser.has_section(section):
            return dict(parser.items(section)), f"{name} [{section}]"
    return None


def _compile(patterns: Iterable[str]) -> tuple[re.Pattern[str], ...]:
    out = []
    for p in patterns:
        try:
            out.append(re.compile(p))
        except re.error:
            continue  # mypy would reject it too; not ours to report
    return tuple(out)


def _from_invocations(invocations: Iterable[Invocation]) -> tuple[list[str], list[str], bool]:
    """Paths and ``--exclude`` patterns of every ``mypy`` command line; whether one ran."""
    paths: list[str] = []
    excludes: list[str] = []
    ran = False
    for inv in invocations:
        run = inv.run
        if run.command == "dmypy":
            return [], [], False  # daemon subcommands: its scope is not on the line
        if run.command != "mypy" and (run.module or "") != "mypy":
            continue
        ran = True
        words = list(run.args)
        i = 0
        while i < len(words):
            w = words[i]
            if w in ("-p", "--package", "-m", "--module") and i + 1 < len(words):
                paths.append(words[i + 1].replace(".", "/"))
                i += 2
            elif w == "--exclude" and i + 1 < len(words):
                excludes.append(words[i + 1])
                i += 2
            elif w in _VALUE_OPTIONS:
                i += 2
            elif w.startswith("-"):
                i += 1
            else:
                paths.append(w.removeprefix("./"))
                i += 1
    return paths, excludes, ran


def mypy_scope(
    root: Path, pyproject: Mapping[str, Any], invocations: Iterable[Invocation]
) -> CheckedScope | None:
    """What mypy checks, or None when that cannot be known."""
    tool = pyproject.get("tool")
    if (isinstance(tool, Mapping) and ("pyright" in tool or "basedpyright" in tool)) or (
        root / "pyrightconfig.json"
    ).is_file():
        return None  # another checker with its own scope also reads the stubs
    config = _config(root, pyproject)
    run_paths, run_excludes, ran = _from_invocations(invocations)
    if config is None and not ran:
        return None
    table, where = config or ({}, "")
    paths = _as_list(table.get("files")) + [
        p.replace(".", "/") for p in _as_list(table.get("packages"))
    ]
    source = where
    if not paths:
        paths, source = run_paths, "the mypy command lines"
    if any(p.startswith("__var__") or "$" in p or "{" in p for p in paths):
        return None  # a path from a variable we could not resolve
    exclude = table.get("exclude")  # one regex (may span lines), or a TOML list of them
    excludes = [str(x) for x in exclude] if isinstance(exclude, list) else []
    if isinstance(exclude, str) and exclude.strip():
        excludes.append(exclude.strip())
    excludes += run_excludes
    if not paths and not excludes:
        return None  # mypy checks everything it is given: nothing to narrow
    return CheckedScope(tuple(paths), _compile(excludes), source or "mypy")


class StubSite(NamedTuple):
    """An import of what a stub distribution types: the root's own, or a member's."""

    module: str
    file: str
    line: int | None = None
    member: str | None = None
    """The workspace member that imports it (None: the root's own code)."""


def _at(site: StubSite) -> str:
    return f"{site.file}:{site.line}" if site.line else site.file


def stub_evidence(
    target: str, sites: list[StubSite], scope: CheckedScope | None
) -> tuple[Evidence | None, Evidence | None]:
    """(evidence that stubs for ``target`` are used, else why not) from the imports of
    ``target`` (the root's first): used where mypy checks one, or anywhere when its scope
    is unknown. A member's import counts the same: ``uv run mypy lib/`` at a workspace
    root checks its members with the root's dev group installed."""
    if scope is None:
        s = sites[0]
        if s.member is None:
            return Evidence(f"type stubs for {target}, imported as {s.module}"), None
        text = f"type stubs for {target}, imported as {s.module} by workspace member {s.member}"
        return Evidence(f"{text} at {_at(s)}", s.file, s.line), None
    for s in sites:
        if scope.checks(s.file):
            text = f"type stubs for {target}, imported as {s.module} in {_at(s)}"
            text += f", which mypy checks ({scope.source})"
            if s.member is None:
                return Evidence(text), None
            return Evidence(f"{text}; workspace member {s.member}", s.file, s.line), None
    files = sorted({s.file for s in sites})
    return None, Evidence(
        f"type stubs for {target}, which is imported only where mypy does not check "
        f"({', '.join(files[:3])}; scope from {scope.source})"
    )
