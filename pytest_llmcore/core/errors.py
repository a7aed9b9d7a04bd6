"""Errors that carry a message meant for the user, never a traceback."""

from __future__ import annotations

from pathlib import Path


class LlmcoreError(Exception):
    """An error with a one-line, user-facing message."""


class InputError(LlmcoreError):
    """Bad user input (a malformed file, a bad option), located as precisely as possible."""

    def __init__(
        self,
        message: str,
        path: Path | str | None = None,
        line: int | None = None,
        column: int | None = None,
        fix: str | None = None,
    ) -> None:
        self.path = None if path is None else str(path)
        self.line = line
        self.column = column
        self.fix = fix
        self.reason = message
        super().__init__(self.render())

    def render(self) -> str:
        where = ""
        if self.path is not None:
            where = self.path
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
            where += ": "
        text = f"{where}{self.reason}"
        if self.fix:
            text += f" ({self.fix})"
        return text
