"""One streamed request timed token by token, in process or against a server.

Latency definitions are vLLM's benchmark's: TTFT, request sent to the first token; ITL,
the gaps between streamed tokens (between streamed chunks for a server: a chunk can hold
several tokens); TPOT, (E2E - TTFT) / (tokens - 1); decode tokens/s,
(tokens - 1) / (E2E - TTFT). The first token is not a decode step (it comes from the
prompt's evaluation), so it is in TTFT and in neither of the last two.

``tokens`` is a count of tokens, never of text chunks: ``token_source`` says where it
came from (``engine``: the token ids llama.cpp produced in this process; ``usage``: the
server's own count; ``tokenizer``: the served model's tokenizer over the streamed text;
``chunks``: one per streamed chunk, the fallback, flagged as such).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["TOKEN_SOURCES", "StreamTiming", "decode_tokens_per_s", "tpot_ms"]

TOKEN_SOURCES = ("engine", "usage", "tokenizer", "chunks")


def tpot_ms(e2e_ms: float, ttft_ms: float, tokens: int) -> float:
    """Time per output token after the first: (E2E - TTFT) / (tokens - 1)."""
    return (e2e_ms - ttft_ms) / max(1, tokens - 1)


def decode_tokens_per_s(e2e_ms: float, ttft_ms: float, tokens: int) -> float:
    """Tokens after the first over the time after the first: (tokens - 1) / (E2E - TTFT)."""
    decode = e2e_ms - ttft_ms
    return max(0, tokens - 1) / (decode / 1000) if decode > 0 else 0.0


@dataclass
class StreamTiming:
    ttft_ms: float
    e2e_ms: float
    itl_ms: list[float] = field(default_factory=list)
    output_tokens: int = 0
    text: str = ""
    token_source: str = "chunks"
    """Where ``output_tokens`` came from: one of :data:`TOKEN_SOURCES`."""

    @property
    def tpot_ms(self) -> float:
        """User-visible TPOT: what a caller of the stream waits per token, Python included."""
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
