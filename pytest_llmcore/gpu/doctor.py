"""``llmcore doctor``: can this machine run GPU inference, and will it do so silently on the CPU?"""

from __future__ import annotations

import importlib
import importlib.metadata as md
import importlib.util
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..core.units import format_bytes
from .backend import GpuUnavailable, get_backend, hidden_reason, visible_devices

__all__ = ["Report", "collect", "render_text"]

REBUILD_LLAMA = (
    'CMAKE_ARGS="-DGGML_CUDA=on" pip install --force-reinstall --no-cache-dir llama-cpp-python'
)
RECOMMENDED_ENV = {
    "PYTORCH_CUDA_ALLOC_CONF": (
        "expandable_segments:True",
        "less fragmentation of torch's caching allocator",
    ),
    "CUDA_DEVICE_ORDER": ("PCI_BUS_ID", "CUDA indices match nvidia-smi and NVML"),
}


@dataclass
class Report:
    facts: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    """GPU-related things missing or wrong; --expect-gpu fails when there is any."""
    advice: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            **self.facts,
            "problems": self.problems,
            "advice": self.advice,
            "gpu_ready": not self.problems,
        }


def _version(dist: str) -> str | None:
    try:
        return md.version(dist)
    except md.PackageNotFoundError:
        return None


def _nvml(r: Report) -> None:
    try:
        b = get_backend()
    except GpuUnavailable as exc:
        r.facts["nvml"] = {"available": False, "reason": str(exc)}
        r.problems.append(f"NVML: {exc}")
        return
    try:
        count = b.device_count()
        devices = [b.snapshot(d.index, d.mig).to_json() for d in visible_devices(b)]
        r.facts["nvml"] = {
            "available": True,
            "driver": b.driver_version(),
            "cuda_driver": b.cuda_driver_version(),
            "device_count": count,
            "devices": devices,
        }
        if not devices:
            r.problems.append(f"NVML: {hidden_reason() if count else 'the driver reports no GPU'}")
    except GpuUnavailable as exc:
        r.facts["nvml"] = {"available": False, "reason": str(exc)}
        r.problems.append(f"NVML: {exc}")
    finally:
        b.close()


def _torch(r: Report) -> None:
    if importlib.util.find_spec("torch") is None:
        r.facts["torch"] = {"installed": False}
        return
    torch: Any = importlib.import_module("torch")
    info: dict[str, Any] = {
        "installed": True,
        "version": torch.__version__,
        "cuda_runtime": torch.version.cuda,
        "cuda_available": bool(torch.cuda.is_available()),
    }
    if info["cuda_available"]:
        info["device_count"] = torch.cuda.device_count()
        info["devices"] = [torch.cuda.get_device_name(i) for i in range(info["device_count"])]
    else:
        why = "a CPU-only build" if torch.version.cuda is None else "no usable GPU or driver"
        r.problems.append(f"torch {torch.__version__}: torch.cuda.is_available() is False ({why})")
    r.facts["torch"] = info


def _llama(r: Report) -> None:
    if importlib.util.find_spec("llama_cpp") is None:
        r.facts["llama_cpp"] = {"installed": False}
        return
    info: dict[str, Any] = {"installed": True, "version": _version("llama-cpp-python")}
    try:
        llama: Any = importlib.import_module("llama_cpp")
        offload = bool(llama.llama_supports_gpu_offload())
    except Exception as exc:  # a broken build: say so, don't crash the doctor
        info["error"] = f"{type(exc).__name__}: {exc}"
        r.problems.append(f"llama-cpp-python does not load: {info['error']}")
        r.facts["llama_cpp"] = info
        return
    info["gpu_offload"] = offload
    if not offload:
        r.problems.append(
            "llama-cpp-python was built without GPU offload: n_gpu_layers=-1 silently runs on the "
            f"CPU. Rebuild with: {REBUILD_LLAMA}"
        )
    r.facts["llama_cpp"] = info


def _numba(r: Report) -> None:
    if importlib.util.find_spec("numba") is None:
        r.facts["numba"] = {"installed": False}
        return
    info: dict[str, Any] = {
        "installed": True,
        "version": _version("numba"),
        "simulator": os.environ.get("NUMBA_ENABLE_CUDASIM") == "1",
    }
    try:
        cuda: Any = importlib.import_module("numba.cuda")
        info["cuda_available"] = bool(cuda.is_available())
    except Exception as exc:
        info["cuda_available"] = False
        info["error"] = str(exc)
    if not info["cuda_available"] and not info["simulator"]:
        r.problems.append(
            "numba.cuda: no GPU available (set NUMBA_ENABLE_CUDASIM=1 to run kernels "
            "in numba's simulator on the CPU)"
        )
    r.facts["numba"] = info


def _env(r: Report) -> None:
    env: dict[str, Any] = {}
    for name, (value, why) in RECOMMENDED_ENV.items():
        cur = os.environ.get(name)
        env[name] = {"value": cur, "recommended": value, "ok": cur == value}
        if cur != value:
            r.advice.append(f"export {name}={value}  # {why}")
    env["CUDA_VISIBLE_DEVICES"] = {"value": os.environ.get("CUDA_VISIBLE_DEVICES")}
    r.facts["environment"] = env


def collect() -> Report:
    r = Report()
    r.facts["pytest-llmcore"] = _version("pytest-llmcore")
    _nvml(r)
    _torch(r)
    _llama(r)
    _numba(r)
    _env(r)
    return r


def _device_line(d: dict[str, Any]) -> str:
    m = d["memory"]
    label = f"GPU {d['index']}" if d["mig"] is None else f"GPU {d['index']} MIG {d['mig']}"
    if d["power_w"] is None:
        power = f"power: {d['unknown'].get('power', 'unknown')}"
    else:
        limit = d["power_limit_w"]
        power = f"{d['power_w']:.0f} W" + ("" if limit is None else f" of {limit:.0f} W")
    temp = (
        f"{d['temperature_c']} °C"
        if d["temperature_c"] is not None
        else f"temperature: {d['unknown'].get('temperature', 'unknown')}"
    )
    events = d["throttle_reasons"]
    throttle = (
        f"clock events: {', '.join(events) or 'none'}"
        if events is not None
        else f"clock events: {d['unknown'].get('throttle', 'unknown')}"
    )
    return (
        f"  {label:<11} {d['name']} (cc {d['compute_capability'] or 'unknown'}), "
        f"{format_bytes(m['total'])} total, {format_bytes(m['free'])} free, "
        f"{temp}, {power}, {throttle}"
    )


#: one engine's facts, as ``doctor --json`` prints them
_Facts = Mapping[str, Any]


def _torch_state(t: _Facts) -> str:
    cuda = f"CUDA runtime {t['cuda_runtime']}" if t["cuda_runtime"] else "CPU-only build"
    avail = ", ".join(t.get("devices", [])) if t["cuda_available"] else "cuda not available"
    return f"{t['version']} ({cuda}): {avail}"


def _llama_state(ll: _Facts) -> str:
    state = (
        "GPU offload supported"
        if ll.get("gpu_offload")
        else ll.get("error") or "built WITHOUT GPU offload: n_gpu_layers=-1 runs on the CPU"
    )
    return f"llama-cpp-python {ll['version']}: {state}"


def _numba_state(nb: _Facts) -> str:
    mode = (
        "GPU"
        if nb.get("cuda_available") and not nb["simulator"]
        else ("simulator (NUMBA_ENABLE_CUDASIM=1)" if nb["simulator"] else "no GPU")
    )
    return f"{nb['version']}: numba.cuda {mode}"


#: (facts key, label, line when not installed, line when installed)
_ENGINES: tuple[tuple[str, str, str, Callable[[_Facts], str]], ...] = (
    ("torch", "torch", "not installed", _torch_state),
    ("llama_cpp", "llama.cpp", "llama-cpp-python not installed", _llama_state),
    ("numba", "numba", "not installed", _numba_state),
)


def render_text(r: Report) -> str:
    f = r.facts
    out = ["pytest-llmcore doctor"]
    nv = f["nvml"]
    if nv.get("available"):
        out.append(
            f"  NVML        driver {nv['driver']}, CUDA driver {nv.get('cuda_driver') or '?'}"
        )
        out += [_device_line(d) for d in nv["devices"]]
    else:
        out.append(f"  NVML        unavailable: {nv['reason']}")
    for key, label, missing, state in _ENGINES:
        info = f[key]
        out.append(f"  {label:<11} {state(info) if info['installed'] else missing}")
    for name, e in f["environment"].items():
        if "recommended" in e:
            mark = "ok" if e["ok"] else f"recommended {e['recommended']}"
            out.append(f"  env         {name}={e['value'] or '(unset)'} ({mark})")
        else:
            out.append(f"  env         {name}={e['value'] or '(unset)'}")
    if r.problems:
        out.append("problems:")
        out += [f"  - {p}" for p in r.problems]
    if r.advice:
        out.append("advice:")
        out += [f"  {a}" for a in r.advice]
    out.append("GPU ready" if not r.problems else f"not GPU-ready: {len(r.problems)} problem(s)")
    return "\n".join(out)
