"""``[tool.llmcore]`` from a pyproject.toml, read into plain Python values.

Reading goes through :mod:`tomllib` on Python 3.11+ (it imports and parses several times
faster than tomlkit, which is start-up time of every ``llmcore`` run); tomlkit parses where
tomllib is missing (3.10), where a file is edited, and words every error, so a malformed
file gets the same message on every Python.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import InputError

if TYPE_CHECKING:
    import tomlkit

__all__ = [
    "MAX_TOML_BYTES",
    "load_toml",
    "load_toml_data",
    "load_tool_table",
    "parse_toml_data",
    "parse_toml_document",
    "plain",
    "read_toml_text",
    "string_list",
    "table_get",
]

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


def read_toml_text(path: Path) -> str:
    """The text of a TOML file: a regular file of sane size, UTF-8, else an :class:`InputError`."""
    raw = _read_regular(path)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError("not UTF-8 text", path, line, fix="TOML files must be UTF-8") from exc


def load_toml(path: Path) -> tomlkit.TOMLDocument:
    """Parse a TOML file, turning any problem into an :class:`InputError` with line and column."""
    return parse_toml_document(read_toml_text(path), path)


def parse_toml_data(text: str, path: Path) -> dict[str, Any]:
    """``text`` (the TOML file ``path``) as plain Python values; errors as :func:`load_toml`'s."""
    if sys.version_info >= (3, 11):
        import tomllib

        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError:
            pass  # tomlkit words the error (and decides, as it always did)
    data: dict[str, Any] = plain(parse_toml_document(text, path))
    return data


def load_toml_data(path: Path) -> dict[str, Any]:
    """A TOML file as plain Python values (no formatting kept: for reading only)."""
    return parse_toml_data(read_toml_text(path), path)


def parse_toml_document(text: str, path: Path) -> tomlkit.TOMLDocument:
    """``text`` parsed by tomlkit (formatting kept, for editing); errors name ``path``."""
    import tomlkit
    import tomlkit.exceptions

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
    doc = load_toml_data(pyproject)
    tool = doc.get("tool")
    table = tool.get("llmcore") if isinstance(tool, Mapping) else None
    if table is None:
        return {}
    value = plain(table)
    if not isinstance(value, dict):
        raise InputError("[tool.llmcore] must be a table", pyproject)
    return value


def table_get(doc: Any, *path: str) -> Any:
    """``doc[path[0]][path[1]]...`` of parsed TOML, or None where a key is missing or a
    value on the way is no table."""
    cur = doc
    for p in path:
        if not isinstance(cur, Mapping) or p not in cur:
            return None
        cur = cur[p]
    return cur


def string_list(value: Any) -> list[str]:
    """A TOML value that is a string or a list of strings, as a list (other items and
    other values ignored)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value if isinstance(v, str)]
    return []
