"""The real NvmlBackend through the real nvidia-ml-py, against the scripted NVML library
(tests/nvml/scripted_nvml.c) and the scenarios in fixtures/gpus/: field order, units,
versions, throttle bits, per-process filtering, and every NVML error sorted at the boundary."""

from __future__ import annotations

import ast
import ctypes
import importlib.util
import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import needs
from tests.nvml.scripted import (
    SCENARIOS,
    ScriptedNvml,
    build,
    load,
    run_python,
    scenario_lines,
    scripted_nvml,
)

__all__ = ["scripted_nvml"]  # the session fixture, imported so pytest sees it here

GiB = 2**30
MiB = 2**20
PACKAGE = Path(__file__).resolve().parents[1] / "pytest_llmcore" / "gpu"

SNAPSHOT = """
import json
from pytest_llmcore.gpu.backend import GpuUnavailable, NvmlBackend
try:
    b = NvmlBackend()
except GpuUnavailable as exc:
    print(json.dumps({"unavailable": str(exc), "absent": exc.absent}))
    raise SystemExit
ids = b.device_ids(with_mig=True)
out = {
    "driver": b.driver_version(),
    "cuda": b.cuda_driver_version(),
    "count": b.device_count(),
    "ids": [[d.index, d.uuid, d.mig, d.parent_uuid, d.gi, d.ci] for d in ids],
    "snapshots": [b.snapshot(d.index, d.mig).to_json() for d in ids],
}
b.close()
print(json.dumps(out))
"""


def facts(scripted: ScriptedNvml, scenario: str | dict[str, Any], tmp_path: Path) -> Any:
    return run_python(SNAPSHOT, scripted.env(scenario, tmp_path))


needs_pynvml = needs("pynvml")
pytestmark = needs_pynvml


def test_laptop_memory_fields_units_and_unsupported_facts(
    scripted_nvml: ScriptedNvml, tmp_path: Path
) -> None:
    f = facts(scripted_nvml, "rtx4090-laptop", tmp_path)
    assert (f["driver"], f["cuda"], f["count"]) == ("550.54.14", "12.4", 1)
    s = f["snapshots"][0]
    used = int(6.45 * GiB)
    # memory info v2: used excludes reserved; free is what is left of both
    assert s["memory"] == {
        "total": 16 * GiB,
        "free": 16 * GiB - 256 * MiB - used,
        "used": used,
        "reserved": 256 * MiB,
    }
    assert (s["name"], s["compute_capability"], s["temperature_c"]) == (
        "NVIDIA GeForce RTX 4090 Laptop GPU",
        "8.9",
        52,
    )
    assert (s["sm_clock_mhz"], s["sm_clock_max_mhz"], s["mem_clock_mhz"]) == (1455, 2040, 9001)
    assert s["power_w"] is None and s["power_limit_w"] is None
    assert s["throttle_reasons"] is None
    assert s["unknown"] == {
        "power": "not supported by this GPU",
        "power_limit": "not supported by this GPU",
        "throttle": "not supported by this GPU",
    }
    assert s["processes"] == [{"pid": 4242, "used": 2 * GiB}]


def test_desktop_power_in_watts_and_clock_event_bits(
    scripted_nvml: ScriptedNvml, tmp_path: Path
) -> None:
    s = facts(scripted_nvml, "rtx4090-desktop", tmp_path)["snapshots"][0]
    assert (s["power_w"], s["power_limit_w"]) == (61.0, 450.0)  # mW -> W
    assert s["throttle_reasons"] == ["GPU idle"] and s["unknown"] == {}
    h200 = facts(scripted_nvml, "h200", tmp_path)["snapshots"][0]
    assert h200["throttle_reasons"] == ["power cap (software)", "thermal (hardware)"]
    assert h200["memory"]["total"] == 143771 * MiB


def test_old_driver_falls_back_to_v1_calls(scripted_nvml: ScriptedNvml, tmp_path: Path) -> None:
    f = facts(scripted_nvml, "old-driver", tmp_path)
    assert (f["driver"], f["cuda"]) == ("470.256.02", "11.4")
    s = f["snapshots"][0]
    # memory info v1 counts reserved memory as used, and does not report it separately
    assert s["memory"] == {
        "total": 24 * GiB,
        "free": 24 * GiB - 2 * GiB - 256 * MiB,
        "used": 2 * GiB + 256 * MiB,
        "reserved": None,
    }
    assert s["throttle_reasons"] == ["power cap (software)"]  # the pre-535 name
    assert s["processes"] is None
    assert s["unknown"] == {"processes": "not available in this driver"}


def test_container_hides_processes_and_forbids_sensors(
    scripted_nvml: ScriptedNvml, tmp_path: Path
) -> None:
    s = facts(scripted_nvml, "container", tmp_path)["snapshots"][0]
    assert s["processes"] == []  # another PID namespace: NVML lists nobody
    assert s["temperature_c"] is None and s["sm_clock_mhz"] is None and s["power_w"] is None
    assert s["unknown"] == {
        "power": "no permission",
        "power_limit": "no permission",
        "temperature": "no permission",
        "clocks": "no permission",
        "max_clocks": "no permission",
    }


def test_mig_devices_are_listed_with_their_own_memory(
    scripted_nvml: ScriptedNvml, tmp_path: Path
) -> None:
    f = facts(scripted_nvml, "h100x2-mig", tmp_path)
    parent = "GPU-11112222-3333-4444-5555-666677778888"
    assert f["ids"] == [
        [0, "GPU-11111111-2222-3333-4444-555555555555", None, None, None, None],
        [1, parent, None, None, None, None],
        [1, "MIG-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", 0, parent, 9, 0],
        [1, "MIG-bbbbbbbb-cccc-dddd-eeee-ffffffffffff", 1, parent, 2, 0],
    ]
    mig = f["snapshots"][2]
    assert mig["name"] == "NVIDIA H100 80GB HBM3 MIG 1g.10gb"
    assert mig["memory"]["total"] == int(9.75 * GiB) and mig["compute_capability"] == "9.0"


@pytest.mark.parametrize(
    ("scenario", "reason", "absent"),
    [
        (
            "driver-not-loaded",
            "NVIDIA driver not loaded (is the kernel module installed? try nvidia-smi)",
            True,
        ),
        (
            "no-permission",
            "no permission to query the GPU through NVML (container or device permissions)",
            False,
        ),
    ],
)
def test_init_errors_are_one_line_reasons(
    scripted_nvml: ScriptedNvml, tmp_path: Path, scenario: str, reason: str, absent: bool
) -> None:
    assert facts(scripted_nvml, scenario, tmp_path) == {"unavailable": reason, "absent": absent}


LOST = """
import json
from pytest_llmcore.gpu.backend import GpuUnavailable, NvmlBackend
b = NvmlBackend()
n = 0
try:
    while n < 1000:
        b.snapshot(0)
        n += 1
except GpuUnavailable as exc:
    print(json.dumps([n, str(exc)]))
"""


def test_a_lost_gpu_is_unavailable_not_a_traceback(
    scripted_nvml: ScriptedNvml, tmp_path: Path
) -> None:
    n, reason = run_python(LOST, scripted_nvml.env("gpu-lost", tmp_path))
    assert reason == "the GPU has fallen off the bus (GPU is lost): reset or reboot the machine"
    assert 1 <= n < 60  # each snapshot makes several calls; the 61st call is lost


SAMPLER = """
import ctypes, json, time
from pytest_llmcore.gpu.backend import NvmlBackend
from pytest_llmcore.gpu.sampler import VramSampler
lib = ctypes.CDLL("libnvidia-ml.so.1")
b = NvmlBackend()
s = VramSampler(b, 0, hz=500).start()
lib.llmcore_scripted_alloc(0, ctypes.c_longlong(3 << 30))
n = s.samples
while s.samples < n + 25:
    time.sleep(0.005)
lib.llmcore_scripted_free(0, ctypes.c_longlong(3 << 30))
n = s.samples
while s.samples < n + 25:
    time.sleep(0.005)
r = s.stop()
print(json.dumps([r.device_baseline, r.device_peak, r.process_peak, r.process_unknown, r.error]))
"""


def test_vram_sampler_counts_this_process_only(scripted_nvml: ScriptedNvml, tmp_path: Path) -> None:
    base = int(6.45 * GiB)
    res = run_python(SAMPLER, scripted_nvml.env("rtx4090-laptop", tmp_path))
    # another process holds 2 GiB: the device peak includes it, this process's does not
    assert res == [base, base + 3 * GiB, 3 * GiB, None, None]


def test_vram_sampler_in_a_container_says_why_the_process_figure_is_missing(
    scripted_nvml: ScriptedNvml, tmp_path: Path
) -> None:
    res = run_python(SAMPLER, scripted_nvml.env("container", tmp_path))
    assert res[2:] == [
        None,
        "this PID is not in NVML's process list (a container's PID namespace?)",
        None,
    ]


CURVE = """
import json, time
from pytest_llmcore.gpu.backend import NvmlBackend
from pytest_llmcore.gpu.sampler import VramSampler
s = VramSampler(NvmlBackend(), 0, hz=1000).start()
while s.samples < 12:
    time.sleep(0.005)
r = s.stop()
print(json.dumps([r.device_baseline, r.device_peak, r.timeline[-1][1]]))
"""


def test_memory_that_changes_between_calls_shows_its_peak(
    scripted_nvml: ScriptedNvml, tmp_path: Path
) -> None:
    data = load("rtx4090-desktop")
    data["devices"][0]["memory_curve"] = ["1GiB", "2GiB", "7GiB", "3GiB", "1GiB"]
    assert run_python(CURVE, scripted_nvml.env(data, tmp_path)) == [1 * GiB, 7 * GiB, 1 * GiB]


# -- the library covers every NVML call the package makes ---------------------------------


def _package_nvml_calls() -> set[str]:
    """pynvml functions named in pytest_llmcore/gpu/: ``nv.nvmlX`` or "nvmlX" strings."""
    names: set[str] = set()
    for path in PACKAGE.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr.startswith("nvml"):
                names.add(node.attr)
            elif isinstance(node, ast.Constant) and re.fullmatch(r"nvml[A-Z]\w*", str(node.value)):
                names.add(str(node.value))
    return names


def _c_symbols_of(pynvml_source: str) -> dict[str, set[str]]:
    """pynvml function -> the C symbols it may call, through pynvml's own wrappers."""
    direct: dict[str, set[str]] = {}
    calls: dict[str, set[str]] = {}
    for node in ast.parse(pynvml_source).body:
        if not isinstance(node, ast.FunctionDef):
            continue
        direct[node.name], calls[node.name] = set(), set()
        for sub in ast.walk(node):
            if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Name):
                if sub.func.id == "_nvmlGetFunctionPointer" and isinstance(
                    sub.args[0], ast.Constant
                ):
                    direct[node.name].add(str(sub.args[0].value))
                elif sub.func.id.startswith("nvml"):
                    calls[node.name].add(sub.func.id)

    def close(name: str, seen: set[str]) -> set[str]:
        out = set(direct.get(name, ()))
        for callee in calls.get(name, set()) - seen:
            out |= close(callee, seen | {name})
        return out

    return {name: close(name, set()) for name in direct}


def _not_exported(lib_dir: Path) -> tuple[dict[str, list[str]], list[str]]:
    spec = importlib.util.find_spec("pynvml")
    assert spec is not None and spec.origin is not None
    symbols = _c_symbols_of(Path(spec.origin).read_text())
    used = _package_nvml_calls()
    functions = sorted(n for n in used if n in symbols)  # constants like nvmlMemory_v2 aside
    assert {"nvmlInit", "nvmlDeviceGetMemoryInfo", "nvmlDeviceGetName"} <= set(functions)
    lib = ctypes.CDLL(str(lib_dir / "libnvidia-ml.so.1"))
    missing = {
        fn: sorted(c for c in symbols[fn] if not hasattr(lib, c))
        for fn in functions
        if any(not hasattr(lib, c) for c in symbols[fn])
    }
    return missing, sorted(n for n in used if n not in symbols)


def test_every_nvml_call_of_the_package_is_in_the_scripted_library(tmp_path: Path) -> None:
    missing, unknown = _not_exported(build(tmp_path))
    assert missing == {}, f"pynvml calls not exported by tests/nvml/scripted_nvml.c: {missing}"
    assert unknown == ["nvmlMemory_v2"]  # a struct version constant, not a call
    # the check can fail: a library without one symbol is caught, named by the call
    missing, _ = _not_exported(build(tmp_path, ["nvmlDeviceGetName"]))
    assert missing == {"nvmlDeviceGetName": ["nvmlDeviceGetName"]}


def test_every_scenario_converts(tmp_path: Path) -> None:
    names = sorted(p.stem for p in SCENARIOS.glob("*.json"))
    assert len(names) >= 7
    for name in names:
        assert scenario_lines(load(name)).startswith("driver ")
    with pytest.raises(ValueError, match=r"devices\[0\]: unknown key\(s\) powr"):
        scenario_lines({"devices": [{**load("h200")["devices"][0], "powr": 1}]})
    bad = json.loads(json.dumps(load("h200")))
    bad["devices"][0]["errors"] = {"nvmlDeviceGetPowerUsage": "BROKEN"}
    with pytest.raises(ValueError, match="BROKEN"):
        scenario_lines(bad)
