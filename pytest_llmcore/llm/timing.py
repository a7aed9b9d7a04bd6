"""One streamed request timed token by token, in process or against a server.

Latency definitions are vLLM's benchmark's: TTFT, request sent to the first token; ITL,
the gaps between streamed tokens; TPOT, (E2E - TTFT) / (tokens - 1); decode tokens/s,
(tokens - 1) / (E2E - TTFT).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["StreamTiming", "decode_tokens_per_s", "tpot_ms"]


def tpot_ms(e2e_ms: float, ttft_ms: float, tokens: int) -> float:
    """Time per output token after the first: (E2E - TTFT) / (tokens - 1)."""
    return (e2e_ms - ttft_ms) / max(1, tokens - 1)


def decode_tokens_per_s(e2e_ms: float, ttft_ms: float, tokens: int) -> float:
    """Tokens after the first over the time after the first: (tokens - 1) / (E2E - TTFT)."""
    decode = e2e_ms - ttft_ms
    return (tokens - 1) / (decode / 1000) if decode > 0 else 0.0


@dataclass
class StreamTiming:
    ttft_ms: float
    e2e_ms: float
    itl_ms: list[float] = field(default_factory=list)
    output_tokens: int = 0
    text: str = ""

    @property
    def tpot_ms(self) -> float:
        return tpot_ms(self.e2e_ms, self.ttft_ms, self.output_tokens)

    @property
    def tokens_per_s(self) -> float:
        return decode_tokens_per_s(self.e2e_ms, self.ttft_ms, self.output_tokens)

    def metrics(self) -> dict[str, Any]:
        """ttft_ms, e2e_ms, and tpot_ms, tokens_per_s, itl_ms when there are 2+ tokens."""
        out: dict[str, Any] = {"ttft_ms": self.ttft_ms, "e2e_ms": self.e2e_ms}
        if self.output_tokens > 1:
            out.update(tpot_ms=self.tpot_ms, tokens_per_s=self.tokens_per_s)
        if self.itl_ms:
            out["itl_ms"] = list(self.itl_ms)
        return out

    def record(self, perf: Any) -> None:
        """Every metric of :meth:`metrics` into an ``llmcore_perf`` recorder."""
        for metric, value in self.metrics().items():
            perf.record(metric, value)

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "tpot_ms": self.tpot_ms, "tokens_per_s": self.tokens_per_s}
