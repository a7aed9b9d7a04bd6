"""Stash keys shared between capabilities (kept here so neither imports the other)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

__all__ = ["BEFORE_VERDICTS"]

#: Callables run right after a test's call phase, before its budgets are judged: samplers
#: started by fixtures stop here and record what they measured (e.g. vram_peak).
BEFORE_VERDICTS = pytest.StashKey[list[Callable[[], None]]]()


def run_before_verdicts(item: pytest.Item) -> None:
    for fn in item.stash.get(BEFORE_VERDICTS, []):
        fn()
    item.stash[BEFORE_VERDICTS] = []


def before_verdicts(item: pytest.Item, fn: Callable[[], None]) -> None:
    item.stash.setdefault(BEFORE_VERDICTS, []).append(fn)
