"""GPU scenarios from fixtures/gpus/ through the whole real stack: `pytest --llmcore` in a
subprocess loads the real nvidia-ml-py, which loads the scripted NVML library
(LD_LIBRARY_PATH); markers, skip reasons, samplers, budgets, strict mode and xdist pinning
all run their production code. Exact reasons and numbers are asserted."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from typing import Any

import pytest

from pytest_llmcore.core.units import format_bytes
from tests.conftest import needs
from tests.nvml.scripted import ScriptedNvml, load, scripted_nvml

__all__ = ["scripted_nvml"]

pytest_plugins = ["pytester"]
pytestmark = needs("pynvml")
GiB = 2**30
MiB = 2**20

MODULE = """
import ctypes, os, time, pytest

GiB = 2**30


def lib():
    return ctypes.CDLL("libnvidia-ml.so.1")  # the library pynvml loaded: shared state


def wait(cond):
    deadline = time.monotonic() + 60  # a bound, not a measurement
    while not cond() and time.monotonic() < deadline:
        time.sleep(0.005)


@pytest.mark.gpu(min_free_vram="12GiB")
def test_free():
    pass


@pytest.mark.llmcore_gpu(min_total_vram="80GiB")
def test_total():
    pass


@pytest.mark.gpu(compute_capability=">=9.0")
def test_cc():
    pass


@pytest.mark.gpu(name="H100", count=2)
def test_two_h100():
    pass


@pytest.mark.budget(vram_peak=os.environ.get("VRAM_BUDGET", "3.5GiB"))
def test_vram(vram_monitor, llmcore_perf, llmcore_gpu):
    lib().llmcore_scripted_alloc(llmcore_gpu.index, ctypes.c_longlong(3 * GiB))
    n = vram_monitor.samples
    wait(lambda: vram_monitor.samples >= n + 25)
    if os.environ.get("LOSE_GPU"):
        lib().llmcore_scripted_lose(llmcore_gpu.index)
    lib().llmcore_scripted_free(llmcore_gpu.index, ctypes.c_longlong(3 * GiB))
    n = vram_monitor.samples
    wait(lambda: vram_monitor.samples >= n + 25 or os.environ.get("LOSE_GPU"))


@pytest.mark.budget(latency_ms=10_000)
def test_thermals(gpu_thermals, llmcore_perf):
    llmcore_perf.record("latency_ms", 1.0)
    wait(lambda: gpu_thermals.samples >= 3)
"""

PYPROJECT = """
[tool.pytest.ini_options]
[tool.llmcore.gpu]
vram-wait = "0.2s"
throttle = "{throttle}"
"""


def run(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    scripted: ScriptedNvml,
    scenario: str | dict[str, Any],
    *args: str,
    throttle: str = "warn",
    env: dict[str, str] | None = None,
) -> tuple[pytest.RunResult, dict[str, Any]]:
    scripted.apply(monkeypatch, scenario, pytester.path)
    for k, v in (env or {}).items():
        monkeypatch.setenv(k, v)
    pytester.makepyfile(test_gpu_module=MODULE)
    pytester.makefile(".toml", pyproject=PYPROJECT.format(throttle=throttle))
    out = pytester.path / "llmcore.json"
    res = pytester.runpytest_subprocess(
        "--llmcore",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:randomly",
        "-m",
        "not llmcore_deps",
        "-rA",
        f"--llmcore-json={out}",
        *args,
    )
    report = json.loads(out.read_text()) if out.exists() else {}
    return res, report


def reasons(res: pytest.RunResult) -> dict[str, str]:
    """test name -> its skip reason (from -rA's short summary)."""
    out = {}
    for line in res.stdout.lines:
        m = re.match(r"SKIPPED \[1\] test_gpu_module.py:\d+: (.*)", line)
        if m:
            name = _name_at(res, line)
            out[name] = m.group(1)
    return out


def _name_at(res: pytest.RunResult, line: str) -> str:
    lineno = int(line.split(":")[1])
    src = MODULE.splitlines()
    for i in range(lineno, len(src)):  # the skip points at the decorated function's line
        m = re.match(r"def (test_\w+)", src[i].strip()) or re.match(
            r"def (test_\w+)", src[i - 1].strip()
        )
        if m:
            return m.group(1)
    return "?"


def vram_peak(report: dict[str, Any]) -> float:
    tests = report["tests"] if isinstance(report.get("tests"), dict) else {}
    for nodeid, data in tests.items():
        if nodeid.endswith("::test_vram"):
            return float(data["metrics"]["vram_peak"]["samples"][0])
    raise AssertionError(f"no vram_peak in {report}")


def section(res: pytest.RunResult, title: str) -> str:
    text = res.stdout.str()
    m = re.search(rf"-+ Captured {title} teardown -+\n(.*)\n", text)
    assert m is not None, text
    return m.group(1)


LAPTOP = "NVIDIA GeForce RTX 4090 Laptop GPU"


def test_rtx4090_laptop(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, scripted_nvml: ScriptedNvml
) -> None:
    res, report = run(pytester, monkeypatch, scripted_nvml, "rtx4090-laptop")
    res.assert_outcomes(passed=2, skipped=4)
    out = res.stdout.str()
    assert (
        "llmcore gpu: driver 550.54.14; 0: NVIDIA GeForce RTX 4090 Laptop GPU "
        "(16.00 GiB, 9.30 GiB free, cc 8.9)" in out
    )
    got = reasons(res)
    assert got["test_free"].startswith(
        f"needs 12.00 GiB free VRAM on GPU 0 ({LAPTOP} has 9.30 GiB free) after waiting 0."
    )
    assert got["test_total"] == f"needs 80.00 GiB total VRAM on GPU 0 ({LAPTOP} has 16.00 GiB)"
    assert got["test_cc"] == f"needs compute capability >=9.0 on GPU 0 ({LAPTOP} is 8.9)"
    assert got["test_two_h100"] == f"needs 2 GPUs, found 1 ({LAPTOP})"
    # another process holds 2 GiB of this GPU: only this process's 3 GiB is the test's
    assert vram_peak(report) == 3 * GiB
    base = int(6.45 * GiB)
    assert section(res, "llmcore vram").startswith(
        f"GPU 0 {LAPTOP}: device peak {format_bytes(base + 3 * GiB)} (+3.00 GiB over the "
        "start); this process 3.00 GiB;"
    )
    assert section(res, "llmcore thermals") == (
        f"GPU 0 {LAPTOP}: max 52 °C; SM clock down to 1455 of 2040 MHz; throttle reasons: "
        "not supported by this GPU (throttling can't be ruled out)"
    )


def test_rtx4090_desktop_and_strict_mode(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, scripted_nvml: ScriptedNvml
) -> None:
    res, _ = run(pytester, monkeypatch, scripted_nvml, "rtx4090-desktop", "--llmcore-require-gpu")
    res.assert_outcomes(passed=3, failed=3)
    free = format_bytes(24 * GiB - 384 * MiB - GiB)
    assert f"0: NVIDIA GeForce RTX 4090 (24.00 GiB, {free} free, cc 8.9)" in res.stdout.str()
    assert (
        "needs compute capability >=9.0 on GPU 0 (NVIDIA GeForce RTX 4090 is 8.9) "
        "[--llmcore-require-gpu: a missing GPU is a failure]"
    ) in res.stdout.lines
    assert section(res, "llmcore thermals") == (
        "GPU 0 NVIDIA GeForce RTX 4090: max 41 °C; SM clock down to 2520 of 3105 MHz; not throttled"
    )


@pytest.mark.parametrize(
    ("throttle", "outcome"), [("warn", {"passed": 1}), ("fail", {"failed": 1})]
)
def test_h200_throttling_invalidates_timings(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    scripted_nvml: ScriptedNvml,
    throttle: str,
    outcome: dict[str, int],
) -> None:
    res, _ = run(pytester, monkeypatch, scripted_nvml, "h200", "-k", "thermals", throttle=throttle)
    res.assert_outcomes(**outcome)
    message = (
        "GPU 0 throttled during test_gpu_module.py::test_thermals "
        "(power cap (software), thermal (hardware)): its timings are not valid"
    )
    assert message in res.stdout.str()
    if throttle == "fail":  # not degraded to a warning
        assert "PytestWarning: " + message not in res.stdout.str()
        assert "FAILED test_gpu_module.py::test_thermals" in res.stdout.str()
    else:
        assert "PytestWarning: " + message in res.stdout.str()


def test_h100_pair_with_mig(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, scripted_nvml: ScriptedNvml
) -> None:
    res, _ = run(pytester, monkeypatch, scripted_nvml, "h100x2-mig", "-k", "not vram")
    res.assert_outcomes(passed=5)  # two H100s, each 80 GiB, cc 9.0
    mig = "MIG-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
    res, _ = run(
        pytester,
        monkeypatch,
        scripted_nvml,
        "h100x2-mig",
        "-k",
        "not vram",
        env={"CUDA_VISIBLE_DEVICES": mig},
    )
    name = "NVIDIA H100 80GB HBM3 MIG 1g.10gb"
    assert f"llmcore gpu: driver 550.90.07; 1 MIG 0: {name} (9.75 GiB, 9.74 GiB free, cc 9.0)" in (
        res.stdout.str()
    )
    got = reasons(res)
    assert got["test_free"].startswith(
        f"needs 12.00 GiB free VRAM on GPU 1 MIG 0 ({name} has 9.74 GiB free)"
    )
    assert got["test_total"] == f"needs 80.00 GiB total VRAM on GPU 1 MIG 0 ({name} has 9.75 GiB)"
    assert got["test_two_h100"] == f"needs 2 GPUs, found 1 ({name})"


def test_container_without_process_lists(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, scripted_nvml: ScriptedNvml
) -> None:
    res, report = run(
        pytester,
        monkeypatch,
        scripted_nvml,
        "container",
        "-k",
        "vram or thermals",
        env={"VRAM_BUDGET": "7GiB"},
    )
    res.assert_outcomes(passed=2)
    assert vram_peak(report) == 6 * GiB  # the device peak: an upper bound, said so
    vram = section(res, "llmcore vram")
    assert (
        "; this process: unknown (this PID is not in NVML's process list (a container's PID "
        "namespace?)); "
    ) in vram
    assert vram.endswith("; vram_peak is the device peak (it includes other processes)")
    assert section(res, "llmcore thermals") == (
        "GPU 0 NVIDIA L4: temperature: no permission; not throttled"
    )


def test_gpu_lost_mid_test(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, scripted_nvml: ScriptedNvml
) -> None:
    data = load("gpu-lost")
    data["devices"][0]["lost_after"] = None  # lost when the test says so
    res, _ = run(
        pytester, monkeypatch, scripted_nvml, data, "-k", "vram or thermals", env={"LOSE_GPU": "1"}
    )
    lost = "the GPU has fallen off the bus (GPU is lost): reset or reboot the machine"
    # vram_peak is not recorded from a partial timeline: the budget says it was not measured
    res.assert_outcomes(failed=1, skipped=1)
    assert section(res, "llmcore vram").endswith(
        f"sampling stopped early: {lost}; vram_peak not recorded"
    )
    assert "never recorded vram_peak: a budget without a measurement fails" in res.stdout.str()
    assert reasons(res)["test_thermals"] == f"needs a GPU, found none ({lost})"
    strict, _ = run(
        pytester,
        monkeypatch,
        scripted_nvml,
        data,
        "-k",
        "vram or thermals",
        "--llmcore-require-gpu",
        env={"LOSE_GPU": "1"},
    )
    strict.assert_outcomes(failed=1, errors=1)  # the fixture of the next test fails at setup
    assert (
        f"needs a GPU, found none ({lost}) [--llmcore-require-gpu: a missing GPU is a failure]"
    ) in strict.stdout.lines


def test_old_driver(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, scripted_nvml: ScriptedNvml
) -> None:
    res, report = run(
        pytester, monkeypatch, scripted_nvml, "old-driver", env={"VRAM_BUDGET": "6GiB"}
    )
    res.assert_outcomes(passed=3, skipped=3)
    assert (
        "llmcore gpu: driver 470.256.02; 0: NVIDIA GeForce RTX 3090 (24.00 GiB, 21.75 GiB free, "
        "cc 8.6)" in res.stdout.str()
    )
    assert vram_peak(report) == 2 * GiB + 256 * MiB + 3 * GiB  # v1: used includes reserved
    assert "this process: unknown (NVML gives no process list here)" in section(res, "llmcore vram")
    assert section(res, "llmcore thermals").endswith("throttled: power cap (software)")


@pytest.mark.parametrize(
    ("scenario", "why", "numba"),
    [
        (
            "driver-not-loaded",
            "NVIDIA driver not loaded (is the kernel module installed? try nvidia-smi)",
            "NUMBA_ENABLE_CUDASIM=1",
        ),
        (
            "no-permission",
            "no permission to query the GPU through NVML (container or device permissions)",
            "NUMBA_ENABLE_CUDASIM left unset: GPU state unknown",
        ),
    ],
)
def test_no_usable_gpu(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    scripted_nvml: ScriptedNvml,
    scenario: str,
    why: str,
    numba: str,
) -> None:
    res, _ = run(pytester, monkeypatch, scripted_nvml, scenario, "-k", "cc or vram")
    res.assert_outcomes(skipped=2)
    out = res.stdout.str()
    assert f"llmcore gpu: none ({why})" in out
    assert reasons(res)["test_cc"] == f"needs a GPU, found none ({why})"
    if importlib.util.find_spec("numba") is not None:
        assert numba in out
    strict, _ = run(
        pytester, monkeypatch, scripted_nvml, scenario, "-k", "cc", "--llmcore-require-gpu"
    )
    strict.assert_outcomes(failed=1)


WORKERS = """
import json, os, pytest

@pytest.mark.parametrize("i", range(6))
def test_where(i, gpu, worker_id):
    out = os.path.join(os.environ["OUT_DIR"], f"{worker_id}-{i}.json")
    with open(out, "w") as fh:
        fh.write(json.dumps([os.environ["CUDA_VISIBLE_DEVICES"], gpu.index, gpu.mig, gpu.name]))
"""


def _pinned(pytester: pytest.Pytester, *args: str) -> dict[str, set[tuple[Any, ...]]]:
    out = pytester.path / "out"
    out.mkdir(exist_ok=True)
    for f in out.glob("*.json"):
        f.unlink()
    pytester.makepyfile(test_w=WORKERS)
    res = pytester.runpytest_subprocess(
        "--llmcore", "-p", "no:cacheprovider", "-m", "not llmcore_deps", *args
    )
    res.assert_outcomes(passed=6)
    seen: dict[str, set[tuple[Any, ...]]] = {}
    for f in out.glob("gw*.json"):
        seen.setdefault(f.name.split("-")[0], set()).add(tuple(json.loads(f.read_text())))
    return seen


def test_xdist_workers_each_get_their_own_gpu_or_mig_device(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, scripted_nvml: ScriptedNvml
) -> None:
    scripted_nvml.apply(monkeypatch, "h100x2-mig", pytester.path)
    monkeypatch.setenv("OUT_DIR", str(pytester.path / "out"))
    h100 = "NVIDIA H100 80GB HBM3"
    assert _pinned(pytester, "-n", "2", "--llmcore-gpus", "auto") == {
        "gw0": {("0", 0, None, h100)},
        "gw1": {("1", 1, None, h100)},
    }
    mig = "MIG-bbbbbbbb-cccc-dddd-eeee-ffffffffffff"
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", f"{mig},0")
    assert _pinned(pytester, "-n", "2", "--llmcore-gpus", "auto") == {
        "gw0": {(mig, 1, 1, f"{h100} MIG 3g.40gb")},
        "gw1": {("0", 0, None, h100)},
    }
    too_many = pytester.runpytest_subprocess(
        "--llmcore", "-p", "no:cacheprovider", "-n", "3", "--llmcore-gpus", "auto"
    )
    assert too_many.ret == pytest.ExitCode.USAGE_ERROR
    assert f"3 xdist workers but 2 GPU(s) ({mig}, 0)" in too_many.stderr.str()


@pytest.mark.parametrize(
    ("scenario", "line"),
    [
        (
            "container",
            "  GPU 0       NVIDIA L4 (cc 8.9), 22.49 GiB total, 19.20 GiB free, temperature: no "
            "permission, power: no permission, clock events: none",
        ),
        (
            "rtx4090-laptop",
            "  GPU 0       NVIDIA GeForce RTX 4090 Laptop GPU (cc 8.9), 16.00 GiB total, "
            "9.30 GiB free, 52 °C, power: not supported by this GPU, clock events: not supported "
            "by this GPU",
        ),
    ],
)
def test_doctor_reports_unsupported_facts_in_words(
    scripted_nvml: ScriptedNvml, tmp_path: Path, scenario: str, line: str
) -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, **scripted_nvml.env(scenario, tmp_path)}
    env.pop("CUDA_VISIBLE_DEVICES", None)
    res = subprocess.run(
        [sys.executable, "-m", "pytest_llmcore.cli", "doctor"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert line in res.stdout.splitlines(), res.stdout
