"""Crafted GGUF headers (issue 11, class 3): one error naming the field and the file, never a
traceback, a hang or a huge allocation; in read_gguf, `llmcore fit` and the llama_model
fixture."""

from __future__ import annotations

import hashlib
import signal
import struct
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_llmcore.core.errors import InputError
from pytest_llmcore.llm.fit import plan_fit, render_fit
from pytest_llmcore.llm.gguf_info import read_gguf

from .conftest import FIXTURES, require

pytest_plugins = ["pytester"]
LLMCORE = [sys.executable, "-m", "pytest_llmcore"]
U32, U64, F32, STR, ARR = 4, 10, 6, 8, 9


def s(text: str) -> bytes:
    raw = text.encode()
    return struct.pack("<Q", len(raw)) + raw


def kv(key: str, vtype: int, payload: bytes) -> bytes:
    return s(key) + struct.pack("<I", vtype) + payload


def u32(key: str, v: int) -> bytes:
    return kv(key, U32, struct.pack("<I", v))


def gguf(*pairs: bytes, n_tensors: int = 0, tail: bytes = b"") -> bytes:
    return b"GGUF" + struct.pack("<IQQ", 3, n_tensors, len(pairs)) + b"".join(pairs) + tail


def llama(**override: bytes) -> bytes:
    """A valid metadata-only llama header, with some fields replaced."""
    fields = {
        "general.architecture": kv("general.architecture", STR, s("llama")),
        "llama.block_count": u32("llama.block_count", 2),
        "llama.embedding_length": u32("llama.embedding_length", 256),
        "llama.attention.head_count": u32("llama.attention.head_count", 4),
        "llama.attention.head_count_kv": u32("llama.attention.head_count_kv", 2),
    }
    fields.update(override)
    return gguf(*fields.values())


def nested(depth: int) -> bytes:
    payload = struct.pack("<IQ", U32, 0)
    for _ in range(depth - 1):
        payload = struct.pack("<IQ", ARR, 1) + payload
    return payload


HOSTILE = {
    "block_count_2_62": (
        llama(**{"llama.block_count": kv("llama.block_count", U64, struct.pack("<Q", 2**62))}),
        "field 'llama.block_count': 4611686018427387904 is outside 0..65,536",
    ),
    "string_length_2_40": (
        gguf(struct.pack("<Q", 2**40) + b"general.name"),
        "key #0: string length 1,099,511,627,776 needs at least 1,099,511,627,776 bytes, "
        "only 12 left",
    ),
    "array_count_2_61": (
        gguf(kv("tokenizer.ggml.tokens", ARR, struct.pack("<IQ", STR, 2**61))),
        "field 'tokenizer.ggml.tokens': array length 2,305,843,009,213,693,952 needs at least "
        "18,446,744,073,709,551,616 bytes, only 0 left",
    ),
    "nesting_5000": (
        gguf(kv("x", ARR, nested(5000))),
        "field 'x': arrays nested more than 4 deep",
    ),
    "head_count_kv_empty": (
        llama(
            **{
                "llama.attention.head_count_kv": kv(
                    "llama.attention.head_count_kv", ARR, struct.pack("<IQ", U32, 0)
                )
            }
        ),
        "field 'llama.attention.head_count_kv': an empty per-layer array",
    ),
    "block_count_inf": (
        llama(
            **{"llama.block_count": kv("llama.block_count", F32, struct.pack("<f", float("inf")))}
        ),
        "field 'llama.block_count': expected an integer, got float inf",
    ),
    "architecture_number": (
        llama(**{"general.architecture": u32("general.architecture", 7)}),
        "field 'general.architecture': expected a string, got int 7",
    ),
    "n_kv_2_60": (
        b"GGUF" + struct.pack("<IQQ", 3, 0, 2**60),
        "header: key/value count 1,152,921,504,606,846,976 needs at least "
        "14,987,979,559,889,010,688 bytes, only 0 left",
    ),
    "n_tensors_2_62": (
        llama().replace(struct.pack("<IQ", 3, 0), struct.pack("<IQ", 3, 2**62), 1),
        "tensor count 4,611,686,018,427,387,904 does not fit in the file",
    ),
    "version_1": (
        b"GGUF" + struct.pack("<IQQ", 1, 0, 0),
        "GGUF version 1 is not supported (2 or 3)",
    ),
    "truncated": (llama()[:-3], "truncated file (in field 'llama.attention.head_count_kv')"),
}


#: well-formed headers whose values make no sense (the others cannot be read at all)
_SEMANTIC = {"architecture_number", "block_count_2_62", "block_count_inf", "head_count_kv_empty"}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_crafted_header_is_one_error_naming_field_and_file(tmp_path: Path, case: str) -> None:
    data, message = HOSTILE[case]
    path = tmp_path / f"{case}.gguf"
    path.write_bytes(data)
    with pytest.raises(InputError) as info:
        read_gguf(path)
    # the whole message: the file, what kind of damage, the field and its value
    kind = "implausible GGUF metadata" if case in _SEMANTIC else "not a readable GGUF file"
    assert str(info.value) == f"{path}: {kind}: {message}"


def test_block_count_2_62_is_an_error_in_llmcore_fit(tmp_path: Path) -> None:
    path = tmp_path / "huge.gguf"
    path.write_bytes(HOSTILE["block_count_2_62"][0])
    assert len(path.read_bytes()) < 470
    out = subprocess.run(
        [*LLMCORE, "fit", str(path), "--vram", "8GiB"], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr == (
        f"llmcore fit: {path}: implausible GGUF metadata: field 'llama.block_count': "
        "4611686018427387904 is outside 0..65,536\n"
    )


def test_hostile_model_in_the_llama_model_fixture(pytester: pytest.Pytester) -> None:
    bad = pytester.path / "bad.gguf"
    bad.write_bytes(HOSTILE["head_count_kv_empty"][0])
    pytester.makepyfile("""
def test_load(llama_model):
    llama_model(n_gpu_layers=0)
""")
    res = pytester.runpytest_subprocess("-p", "no:cacheprovider", f"--llmcore-model={bad}")
    res.assert_outcomes(failed=1)
    res.stdout.fnmatch_lines(
        [f"*{bad}: implausible GGUF metadata: field 'llama.attention.head_count_kv': an empty*"]
    )
    assert "Traceback" not in res.stdout.str()


def test_fit_with_a_head_size_no_quantized_cache_can_hold(tmp_path: Path) -> None:
    path = tmp_path / "odd.gguf"
    path.write_bytes(llama(**{"llama.attention.key_length": u32("llama.attention.key_length", 33)}))
    out = subprocess.run(
        [*LLMCORE, "fit", str(path), "--vram", "8GiB"], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert "KV q8_0  unavailable: the model's K/V rows are not whole blocks" in out.stdout
    assert "recommended: KV f16" in out.stdout


def test_per_layer_head_counts_use_the_largest(tmp_path: Path) -> None:
    arr = struct.pack("<IQ", U32, 2) + struct.pack("<II", 2, 8)
    path = tmp_path / "per-layer.gguf"
    path.write_bytes(
        llama(**{"llama.attention.head_count_kv": kv("llama.attention.head_count_kv", ARR, arr)})
    )
    assert read_gguf(path).n_head_kv == 8


# -- fuzzing: mutations of the tiny model's header --------------------------------------------


@pytest.fixture(scope="module")
def tiny_header(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    require("gguf", "numpy")  # make_tiny_gguf writes with the gguf package
    sys.path.insert(0, str(FIXTURES / "models"))
    try:
        from make_tiny_gguf import write
    finally:
        sys.path.pop(0)
    data = write(tmp_path_factory.mktemp("tiny") / "tiny.gguf").read_bytes()
    assert hashlib.sha256(data).hexdigest().startswith("d9af9730")
    return data[:12_000]  # the header and the first tensor bytes: what the reader looks at


class _Hang(Exception):
    pass


@pytest.fixture
def no_hang() -> Iterator[None]:
    """Turn a read that takes over 10 s into a failure instead of a stuck suite."""

    def alarm(_sig: int, _frame: FrameType | None) -> None:
        raise _Hang("read_gguf took over 10 s")

    old = signal.signal(signal.SIGALRM, alarm)
    yield
    signal.signal(signal.SIGALRM, old)


_EXTREMES = [0, 1, 2**31, 2**32 - 1, 2**40, 2**61, 2**62, 2**64 - 1]


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    edits=st.lists(
        st.tuples(
            st.integers(0, 11_990),
            st.one_of(
                st.sampled_from(_EXTREMES).map(lambda v: struct.pack("<Q", v)),
                st.binary(min_size=1, max_size=8),
            ),
        ),
        max_size=4,
    ),
    cut=st.one_of(st.none(), st.integers(0, 12_000)),
)
def test_mutated_headers_never_raise_anything_else(
    tiny_header: bytes,
    tmp_path_factory: pytest.TempPathFactory,
    no_hang: None,
    edits: list[tuple[int, bytes]],
    cut: int | None,
) -> None:
    data = bytearray(tiny_header)
    for at, raw in edits:
        data[at : at + len(raw)] = raw
    if cut is not None:
        del data[cut:]
    path = tmp_path_factory.getbasetemp() / "mutated.gguf"
    path.write_bytes(bytes(data))
    signal.alarm(10)
    try:
        info = read_gguf(path)
    except InputError as exc:
        assert str(exc).startswith(f"{path}: ") and "\n" not in str(exc)
    else:
        assert 0 < info.n_layer <= 2**16 and 0 < info.n_head_kv <= 2**16
        plan = plan_fit(info, 8 * 2**30, 4096)  # what `llmcore fit` does next
        assert render_fit(plan).startswith(f"{path}: n_ctx 4096")
    finally:
        signal.alarm(0)
