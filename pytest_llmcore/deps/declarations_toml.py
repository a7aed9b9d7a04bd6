"""Declarations in TOML: pyproject.toml (PEP 621, PEP 735, Poetry, PDM, uv, Hatch
environments, ``[tool.pixi]``) and pixi.toml, each entry with its line."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..core.config import (
    load_toml_data,
    parse_toml_data,
    parse_toml_document,
    read_toml_text,
    table_get,
)
from ..core.errors import InputError
from .declarations_conda_names import CONDA_NON_PYTHON
from .declarations_req import DeclaredSink, parse_requirement_name, parse_suppression
from .records import Declared, canonical_name

__all__ = ["PyprojectFacts", "load_toml_data", "read_pixi_toml", "read_pyproject"]


def _starts_key(line: str, key: str) -> bool:
    """Whether ``line`` assigns ``key`` (``key =``, ``"key" =``, a dotted ``key.sub =``)."""
    rest = line.lstrip()
    if rest[:1] in ("'", '"'):
        rest = rest[1:]
    if not rest.startswith(key):
        return False
    rest = rest[len(key) :]
    if rest[:1] in ("'", '"'):
        rest = rest[1:]
    return rest.lstrip()[:1] in ("=", ".")


def _value_ends(value: str) -> bool:
    """Whether the TOML value at the start of ``value`` ends on this line (strings skipped,
    brackets balanced; a comment may follow)."""
    if value.startswith(('"""', "'''")):
        return False  # a multi-line string
    depth, i, n = 0, 0, len(value)
    while i < n:
        c = value[i]
        if c == '"' or c == "'":
            j = i + 1
            while j < n and value[j] != c:
                j += 2 if c == '"' and value[j] == "\\" else 1
            if j >= n:
                return False
            i = j
        elif c in "[{":
            depth += 1
        elif c in "]}":
            depth -= 1
        elif c == "#":  # a comment: inside an open array, the value goes on
            break
        i += 1
    return depth == 0


def single_line_value(line: str, key: str) -> str | None:
    """The value text of ``key = value`` written whole on ``line`` (with any trailing
    comment, as tomlkit renders it), or None when the line holds another key or the value
    goes on past the line."""
    body = line.lstrip()
    for written in (key, f'"{key}"', f"'{key}'"):
        if body.startswith(written):
            rest = body[len(written) :].lstrip(" \t")
            if rest.startswith("="):
                value = rest[1:].strip()
                return value if value and _value_ends(value) else None
    return None


class _Locator:
    """Finds the line of a key or a string in a TOML file's text, section by section."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()

    @functools.cached_property
    def _headers(self) -> dict[str, int]:
        """Each table header's dotted name (quotes and spaces dropped) -> its first line;
        read once: a regex per lookup cost every cold run a few milliseconds."""
        found: dict[str, int] = {}
        for i, line in enumerate(self.lines):
            body = line.strip()
            if not body.startswith("["):
                continue
            body = body.split("#", 1)[0].rstrip() if "#" in body else body
            if not body.endswith("]"):
                continue
            inner = body[2:] if body.startswith("[[") else body[1:]
            inner = inner[:-2] if inner.endswith("]]") else inner[:-1]
            found.setdefault(".".join(p.strip().strip('"') for p in inner.split(".")), i)
        return found

    def _header(self, dotted: str) -> int | None:
        return self._headers.get(dotted)

    def _key(self, key: str, start: int) -> int | None:
        for i in range(start, len(self.lines)):
            if _starts_key(self.lines[i], key):
                return i
            if i > start and self.lines[i].lstrip().startswith("[") and "=" not in self.lines[i]:
                break
        return None

    def section_start(self, path: list[str]) -> int:
        for n in range(len(path), 0, -1):
            hdr = self._header(".".join(path[:n]))
            if hdr is None:
                continue
            pos = hdr
            for key in path[n:]:
                found = self._key(key, pos + 1)
                if found is None:
                    return pos
                pos = found
            return pos
        return 0

    def find(self, path: list[str], needle: str | None = None, key: str | None = None) -> int:
        """1-based line of ``needle`` (a quoted string) or ``key`` inside the section ``path``."""
        start = self.section_start(path)
        if key is not None:
            found = self._key(key, start + (0 if not path else 1))
            if found is not None:
                return found + 1
        if needle is not None:
            quoted = (f'"{needle}"', f"'{needle}'")
            for i in range(start, len(self.lines)):
                if any(q in self.lines[i] for q in quoted):
                    return i + 1
            for i in range(start, len(self.lines)):
                if needle in self.lines[i]:
                    return i + 1
        return start + 1

    def text(self, line: int) -> str:
        return self.lines[line - 1] if 0 < line <= len(self.lines) else ""


class PyprojectFacts:
    """What one TOML file declares, plus the project's name, scripts and Python range."""

    def __init__(self, path: Path, rel: str, out: DeclaredSink) -> None:
        self.path, self.rel, self.out = path, rel, out
        self.text = read_toml_text(path)
        self.doc = parse_toml_data(self.text, path)
        self.loc = _Locator(self.text)
        self._document: Any = None
        self.project_name: str | None = None
        self.requires_python: str | None = None
        self.scripts: dict[str, str] = {}

    def _bad(self, section: list[str], what: str, example: str) -> InputError:
        dotted = ".".join(section)
        return InputError(
            f"{dotted} must be {what}",
            self.path,
            self.loc.find(section[:-1], key=section[-1]),
            fix=f"write it as {example}",
        )

    def add_list(self, values: Any, section: list[str], dev: bool, tables: bool = False) -> None:
        """Each requirement string of an array; anything but an array is an input error."""
        if values is None:
            return
        ok = isinstance(values, list) and all(
            isinstance(v, str) or (tables and isinstance(v, Mapping)) for v in values
        )
        if not ok:
            raise self._bad(section, "an array of requirement strings", f'{section[-1]} = ["x>=1"]')
        for req in values:
            if not isinstance(req, str):
                continue
            req = str(req)
            dist = parse_requirement_name(req)
            if dist is None:
                self.out.notes.append(
                    f"{self.rel}: cannot read requirement {req!r} in {'.'.join(section)}"
                )
                continue
            line = self.loc.find(section, needle=req)
            self.out.declared.append(
                Declared(
                    dist,
                    req,
                    self.rel,
                    line,
                    ".".join(section),
                    dev,
                    suppress=parse_suppression(self.loc.text(line)),
                )
            )

    def _as_written(self, section: list[str], dist: str, spec: Any) -> str:
        """``spec`` as the file writes it (quotes, inline-table spacing, a trailing comment).

        A value on its key's line is that line's rest; tomlkit, which keeps how the file
        is written, parses the file (once; ~20 ms with its import) only for the others.
        """
        line = self.loc.text(self.loc.find(section, key=dist))
        fast = single_line_value(line, dist)
        return fast if fast is not None else self._as_written_by_tomlkit(section, dist, spec)

    def _as_written_by_tomlkit(self, section: list[str], dist: str, spec: Any) -> str:
        import tomlkit

        if self._document is None:
            self._document = parse_toml_document(self.text, self.path)
        node = table_get(self._document, *section, dist)
        return str(tomlkit.dumps({"x": spec if node is None else node}).split("=", 1)[1].strip())

    def add_table(self, table: Any, section: list[str], dev: bool, skip: frozenset[str]) -> None:
        """A ``name = spec`` table (Poetry, Pixi); ``skip`` holds names that are not packages."""
        if table is None:
            return
        if not isinstance(table, Mapping):
            raise self._bad(section, "a table of name = version", f"[{'.'.join(section)}]")
        for dist, spec in table.items():
            if canonical_name(str(dist)) in skip:
                continue
            line = self.loc.find(section, key=str(dist))
            text = f"{dist} = {self._as_written(section, str(dist), spec)}"
            sup = parse_suppression(self.loc.text(line))
            self.out.declared.append(
                Declared(str(dist), text, self.rel, line, ".".join(section), dev, suppress=sup)
            )

    def add_groups(self, groups: Any, section: list[str], dev: bool, tables: bool = False) -> None:
        """A table of named arrays (extras, dependency groups, PDM dev groups)."""
        if groups is None:
            return
        if not isinstance(groups, Mapping):
            raise self._bad(section, "a table of arrays", f'[{".".join(section)}] name = ["x"]')
        for name, values in groups.items():
            self.add_list(values, [*section, str(name)], dev, tables)
            for v in values if tables and isinstance(values, list) else []:
                if (
                    isinstance(v, Mapping)
                    and "include-group" in v
                    and v["include-group"] not in groups
                ):
                    self.out.notes.append(
                        f"{self.rel}: group {name!r} includes unknown group {v['include-group']!r}"
                    )


_NOT_PACKAGES = frozenset({"python"})


_PIXI_TABLES = {"dependencies": CONDA_NON_PYTHON, "pypi-dependencies": _NOT_PACKAGES}
_POETRY_TABLES = {"dependencies": _NOT_PACKAGES}


def _add_tables(
    facts: PyprojectFacts,
    body: Any,
    section: list[str],
    keys: Mapping[str, frozenset[str]],
    dev: bool,
) -> None:
    """The ``name = spec`` tables ``keys`` of ``body`` (each with its names that are not
    packages); ``body`` anything but a table declares nothing."""
    if isinstance(body, Mapping):
        for key, skip in keys.items():
            facts.add_table(body.get(key), [*section, key], dev, skip)


def _add_table_groups(
    facts: PyprojectFacts, groups: Any, section: list[str], keys: Mapping[str, frozenset[str]]
) -> None:
    """Named groups of such tables (Pixi features, Poetry groups): development only."""
    if isinstance(groups, Mapping):
        for name, body in groups.items():
            _add_tables(facts, body, [*section, str(name)], keys, True)


def _read_pixi(facts: PyprojectFacts, base: list[str], table: Any) -> None:
    """``[tool.pixi]`` / pixi.toml: conda and PyPI dependencies, features as development."""
    if isinstance(table, Mapping):
        _add_tables(facts, table, base, _PIXI_TABLES, False)
        _add_table_groups(facts, table.get("feature"), [*base, "feature"], _PIXI_TABLES)


def read_pixi_toml(path: Path, rel: str, out: DeclaredSink) -> None:
    facts = PyprojectFacts(path, rel, out)
    before = len(out.declared)
    _read_pixi(facts, [], facts.doc)
    if len(out.declared) > before:
        out.files.append(rel)


def _read_scripts(facts: PyprojectFacts) -> None:
    """The project's own entry points (its console scripts name modules it must ship)."""
    doc = facts.doc
    tables = [table_get(doc, "project", "scripts"), table_get(doc, "project", "gui-scripts")]
    tables.append(table_get(doc, "tool", "poetry", "scripts"))
    for scripts in tables:
        if isinstance(scripts, Mapping):
            for sname, target in scripts.items():
                if isinstance(target, str):
                    facts.scripts[str(sname)] = str(target)
    eps = table_get(doc, "project", "entry-points")
    if isinstance(eps, Mapping):
        for group, table in eps.items():
            if isinstance(table, Mapping):
                for ename, target in table.items():
                    if isinstance(target, str):
                        facts.scripts[f"{group}:{ename}"] = str(target)


def _read_tools(facts: PyprojectFacts) -> None:
    """Poetry, PDM, uv, Hatch environments and Pixi under ``[tool]``."""
    doc = facts.doc
    poetry = table_get(doc, "tool", "poetry")
    if isinstance(poetry, Mapping):
        base = ["tool", "poetry"]
        facts.add_table(poetry.get("dependencies"), [*base, "dependencies"], False, _NOT_PACKAGES)
        facts.add_table(
            poetry.get("dev-dependencies"), [*base, "dev-dependencies"], True, _NOT_PACKAGES
        )
        _add_table_groups(facts, poetry.get("group"), [*base, "group"], _POETRY_TABLES)
        py = table_get(poetry, "dependencies", "python")
        if isinstance(py, str) and facts.requires_python is None:
            facts.requires_python = re.sub(r"^[\^~]=?", ">=", py.strip())
    facts.add_groups(
        table_get(doc, "tool", "pdm", "dev-dependencies"), ["tool", "pdm", "dev-dependencies"], True
    )
    facts.add_list(
        table_get(doc, "tool", "uv", "dev-dependencies"), ["tool", "uv", "dev-dependencies"], True
    )
    envs = table_get(doc, "tool", "hatch", "envs")
    if isinstance(envs, Mapping):
        for env, body in envs.items():
            if isinstance(body, Mapping):
                for key in ("dependencies", "extra-dependencies"):
                    facts.add_list(body.get(key), ["tool", "hatch", "envs", str(env), key], True)
    _read_pixi(facts, ["tool", "pixi"], table_get(doc, "tool", "pixi"))


def read_pyproject(path: Path, rel: str, out: DeclaredSink) -> PyprojectFacts:
    """Every declaration in a pyproject.toml; raises :class:`InputError` for malformed ones."""
    facts = PyprojectFacts(path, rel, out)
    doc = facts.doc
    name = table_get(doc, "project", "name") or table_get(doc, "tool", "poetry", "name")
    if isinstance(name, str):
        facts.project_name = canonical_name(name)
    rp = table_get(doc, "project", "requires-python")
    if isinstance(rp, str):
        facts.requires_python = str(rp)
    before = len(out.declared)
    facts.add_list(table_get(doc, "project", "dependencies"), ["project", "dependencies"], False)
    facts.add_groups(
        table_get(doc, "project", "optional-dependencies"),
        ["project", "optional-dependencies"],
        False,
    )
    facts.add_groups(table_get(doc, "dependency-groups"), ["dependency-groups"], True, tables=True)
    _read_tools(facts)
    _read_scripts(facts)
    if len(out.declared) > before:
        out.files.append(rel)
    return facts


def is_project_pyproject(path: Path) -> bool:
    """Does this pyproject.toml define a project (not only ``[tool.*]`` settings)?"""
    try:
        doc = load_toml_data(path)  # a regular file of bounded size only
    except InputError:
        return True  # unreadable: treat as a project, the safe side for scanning
    return any(k != "tool" for k in doc) or isinstance(table_get(doc, "tool", "poetry"), Mapping)
