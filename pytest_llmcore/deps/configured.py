"""Facts from a project's configuration: tool config files and tables, type stubs,
console scripts, build-environment pins and version pins of transitive requirements."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .declarations_req import parse_requirement_name
from .installed import installed, installed_names
from .mapping import stubbed_distribution
from .records import Evidence, Memo, canonical_name
from .requires import required_name
from .safeio import read_text

__all__ = [
    "build_requirements",
    "config_evidence",
    "console_scripts",
    "declared_pins",
    "entry_points",
    "pinned_by",
    "stub_target",
]

#: Config files that only exist because a tool is used (key: distribution).
CONFIG_FILES: dict[str, tuple[str, ...]] = {
    "pytest": ("pytest.ini", "conftest.py", "tests/conftest.py"),
    "mypy": ("mypy.ini", ".mypy.ini"),
    "ruff": ("ruff.toml", ".ruff.toml"),
    "coverage": (".coveragerc",),
    "pre-commit": (".pre-commit-config.yaml",),
    "tox": ("tox.ini", "tox.toml"),
    "nox": ("noxfile.py",),
    "mkdocs": ("mkdocs.yml", "mkdocs.yaml"),
    "zensical": ("zensical.toml",),
    "sphinx": ("docs/conf.py", "doc/conf.py"),
    "flake8": (".flake8",),
    "pylint": (".pylintrc", "pylintrc"),
    "codespell": (".codespellrc",),
    "yamllint": (".yamllint", ".yamllint.yml"),
}
#: setup.cfg / tox.ini sections that configure a tool.
_CFG_SECTIONS: dict[str, tuple[str, ...]] = {
    "pytest": ("[tool:pytest]", "[pytest]"),
    "mypy": ("[mypy]",),
    "flake8": ("[flake8]",),
    "coverage": ("[coverage:run]", "[coverage:report]"),
    "isort": ("[isort]",),
}

#: ``[tool.<table>]`` names that differ from the distribution the table configures
#: (a table named like its distribution, or with ``_`` for ``-``, needs no row).
TOOL_TABLE_DISTS: dict[str, tuple[str, ...]] = {
    "poe": ("poethepoet",),
    "semantic_release": ("python-semantic-release",),
    "bumpversion": ("bump-my-version",),
    "importlinter": ("import-linter",),
    "tomlsort": ("toml-sort",),
    "pyright": ("basedpyright",),
}


def _table_names(dist_key: str) -> set[str]:
    """The ``[tool.X]`` names that configure ``dist_key``."""
    names = {dist_key, dist_key.replace("-", "_")}
    names.update(t for t, dists in TOOL_TABLE_DISTS.items() if dist_key in dists)
    return names


def config_evidence(root: Path, dist_key: str, tool_tables: set[str]) -> Evidence | None:
    """``[tool.mypy]`` in pyproject.toml, a mypy.ini, a ``[mypy]`` section: the tool is used."""
    names = _table_names(dist_key)
    for n in sorted(names & tool_tables):
        return Evidence(f"configured in pyproject.toml [tool.{n}]", "pyproject.toml")
    for rel in CONFIG_FILES.get(dist_key, ()):
        if (root / rel).is_file():
            return Evidence(f"configured by {rel}", rel)
    for cfg in ("setup.cfg", "tox.ini"):
        path = root / cfg
        sections = _CFG_SECTIONS.get(dist_key, ())
        if sections and path.is_file():
            try:
                text = read_text(path)
            except OSError:
                continue
            for sec in sections:
                if sec in text:
                    return Evidence(f"configured in {cfg} {sec}", cfg)
    return None


def is_installed(dist: str) -> bool:
    return canonical_name(dist) in installed_names()


@functools.cache
def entry_points(dist: str) -> tuple[tuple[str, str, str], ...]:
    """(group, name, value) of each entry point of an installed distribution (none when
    not installed)."""
    found = installed(dist)
    return found.entry_points() if found is not None else ()


def console_scripts(dist: str) -> tuple[str, ...]:
    """Console scripts an installed distribution provides (empty when not installed)."""
    return tuple(n for g, n, _ in entry_points(dist) if g in ("console_scripts", "gui_scripts"))


def stub_target(dist: str) -> str | None:
    """``types-requests`` -> ``requests``; ``pandas-stubs`` -> ``pandas``; a stub package
    named otherwise from its metadata or the built-in table (``trio-typing`` -> ``trio``)."""
    key = canonical_name(dist)
    named = stubbed_distribution(key, installed=False)
    if named is not None:  # the table first: sqlalchemy2-stubs types sqlalchemy
        return named
    if key.startswith("types-"):
        return key[len("types-") :]
    if key.endswith("-stubs"):
        return key[: -len("-stubs")]
    # metadata only for a name that may be a stub package's (a warm run reads none)
    maybe = re.search(r"typ|stub|annotation", key) is not None
    return stubbed_distribution(key, maybe and is_installed(key))


def build_requirements(data: Mapping[str, Any]) -> dict[str, Evidence]:
    """Entries that pin the build environment: ``[tool.uv] build-constraint-dependencies``
    and every entry of a dependency group that holds the ``[build-system]`` backend."""

    def names(items: Any) -> list[str]:
        if not isinstance(items, list):
            return []
        # the declarations' parser: plain names without importing packaging (~13 ms)
        found = (parse_requirement_name(str(item)) for item in items)
        return [canonical_name(name) for name in found if name]

    found: dict[str, Evidence] = {}
    uv = data.get("tool", {}).get("uv", {}) if isinstance(data.get("tool"), Mapping) else {}
    for name in names(uv.get("build-constraint-dependencies") if isinstance(uv, Mapping) else ()):
        found[name] = Evidence(
            "constrains the build environment ([tool.uv] build-constraint-dependencies)"
        )
    build_system = data.get("build-system")
    backend = set(names(build_system.get("requires")) if isinstance(build_system, Mapping) else ())
    groups = data.get("dependency-groups")
    for group, items in groups.items() if isinstance(groups, Mapping) else ():
        members = names(items)
        hit = sorted(backend & set(members))
        for name in members if hit else ():
            found.setdefault(
                name,
                Evidence(
                    f"build requirement: dependency group {group!r} holds the build "
                    f"backend {hit[0]} ([build-system] requires)"
                ),
            )
    return found


def declared_pins(memo: Memo, declared: Iterable[tuple[str, str]]) -> dict[str, str]:
    """:func:`pinned_by` of the declared distributions, ``(key, name)`` pairs (each key's last
    spelling, in the order keys first appear), through the run's environment memo: asked
    while workers scan (:mod:`.prepare`) and again by judging, which finds the answer."""
    dists = list(dict(declared).values())
    return memo("pinned-by", ",".join(dists), lambda: pinned_by(dists))


def pinned_by(declared: Iterable[str]) -> dict[str, str]:
    """Requirement -> the installed, declared distribution that requires it (one level)."""
    out: dict[str, str] = {}
    for dist in declared:
        key = canonical_name(dist)
        found = installed(dist)
        if found is None:
            continue
        for text in found.requires():
            name = required_name(text, evaluate_marker=False)
            if name is not None and canonical_name(name) != key:
                out.setdefault(canonical_name(name), dist)
    return out
