"""GitHub Actions workflow commands (``::error file=..::message``), escaped in one place.

The runner splits a command line at ``::`` and property lists at ``,``; a raw newline ends
the command and may start another (``::stop-commands::``). The escapes are the runner's own
(actions/toolkit ``escapeData`` / ``escapeProperty``).
"""

from __future__ import annotations

__all__ = ["escape_data", "escape_property", "workflow_command"]


def escape_data(text: str) -> str:
    """Escape a command's message."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a property value (``file=``, ``title=``)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def workflow_command(
    command: str,
    message: str,
    *,
    file: str | None = None,
    line: int | None = None,
    title: str | None = None,
) -> str:
    """One escaped line, e.g. ``::error file=a.py,line=3,title=x::message``."""
    props: list[str] = []
    if file is not None:
        props.append(f"file={escape_property(file)}")
    if line is not None:
        props.append(f"line={int(line)}")
    if title is not None:
        props.append(f"title={escape_property(title)}")
    head = f"::{command} {','.join(props)}" if props else f"::{command}"
    return f"{head}::{escape_data(message)}"
