"""``[tool.llmcore]`` from a pyproject.toml, read with tomlkit into plain Python values."""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import tomlkit
import tomlkit.exceptions

from .errors import InputError

__all__ = ["MAX_TOML_BYTES", "load_toml", "load_tool_table", "plain"]

#: No project file is this large; a bigger one is a mistake or hostile (read before parsing).
MAX_TOML_BYTES = 16 * 2**20


def _read_regular(path: Path) -> bytes:
    """The bytes of a regular file of sane size: never blocks on a FIFO or reads a device."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", path) from None
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fh.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise InputError("not a regular file", path, fix="give a TOML file")
        if st.st_size > MAX_TOML_BYTES:
            raise InputError(f"too large for a TOML file ({st.st_size} bytes)", path)
        return fh.read(MAX_TOML_BYTES + 1)


def load_toml(path: Path) -> tomlkit.TOMLDocument:
    """Parse a TOML file, turning any problem into an :class:`InputError` with line and column."""
    raw = _read_regular(path)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError("not UTF-8 text", path, line, fix="TOML files must be UTF-8") from exc
    try:
        return tomlkit.parse(text)
    except tomlkit.exceptions.ParseError as exc:
        msg = str(exc).split(" at line ")[0]
        if "'\\x00'" in msg:
            msg = "unexpected end of file"
        raise InputError(
            f"malformed TOML: {msg}",
            path,
            exc.line,
            exc.col,
            fix="fix the syntax; nothing was changed",
        ) from exc


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
    doc = load_toml(pyproject)
    tool = doc.get("tool")
    table = tool.get("llmcore") if isinstance(tool, Mapping) else None
    if table is None:
        return {}
    value = plain(table)
    if not isinstance(value, dict):
        raise InputError("[tool.llmcore] must be a table", pyproject)
    return value
