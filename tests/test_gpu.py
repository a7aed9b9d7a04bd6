"""The GPU layer on a machine without a GPU: a fake at the NVML boundary, the real NVML error
path, numba.cuda in its simulator, pytester runs with a fake inventory."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from pytest_llmcore.gpu.backend import (
    FakeBackend,
    GpuUnavailable,
    NvmlBackend,
    decode_throttle,
    nvml_reason,
    visible_indices,
)
from pytest_llmcore.gpu.plugin import assign_gpu
from pytest_llmcore.gpu.requirements import parse_gpu_marker, unmet
from pytest_llmcore.gpu.sampler import ThermalWatch, VramSampler

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


def test_real_nvml_error_path_without_a_driver() -> None:
    with pytest.raises(GpuUnavailable) as exc:
        NvmlBackend()
    assert str(exc.value) in (
        "NVML library not found: no NVIDIA driver on this machine (libnvidia-ml.so)",
        "nvidia-ml-py is not installed (pip install pytest-llmcore[gpu])",
    )


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("NVML Shared Library Not Found", "NVML library not found"),
        ("Driver Not Loaded", "NVIDIA driver not loaded"),
        ("Driver/library version mismatch", "version mismatch: reboot"),
        ("Insufficient Permissions", "no permission"),
        ("GPU is lost", "fallen off the bus"),
        ("Unknown Error", "NVML error: Unknown Error"),
    ],
)
def test_nvml_errors_become_one_line_reasons(text: str, reason: str) -> None:
    assert reason in nvml_reason(RuntimeError(text))


def test_throttle_reasons_in_words() -> None:
    assert decode_throttle(0x4 | 0x40) == ["power cap (software)", "thermal (hardware)"]


def test_visible_indices_follow_cuda_visible_devices() -> None:
    assert visible_indices(4, {}) is None
    assert visible_indices(4, {"CUDA_VISIBLE_DEVICES": "2,0"}) == [2, 0]
    assert visible_indices(4, {"CUDA_VISIBLE_DEVICES": "1,7,2"}) == [1]  # CUDA stops at 7
    assert visible_indices(4, {"CUDA_VISIBLE_DEVICES": ""}) == []


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
    assert [assign_gpu(f"gw{i}", 2, "auto", 2, None, False) for i in range(2)] == ["0", "1"]
    assert assign_gpu("gw1", 2, "1,0", 2, None, False) == "0"
    # an outer CUDA_VISIBLE_DEVICES=2,3: indices map through it
    assert [assign_gpu(f"gw{i}", 2, "auto", 4, [2, 3], False) for i in range(2)] == ["2", "3"]
    assert assign_gpu("gw2", 3, "auto", 2, None, True) == "0"
    with pytest.raises(pytest.UsageError, match="3 xdist workers but 2 GPU"):
        assign_gpu("gw0", 3, "auto", 2, None, False)
    with pytest.raises(pytest.UsageError, match="GPU 5 does not exist"):
        assign_gpu("gw0", 1, "5", 2, None, False)


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


@pytest.fixture
def fake_gpus(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = pytester.path / "gpus.json"
    path.write_text(json.dumps({"devices": [LAPTOP]}))
    monkeypatch.setenv("LLMCORE_FAKE_GPUS", str(path))
    pytester.makefile(
        ".toml", pyproject='[tool.pytest.ini_options]\n[tool.llmcore.gpu]\nvram-wait = "0.3s"\n'
    )
    return path


MARKED = """
import pytest

@pytest.mark.gpu(min_free_vram="12GiB")
def test_free():
    pass

@pytest.mark.gpu(min_total_vram="24GiB")
def test_total():
    pass

@pytest.mark.gpu(compute_capability=">=9.0")
def test_cc():
    pass

@pytest.mark.gpu(name="H100")
def test_name():
    pass

@pytest.mark.gpu(count=2)
def test_count():
    pass

@pytest.mark.gpu(min_free_vram="8GiB", compute_capability=">=8.9", name="RTX 4090")
def test_fits(gpu, gpu_devices):
    assert gpu.name == "NVIDIA GeForce RTX 4090 Laptop GPU" and len(gpu_devices) == 1
"""


def test_skip_reasons_for_each_unmet_requirement(
    pytester: pytest.Pytester, fake_gpus: Path
) -> None:
    pytester.makepyfile(test_g=MARKED)
    res = pytester.runpytest_subprocess(
        "--llmcore", "-p", "no:cacheprovider", "-rs", "-m", "not llmcore_deps"
    )
    res.assert_outcomes(passed=1, skipped=5)
    out = res.stdout.str()
    for reason in (
        "needs 12.00 GiB free VRAM on GPU 0 (NVIDIA GeForce RTX 4090 Laptop GPU has 9.30 GiB free) "
        "after waiting 0.",
        "needs 24.00 GiB total VRAM on GPU 0",
        "needs compute capability >=9.0",
        "needs a GPU named 'H100'",
        "needs 2 GPUs, found 1",
    ):
        assert reason in out
    assert re.search(r"SKIPPED \[1\] test_g.py:\d+: needs", out)
    assert "llmcore gpu: driver 550.54.14; 0: NVIDIA GeForce RTX 4090 Laptop GPU (16.00 GiB" in out


def test_strict_mode_fails_with_the_same_reason(
    pytester: pytest.Pytester, fake_gpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(test_g=MARKED)
    res = pytester.runpytest_subprocess(
        "--llmcore", "--llmcore-require-gpu", "-p", "no:cacheprovider", "-m", "not llmcore_deps"
    )
    res.assert_outcomes(passed=1, failed=5)
    assert (
        "needs a GPU named 'H100' (GPU 0 is NVIDIA GeForce RTX 4090 Laptop GPU) "
        "[--llmcore-require-gpu: a missing GPU is a failure]" in res.stdout.str()
    )
    monkeypatch.setenv("LLMCORE_REQUIRE_GPU", "1")
    env = pytester.runpytest_subprocess(
        "--llmcore", "-p", "no:cacheprovider", "-m", "not llmcore_deps"
    )
    env.assert_outcomes(passed=1, failed=5)


def test_no_gpu_skips_and_strict_fails(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        "import pytest\n@pytest.mark.gpu\ndef test_x(): pass\ndef test_fixture(gpu): pass\n"
    )
    res = pytester.runpytest_subprocess("--llmcore", "-p", "no:cacheprovider", "-rs")
    res.assert_outcomes(skipped=2)
    assert (
        "needs a GPU, found none (NVML library not found" in res.stdout.str()
        or "needs a GPU, found none (nvidia-ml-py is not installed" in res.stdout.str()
    )
    strict = pytester.runpytest_subprocess(
        "--llmcore", "--llmcore-require-gpu", "-p", "no:cacheprovider"
    )
    assert strict.ret == pytest.ExitCode.TESTS_FAILED
    strict.assert_outcomes(failed=1, errors=1)  # the fixture fails at setup


def test_bad_marker_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        "import pytest\n@pytest.mark.gpu(min_free_vram='lots')\ndef test_x(): pass\n"
    )
    res = pytester.runpytest_subprocess("--llmcore", "-p", "no:cacheprovider")
    assert res.ret == pytest.ExitCode.USAGE_ERROR
    assert (
        "test_bad_marker_is_a_usage_error.py::test_x: @pytest.mark.gpu: min_free_vram: cannot read "
        "'lots' as a size" in res.stderr.str()
    )


def test_xdist_workers_each_get_their_own_gpu(
    pytester: pytest.Pytester, fake_gpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_gpus.write_text(json.dumps({"devices": [LAPTOP, H100]}))
    (pytester.path / "out").mkdir()
    monkeypatch.setenv("OUT_DIR", str(pytester.path / "out"))
    pytester.makepyfile(
        test_w="""
import json, os, pytest

@pytest.mark.parametrize("i", range(6))
def test_where(i, gpu, worker_id):
    out = os.path.join(os.environ["OUT_DIR"], f"{worker_id}-{i}.json")
    with open(out, "w") as fh:
        fh.write(json.dumps([worker_id, os.environ["CUDA_VISIBLE_DEVICES"], gpu.index, gpu.name]))
"""
    )
    res = pytester.runpytest_subprocess(
        "--llmcore",
        "-p",
        "no:cacheprovider",
        "-n",
        "2",
        "--llmcore-gpus",
        "auto",
        "-m",
        "not llmcore_deps",
    )
    res.assert_outcomes(passed=6)
    seen = {}
    for f in (pytester.path / "out").glob("gw*.json"):
        worker, visible, index, name = json.loads(f.read_text())
        seen.setdefault(worker, set()).add((visible, index, name))
    assert seen == {"gw0": {("0", 0, LAPTOP["name"])}, "gw1": {("1", 1, H100["name"])}}
    too_many = pytester.runpytest_subprocess(
        "--llmcore", "-p", "no:cacheprovider", "-n", "3", "--llmcore-gpus", "auto"
    )
    assert too_many.ret == pytest.ExitCode.USAGE_ERROR
    assert "3 xdist workers but 2 GPU(s) (0, 1)" in too_many.stderr.str()


def test_vram_monitor_records_vram_peak_for_budgets(
    pytester: pytest.Pytester, fake_gpus: Path
) -> None:
    fake_gpus.write_text(
        json.dumps(
            {
                "devices": [LAPTOP],
                "memory_curve": {"0": [int(6.7 * GiB), 8 * GiB, 11 * GiB, 7 * GiB]},
            }
        )
    )
    pytester.makepyfile(
        test_v="""
import time, pytest

@pytest.mark.budget(vram_peak="10GiB")
def test_too_fat(vram_monitor, llmcore_perf):
    time.sleep(0.2)

@pytest.mark.budget(vram_peak="12GiB")
def test_fits(vram_monitor, llmcore_perf):
    time.sleep(0.2)
"""
    )
    res = pytester.runpytest_subprocess(
        "--llmcore", "-p", "no:cacheprovider", "-m", "not llmcore_deps"
    )
    out = res.stdout.str()
    res.assert_outcomes(passed=1, failed=1)
    assert "VRAM peak max 11.00 GiB > budget 10.00 GiB" in out


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
    assert data["gpu_ready"] is False and data["nvml"]["available"] is False
    assert data["torch"]["installed"] in (True, False)
    assert any(p.startswith("NVML:") for p in data["problems"])


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
