"""Uses of a dependency that are not imports: CLI tools in task files, pytest plugins, stubs."""

from __future__ import annotations

import importlib.metadata as md
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .model import Evidence, canonical_name

__all__ = [
    "ToolFiles",
    "config_evidence",
    "console_scripts",
    "is_pytest_plugin",
    "stub_target",
]

#: Files where command-line tools are run: their mention of a tool is a use.
TOOL_FILE_GLOBS: tuple[str, ...] = (
    "Makefile",
    "makefile",
    "GNUmakefile",
    "*.mk",
    "tox.ini",
    "noxfile.py",
    "justfile",
    ".pre-commit-config.yaml",
    ".github/workflows/*.yml",
    ".github/workflows/*.yaml",
    ".gitlab-ci.yml",
    "Taskfile.yml",
    ".ci/*",
    "scripts/*.sh",
    "Dockerfile",
)


#: Config files that only exist because a tool is used (key: distribution).
CONFIG_FILES: dict[str, tuple[str, ...]] = {
    "pytest": ("pytest.ini", "conftest.py", "tests/conftest.py"),
    "mypy": ("mypy.ini", ".mypy.ini"),
    "ruff": ("ruff.toml", ".ruff.toml"),
    "coverage": (".coveragerc",),
    "pytest-cov": (".coveragerc",),
    "pre-commit": (".pre-commit-config.yaml",),
    "tox": ("tox.ini",),
    "nox": ("noxfile.py",),
    "mkdocs": ("mkdocs.yml", "mkdocs.yaml"),
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


def config_evidence(root: Path, dist_key: str, tool_tables: set[str]) -> Evidence | None:
    """``[tool.mypy]`` in pyproject.toml, a mypy.ini, a ``[mypy]`` section: the tool is used."""
    names = {dist_key, dist_key.replace("-", "_")}
    for n in sorted(names & tool_tables):
        return Evidence(f"configured in pyproject.toml [tool.{n}]", "pyproject.toml")
    for rel in CONFIG_FILES.get(dist_key, ()):
        if (root / rel).is_file():
            return Evidence(f"configured by {rel}", rel)
    for cfg in ("setup.cfg", "tox.ini"):
        path = root / cfg
        sections = _CFG_SECTIONS.get(dist_key, ())
        if sections and path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
            for sec in sections:
                if sec in text:
                    return Evidence(f"configured in {cfg} {sec}", cfg)
    return None


@dataclass(frozen=True)
class _ToolText:
    rel: str
    lines: tuple[str, ...]


class ToolFiles:
    """The text of a project's task and CI files, searched for tool names."""

    def __init__(self, root: Path, extra_globs: Iterable[str] = ()) -> None:
        self.files: list[_ToolText] = []
        seen: set[Path] = set()
        for pattern in (*TOOL_FILE_GLOBS, *extra_globs):
            for p in sorted(root.glob(pattern)):
                if p in seen or not p.is_file():
                    continue
                seen.add(p)
                try:
                    text = p.read_text(encoding="utf-8", errors="replace")
                except OSError:
                    continue
                self.files.append(
                    _ToolText(p.relative_to(root).as_posix(), tuple(text.splitlines()))
                )

    def mentions(self, names: Iterable[str]) -> Evidence | None:
        """First place a tool (or ``python -m module``) is named as a word."""
        wanted = sorted({n for n in names if n}, key=len, reverse=True)
        if not wanted or not self.files:
            return None
        pat = re.compile(r"(?<![\w./-])(" + "|".join(map(re.escape, wanted)) + r")(?![\w/-]|\.py)")
        for f in self.files:
            for i, line in enumerate(f.lines, start=1):
                code = line.split("#", 1)[0] if not f.rel.endswith(".py") else line
                m = pat.search(code)
                if m:
                    return Evidence(f"run as `{m.group(1)}` in {f.rel}:{i}", f.rel, i)
        return None


def console_scripts(dist: str) -> tuple[str, ...]:
    """Console scripts an installed distribution provides (empty when not installed)."""
    try:
        eps = md.distribution(dist).entry_points
    except md.PackageNotFoundError:
        return ()
    return tuple(ep.name for ep in eps if ep.group in ("console_scripts", "gui_scripts"))


def is_pytest_plugin(dist: str) -> str | None:
    """How ``dist`` is known to be a pytest plugin, or None.

    Installed: its ``pytest11`` entry point. Not installed: the ``pytest-*`` naming convention.
    """
    try:
        eps = md.distribution(dist).entry_points
    except md.PackageNotFoundError:
        if canonical_name(dist).startswith("pytest-"):
            return "named pytest-*, not installed here"
        return None
    if any(ep.group == "pytest11" for ep in eps):
        return "pytest11 entry point"
    return None


def stub_target(dist: str) -> str | None:
    """``types-requests`` -> ``requests``; ``pandas-stubs`` -> ``pandas``."""
    key = canonical_name(dist)
    if key.startswith("types-"):
        return key[len("types-") :]
    if key.endswith("-stubs"):
        return key[: -len("-stubs")]
    return None
