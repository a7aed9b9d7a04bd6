"""``llmcore_perf``: the fixture tests use to time work and record metrics."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from .clocks import make_timer
from .metrics import BUILTIN_REGISTRY, MetricRegistry, UnitError, parse_value
from .stats import NOISY_CV, Stats, summarize

__all__ = ["PerfRecorder", "SampleError"]


class SampleError(UnitError):
    """A sample that is not data (NaN, infinite, negative): the test fails with this line."""


class PerfRecorder:
    """Collects samples per metric for one test.

    ``measure`` times a callable (warm-up calls are not recorded); ``timer`` times a block
    each time it is entered; ``record`` takes values measured elsewhere (an engine's own
    counters, KV bytes from a log line). Metric names are those of ``metrics``: the run's
    registry (the built-ins without ``--llmcore``).
    """

    def __init__(
        self,
        warmup: int = 3,
        repeats: int = 20,
        noisy_cv: float = NOISY_CV,
        metrics: MetricRegistry = BUILTIN_REGISTRY,
    ) -> None:
        self.metrics = metrics
        self.default_warmup = warmup
        self.default_repeats = repeats
        self.noisy_cv = noisy_cv
        self.samples: dict[str, list[float]] = {}
        self.notes: list[str] = []
        #: the active hardware profile (set by the plugin): tests pick settings by it
        self.profile = "cpu"
        #: bytes read per generated token (weights + KV in use), for the roofline
        self.bytes_per_token: int | None = None
        #: set by the plugin: the ``pytest_llmcore_endpoint_timings`` hook
        self.response_parser: Callable[[Any], dict[str, Any] | None] | None = None
        #: the test's node id (set by the fixture), named in every rejected sample
        self.nodeid = ""
        #: metric -> takes k more samples the way ``measure`` took them; None when the
        #: metric has samples from elsewhere too (re-running one source would bias it)
        self.resamplers: dict[str, Callable[[int], list[float]] | None] = {}

    def _reject(self, metric: str, exc: Exception) -> SampleError:
        where = f"{self.nodeid}: " if self.nodeid else ""
        return SampleError(f"{where}llmcore_perf: {exc}")

    def _add(self, metric: str, values: Sequence[object]) -> None:
        """Validate every value first: one bad sample records none of the batch."""
        try:
            m = self.metrics.lookup(metric)
            checked = [parse_value(m, v) for v in values]
        except UnitError as exc:
            raise self._reject(metric, exc) from None
        self.samples.setdefault(metric, []).extend(checked)

    def _other_source(self, metric: str) -> None:
        if metric in self.samples:
            self.resamplers[metric] = None

    def more(self, metric: str, k: int) -> int:
        """Take ``k`` more samples of ``metric`` with its measured callable; 0 when it has
        none (recorded values, or several sources)."""
        again = self.resamplers.get(metric)
        if again is None:
            return 0
        self._add(metric, again(k))
        return k

    def _metric_time(self, metric: str) -> None:
        m = self.metrics.lookup(metric)
        if m.kind != "time":
            raise ValueError(
                f"{metric} is a {m.kind} metric: time it into a *_ms metric, or record() its value"
            )

    def measure(
        self,
        metric: str,
        fn: Callable[[], Any],
        *,
        warmup: int | None = None,
        repeats: int | None = None,
        device: str | None = None,
        sync: Callable[[], Any] | None = None,
    ) -> Stats:
        """Call ``fn`` ``warmup`` times untimed, then ``repeats`` times timed; return the stats.

        ``device="cuda"`` times with CUDA events; ``sync`` is called before each clock reading
        (e.g. ``torch.cuda.synchronize``). When a budget on ``metric`` is inconclusive after
        the test body, the plugin calls ``fn`` again (see ``budgets/adaptive.py``).
        """
        self._metric_time(metric)
        w = self.default_warmup if warmup is None else warmup
        r = self.default_repeats if repeats is None else repeats
        if w < 0 or r < 1:
            raise ValueError(f"warmup must be >= 0 and repeats >= 1 (got {w}, {r})")
        for _ in range(w):
            fn()
        timer = make_timer(device, sync)

        def run(k: int) -> list[float]:
            taken: list[float] = []
            for _ in range(k):
                timer.start()
                fn()
                taken.append(timer.stop())
            return taken

        fresh = metric not in self.samples
        self._add(metric, run(r))
        self.resamplers[metric] = run if fresh else None
        return self.stats(metric)

    @contextlib.contextmanager
    def timer(
        self, metric: str, *, device: str | None = None, sync: Callable[[], Any] | None = None
    ) -> Iterator[None]:
        """Time the block into ``metric`` (one sample per ``with``)."""
        self._metric_time(metric)
        t = make_timer(device, sync)
        t.start()
        yield
        self._other_source(metric)
        self._add(metric, [t.stop()])

    def record(self, metric: str, value: float | str | Sequence[float | str]) -> None:
        """Record one value or several, with or without a unit: ``record("kv_bytes", "38MiB")``.

        NaN, infinities and negative values (of a metric that is never negative) raise
        :class:`SampleError` naming the test and metric; nothing of that call is recorded.
        """
        values = value if isinstance(value, (list, tuple)) else [value]
        self._other_source(metric)
        self._add(metric, values)

    def record_response(self, response: Any) -> dict[str, Any]:
        """Record the metrics a ``pytest_llmcore_endpoint_timings`` hook reads from a custom
        server's response; returns them. Raises ValueError when no hook understood it."""
        parsed = self.response_parser(response) if self.response_parser is not None else None
        if not parsed:
            raise ValueError(
                "no pytest_llmcore_endpoint_timings hook turned this response into metrics "
                f"({type(response).__name__}); implement one in conftest.py"
            )
        for metric, value in parsed.items():
            self.record(metric, value)
        return dict(parsed)

    def roofline(self, bytes_per_token: int | str) -> None:
        """Report ``tokens_per_s`` against the bandwidth bound: measured bandwidth / bytes read
        per token (model weights + KV cache in use), e.g. ``roofline("4.7GB")``."""
        self.bytes_per_token = int(parse_value(self.metrics.lookup("kv_bytes"), bytes_per_token))

    def stats(self, metric: str) -> Stats:
        if metric not in self.samples or not self.samples[metric]:
            raise KeyError(f"{metric} was not recorded")
        return summarize(self.samples[metric], self.noisy_cv)

    def __repr__(self) -> str:
        return f"<PerfRecorder {', '.join(f'{k}: {len(v)}' for k, v in self.samples.items())}>"
