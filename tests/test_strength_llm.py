"""LLM timing arithmetic with a fake clock and stand-in engines (issue 17): the first token is
in TTFT and in no decode figure; every metric's exact value; the fallbacks of token counting.
"""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from pytest_llmcore.llm import endpoints
from pytest_llmcore.llm import generate as generate_mod
from pytest_llmcore.llm.endpoints import ollama_generate, ollama_metrics, stream_openai
from pytest_llmcore.llm.engine import LoadedModel
from pytest_llmcore.llm.generate import Generation, generate
from pytest_llmcore.llm.timing import StreamTiming, decode_tokens_per_s, tpot_ms

from .helpers.openai_stream import StandIn, chunk


@pytest.fixture
def ticks(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """perf_counter returns these seconds in turn, in both timing paths."""
    queue: list[float] = []
    fake = SimpleNamespace(perf_counter=lambda: queue.pop(0))
    monkeypatch.setattr(endpoints, "time", fake)
    monkeypatch.setattr(generate_mod, "time", fake)
    return queue


# -- the formulas ------------------------------------------------------------------------------


def test_tpot_and_decode_rate_edges() -> None:
    assert tpot_ms(300.0, 100.0, 2) == 200.0  # one decode step
    assert decode_tokens_per_s(300.0, 100.0, 2) == 5.0
    assert decode_tokens_per_s(100.5, 100.0, 2) == 2000.0  # sub-millisecond steps count
    assert tpot_ms(300.0, 100.0, 0) == 200.0  # no tokens: never a division by zero
    assert decode_tokens_per_s(50.0, 100.0, 5) == 0.0  # a clock gone backwards: no rate
    assert decode_tokens_per_s(300.0, 100.0, 0) == 0.0  # no tokens counted: no rate, not < 0
    uncounted = StreamTiming(ttft_ms=10.0, e2e_ms=30.0)  # nothing counted is 0 tokens, not 1
    assert uncounted.to_json()["output_tokens"] == 0 and uncounted.tokens_per_s == 0.0
    assert uncounted.metrics() == {"ttft_ms": 10.0, "e2e_ms": 30.0}  # no decode figures


def test_stream_timing_metrics_need_two_tokens() -> None:
    one = StreamTiming(ttft_ms=100.0, e2e_ms=100.0, output_tokens=1)
    assert one.metrics() == {"ttft_ms": 100.0, "e2e_ms": 100.0}
    two = StreamTiming(ttft_ms=100.0, e2e_ms=150.0, itl_ms=[50.0], output_tokens=2)
    assert two.metrics() == {
        "ttft_ms": 100.0,
        "e2e_ms": 150.0,
        "tpot_ms": 50.0,
        "tokens_per_s": 20.0,
        "itl_ms": [50.0],
    }
    recorded: list[tuple[str, Any]] = []
    two.record(SimpleNamespace(record=lambda m, v: recorded.append((m, v))))
    assert recorded == list(two.metrics().items())
    assert two.to_json() == {
        "ttft_ms": 100.0,
        "e2e_ms": 150.0,
        "itl_ms": [50.0],
        "output_tokens": 2,
        "text": "",
        "token_source": "chunks",
        "tpot_ms": 50.0,
        "tokens_per_s": 20.0,
    }


# -- in process: a stand-in llama.cpp ----------------------------------------------------------


class FakeLlm:
    """Yields ``tokens`` in turn; ``eos`` is token 2."""

    def __init__(self, tokens: list[int]) -> None:
        self.tokens = tokens
        self.ctx = object()

    def reset(self) -> None: ...

    def tokenize(self, data: bytes, add_bos: bool, special: bool) -> list[int]:
        """A token per word, after the BOS token (1) when asked, as llama.cpp does."""
        return [1] * add_bos + list(range(10, 10 + len(data.split())))

    def token_eos(self) -> int:
        return 2

    def generate(self, ids: list[int], **_: Any) -> Iterator[int]:
        yield from self.tokens

    def detokenize(self, ids: list[int]) -> bytes:
        return " ".join(map(str, ids)).encode()


def fake_llama(counters: dict[str, float]) -> Any:
    return SimpleNamespace(
        LogitsProcessorList=list,
        llama_perf_context_reset=lambda ctx: None,
        llama_perf_context=lambda ctx: SimpleNamespace(**counters),
        llama_token_is_eog=lambda vocab, token: token == 2,
    )


def loaded(tokens: list[int]) -> LoadedModel:
    return LoadedModel(FakeLlm(tokens), None, 512, "f16", "f16", True, 0)  # type: ignore[arg-type]


def test_generate_arithmetic_with_a_fake_clock(
    ticks: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    counters = {"t_p_eval_ms": 80.0, "t_eval_ms": 120.0, "n_p_eval": 3.0, "n_eval": 3.0}
    monkeypatch.setattr(generate_mod, "llama_module", lambda: fake_llama(counters))
    ticks += [1.0, 1.1, 1.15, 1.2, 1.25]  # request; four tokens
    g = generate(loaded([40, 41, 42, 43, 44, 45]), "two words", max_tokens=4)
    assert (g.output_tokens, g.token_ids, g.token_source, g.n_prompt) == (
        4,
        [40, 41, 42, 43],
        "engine",
        3,
    )
    assert g.text == "40 41 42 43"
    assert g.ttft_ms == pytest.approx(100.0) and g.e2e_ms == pytest.approx(250.0)
    assert g.itl_ms == pytest.approx([50.0, 50.0, 50.0])
    assert g.tpot_ms == pytest.approx(50.0)  # 150 ms over 3 tokens after the first, not 4
    assert g.tokens_per_s == pytest.approx(20.0)  # 3 tokens / 0.15 s, not 4 / 0.25 s
    assert g.engine_tpot_ms == 40.0 and g.engine_tokens_per_s == 25.0
    assert g.engine_prompt_tokens_per_s == pytest.approx(3 / 0.080)
    assert g.harness_ms_per_token == pytest.approx(10.0)
    assert g.prompt_tokens_per_s == pytest.approx(30.0)  # 3 prompt tokens in 100 ms
    m = g.metrics()
    assert m.pop("itl_ms") == pytest.approx([50.0, 50.0, 50.0])
    assert m == pytest.approx(
        {
            "ttft_ms": 100.0,
            "e2e_ms": 250.0,
            "tpot_ms": 50.0,
            "tokens_per_s": 20.0,
            "prompt_tokens_per_s": 30.0,
            "engine_tpot_ms": 40.0,
            "engine_tokens_per_s": 25.0,
        }
    )
    js = g.to_json()
    assert js["harness_ms_per_token"] == pytest.approx(10.0) and js["n_prompt"] == 3


def test_generate_stops_at_end_of_generation_only_when_asked(
    ticks: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    zero = {"t_p_eval_ms": 0.0, "t_eval_ms": 0.0, "n_p_eval": 0.0, "n_eval": 0.0}
    monkeypatch.setattr(generate_mod, "llama_module", lambda: fake_llama(zero))
    ticks += [0.0, 0.1, 0.2]
    g = generate(loaded([7, 2, 8]), "x", max_tokens=10, ignore_eos=False)
    assert g.token_ids == [7]  # one token: no decode figures; 2 prompt tokens in 100 ms
    assert g.metrics() == pytest.approx(
        {"ttft_ms": 100.0, "e2e_ms": 100.0, "prompt_tokens_per_s": 20.0}
    )
    assert g.engine_tpot_ms is None and g.harness_ms_per_token is None
    ticks += [0.0, 0.1, 0.2, 0.3, 0.4]
    assert generate(loaded([7, 2, 8]), "x", max_tokens=10).token_ids == [7, 2, 8]
    ticks += [0.0]
    with pytest.raises(RuntimeError) as exc:
        generate(loaded([2, 7]), "x", ignore_eos=False)
    assert str(exc.value) == "the model produced no token (it ended generation at once)"


def test_engine_rates_are_exact_quotients() -> None:
    g = Generation(
        ttft_ms=1.0,
        e2e_ms=2.0,
        engine={"t_eval_ms": 200.0, "n_eval": 3.0, "t_p_eval_ms": 400.0, "n_p_eval": 6.0},
    )
    assert g.engine_tokens_per_s == pytest.approx(15.0)  # 3 tokens in 0.2 s
    assert g.engine_prompt_tokens_per_s == pytest.approx(15.0)  # 6 tokens in 0.4 s
    assert g.engine_tpot_ms == pytest.approx(200.0 / 3)


def test_a_sub_millisecond_ttft_still_gives_a_prompt_rate() -> None:
    g = Generation(ttft_ms=0.5, e2e_ms=0.5, output_tokens=1, n_prompt=4)
    assert g.metrics() == pytest.approx(
        {"ttft_ms": 0.5, "e2e_ms": 0.5, "prompt_tokens_per_s": 8000.0}
    )


def test_timed_completion_counts_engine_tokens_over_the_request(ticks: list[float]) -> None:
    calls: list[tuple[str, dict[str, Any]]] = []

    class Llm:
        def reset(self) -> None:
            calls.append(("reset", {}))

        def token_eos(self) -> int:
            return 2

        def create_completion(self, prompt: str, **kw: Any) -> dict[str, Any]:
            calls.append((prompt, kw))
            return {"usage": {"completion_tokens": 24}}

    ticks += [5.0, 5.5]
    model = LoadedModel(Llm(), None, 512, "f16", "f16", True, 0)  # type: ignore[arg-type]
    assert generate_mod._timed_completion(model, "p", 24) == (24, 0.5)
    assert calls == [
        ("reset", {}),
        ("p", {"max_tokens": 24, "temperature": 0.0, "top_k": 1, "logit_bias": {2: -1e9}}),
    ]


def test_generation_without_engine_counters_or_prompt_time() -> None:
    g = Generation(ttft_ms=0.0, e2e_ms=10.0, output_tokens=3, n_prompt=4)
    assert g.prompt_tokens_per_s == 0.0 and "prompt_tokens_per_s" not in g.metrics()
    g = Generation(ttft_ms=10.0, e2e_ms=30.0, output_tokens=3, engine={"t_eval_ms": 0.0})
    assert (g.engine_tpot_ms, g.engine_tokens_per_s, g.engine_prompt_tokens_per_s) == (
        None,
        None,
        None,
    )
    assert g.metrics() == {"ttft_ms": 10.0, "e2e_ms": 30.0, "tpot_ms": 10.0, "tokens_per_s": 100.0}


# -- OpenAI-compatible streams: the fallbacks --------------------------------------------------


def test_usage_without_a_positive_count_is_not_trusted(ticks: list[float]) -> None:
    ticks += [0.0, 0.1, 0.3]
    zero = SimpleNamespace(completion_tokens=0, prompt_tokens=4)
    r = stream_openai(
        StandIn([chunk("a"), chunk("b", "stop"), chunk(usage=zero)]), "m", "Hi", bust_cache=False
    )
    assert (r.token_source, r.output_tokens, r.prompt_tokens) == ("chunks", 2, None)
    assert r.tpot_ms == pytest.approx(200.0) and r.finish_reason == "stop"
    ticks += [0.0, 0.1, 0.3]
    odd = SimpleNamespace(completion_tokens=5, prompt_tokens="4")
    r = stream_openai(
        StandIn([chunk("a"), chunk("b"), chunk(usage=odd)]), "m", "Hi", count_tokens=len
    )
    assert (r.token_source, r.output_tokens, r.prompt_tokens) == ("usage", 5, None)
    assert r.tokens_per_s == pytest.approx(4 / 0.2)


def test_tokenizer_count_is_at_least_one(ticks: list[float]) -> None:
    ticks += [0.0, 0.1]
    r = stream_openai(StandIn([chunk(" ")]), "m", "Hi", count_tokens=lambda t: 0)
    assert (r.token_source, r.output_tokens) == ("tokenizer", 1)


def test_completions_request_carries_prompt_and_extra_arguments(ticks: list[float]) -> None:
    ticks += [0.0, 0.1]
    client = StandIn([chunk("z", "length")])
    r = stream_openai(
        client, "m", "Hi", max_tokens=3, chat=False, bust_cache=False, logit_bias={"2": -100}
    )
    assert client.requests == [
        {
            "model": "m",
            "max_tokens": 3,
            "stream": True,
            "temperature": 0.0,
            "stream_options": {"include_usage": True},
            "logit_bias": {"2": -100},
            "prompt": "Hi",
        }
    ]
    assert (r.text, r.cache_busted, r.finish_reason) == ("z", False, "length")


def test_stream_refusals_are_exact(ticks: list[float]) -> None:
    with pytest.raises(ValueError) as exc:
        stream_openai(StandIn([]), "m", "Hi", max_tokens=0)
    assert str(exc.value) == "max_tokens must be at least 1, got 0"
    ticks += [0.0]
    with pytest.raises(RuntimeError) as err:
        stream_openai(StandIn([chunk(None, "length")]), "m", "Hi")
    assert str(err.value) == (
        "the server streamed no content for model 'm' (finish_reason 'length'); "
        "its max_tokens tokens formed no complete character"
    )
    ticks += [0.0]
    with pytest.raises(RuntimeError) as err:
        stream_openai(StandIn([chunk(None, "stop")]), "m", "Hi")
    assert str(err.value) == (
        "the server streamed no content for model 'm' (finish_reason 'stop'); a chat request "
        "that stops at once usually means a wrong chat template: llama_cpp.server logs "
        "'Using fallback chat format' then"
    )


def test_cache_buster_first_character_cycles() -> None:
    firsts = [endpoints.cache_buster()[0] for _ in range(17)]
    assert len(set(firsts[:16])) == 16 and firsts[16] == firsts[0]


# -- Ollama's native API -----------------------------------------------------------------------


def test_ollama_generate_times_its_own_stream(
    ticks: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = [
        {"response": "Hel"},
        {"response": ""},
        {"response": "lo"},
        {"response": "!"},
        {
            "done": True,
            "eval_count": 6,
            "eval_duration": 600_000_000,
            "prompt_eval_count": 4,
            "prompt_eval_duration": 100_000_000,
            "total_duration": 900_000_000,
        },
    ]
    body = b"\n".join(json.dumps(x).encode() for x in lines) + b"\n\n"
    sent: list[Any] = []

    def urlopen(req: Any, timeout: float) -> io.BytesIO:
        sent.append((req.full_url, json.loads(req.data), timeout))
        return io.BytesIO(body)

    monkeypatch.setattr("urllib.request.urlopen", urlopen)
    ticks += [5.0, 5.2, 5.3, 5.5]
    r, server = ollama_generate("http://h:1/", "g", "Hi", max_tokens=6, bust_cache=False)
    assert sent == [
        (
            "http://h:1/api/generate",
            {
                "model": "g",
                "prompt": "Hi",
                "stream": True,
                "options": {"num_predict": 6, "temperature": 0},
            },
            120.0,
        )
    ]
    assert (r.text, r.output_tokens, r.prompt_tokens, r.token_source) == ("Hello!", 6, 4, "usage")
    assert r.ttft_ms == pytest.approx(200.0) and r.e2e_ms == pytest.approx(500.0)
    assert r.itl_ms == pytest.approx([100.0, 200.0])
    assert r.tpot_ms == pytest.approx(60.0)  # 300 ms over the 5 tokens after the first
    assert server == pytest.approx(
        {
            "e2e_ms": 900.0,
            "prompt_tokens_per_s": 40.0,
            "ttft_ms": 100.0,
            "tokens_per_s": 10.0,
            "tpot_ms": 100.0,
        }
    )
    ticks += [0.0, 0.1]
    monkeypatch.setattr(
        "urllib.request.urlopen", lambda req, timeout: io.BytesIO(b'{"response": "a"}\n')
    )
    r, server = ollama_generate("http://h:1", "g", "Hi")
    assert (r.token_source, r.output_tokens, server) == ("chunks", 1, {})
    ticks += [0.0]
    monkeypatch.setattr("urllib.request.urlopen", lambda req, timeout: io.BytesIO(b""))
    with pytest.raises(RuntimeError) as exc:
        ollama_generate("http://h:1", "g", "Hi")
    assert str(exc.value) == "Ollama streamed no token for model 'g'"


def test_ollama_metrics_leave_out_what_is_missing() -> None:
    assert ollama_metrics({"prompt_eval_count": 0, "prompt_eval_duration": 10**8}) == {}
    assert ollama_metrics({"prompt_eval_count": 5, "prompt_eval_duration": 10**8}) == {
        "prompt_tokens_per_s": 50.0,
        "ttft_ms": 100.0,  # no load_duration: nothing added
    }
    assert ollama_metrics({"total_duration": -1, "eval_count": 2, "eval_duration": 0}) == {}
    assert ollama_metrics({"eval_count": 2.0, "eval_duration": 10**8}) == {}  # not a count
    assert ollama_metrics({"prompt_eval_count": -3, "prompt_eval_duration": 10**8}) == {}


def test_ollama_asks_for_64_tokens_by_default(
    ticks: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[Any] = []

    def urlopen(req: Any, timeout: float) -> io.BytesIO:
        sent.append(json.loads(req.data)["options"])
        return io.BytesIO(b'{"response": "a"}\n')

    monkeypatch.setattr("urllib.request.urlopen", urlopen)
    ticks += [0.0, 0.1]
    ollama_generate("http://h:1", "g", "Hi")
    assert sent == [{"num_predict": 64, "temperature": 0}]


# -- the llm_endpoint fixture's object ---------------------------------------------------------


def test_openai_client_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "openai", SimpleNamespace(OpenAI=lambda **kw: kw))
    assert endpoints.openai_client("http://h:1/v1") == {
        "base_url": "http://h:1/v1",
        "api_key": "local",
        "timeout": 60.0,
    }


def test_endpoint_busts_the_cache_unless_told_not_to(
    ticks: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    client = StandIn([chunk("a", "stop")])
    monkeypatch.setattr(endpoints, "openai_client", lambda url, key: client)

    def sent(endpoint: endpoints.Endpoint, **kw: Any) -> str:
        ticks.extend([0.0, 0.1])
        endpoint.stream("Hi", **kw)
        content: str = client.requests.pop()["messages"][0]["content"]
        return content

    busting, plain = endpoints.Endpoint("u", "m"), endpoints.Endpoint("u", "m", bust_cache=False)
    assert sent(busting) != "Hi" and sent(busting).endswith(": Hi")
    assert sent(busting, bust_cache=False) == "Hi"
    assert sent(plain) == "Hi"
    assert sent(plain, bust_cache=True).endswith(": Hi")


def test_llama_tokenizer_counts_without_the_bos_token(monkeypatch: pytest.MonkeyPatch) -> None:
    class Llama:
        def __init__(self, model_path: str, vocab_only: bool, verbose: bool) -> None:
            assert (model_path, vocab_only, verbose) == ("m.gguf", True, False)

        def tokenize(self, data: bytes, add_bos: bool = True) -> list[int]:
            return [1] * add_bos + [7] * len(data.split())

    monkeypatch.setitem(sys.modules, "llama_cpp", SimpleNamespace(Llama=Llama))
    assert endpoints.llama_tokenizer("m.gguf")("two words") == 2
