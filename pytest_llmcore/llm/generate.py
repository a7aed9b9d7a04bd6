"""Generation metrics from a streamed completion, next to llama.cpp's own counters.

Tokens are the engine's token ids, taken one by one from llama-cpp-python's
``Llama.generate``: a multi-byte character split over several tokens is several tokens
(a text stream would merge them into one chunk), and generation stops at exactly
``max_tokens``. Two views of the decode speed are reported as separate metrics:

- user-visible: TTFT (call to first token), ITL (gaps between tokens), TPOT
  ((E2E - TTFT) / (tokens - 1)) and decode tokens/s ((tokens - 1) / (E2E - TTFT)), with
  Python's per-token work (sampling glue, logits processors) included, as a caller sees it;
- engine-side: llama.cpp's ``llama_perf_context`` counters, ``engine_tpot_ms``
  (eval time / eval count) and ``engine_tokens_per_s``: the decode alone.

Their difference, ``harness_ms_per_token``, is the Python cost per token.
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
    token_ids: list[int] = field(default_factory=list)

    @property
    def n_generated(self) -> int:
        return self.output_tokens

    @property
    def engine_tpot_ms(self) -> float | None:
        """llama.cpp's decode time per token (eval time / eval count)."""
        t, n = self.engine.get("t_eval_ms"), self.engine.get("n_eval")
        return t / n if t and n else None

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

    @property
    def harness_ms_per_token(self) -> float | None:
        """User-visible TPOT minus the engine's: Python's share of each token."""
        eng = self.engine_tpot_ms
        return self.tpot_ms - eng if eng is not None and self.output_tokens > 1 else None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = super().to_json()
        data.update(
            prompt_tokens_per_s=self.prompt_tokens_per_s,
            engine_tpot_ms=self.engine_tpot_ms,
            engine_tokens_per_s=self.engine_tokens_per_s,
            harness_ms_per_token=self.harness_ms_per_token,
        )
        return data

    def metrics(self) -> dict[str, Any]:
        out: dict[str, Any] = super().metrics()
        if self.ttft_ms > 0 and self.n_prompt:
            out["prompt_tokens_per_s"] = self.prompt_tokens_per_s
        if self.engine_tpot_ms is not None:
            out["engine_tpot_ms"] = self.engine_tpot_ms
            out["engine_tokens_per_s"] = self.engine_tokens_per_s
        return out


def _perf_ctx(llm: Any) -> Any:
    return getattr(llm, "ctx", None) or getattr(getattr(llm, "_ctx", None), "ctx", None)


def _ban(token: int) -> Any:
    """A logits processor that keeps ``token`` from being sampled."""

    def processor(_ids: Any, scores: Any) -> Any:
        scores[token] = -float("inf")
        return scores

    return processor


def generate(
    model: LoadedModel, prompt: str, max_tokens: int = 64, ignore_eos: bool = True
) -> Generation:
    """Greedy completion of ``prompt``, timed token by token; exactly ``max_tokens`` tokens
    with ``ignore_eos`` (default, as llama-bench and vLLM's benchmark do, so that runs are
    comparable), else up to the first end-of-generation token."""
    if max_tokens < 1:
        raise ValueError(f"max_tokens must be at least 1, got {max_tokens}")
    llama = llama_module()
    llm = model.llm
    llm.reset()  # no prefix reuse from an earlier call: TTFT evaluates the whole prompt
    ctx = _perf_ctx(llm)
    if ctx is not None:
        llama.llama_perf_context_reset(ctx)
    prompt_ids = llm.tokenize(prompt.encode("utf-8"), add_bos=True, special=True)
    eos = int(llm.token_eos())
    vocab = getattr(getattr(llm, "_model", None), "vocab", None)
    processors = llama.LogitsProcessorList([_ban(eos)]) if ignore_eos else None
    ids: list[int] = []
    times: list[float] = []
    t0 = time.perf_counter()
    for token in llm.generate(prompt_ids, top_k=1, temp=0.0, logits_processor=processors):
        if not ignore_eos and (
            token == eos or (vocab is not None and llama.llama_token_is_eog(vocab, token))
        ):
            break
        times.append(time.perf_counter())
        ids.append(int(token))
        if len(ids) >= max_tokens:
            break  # the last token is not evaluated: llama.cpp's n_eval is tokens - 1
    if not times:
        raise RuntimeError("the model produced no token (it ended generation at once)")
    engine: dict[str, float] = {}
    if ctx is not None:
        p = llama.llama_perf_context(ctx)
        engine = {
            k: float(getattr(p, k)) for k in ("t_p_eval_ms", "t_eval_ms", "n_p_eval", "n_eval")
        }
    return Generation(
        ttft_ms=(times[0] - t0) * 1000,
        e2e_ms=(times[-1] - t0) * 1000,
        itl_ms=[(b - a) * 1000 for a, b in itertools.pairwise(times)],
        output_tokens=len(ids),
        text=llm.detokenize(ids).decode("utf-8", "replace"),
        token_source="engine",
        n_prompt=len(prompt_ids),
        engine=engine,
        token_ids=ids,
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
