"""Generation metrics from a streamed completion, checked against llama.cpp's own counters.

TTFT: request to first streamed token. ITL: gaps between streamed tokens. TPOT:
(e2e - TTFT) / (tokens - 1), vLLM's definition. Decode tokens/s: (tokens - 1) / (e2e - TTFT).
llama.cpp's ``llama_perf_context`` (prompt-eval and eval time and counts) gives the
engine's view; both are reported with their difference.
"""

from __future__ import annotations

import importlib
import itertools
import time
from dataclasses import dataclass, field
from typing import Any

from .engine import LoadedModel, llama_module
from .timing import StreamTiming

__all__ = ["Generation", "generate"]


@dataclass
class Generation(StreamTiming):
    n_prompt: int = 0
    engine: dict[str, float] = field(default_factory=dict)
    """llama_perf_context: t_p_eval_ms, t_eval_ms, n_p_eval, n_eval."""

    @property
    def n_generated(self) -> int:
        return self.output_tokens

    @property
    def engine_tokens_per_s(self) -> float | None:
        t, n = self.engine.get("t_eval_ms"), self.engine.get("n_eval")
        return n / (t / 1000) if t and n else None

    @property
    def engine_prompt_tokens_per_s(self) -> float | None:
        t, n = self.engine.get("t_p_eval_ms"), self.engine.get("n_p_eval")
        return n / (t / 1000) if t and n else None

    @property
    def prompt_tokens_per_s(self) -> float:
        return self.n_prompt / (self.ttft_ms / 1000) if self.ttft_ms > 0 else 0.0

    def agreement(self) -> float | None:
        """|ours - engine's| / engine's decode tokens/s (0.02 = they agree within 2%)."""
        eng = self.engine_tokens_per_s
        return abs(self.tokens_per_s - eng) / eng if eng else None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = super().to_json()
        data.update(
            prompt_tokens_per_s=self.prompt_tokens_per_s,
            engine_tokens_per_s=self.engine_tokens_per_s,
            agreement=self.agreement(),
        )
        return data

    def metrics(self) -> dict[str, Any]:
        out: dict[str, Any] = super().metrics()
        if self.ttft_ms > 0 and self.n_prompt:
            out["prompt_tokens_per_s"] = self.prompt_tokens_per_s
        return out


def generate(
    model: LoadedModel, prompt: str, max_tokens: int = 64, ignore_eos: bool = True
) -> Generation:
    """Greedy streamed completion of ``prompt``, timed token by token.

    ``ignore_eos`` (default, as llama-bench and vLLM's benchmark do) makes every run
    generate ``max_tokens`` tokens, so runs are comparable.
    """
    llama = llama_module()
    llm = model.llm
    llm.reset()
    ctx = getattr(llm, "ctx", None) or getattr(getattr(llm, "_ctx", None), "ctx", None)
    if ctx is not None:
        llama.llama_perf_context_reset(ctx)
    n_prompt = len(llm.tokenize(prompt.encode("utf-8"), add_bos=True))
    times: list[float] = []
    parts: list[str] = []
    t0 = time.perf_counter()
    bias = {int(llm.token_eos()): -1e9} if ignore_eos else None
    for chunk in llm.create_completion(
        prompt, max_tokens=max_tokens, stream=True, temperature=0.0, top_k=1, logit_bias=bias
    ):
        choice = chunk["choices"][0]
        text = choice.get("text", "")
        if not text and choice.get("finish_reason") is not None:
            continue  # the closing chunk carries no token
        times.append(time.perf_counter())
        parts.append(text)
    end = time.perf_counter()
    if not times:
        raise RuntimeError("the model produced no token")
    engine: dict[str, float] = {}
    if ctx is not None:
        p = llama.llama_perf_context(ctx)
        engine = {
            k: float(getattr(p, k)) for k in ("t_p_eval_ms", "t_eval_ms", "n_p_eval", "n_eval")
        }
    itl = [(b - a) * 1000 for a, b in itertools.pairwise(times)]
    return Generation(
        ttft_ms=(times[0] - t0) * 1000,
        e2e_ms=(end - t0) * 1000,
        itl_ms=itl,
        n_prompt=n_prompt,
        output_tokens=len(times),
        text="".join(parts),
        engine=engine,
    )


def _timed_completion(model: LoadedModel, prompt: str, max_tokens: int) -> tuple[int, float]:
    """(completion tokens by the engine's count, seconds) of one non-streamed greedy run."""
    llm = model.llm
    llm.reset()
    bias = {int(llm.token_eos()): -1e9}
    t = time.perf_counter()
    out = llm.create_completion(
        prompt, max_tokens=max_tokens, temperature=0.0, top_k=1, logit_bias=bias
    )
    return int(out["usage"]["completion_tokens"]), time.perf_counter() - t


def prompt_lookup_speedup(
    path: Any,
    prompt: str,
    max_tokens: int = 64,
    n_ctx: int = 2048,
    n_gpu_layers: int = 0,
    max_ngram_size: int = 2,
    num_pred_tokens: int = 10,
) -> tuple[float, float, float]:
    """(speedup, plain tokens/s, prompt-lookup tokens/s) of generating ``max_tokens``.

    The same prompt and token count both ways, each warmed up once; tokens/s counts the
    engine's completion tokens over the whole request (speculative decoding accepts several
    tokens per step, so chunk timing would not show per-token gaps). Prompt lookup pays off
    when the output repeats the prompt (code edits, extraction); elsewhere the ratio can be
    below 1.
    """
    from .engine import load_llama

    spec_mod: Any = importlib.import_module("llama_cpp.llama_speculative")
    rates = []
    for draft in (
        None,
        spec_mod.LlamaPromptLookupDecoding(
            max_ngram_size=max_ngram_size, num_pred_tokens=num_pred_tokens
        ),
    ):
        model = load_llama(path, n_ctx=n_ctx, n_gpu_layers=n_gpu_layers, draft_model=draft)
        try:
            _timed_completion(model, prompt, 4)
            tokens, seconds = _timed_completion(model, prompt, max_tokens)
        finally:
            model.close()
        rates.append(tokens / seconds)
    return rates[1] / rates[0], rates[0], rates[1]
