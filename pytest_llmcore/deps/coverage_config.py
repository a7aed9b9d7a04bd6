"""coverage.py plugins: the modules a coverage configuration's ``plugins`` setting loads.

coverage.py imports each module named in ``[run] plugins`` (``.coveragerc``),
``[coverage:run] plugins`` (setup.cfg, tox.ini) or ``[tool.coverage.run] plugins``
(pyproject.toml) when it starts, so the distribution that provides one is used though no
source file imports it (``coverage_conditional_plugin``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .lazyre import lazy_compile
from .records import Evidence
from .runindex import matches_any
from .safeio import read_text

__all__ = ["coverage_plugin_evidence", "coverage_plugins"]

#: ini-style files and the sections of each that hold coverage's ``[run]`` settings (its own
#: file takes both spellings)
_INI_SECTIONS = (
    (".coveragerc", "run"),
    (".coveragerc", "coverage:run"),
    ("setup.cfg", "coverage:run"),
    ("tox.ini", "coverage:run"),
)
_MODULE = lazy_compile(r"^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*$")


def _line_of(text: str, name: str, header: str) -> int | None:
    """The 1-based line that names ``name`` after the section header ``header``."""
    start = text.find(header)
    if start < 0:
        return None
    m = re.compile(rf"(?<![\w.]){re.escape(name)}(?![\w.])").search(text, start)
    return text.count("\n", 0, m.start()) + 1 if m is not None else None


def _ini_plugins(root: Path) -> Iterable[tuple[str, str, int | None]]:
    for rel, section in _INI_SECTIONS:
        path = root / rel
        if not path.is_file():
            continue
        import configparser  # only for a project with one of these files (start-up time)

        parser = configparser.RawConfigParser(strict=False)
        try:
            text = read_text(path)
            parser.read_string(text, source=rel)
        except (configparser.Error, OSError, ValueError):
            continue  # a broken file: coverage reports it itself
        if not parser.has_option(section, "plugins"):
            continue
        # coverage's getlist: items separated by commas and newlines
        for item in re.split(r"[,\n]", parser.get(section, "plugins")):
            name = item.strip()
            if _MODULE.match(name):
                yield name, rel, _line_of(text, name, f"[{section}]")


def _toml_plugins(
    root: Path, pyproject: Mapping[str, Any] | None
) -> Iterable[tuple[str, str, int | None]]:
    tool = (pyproject or {}).get("tool")
    coverage = tool.get("coverage") if isinstance(tool, Mapping) else None
    run = coverage.get("run") if isinstance(coverage, Mapping) else None
    plugins = run.get("plugins") if isinstance(run, Mapping) else None
    if not isinstance(plugins, list):
        return
    try:
        text = read_text(root / "pyproject.toml")
    except (OSError, ValueError):
        text = ""
    for item in plugins:
        if isinstance(item, str) and _MODULE.match(item.strip()):
            name = item.strip()
            yield name, "pyproject.toml", _line_of(text, name, "[tool.coverage.run]")


def coverage_plugins(root: Path, pyproject: Mapping[str, Any] | None) -> dict[str, Evidence]:
    """Plugin module -> where the project's coverage configuration loads it."""
    out: dict[str, Evidence] = {}
    for name, rel, line in [*_toml_plugins(root, pyproject), *_ini_plugins(root)]:
        at = f"{rel}:{line}" if line else rel
        out.setdefault(name, Evidence(f"loaded by coverage.py as a plugin ({at})", rel, line))
    return out


def coverage_plugin_evidence(
    plugins: Mapping[str, Evidence], modules: Iterable[str]
) -> Evidence | None:
    """The evidence for the first configured plugin that one of ``modules`` provides."""
    provided = tuple(modules)
    return next((ev for m, ev in plugins.items() if matches_any(m, provided)), None)
