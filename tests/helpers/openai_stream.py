"""A stand-in ``openai.OpenAI`` client whose stream yields the chunks a test gives it."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any


def chunk(text: str | None = None, finish: str | None = None, usage: Any = None) -> Any:
    """One streamed chunk: content ``text`` (chat delta and completion text alike), or, with
    ``usage``, the final usage-only chunk (no choices), as ``include_usage`` asks for."""
    choices = (
        []
        if usage is not None
        else [SimpleNamespace(delta=SimpleNamespace(content=text), text=text, finish_reason=finish)]
    )
    return SimpleNamespace(choices=choices, usage=usage)


class StandIn:
    """An ``openai.OpenAI`` look-alike: ``requests`` keeps every create() call's arguments."""

    def __init__(self, chunks: list[Any]) -> None:
        self.chunks = chunks
        self.requests: list[dict[str, Any]] = []
        self.chat = SimpleNamespace(completions=SimpleNamespace(create=self.create))
        self.completions = SimpleNamespace(create=self.create)

    def create(self, **kwargs: Any) -> Iterator[Any]:
        self.requests.append(kwargs)
        return iter(self.chunks)
