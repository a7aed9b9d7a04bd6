"""The GPU layer on a machine without a GPU: a fake at the NVML boundary, the real NVML error
path, numba.cuda in its simulator, pytester runs with a fake inventory."""

from __future__ import annotations

import importlib.util
import json
import math
import re
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_llmcore.core.errors import InputError
from pytest_llmcore.core.units import parse_bytes
from pytest_llmcore.gpu.backend import (
    FakeBackend,
    GpuUnavailable,
    NvmlBackend,
    decode_throttle,
    nvml_reason,
)
from pytest_llmcore.gpu.pinning import assign_gpu
from pytest_llmcore.gpu.requirements import parse_gpu_marker, unmet
from pytest_llmcore.gpu.sampler import ThermalWatch, VramSampler
from pytest_llmcore.gpu.settings import gpu_settings

from .conftest import needs

pytest_plugins = ["pytester"]

GiB = 2**30
LAPTOP = {
    "name": "NVIDIA GeForce RTX 4090 Laptop GPU",
    "compute_capability": "8.9",
    "memory_total": 16 * GiB,
    "memory_used": int(6.7 * GiB),  # 9.3 GiB free
}
H100 = {"name": "NVIDIA H100 80GB HBM3", "compute_capability": "9.0", "memory_total": 80 * GiB}


def fake(*devices: dict[str, Any], **extra: Any) -> FakeBackend:
    return FakeBackend.from_json({"devices": list(devices), **extra})


# -- units of the boundary ----------------------------------------------------------------


HAS_PYNVML = importlib.util.find_spec("pynvml") is not None
#: why this machine (no NVIDIA driver) has no GPU, as the plugin says it
NO_GPU = (
    "NVML library not found: no NVIDIA driver on this machine (libnvidia-ml.so)"
    if HAS_PYNVML
    else "nvidia-ml-py is not installed (pip install pytest-llmcore[gpu])"
)
needs_no_driver = pytest.mark.skipif(
    Path("/proc/driver/nvidia").exists(), reason="needs a machine without an NVIDIA driver"
)


@needs_no_driver
def test_real_nvml_error_path_without_a_driver() -> None:
    with pytest.raises(GpuUnavailable) as exc:
        NvmlBackend()
    assert str(exc.value) == NO_GPU
    assert exc.value.absent is HAS_PYNVML  # no driver library: known to have no GPU


class _Err(Exception):
    """Stands in for pynvml.NVMLError: a code in ``value`` and pynvml's text."""

    def __init__(self, value: int, text: str) -> None:
        super().__init__(text)
        self.value = value


@pytest.mark.parametrize(
    ("exc", "reason"),
    [
        (
            _Err(12, "NVML Shared Library Not Found"),
            "NVML library not found: no NVIDIA driver on this machine (libnvidia-ml.so)",
        ),
        (
            _Err(9, "Driver Not Loaded"),
            "NVIDIA driver not loaded (is the kernel module installed? try nvidia-smi)",
        ),
        (
            _Err(18, "RM has detected an NVML/RM version mismatch."),
            "NVIDIA driver/library version mismatch: reboot after a driver upgrade",
        ),
        (
            _Err(4, "Insufficient Permissions"),
            "no permission to query the GPU through NVML (container or device permissions)",
        ),
        (
            _Err(15, "GPU is lost"),
            "the GPU has fallen off the bus (GPU is lost): reset or reboot the machine",
        ),
        (_Err(999, "Unknown Error"), "NVML error: Unknown Error"),
        (
            RuntimeError("Driver Not Loaded"),
            "NVIDIA driver not loaded (is the kernel module installed? try nvidia-smi)",
        ),
        (ImportError("pynvml"), "nvidia-ml-py is not installed (pip install pytest-llmcore[gpu])"),
    ],
)
def test_nvml_errors_become_one_line_reasons(exc: BaseException, reason: str) -> None:
    assert nvml_reason(exc) == reason


def test_throttle_reasons_in_words() -> None:
    assert decode_throttle(0x4 | 0x40) == ["power cap (software)", "thermal (hardware)"]


# -- requirements -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        (
            {"min_free_vram": "12GiB"},
            "needs 12.00 GiB free VRAM on GPU 0 (NVIDIA GeForce RTX 4090 "
            "Laptop GPU has 9.30 GiB free)",
        ),
        (
            {"min_total_vram": "24GiB"},
            "needs 24.00 GiB total VRAM on GPU 0 (NVIDIA GeForce RTX 4090 "
            "Laptop GPU has 16.00 GiB)",
        ),
        (
            {"compute_capability": ">=9.0"},
            "needs compute capability >=9.0 on GPU 0 (NVIDIA GeForce RTX 4090 Laptop GPU is 8.9)",
        ),
        (
            {"name": "H100"},
            "needs a GPU named 'H100' (GPU 0 is NVIDIA GeForce RTX 4090 Laptop GPU)",
        ),
        ({"count": 2}, "needs 2 GPUs, found 1 (NVIDIA GeForce RTX 4090 Laptop GPU)"),
    ],
)
def test_unmet_requirement_reasons(kwargs: dict[str, Any], reason: str) -> None:
    b = fake(LAPTOP)
    assert unmet(parse_gpu_marker((), kwargs), [b.snapshot(0)]) == reason


def test_met_requirements_and_no_gpu() -> None:
    b = fake(LAPTOP, H100)
    devs = [b.snapshot(0), b.snapshot(1)]
    req = parse_gpu_marker((), {"min_free_vram": "12GiB", "compute_capability": "8.9", "count": 1})
    assert unmet(req, devs) is None  # the H100 qualifies
    assert unmet(parse_gpu_marker((), {"count": 2, "compute_capability": ">=8.0"}), devs) is None
    assert unmet(parse_gpu_marker((), {}), [], "NVML library not found") == (
        "needs a GPU, found none (NVML library not found)"
    )


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        ((1,), {}, "keyword arguments only"),
        ((), {"min_free_vram": "12 gigs"}, "cannot read '12 gigs' as a size"),
        ((), {"count": 0}, "count=0 must be an integer >= 1"),
        ((), {"compute_capability": "sm89"}, "compute_capability='sm89'"),
        ((), {"vram": "1GiB"}, "unknown argument(s) vram"),
    ],
)
def test_bad_marker_arguments(args: tuple[Any, ...], kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_gpu_marker(args, kwargs)


# -- xdist assignment ---------------------------------------------------------------------


def test_assign_gpu_per_worker() -> None:
    assert [assign_gpu(f"gw{i}", 2, "auto", ["0", "1"], False) for i in range(2)] == ["0", "1"]
    assert assign_gpu("gw1", 2, "1,0", ["0", "1"], False) == "0"
    # an outer CUDA_VISIBLE_DEVICES=2,3: positions count inside it
    assert [assign_gpu(f"gw{i}", 2, "auto", ["2", "3"], False, True) for i in range(2)] == [
        "2",
        "3",
    ]
    assert assign_gpu("gw0", 1, "1", ["2", "3"], False, True) == "3"
    assert assign_gpu("gw2", 3, "auto", ["0", "1"], True) == "0"
    mig = "MIG-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
    assert assign_gpu("gw0", 1, "auto", [mig], False, True) == mig
    with pytest.raises(pytest.UsageError, match=re.escape("3 xdist workers but 2 GPU(s) (0, 1)")):
        assign_gpu("gw0", 3, "auto", ["0", "1"], False)
    with pytest.raises(pytest.UsageError, match="GPU 5 does not exist"):
        assign_gpu("gw0", 1, "5", ["0", "1"], False)
    with pytest.raises(
        pytest.UsageError,
        match=re.escape("--llmcore-gpus: no GPU visible under CUDA_VISIBLE_DEVICES"),
    ):
        assign_gpu("gw0", 1, "auto", [], False, True)


# -- samplers -----------------------------------------------------------------------------


def test_vram_sampler_finds_the_peak_of_a_synthetic_curve() -> None:
    curve = [1, 1, 2, 3, 5, 8, 13, 9, 4, 2, 1]
    b = fake(LAPTOP, memory_curve={"0": [v * GiB for v in curve]})
    s = VramSampler(b, 0, hz=500).start()
    deadline = time.monotonic() + 5
    while len(b.memory_curve[0]) > 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    res = s.stop()
    assert res.device_peak == 13 * GiB and res.device_baseline == 1 * GiB
    # the baseline read takes the first value; every later value is sampled at least once
    assert res.device_delta == 12 * GiB and res.samples >= len(curve) - 1
    assert res.hz >= 100
    assert max(v for _, v in res.timeline) == 13 * GiB
    assert "device peak 13.00 GiB (+12.00 GiB over the start)" in res.summary()


def test_thermal_watch_flags_performance_throttling_only() -> None:
    hot = fake({**LAPTOP, "throttle_mask": 0x40 | 0x1, "temperature_c": 87})
    res = ThermalWatch(hot, 0, hz=100).start().stop()
    assert res.throttled and res.reasons == ["thermal (hardware)"] and res.max_temperature_c == 87
    idle = fake({**LAPTOP, "throttle_mask": 0x1})
    assert not ThermalWatch(idle, 0).start().stop().throttled
    assert ThermalWatch(idle, 0).start().stop().summary().endswith("; not throttled")


def test_unknown_throttle_reasons_are_never_reported_as_not_throttled() -> None:
    b = fake(LAPTOP)
    b.devices[0] = replace(
        b.devices[0], throttle_mask=None, unknown={"throttle": "not supported by this GPU"}
    )
    res = ThermalWatch(b, 0, hz=100).start().stop()
    assert res.throttle_mask is None and not res.throttled
    assert res.summary() == (
        "max 45 °C; SM clock down to 2100 of 2520 MHz; throttle reasons: not supported by this "
        "GPU (throttling can't be ruled out)"
    )


def test_cc_unknown_is_an_unmet_requirement_with_its_reason() -> None:
    d = replace(
        fake(LAPTOP).snapshot(0),
        compute_capability=None,
        unknown={"compute_capability": "not supported by this GPU"},
    )
    assert unmet(parse_gpu_marker((), {"compute_capability": "8.0"}), [d]) == (
        "needs compute capability >=8.0 on GPU 0 (NVIDIA GeForce RTX 4090 Laptop GPU does not "
        "report it: not supported by this GPU)"
    )


# -- numba.cuda in the simulator ----------------------------------------------------------


@needs("numba", "numpy")
def test_numba_cuda_kernel_runs_in_the_simulator() -> None:
    code = """
import os
os.environ["NUMBA_ENABLE_CUDASIM"] = "1"
import numpy as np
from numba import cuda

@cuda.jit
def add(a, b, out):
    i = cuda.grid(1)
    if i < out.size:
        out[i] = a[i] + b[i]

a = np.arange(64, dtype=np.float32)
out = np.zeros_like(a)
add[2, 32](a, a, out)
print(float(out.sum()))
"""
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert float(res.stdout) == 2 * sum(range(64))


# -- the plugin, with a fake inventory ----------------------------------------------------


@needs_no_driver
def test_no_gpu_skips_and_strict_fails(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        "import pytest\n@pytest.mark.gpu\ndef test_x(): pass\ndef test_fixture(gpu): pass\n"
    )
    res = pytester.runpytest_subprocess("--llmcore", "-p", "no:cacheprovider", "-rs")
    res.assert_outcomes(skipped=2)
    assert f"needs a GPU, found none ({NO_GPU})" in res.stdout.str()
    strict = pytester.runpytest_subprocess(
        "--llmcore", "--llmcore-require-gpu", "-p", "no:cacheprovider"
    )
    assert strict.ret == pytest.ExitCode.TESTS_FAILED
    strict.assert_outcomes(failed=1, errors=1)  # the fixture fails at setup


@needs_no_driver
def test_doctor_text_and_json_on_this_machine() -> None:
    llmcore = Path(sys.executable).parent / "llmcore"
    text = subprocess.run([str(llmcore), "doctor"], capture_output=True, text=True)
    assert text.returncode == 0
    assert "pytest-llmcore doctor" in text.stdout and "not GPU-ready" in text.stdout
    assert "export PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True" in text.stdout
    js = subprocess.run(
        [str(llmcore), "doctor", "--json", "--expect-gpu"], capture_output=True, text=True
    )
    assert js.returncode == 1
    data = json.loads(js.stdout)
    assert data["gpu_ready"] is False and data["nvml"] == {"available": False, "reason": NO_GPU}
    assert data["torch"]["installed"] is (importlib.util.find_spec("torch") is not None)
    assert data["problems"][0] == f"NVML: {NO_GPU}"


def test_doctor_with_a_fake_gpu(tmp_path: Path) -> None:
    path = tmp_path / "gpus.json"
    path.write_text(json.dumps({"devices": [{**LAPTOP, "throttle_mask": 0x20}]}))
    llmcore = Path(sys.executable).parent / "llmcore"
    res = subprocess.run(
        [str(llmcore), "doctor"],
        capture_output=True,
        text=True,
        env={**__import__("os").environ, "LLMCORE_FAKE_GPUS": str(path)},
    )
    assert (
        "GPU 0       NVIDIA GeForce RTX 4090 Laptop GPU (cc 8.9), 16.00 GiB total, 9.30 GiB free"
        in res.stdout
    )
    assert "clock events: thermal (software)" in res.stdout


# -- fuzz: every marker argument and setting either works or is a one-line error -----------

_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["12GiB", "1e400GiB", ">=8.9", "nan", "-1", "30s", "fast", "inf GiB"]),
    st.lists(st.integers(), max_size=2),
)


@given(
    st.lists(_values, max_size=2),
    st.dictionaries(
        st.sampled_from(
            ["count", "min_free_vram", "min_total_vram", "compute_capability", "name", "x"]
        ),
        _values,
        max_size=4,
    ),
)
def test_marker_arguments_work_or_fail_in_one_line(args: list[Any], kwargs: dict[str, Any]) -> None:
    try:
        req = parse_gpu_marker(tuple(args), kwargs, "llmcore_gpu")
    except ValueError as exc:
        assert str(exc).startswith("@pytest.mark.llmcore_gpu") and "\n" not in str(exc)
    else:  # accepted: each argument is kept as given (sizes as parse_bytes reads them)
        assert not args
        assert req.count == kwargs.get("count", 1)
        assert req.name == kwargs.get("name")
        for key in ("min_free_vram", "min_total_vram"):
            given = kwargs.get(key)
            assert getattr(req, key) == (None if given is None else parse_bytes(given))
        assert (req.cc is None) is (kwargs.get("compute_capability") is None)


@given(
    st.dictionaries(
        st.sampled_from(
            [
                "vram-wait",
                "share",
                "throttle",
                "sample-hz",
                "cuda-alloc-conf",
                "numba-simulator",
                "gpu-alias",
            ]
        ),
        _values,
        max_size=4,
    )
)
def test_gpu_settings_work_or_fail_in_one_line(table: dict[str, Any]) -> None:
    try:
        s = gpu_settings({"gpu": table})
    except InputError as exc:
        assert str(exc).startswith("[tool.llmcore.gpu]") and "\n" not in str(exc)
    else:  # accepted: each key is what the table says, or its documented default
        assert math.isfinite(s.vram_wait_s) and s.vram_wait_s >= 0
        wait = table.get("vram-wait", 30)
        if isinstance(wait, (int, float)):
            assert s.vram_wait_s == float(wait)
        assert s.sample_hz == float(table.get("sample-hz", 200.0))
        assert s.share is table.get("share", False)
        assert s.throttle == table.get("throttle", "warn")
        assert s.numba_simulator is table.get("numba-simulator", True)
        assert s.gpu_alias is table.get("gpu-alias", True)
        alloc = table.get("cuda-alloc-conf", "expandable_segments:True")
        assert s.cuda_alloc_conf == (None if alloc is False or alloc == "" else alloc)
