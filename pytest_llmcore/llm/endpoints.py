"""Inference servers: OpenAI-compatible streaming (Ollama's /v1, vLLM, llama-cpp-python's
server) timed token by token, and Ollama's native timing fields.

TTFT: request sent to the first streamed content. ITL: gaps between content chunks.
E2E: request sent to the last content. TPOT: (E2E - TTFT) / (tokens - 1) and decode
tokens/s: (tokens - 1) / (E2E - TTFT), as vLLM's benchmark defines them. Tokens are
counted, never chunks (a chunk can hold several tokens, a multi-byte character several
tokens): the server's ``usage`` when it sends one (``stream_options={"include_usage":
True}``), else the served model's tokenizer over the streamed text (``count_tokens``),
else, flagged as ``token_source="chunks"``, one per chunk.

A repeated prompt is a prompt-cache hit on most servers (llama.cpp's prefix match, vLLM's
prefix caching): its TTFT skips the prompt's evaluation. By default every request starts
with a unique prefix (``cache_busted=True`` in the result) so that TTFT is a cold one.
"""

from __future__ import annotations

import importlib
import itertools
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .timing import StreamTiming

__all__ = [
    "Endpoint",
    "EndpointResult",
    "llama_tokenizer",
    "ollama_generate",
    "ollama_metrics",
    "stream_openai",
    "tiktoken_counter",
]


@dataclass
class EndpointResult(StreamTiming):
    prompt_tokens: int | None = None
    cache_busted: bool = False
    """True when the prompt began with a unique prefix, so no prompt cache could serve it."""
    finish_reason: str | None = None


_counter = itertools.count()
_HEX = "0123456789abcdef"


def cache_buster() -> str:
    """A prefix no earlier request began with: its first character differs from the
    previous request's (servers keep the last prompt), the rest is random."""
    return f"{_HEX[next(_counter) % 16]}{uuid.uuid4().hex[:7]}: "


def openai_client(base_url: str, api_key: str = "local", timeout: float = 60.0) -> Any:
    try:
        openai: Any = importlib.import_module("openai")
    except ImportError:
        raise RuntimeError(
            "endpoint timing needs the openai client (pip install pytest-llmcore[server])"
        ) from None
    return openai.OpenAI(base_url=base_url, api_key=api_key, timeout=timeout)


def _consume(stream: Any, chat: bool) -> tuple[list[float], list[str], Any, str | None]:
    """(arrival time of each content chunk, its text, the usage, the finish reason)."""
    times: list[float] = []
    parts: list[str] = []
    usage = finish = None
    for chunk in stream:
        if getattr(chunk, "usage", None) is not None:
            usage = chunk.usage
        for choice in chunk.choices or []:
            delta = getattr(choice, "delta", None)
            text = (
                (getattr(delta, "content", None) if delta is not None else None)
                if chat
                else (getattr(choice, "text", None))
            )
            if text:
                times.append(time.perf_counter())
                parts.append(text)
            finish = getattr(choice, "finish_reason", None) or finish
    return times, parts, usage, finish


def _no_content(model: str, finish: str | None) -> RuntimeError:
    why = (
        "its max_tokens tokens formed no complete character"
        if finish == "length"
        else "a chat request that stops at once usually means a wrong chat template: "
        "llama_cpp.server logs 'Using fallback chat format' then"
    )
    return RuntimeError(
        f"the server streamed no content for model {model!r} (finish_reason {finish!r}); {why}"
    )


def _count_output(
    result: EndpointResult, usage: Any, count_tokens: Callable[[str], int] | None
) -> None:
    """Output tokens: the server's usage, else the tokenizer, else one per chunk (as is)."""
    completion = getattr(usage, "completion_tokens", None) if usage is not None else None
    if isinstance(completion, int) and completion > 0:
        result.output_tokens = completion
        prompt_tokens = getattr(usage, "prompt_tokens", None)
        result.prompt_tokens = prompt_tokens if isinstance(prompt_tokens, int) else None
        result.token_source = "usage"
    elif count_tokens is not None:
        result.output_tokens = max(1, count_tokens(result.text))
        result.token_source = "tokenizer"


def stream_openai(
    client: Any,
    model: str,
    prompt: str,
    max_tokens: int = 64,
    chat: bool = True,
    count_tokens: Callable[[str], int] | None = None,
    bust_cache: bool = True,
    **extra: Any,
) -> EndpointResult:
    """One streamed request, timed per chunk; ``client`` is an ``openai.OpenAI``.

    ``extra`` goes into the request as is: ``logit_bias={"2": -100}`` keeps a model from
    stopping early; ``extra_body={"ignore_eos": True}`` does the same on vLLM.
    """
    if max_tokens < 1:
        raise ValueError(f"max_tokens must be at least 1, got {max_tokens}")
    text_in = cache_buster() + prompt if bust_cache else prompt
    kwargs: dict[str, Any] = {
        "model": model,
        "max_tokens": max_tokens,
        "stream": True,
        "temperature": 0.0,
        "stream_options": {"include_usage": True},
        **extra,
    }
    t0 = time.perf_counter()
    if chat:
        stream = client.chat.completions.create(
            messages=[{"role": "user", "content": text_in}], **kwargs
        )
    else:
        stream = client.completions.create(prompt=text_in, **kwargs)
    times, parts, usage, finish = _consume(stream, chat)
    if not times:
        raise _no_content(model, finish)
    result = EndpointResult(
        ttft_ms=(times[0] - t0) * 1000,
        e2e_ms=(times[-1] - t0) * 1000,
        itl_ms=[(b - a) * 1000 for a, b in itertools.pairwise(times)],
        output_tokens=len(times),
        text="".join(parts),
        cache_busted=bust_cache,
        finish_reason=finish,
    )
    _count_output(result, usage, count_tokens)
    return result


class Endpoint:
    """What the ``llm_endpoint`` fixture returns: a model behind an OpenAI-compatible URL.

    Output tokens come from the server's usage, else from ``count_tokens``; a URL from the
    ``llama_cpp_server`` fixture brings its model, whose tokenizer is then used.
    """

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str = "local",
        count_tokens: Callable[[str], int] | None = None,
        bust_cache: bool = True,
    ) -> None:
        self.client = openai_client(base_url, api_key)
        self.model = model
        self.bust_cache = bust_cache
        self._count = count_tokens
        self._model_path = getattr(base_url, "model_path", None)

    def count_tokens(self) -> Callable[[str], int] | None:
        if self._count is None and self._model_path is not None:
            self._count = llama_tokenizer(self._model_path)
        return self._count

    def stream(
        self,
        prompt: str,
        max_tokens: int = 64,
        chat: bool = True,
        bust_cache: bool | None = None,
        **extra: Any,
    ) -> EndpointResult:
        """One streamed request, timed (see :func:`stream_openai`)."""
        return stream_openai(
            self.client,
            self.model,
            prompt,
            max_tokens,
            chat,
            count_tokens=self.count_tokens(),
            bust_cache=self.bust_cache if bust_cache is None else bust_cache,
            **extra,
        )


def llama_tokenizer(model_path: Any) -> Callable[[str], int]:
    """Count tokens with the served model's own tokenizer (a vocab-only llama.cpp load)."""
    llama: Any = importlib.import_module("llama_cpp")
    vocab = llama.Llama(model_path=str(model_path), vocab_only=True, verbose=False)
    return lambda text: len(vocab.tokenize(text.encode("utf-8"), add_bos=False))


def tiktoken_counter(encoding: str = "cl100k_base") -> Callable[[str], int]:
    """tiktoken's count, only when its encoding files are already cached: nothing may be
    downloaded at run time. Raises RuntimeError saying how to provide them otherwise."""
    import os

    try:
        tiktoken: Any = importlib.import_module("tiktoken")
    except ImportError:
        raise RuntimeError(
            "tiktoken is not installed; count with the model's own tokenizer "
            "(llama_tokenizer) or the server's usage instead"
        ) from None
    cache = os.environ.get("TIKTOKEN_CACHE_DIR") or os.environ.get("DATA_GYM_CACHE_DIR")
    if not cache or not os.path.isdir(cache) or not os.listdir(cache):
        raise RuntimeError(
            f"tiktoken's {encoding} files are not cached (set TIKTOKEN_CACHE_DIR to a folder "
            "that holds them); they can't be downloaded here: use the server's usage or "
            "the model's own tokenizer"
        )
    enc = tiktoken.get_encoding(encoding)
    return lambda text: len(enc.encode(text))


def ollama_generate(
    host: str,
    model: str,
    prompt: str,
    max_tokens: int = 64,
    timeout: float = 120.0,
    bust_cache: bool = True,
) -> tuple[EndpointResult, dict[str, float]]:
    """Stream Ollama's native ``/api/generate``: our own timings, and the server's
    (``ollama_metrics`` of its final chunk). ``host`` like ``http://127.0.0.1:11434``."""
    import json
    import urllib.request

    body = json.dumps(
        {
            "model": model,
            "prompt": cache_buster() + prompt if bust_cache else prompt,
            "stream": True,
            "options": {"num_predict": max_tokens, "temperature": 0},
        }
    ).encode()
    req = urllib.request.Request(
        f"{host.rstrip('/')}/api/generate", data=body, headers={"Content-Type": "application/json"}
    )
    times: list[float] = []
    parts: list[str] = []
    final: dict[str, Any] = {}
    t0 = time.perf_counter()
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        for raw in resp:
            if not raw.strip():
                continue
            chunk = json.loads(raw)
            if chunk.get("response"):
                times.append(time.perf_counter())
                parts.append(chunk["response"])
            if chunk.get("done"):
                final = chunk
    if not times:
        raise RuntimeError(f"Ollama streamed no token for model {model!r}")
    result = EndpointResult(
        ttft_ms=(times[0] - t0) * 1000,
        e2e_ms=(times[-1] - t0) * 1000,
        itl_ms=[(b - a) * 1000 for a, b in itertools.pairwise(times)],
        output_tokens=int(final.get("eval_count") or len(times)),
        prompt_tokens=final.get("prompt_eval_count"),
        token_source="usage" if final.get("eval_count") else "chunks",
        text="".join(parts),
        cache_busted=bust_cache,
    )
    return result, ollama_metrics(final)


def ollama_metrics(final: Mapping[str, Any]) -> dict[str, float]:
    """Ollama ``/api/generate`` or ``/api/chat`` final chunk (durations in ns) -> metrics.

    Missing fields (older servers, cached prompts) are left out, never guessed.
    """
    out: dict[str, float] = {}

    def ns(key: str) -> float | None:
        v = final.get(key)
        return float(v) / 1e6 if isinstance(v, (int, float)) and v > 0 else None

    total, load = ns("total_duration"), ns("load_duration")
    p_eval, e_eval = ns("prompt_eval_duration"), ns("eval_duration")
    p_count, e_count = final.get("prompt_eval_count"), final.get("eval_count")
    if total is not None:
        out["e2e_ms"] = total
    if p_eval is not None and isinstance(p_count, int) and p_count > 0:
        out["prompt_tokens_per_s"] = p_count / (p_eval / 1000)
        out["ttft_ms"] = p_eval + (load or 0.0)
    if e_eval is not None and isinstance(e_count, int) and e_count > 0:
        out["tokens_per_s"] = e_count / (e_eval / 1000)
        out["tpot_ms"] = e_eval / e_count
    return out
