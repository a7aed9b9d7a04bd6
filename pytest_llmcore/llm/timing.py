"""Latency definitions shared by in-process generation and servers (vLLM's benchmark's)."""

from __future__ import annotations

__all__ = ["decode_tokens_per_s", "tpot_ms"]


def tpot_ms(e2e_ms: float, ttft_ms: float, tokens: int) -> float:
    """Time per output token after the first: (E2E - TTFT) / (tokens - 1)."""
    return (e2e_ms - ttft_ms) / max(1, tokens - 1)


def decode_tokens_per_s(e2e_ms: float, ttft_ms: float, tokens: int) -> float:
    """Tokens after the first over the time after the first: (tokens - 1) / (E2E - TTFT)."""
    decode = e2e_ms - ttft_ms
    return (tokens - 1) / (decode / 1000) if decode > 0 else 0.0
