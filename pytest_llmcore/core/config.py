"""``[tool.llmcore]`` from a pyproject.toml, read with tomlkit into plain Python values."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .errors import InputError

__all__ = ["load_tool_table", "plain"]


def plain(value: Any) -> Any:
    """tomlkit items -> dict/list/str/int/float/bool."""
    unwrap = getattr(value, "unwrap", None)
    return unwrap() if callable(unwrap) else value


def load_tool_table(pyproject: Path) -> dict[str, Any]:
    """The ``[tool.llmcore]`` table of ``pyproject`` ({} when absent).

    Raises :class:`InputError` naming file, line and column when the TOML is malformed.
    """
    if not pyproject.is_file():
        return {}
    from ..deps.declarations import load_toml

    doc = load_toml(pyproject)
    tool = doc.get("tool")
    table = tool.get("llmcore") if isinstance(tool, Mapping) else None
    if table is None:
        return {}
    value = plain(table)
    if not isinstance(value, dict):
        raise InputError("[tool.llmcore] must be a table", pyproject)
    return value
