"""``llmcore fit`` and KV sizes at their boundaries (issue 17): exactly enough VRAM fits,
one byte less does not; the runtime reserve counts; partial offload's layer count; the
settings printed; KV bytes per cache type, padding and sliding window.

A Llama-3-8B shape is built in memory (no file): 32 layers, 8 KV heads of 128, so the f16 KV
cache is 128 KiB per token; the compute-buffer estimate for a 32,000-token vocabulary and
4096-wide embeddings is 4 * 512 * (32000 + 8 * 4096) = 132,644,864 bytes.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from pytest_llmcore.cli import main
from pytest_llmcore.llm.fit import FitPlan, plan_fit, render_fit, settings
from pytest_llmcore.llm.gguf_info import ModelInfo
from pytest_llmcore.llm.kv import (
    KvLine,
    analytic_kv_bytes,
    ggml_type_id,
    padded_cells,
    parse_kv_lines,
)

from .helpers.gguf_meta import write_llama3_8b_meta

GiB, MiB = 2**30, 2**20
COMPUTE = 132_644_864
RESERVE = 512 * MiB
#: KV bytes at n_ctx 1024 (32 layers x 1024 cells x (K + V) rows of 1024 values)
KV_1K = {"f16": 128 * MiB, "q8_0": 68 * MiB, "q4_0": 36 * MiB}


def llama3_8b(head_dim: int = 128, n_vocab: int = 32_000) -> ModelInfo:
    return ModelInfo(
        path="m.gguf",
        architecture="llama",
        name="m",
        n_layer=32,
        n_embd=4096,
        n_head=32,
        n_head_kv=8,
        head_dim_k=head_dim,
        head_dim_v=head_dim,
        n_ctx_train=8192,
        sliding_window=None,
        swa_layers=0,
        file_size=4 * GiB,
        weight_type="Q4_K",
        n_params=0,
        n_vocab=n_vocab,
    )


def total(cache: str, weights: int = 4 * GiB, reserve: int = RESERVE) -> int:
    return weights + KV_1K[cache] + COMPUTE + reserve


def test_kv_and_compute_figures() -> None:
    plan = plan_fit(llama3_8b(), 64 * GiB, 1024)
    assert plan.kv == KV_1K
    assert plan.compute == COMPUTE and plan.reserve == RESERVE and plan.weights == 4 * GiB
    assert plan.fits == {"f16": True, "q8_0": True, "q4_0": True}
    # the compute buffer follows the model's vocabulary
    assert plan_fit(llama3_8b(n_vocab=0), 64 * GiB, 1024).compute == 4 * 512 * 8 * 4096


@pytest.mark.parametrize("reserve", [RESERVE, 0, 1])
def test_exactly_enough_vram_fits_and_one_byte_less_does_not(reserve: int) -> None:
    info = llama3_8b()
    exact = plan_fit(info, total("f16", reserve=reserve), 1024, reserve=reserve)
    assert (exact.cache_type, exact.n_gpu_layers, exact.flash_attn, exact.note) == (
        "f16",
        -1,
        True,
        "",
    )
    short = plan_fit(info, total("f16", reserve=reserve) - 1, 1024, reserve=reserve)
    assert short.fits == {"f16": False, "q8_0": True, "q4_0": True}
    assert (short.cache_type, short.n_gpu_layers) == ("q8_0", -1)
    assert short.note == "f16 KV (128.00 MiB) does not fit; q8_0 does"
    q4 = plan_fit(info, total("q8_0", reserve=reserve) - 1, 1024, reserve=reserve)
    assert (q4.cache_type, q4.n_gpu_layers) == ("q4_0", -1)
    assert q4.note == "f16 KV (128.00 MiB) does not fit; q4_0 does"


def test_the_default_reserve_is_512_mib_and_counts() -> None:
    info = llama3_8b()
    without = total("f16", reserve=0)
    assert plan_fit(info, without, 1024).n_gpu_layers == 28  # the reserve is not free VRAM
    assert plan_fit(info, without + RESERVE, 1024).cache_type == "f16"
    assert plan_fit(info, without + RESERVE - 1, 1024).cache_type == "q8_0"


def test_partial_offload_counts_whole_layers_that_fit() -> None:
    # weights chosen so one layer of weights + q4_0 KV is exactly 1 GiB
    weights = 32 * GiB - KV_1K["q4_0"]
    info = llama3_8b()
    for room, layers in [(5 * GiB, 5), (5 * GiB - 1, 4), (0, 0), (-1, 0), (-GiB, 0)]:
        plan = plan_fit(info, COMPUTE + RESERVE + room, 1024, weights=weights)
        assert plan.fits == {"f16": False, "q8_0": False, "q4_0": False}
        assert (plan.cache_type, plan.n_gpu_layers, plan.flash_attn) == ("q4_0", layers, True)
        assert plan.note == (
            f"does not fit whole even with q4_0 KV: offload {layers} of 32 layers "
            "(1.00 GiB each), the rest runs on the CPU"
        )
    fits_whole = plan_fit(info, COMPUTE + RESERVE + 32 * GiB, 1024, weights=weights)
    assert (fits_whole.cache_type, fits_whole.n_gpu_layers) == ("q4_0", -1)


def test_a_layer_is_offloaded_only_when_all_of_it_fits() -> None:
    # 32 layers of 1 GiB + 0.5 byte each: 5 GiB + 1 byte holds 4 of them, not 5
    weights = 32 * GiB + 16 - KV_1K["q4_0"]
    plan = plan_fit(llama3_8b(), COMPUTE + RESERVE + 5 * GiB + 1, 1024, weights=weights)
    assert plan.n_gpu_layers == 4
    one = dataclasses.replace(llama3_8b(), n_layer=1)  # a one-layer model: all or nothing
    kv = 1024 * 1024 * 2 * 18 // 32  # one layer of q4_0 K and V rows at 1024 cells
    plan = plan_fit(one, COMPUTE + RESERVE + (GiB + kv) * 3 // 4, 1024, weights=GiB)
    assert (plan.cache_type, plan.n_gpu_layers) == ("q4_0", 0)


def test_a_head_size_quantized_caches_cannot_use_leaves_f16_only() -> None:
    info = llama3_8b(head_dim=18)  # 8 heads x 18 = 144 values: not whole blocks of 32
    plan = plan_fit(info, 64 * GiB, 1024)
    assert plan.kv == {"f16": 32 * 1024 * 2 * 144 * 2}
    assert plan.fits == {"f16": True, "q8_0": False, "q4_0": False}
    assert plan.cache_type == "f16"
    small = plan_fit(info, COMPUTE + RESERVE + 2 * GiB, 1024, weights=32 * GiB)
    assert small.cache_type == "f16" and small.n_gpu_layers == 1  # 2 GiB / 1.0005 GiB
    lines = render_fit(small).splitlines()
    assert lines[3:5] == [
        "  KV q8_0  unavailable: the model's K/V rows are not whole blocks",
        "  KV q4_0  unavailable: the model's K/V rows are not whole blocks",
    ]


def test_settings_for_full_partial_and_no_flash_attention() -> None:
    full = plan_fit(llama3_8b(), 64 * GiB, 1024)
    assert settings(full) == {
        "llama_cpp_python": "Llama(model_path='m.gguf', n_ctx=1024, n_gpu_layers=-1, "
        "flash_attn=True)",
        "llama_cpp": "-ngl 99 -c 1024 -fa on",
        "ollama": "options num_gpu=999 num_ctx=1024; server env OLLAMA_FLASH_ATTENTION=1",
    }
    part = FitPlan("m.gguf", GiB, 2048, 0, 0, 0, 32, cache_type="q4_0", n_gpu_layers=5)
    assert settings(part) == {
        "llama_cpp_python": "Llama(model_path='m.gguf', n_ctx=2048, n_gpu_layers=5, "
        "flash_attn=True, type_k=2, type_v=2)",
        "llama_cpp": "-ngl 5 -c 2048 -fa on --cache-type-k q4_0 --cache-type-v q4_0",
        "ollama": "options num_gpu=5 num_ctx=2048; server env OLLAMA_FLASH_ATTENTION=1 "
        "OLLAMA_KV_CACHE_TYPE=q4_0",
    }
    no_fa = FitPlan("m.gguf", GiB, 512, 0, 0, 0, 32, flash_attn=False, n_gpu_layers=0)
    assert settings(no_fa)["llama_cpp"] == "-ngl 0 -c 512"
    assert settings(no_fa)["ollama"].endswith("OLLAMA_FLASH_ATTENTION=0")
    assert "flash_attn=False)" in settings(no_fa)["llama_cpp_python"]


def test_render_fit_whole_text() -> None:
    plan = plan_fit(llama3_8b(), total("f16") - 1, 1024)
    assert render_fit(plan) == "\n".join(
        [
            "m.gguf: n_ctx 1024, VRAM 4.75 GiB",
            "  weights 4.00 GiB, compute buffer ~126.50 MiB, reserve 512.00 MiB",
            "  KV f16    128.00 MiB  total    4.75 GiB  does not fit",
            "  KV q8_0    68.00 MiB  total    4.69 GiB  fits",
            "  KV q4_0    36.00 MiB  total    4.66 GiB  fits",
            "recommended: KV q8_0, flash attention on, offload all layers "
            "(f16 KV (128.00 MiB) does not fit; q8_0 does)",
            "  llama-cpp-python: Llama(model_path='m.gguf', n_ctx=1024, n_gpu_layers=-1, "
            "flash_attn=True, type_k=8, type_v=8)",
            "  llama.cpp:        -ngl 99 -c 1024 -fa on --cache-type-k q8_0 --cache-type-v q8_0",
            "  Ollama:           options num_gpu=999 num_ctx=1024; server env "
            "OLLAMA_FLASH_ATTENTION=1 OLLAMA_KV_CACHE_TYPE=q8_0",
        ]
    )
    js = plan.to_json()
    assert js["settings"] == settings(plan) and js["cache_type"] == "q8_0"
    assert js["kv"] == KV_1K and js["n_layer"] == 32


# -- the command: exit status and recommendation at the boundary, with and without reserve --


@pytest.fixture(scope="module")
def meta_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same shape as a metadata-only GGUF file (no weights: --weights gives them)."""
    return write_llama3_8b_meta(tmp_path_factory.mktemp("meta"))


def fit(model: Path, vram: int, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str]:
    argv = ["fit", str(model), "--vram", str(vram), "--ctx", "1024", "--weights", "4GiB", *extra]
    code = main(argv)
    out = capsys.readouterr()
    assert out.err == ""
    recommended = [ln for ln in out.out.splitlines() if ln.startswith("recommended:")]
    return code, recommended[0]


@pytest.mark.parametrize(
    ("vram", "extra", "code", "recommended"),
    [
        (total("f16"), (), 0, "recommended: KV f16, flash attention on, offload all layers"),
        (
            total("f16") - 1,
            (),
            0,
            "recommended: KV q8_0, flash attention on, offload all layers "
            "(f16 KV (128.00 MiB) does not fit; q8_0 does)",
        ),
        (
            total("f16", reserve=0),
            ("--reserve", "0"),
            0,
            "recommended: KV f16, flash attention on, offload all layers",
        ),
        (  # without --reserve 0 the same VRAM holds 28 layers: 3712 MiB / 129.125 MiB
            total("f16", reserve=0),
            (),
            1,
            "recommended: KV q4_0, flash attention on, offload 28 of 32 layers "
            "(does not fit whole even with q4_0 KV: offload 28 of 32 layers (129.12 MiB each), "
            "the rest runs on the CPU)",
        ),
        (
            total("q4_0"),
            (),
            0,
            "recommended: KV q4_0, flash attention on, offload all layers "
            "(f16 KV (128.00 MiB) does not fit; q4_0 does)",
        ),
        (
            total("q4_0") - 1,
            (),
            1,
            "recommended: KV q4_0, flash attention on, offload 31 of 32 layers "
            "(does not fit whole even with q4_0 KV: offload 31 of 32 layers (129.12 MiB each), "
            "the rest runs on the CPU)",
        ),
        (
            total("q4_0", reserve=0) - 1,
            ("--reserve", "0"),
            1,
            "recommended: KV q4_0, flash attention on, offload 31 of 32 layers "
            "(does not fit whole even with q4_0 KV: offload 31 of 32 layers (129.12 MiB each), "
            "the rest runs on the CPU)",
        ),
    ],
)
def test_llmcore_fit_exit_status_and_recommendation_at_the_boundary(
    meta_model: Path,
    capsys: pytest.CaptureFixture[str],
    vram: int,
    extra: tuple[str, ...],
    code: int,
    recommended: str,
) -> None:
    assert fit(meta_model, vram, capsys, *extra) == (code, recommended)


# -- KV sizes ----------------------------------------------------------------------------------


def gemma3_270m() -> ModelInfo:
    """Gemma 3 270M's attention shape: 18 layers, 15 of them sliding-window (512 tokens)."""
    return ModelInfo(
        path="g.gguf",
        architecture="gemma3",
        name="g",
        n_layer=18,
        n_embd=640,
        n_head=4,
        n_head_kv=1,
        head_dim_k=256,
        head_dim_v=256,
        n_ctx_train=32768,
        sliding_window=512,
        swa_layers=15,
        file_size=0,
        weight_type="Q4_K",
        n_params=0,
    )


def test_kv_cells_are_padded_to_256() -> None:
    assert [padded_cells(n) for n in (1, 255, 256, 257, 512, 513)] == [
        256,
        256,
        256,
        512,
        512,
        768,
    ]
    f16 = analytic_kv_bytes(llama3_8b(), 257)  # 512 cells of 128 KiB
    assert (f16.k, f16.v, f16.total) == (32 * MiB, 32 * MiB, 64 * MiB)
    assert f16.caches == (("full", 32, 512, 64 * MiB),)


def test_kv_k_and_v_types_apart() -> None:
    kv = analytic_kv_bytes(llama3_8b(), 1024, "f16", "q4_0")
    assert (kv.k, kv.v) == (64 * MiB, 18 * MiB)
    kv = analytic_kv_bytes(llama3_8b(), 1024, "q8_0", "f32")
    assert (kv.k, kv.v) == (34 * MiB, 128 * MiB)


def test_sliding_window_caches() -> None:
    info = gemma3_270m()
    full = analytic_kv_bytes(info, 4096)
    assert full.total == 72 * MiB
    assert full.caches == (("non-SWA", 3, 4096, 12 * MiB), ("SWA", 15, 4096, 60 * MiB))
    window = analytic_kv_bytes(info, 4096, full_swa=False)  # SWA cells: the window only
    assert window.caches == (("non-SWA", 3, 4096, 12 * MiB), ("SWA", 15, 512, 7.5 * MiB))
    assert (window.k, window.v) == (9.75 * MiB, 9.75 * MiB)
    short = analytic_kv_bytes(info, 100, full_swa=False)  # a context shorter than the window
    assert short.caches == (("non-SWA", 3, 256, 0.75 * MiB), ("SWA", 15, 256, 3.75 * MiB))
    assert analytic_kv_bytes(info, 4096, "q4_0", "q4_0").total == 20.25 * MiB
    # a model without a window: full_swa changes nothing
    assert analytic_kv_bytes(llama3_8b(), 1024, full_swa=False) == analytic_kv_bytes(
        llama3_8b(), 1024
    )


@pytest.mark.parametrize(
    ("cache", "row_bytes", "type_id"),
    [  # one row of 1024 values; block sizes and type ids are llama.cpp's (ggml.h)
        ("f32", 4096, 0),
        ("f16", 2048, 1),
        ("bf16", 2048, 30),
        ("q8_0", 1088, 8),
        ("q4_0", 576, 2),
        ("q4_1", 640, 3),
        ("q5_0", 704, 6),
        ("q5_1", 768, 7),
        ("iq4_nl", 576, 20),
    ],
)
def test_every_cache_type_size_and_id(cache: str, row_bytes: int, type_id: int) -> None:
    kv = analytic_kv_bytes(llama3_8b(), 256, cache, "f16")  # 32 layers x 256 cells
    assert kv.k == 32 * 256 * row_bytes and kv.v == 32 * 256 * 2048
    assert kv.caches == (("full", 32, 256, 32 * 256 * (row_bytes + 2048)),)
    assert ggml_type_id(cache) == type_id


def test_kv_type_refusals_are_exact() -> None:
    assert [ggml_type_id(t) for t in ("f32", "f16", "q8_0", "q4_0")] == [0, 1, 8, 2]
    with pytest.raises(ValueError) as exc:
        ggml_type_id("int8")
    assert str(exc.value) == (
        "unknown KV cache type 'int8' (use f32, f16, bf16, q8_0, q4_0, q4_1, q5_0, q5_1, iq4_nl)"
    )
    with pytest.raises(ValueError) as exc:
        analytic_kv_bytes(llama3_8b(head_dim=18), 1024, "f16", "q8_0")
    assert str(exc.value) == (
        "a q8_0 cache needs rows that are a multiple of 32 values "
        "(this model's head dimension gives 144)"
    )


def test_parse_kv_lines_fields() -> None:
    log = [
        "llama_kv_cache_unified: size =   64.00 MiB (  1024 cells,  32 layers,  1 seqs), "
        "K (f16):   32.00 MiB, V (q8_0):   17.00 MiB",
        "llama_kv_cache: size = 1.50 MiB (256 cells, 2 layers, 1/1 seqs), "
        "K (q4_0): 0.50 MiB, V (f16): 1.00 MiB",
        "llama_context: KV self size = 64.00 MiB",
    ]
    assert parse_kv_lines(log) == [
        KvLine(1024, 32, "f16", 32.0 * MiB, "q8_0", 17.0 * MiB),
        KvLine(256, 2, "q4_0", 0.5 * MiB, "f16", 1.0 * MiB),
    ]
    assert parse_kv_lines(log)[0].total == 49 * MiB
    with pytest.raises(dataclasses.FrozenInstanceError):  # parsed figures are not edited
        parse_kv_lines(log)[0].cells = 1  # type: ignore[misc]
