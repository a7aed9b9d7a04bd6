"""Build the scripted NVML library and turn fixtures/gpus/*.json into its scenario format.

The JSON (validated here, one line per mistake) is the source of truth; the C library reads
the simple line format ``scenario_lines`` writes (documented in scripted_nvml.c). A scenario's
``missing_symbols`` are hidden from the built library with a linker version script, the way
an older driver lacks them.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from pytest_llmcore.core.units import parse_bytes

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "scripted_nvml.c"
SCENARIOS = HERE.parents[1] / "fixtures" / "gpus"
CODES = {
    "SUCCESS": 0,
    "UNINITIALIZED": 1,
    "INVALID_ARGUMENT": 2,
    "NOT_SUPPORTED": 3,
    "NO_PERMISSION": 4,
    "NOT_FOUND": 6,
    "DRIVER_NOT_LOADED": 9,
    "GPU_IS_LOST": 15,
    "LIB_RM_VERSION_MISMATCH": 18,
    "UNKNOWN": 999,
}
_DEVICE_KEYS = {
    "name",
    "uuid",
    "compute_capability",
    "memory",
    "memory_curve",
    "temperature_c",
    "clocks_mhz",
    "power_mw",
    "power_limit_mw",
    "throttle_mask",
    "utilization",
    "processes",
    "processes_hidden",
    "errors",
    "lost_after",
    "mig",
}
_TOP_KEYS = {
    "description",
    "driver",
    "cuda",
    "init_error",
    "count_error",
    "system_errors",
    "missing_symbols",
    "devices",
}


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SCENARIOS / f"{name}.json").read_text())
    return data


def _code(value: object, where: str) -> int:
    if value not in CODES:
        raise ValueError(f"{where}: {value!r} is not one of {', '.join(CODES)}")
    return CODES[str(value)]


def _fail_lines(kind: str, errors: Mapping[str, Any], where: str) -> list[str]:
    out = []
    for fn, spec in errors.items():
        code, after = (spec, 0) if isinstance(spec, str) else (spec["code"], spec.get("after", 0))
        out.append(f"{kind} {fn} {_code(code, f'{where}.{fn}')} {int(after)}")
    return out


def _device_lines(d: Mapping[str, Any], where: str) -> list[str]:
    unknown = set(d) - _DEVICE_KEYS
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    mem = d["memory"]
    major, minor = str(d["compute_capability"]).split(".")
    clocks = d.get("clocks_mhz", {"sm": 2100, "sm_max": 2520, "mem": 9001, "mem_max": 9001})
    lines = [
        "device",
        f"name {d['name']}",
        f"uuid {d['uuid']}",
        f"cc {int(major)} {int(minor)}",
        f"mem {parse_bytes(mem['total'])} {parse_bytes(mem.get('reserved', 0))} "
        f"{parse_bytes(mem.get('used', 0))}",
        f"temp {int(d.get('temperature_c', 45))}",
        f"clocks {clocks['sm']} {clocks['sm_max']} {clocks['mem']} {clocks['mem_max']}",
        f"power {int(d.get('power_mw', 60000))} {int(d.get('power_limit_mw', 150000))}",
        f"throttle {int(d.get('throttle_mask', 0))}",
        "util {} {}".format(*d.get("utilization", [0, 0])),
    ]
    if d.get("memory_curve"):
        curve = [parse_bytes(v) for v in d["memory_curve"]]
        lines.append(f"curve {len(curve)} " + " ".join(map(str, curve)))
    for p in d.get("processes", []):
        pid = 0 if p["pid"] == "self" else int(p["pid"])
        used = -1 if p.get("used") is None else parse_bytes(p["used"])
        lines.append(f"proc {pid} {used}")
    if d.get("processes_hidden"):
        lines.append("procs_hidden 1")
    lines += _fail_lines("fail", d.get("errors", {}), f"{where}.errors")
    if d.get("lost_after") is not None:
        lines.append(f"lost_after {int(d['lost_after'])}")
    mig = d.get("mig")
    if mig:
        lines.append("mig_mode {} {}".format(*mig["mode"]))
        for m in mig.get("devices", []):
            lines.append(
                f"mig {m['gi']} {m['ci']} {parse_bytes(m['total'])} "
                f"{parse_bytes(m.get('used', 0))} {m['uuid']} {m['name']}"
            )
    return lines


def scenario_lines(data: Mapping[str, Any]) -> str:
    """The C library's line format for one scenario; ValueError names a bad key."""
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise ValueError(f"scenario: unknown key(s) {', '.join(sorted(unknown))}")
    major, minor = str(data.get("cuda", "12.4")).split(".")
    lines = [
        f"driver {data.get('driver', '550.54.14')}",
        f"cuda {int(major) * 1000 + int(minor) * 10}",
        f"init_error {_code(data.get('init_error', 'SUCCESS'), 'init_error')}",
        f"count_error {_code(data.get('count_error', 'SUCCESS'), 'count_error')}",
    ]
    lines += _fail_lines("sysfail", data.get("system_errors", {}), "system_errors")
    for i, d in enumerate(data.get("devices", [])):
        lines += _device_lines(d, f"devices[{i}]")
    return "\n".join(lines) + "\n"


def compiler() -> str | None:
    return shutil.which(os.environ.get("CC", "cc"))


def build(dest: Path, omit: Sequence[str] = ()) -> Path:
    """Compile the library into ``dest/<hash>/libnvidia-ml.so.1``; returns that folder."""
    cc = compiler()
    if cc is None:
        message = "the scripted NVML library needs a C compiler (cc), none found"
        if os.environ.get("LLMCORE_FULL") == "1":
            pytest.fail(message + " [LLMCORE_FULL=1: required]")
        pytest.skip(message)
    key = hashlib.sha256(SOURCE.read_bytes() + "\0".join(sorted(omit)).encode()).hexdigest()
    out = dest / key[:12]
    lib = out / "libnvidia-ml.so.1"
    if lib.exists():
        return out
    out.mkdir(parents=True, exist_ok=True)
    cmd = [cc, "-shared", "-fPIC", "-O1", "-fvisibility=hidden", "-pthread"]
    if omit:
        script = out / "hide.map"
        script.write_text("{ local: " + "; ".join(sorted(omit)) + "; };\n")
        cmd.append(f"-Wl,--version-script={script}")
    cmd += ["-o", str(lib), str(SOURCE)]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if res.returncode != 0:
        pytest.fail(f"building the scripted NVML library failed:\n{res.stderr}")
    return out


class ScriptedNvml:
    """Environments that make the real nvidia-ml-py load the scripted library."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def env(self, scenario: str | Mapping[str, Any], where: Path) -> dict[str, str]:
        """Variables for a subprocess (``scenario``: a fixtures/gpus name, or the data)."""
        data = load(scenario) if isinstance(scenario, str) else scenario
        lib = build(self.root, data.get("missing_symbols", ()))
        path = where / "nvml-scenario.txt"
        path.write_text(scenario_lines(data))
        old = os.environ.get("LD_LIBRARY_PATH")
        return {
            "LD_LIBRARY_PATH": str(lib) + ("" if not old else os.pathsep + old),
            "LLMCORE_NVML_SCENARIO": str(path),
        }

    def apply(
        self, monkeypatch: pytest.MonkeyPatch, scenario: str | Mapping[str, Any], where: Path
    ) -> None:
        for k, v in self.env(scenario, where).items():
            monkeypatch.setenv(k, v)
        monkeypatch.delenv("LLMCORE_FAKE_GPUS", raising=False)
        monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
        monkeypatch.delenv("NUMBA_ENABLE_CUDASIM", raising=False)
        monkeypatch.delenv("LLMCORE_REQUIRE_GPU", raising=False)


@pytest.fixture(scope="session")
def scripted_nvml(tmp_path_factory: pytest.TempPathFactory) -> ScriptedNvml:
    """Builds the library (once per set of hidden symbols) with the system C compiler."""
    root = tmp_path_factory.mktemp("scripted-nvml")
    build(root)  # skip (or fail with LLMCORE_FULL=1) right here when there is no compiler
    return ScriptedNvml(root)


def run_python(code: str, env: Mapping[str, str], timeout: float = 120) -> Any:
    """Run ``code`` in a fresh interpreter with ``env`` added; returns the JSON it prints last."""
    import sys

    res = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **env},
    )
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout.strip().splitlines()[-1])
