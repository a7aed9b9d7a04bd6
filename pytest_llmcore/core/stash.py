"""Stash keys shared between capabilities (kept here so neither imports the other)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Protocol

import pytest

__all__ = ["BEFORE_VERDICTS", "INVALID_KEY", "METRIC_SINK_KEY", "MetricSink"]


class MetricSink(Protocol):
    """Where a test's measurements go (the budgets' ``llmcore_perf`` recorder)."""

    @property
    def samples(self) -> Mapping[str, object]: ...

    def record(self, metric: str, value: float) -> None: ...


#: The test's metric sink, set when it uses ``llmcore_perf``: other layers (the GPU
#: samplers) record into it without importing the budgets.
METRIC_SINK_KEY = pytest.StashKey[MetricSink]()
#: Reasons a test's timings are invalid (e.g. the GPU throttled): its time budgets fail.
INVALID_KEY = pytest.StashKey[list[str]]()

#: Callables run right after a test's call phase, before its budgets are judged: samplers
#: started by fixtures stop here and record what they measured (e.g. vram_peak).
BEFORE_VERDICTS = pytest.StashKey[list[Callable[[], None]]]()


def run_before_verdicts(item: pytest.Item) -> None:
    for fn in item.stash.get(BEFORE_VERDICTS, []):
        fn()
    item.stash[BEFORE_VERDICTS] = []


def before_verdicts(item: pytest.Item, fn: Callable[[], None]) -> None:
    item.stash.setdefault(BEFORE_VERDICTS, []).append(fn)
