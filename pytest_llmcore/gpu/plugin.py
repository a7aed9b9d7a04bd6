"""The GPU layer as a pytest plugin: markers, strict mode, VRAM release, xdist pinning.

Registered by ``pytest --llmcore``. NVML is queried only when a test needs a GPU fact.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn, TypeVar

import pytest

from ..core.config import load_tool_table
from ..core.errors import InputError
from ..core.stash import before_verdicts
from ..core.units import format_bytes
from .backend import GpuBackend, GpuUnavailable, Snapshot, get_backend, visible_indices
from .requirements import GpuRequirement, parse_gpu_marker, unmet
from .sampler import ThermalResult, ThermalWatch, VramResult, VramSampler

__all__ = ["GpuPlugin", "GpuSettings", "assign_gpu"]

_W = TypeVar("_W", VramSampler, ThermalWatch)
GPU_REQ_KEY = pytest.StashKey[GpuRequirement]()
STRICT_FAIL_KEY = pytest.StashKey[str]()
PLUGIN_NAME = "llmcore-gpu"
RECOMMENDED_ALLOC_CONF = "expandable_segments:True"
_GPU_KEYS = {"vram-wait", "share", "throttle", "sample-hz", "cuda-alloc-conf"}


@dataclass(frozen=True)
class GpuSettings:
    vram_wait_s: float = 30.0
    share: bool = False
    throttle: str = "warn"
    sample_hz: float = 200.0
    cuda_alloc_conf: str | None = RECOMMENDED_ALLOC_CONF


def _seconds(value: object, what: str) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
        return float(value)
    if isinstance(value, str):
        v = value.strip().lower()
        for suffix, scale in (("ms", 0.001), ("s", 1.0), ("min", 60.0)):
            if v.endswith(suffix):
                try:
                    return float(v[: -len(suffix)]) * scale
                except ValueError:
                    break
        try:
            return float(v)
        except ValueError:
            pass
    raise InputError(f'{what}: cannot read {value!r} as a duration (e.g. "30s")')


def gpu_settings(table: Mapping[str, Any]) -> GpuSettings:
    gpu = table.get("gpu", {})
    if not isinstance(gpu, Mapping):
        raise InputError("[tool.llmcore.gpu] must be a table")
    unknown = set(gpu) - _GPU_KEYS
    if unknown:
        raise InputError(
            f"unknown key(s) in [tool.llmcore.gpu]: {', '.join(sorted(unknown))}",
            fix=f"known: {', '.join(sorted(_GPU_KEYS))}",
        )
    throttle = gpu.get("throttle", "warn")
    if throttle not in ("warn", "fail", "ignore"):
        raise InputError(f"[tool.llmcore.gpu] throttle = {throttle!r}: use warn, fail or ignore")
    alloc = gpu.get("cuda-alloc-conf", RECOMMENDED_ALLOC_CONF)
    return GpuSettings(
        vram_wait_s=_seconds(gpu.get("vram-wait", 30), "[tool.llmcore.gpu] vram-wait"),
        share=bool(gpu.get("share", False)),
        throttle=str(throttle),
        sample_hz=float(gpu.get("sample-hz", 200.0)),
        cuda_alloc_conf=None if alloc in (False, "") else str(alloc),
    )


def assign_gpu(
    worker_id: str,
    worker_count: int,
    spec: str,
    device_count: int,
    outer: list[int] | None,
    share: bool,
) -> str:
    """The ``CUDA_VISIBLE_DEVICES`` value for one xdist worker.

    ``spec`` is ``auto`` (every visible GPU) or a list like ``0,1`` counted the way CUDA
    counts them, that is, inside an outer ``CUDA_VISIBLE_DEVICES`` when one is set.
    """
    visible = list(range(device_count)) if outer is None else outer
    if spec.strip() == "auto":
        pool = visible
    else:
        try:
            wanted = [int(x) for x in spec.split(",") if x.strip()]
        except ValueError:
            raise pytest.UsageError(
                f"--llmcore-gpus={spec!r}: use auto or GPU indices like 0,1"
            ) from None
        bad = [i for i in wanted if i >= len(visible) or i < 0]
        if bad or not wanted:
            raise pytest.UsageError(
                f"--llmcore-gpus={spec}: GPU {bad[0] if bad else '?'} does not exist "
                f"({len(visible)} visible{'' if outer is None else ' under CUDA_VISIBLE_DEVICES'})"
            )
        pool = [visible[i] for i in wanted]
    if not pool:
        raise pytest.UsageError("--llmcore-gpus: no GPU visible to assign to xdist workers")
    if worker_count > len(pool) and not share:
        raise pytest.UsageError(
            f"--llmcore-gpus: {worker_count} xdist workers but {len(pool)} GPU(s) "
            f"({', '.join(map(str, pool))}); use -n {len(pool)}, or set "
            "[tool.llmcore.gpu] share = true to let workers share GPUs "
            "(N workers use N times the VRAM)"
        )
    n = int(worker_id.lstrip("gw") or 0)
    return str(pool[n % len(pool)])


class GpuPlugin:
    def __init__(self, config: pytest.Config, registered: bool = True) -> None:
        self.config = config
        try:
            self.settings = gpu_settings(load_tool_table(config.rootpath / "pyproject.toml"))
        except InputError as exc:
            raise pytest.UsageError(f"llmcore: {exc}") from None
        env_strict = os.environ.get("LLMCORE_REQUIRE_GPU", "").lower() in ("1", "true", "yes")
        self.strict = bool(config.getoption("llmcore_require_gpu")) or env_strict
        self._backend: GpuBackend | None = None
        self._why: str | None = None
        self._tried = False
        self.pinned: str | None = None
        self.env_set: dict[str, str] = {}
        if registered:  # created at configure time, before tests import torch or numba
            self._pin_worker()
            self._prepare_environment()

    # -- inventory ------------------------------------------------------------------------
    def backend(self) -> GpuBackend | None:
        if not self._tried:
            self._tried = True
            try:
                self._backend = get_backend()
            except GpuUnavailable as exc:
                self._why = str(exc)
        return self._backend

    @property
    def why_none(self) -> str | None:
        self.backend()
        return self._why

    def devices(self) -> list[Snapshot]:
        """The GPUs this process may use (CUDA_VISIBLE_DEVICES applied), freshly read."""
        b = self.backend()
        if b is None:
            return []
        try:
            count = b.device_count()
            idx = visible_indices(count)
            return [b.snapshot(i) for i in (range(count) if idx is None else idx)]
        except GpuUnavailable as exc:
            self._why = str(exc)
            return []

    # -- configure-time environment -------------------------------------------------------
    def _pin_worker(self) -> None:
        spec = self.config.getoption("llmcore_gpus")
        winput = getattr(self.config, "workerinput", None)
        if not spec:
            return
        if winput is None:
            self._check_worker_count(spec)
            return
        pool = self._gpu_pool()
        if pool is None:
            return
        count, outer = pool
        value = assign_gpu(
            str(winput.get("workerid", "gw0")),
            int(winput.get("workercount", 1)),
            spec,
            count,
            None if outer is None else list(outer),
            self.settings.share,
        )
        # before anything initialises CUDA in this worker (torch reads it at first use)
        os.environ["CUDA_VISIBLE_DEVICES"] = value
        self.pinned = value

    def _check_worker_count(self, spec: str) -> None:
        """On the xdist controller: refuse more workers than GPUs before any worker starts."""
        workers = getattr(self.config.option, "numprocesses", None)
        if not isinstance(workers, int) or workers < 1:
            return
        pool = self._gpu_pool()
        if pool is None:
            return
        count, outer = pool
        for w in range(workers):
            assign_gpu(
                f"gw{w}",
                workers,
                spec,
                count,
                None if outer is None else list(outer),
                self.settings.share,
            )

    def _gpu_pool(self) -> tuple[int, Sequence[int] | None] | None:
        """(NVML device count, indices allowed by an outer CUDA_VISIBLE_DEVICES), or None
        without a GPU (a usage error in strict mode)."""
        b = self.backend()
        if b is None:
            if self.strict:
                raise pytest.UsageError(f"--llmcore-gpus: no GPU ({self._why})")
            return None
        count = b.device_count()
        return count, visible_indices(count)

    def _prepare_environment(self) -> None:
        conf = self.settings.cuda_alloc_conf
        if conf and "PYTORCH_CUDA_ALLOC_CONF" not in os.environ and "torch" not in sys.modules:
            os.environ["PYTORCH_CUDA_ALLOC_CONF"] = conf
            self.env_set["PYTORCH_CUDA_ALLOC_CONF"] = conf
        # numba.cuda kernels run in numba's simulator on a machine without a GPU
        if (
            not self.devices()
            and "numba" not in sys.modules
            and "NUMBA_ENABLE_CUDASIM" not in os.environ
        ):
            os.environ["NUMBA_ENABLE_CUDASIM"] = "1"
            self.env_set["NUMBA_ENABLE_CUDASIM"] = "1"

    # -- markers --------------------------------------------------------------------------
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        for item in items:
            marker = item.get_closest_marker("gpu")
            if marker is None:
                continue
            try:
                item.stash[GPU_REQ_KEY] = parse_gpu_marker(marker.args, marker.kwargs)
            except ValueError as exc:
                raise pytest.UsageError(f"llmcore: {item.nodeid}: {exc}") from None

    def unavailable(self, reason: str) -> NoReturn:
        """Skip with ``reason``; fail instead in strict mode (--llmcore-require-gpu)."""
        if self.strict:
            pytest.fail(
                f"{reason} [--llmcore-require-gpu: a missing GPU is a failure]", pytrace=False
            )
        try:  # report the skip at the test, not in this file (as pytest's skip marker does)
            exc = pytest.skip.Exception(reason, _use_item_location=True)
        except TypeError:  # pragma: no cover - older pytest
            exc = pytest.skip.Exception(reason)
        raise exc

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        req = item.stash.get(GPU_REQ_KEY, None)
        if req is None:
            return
        devices = self.devices()
        reason = unmet(req, devices, self.why_none)
        if reason is not None and req.min_free_vram is not None and devices:
            waited, reason = self._wait_for_release(req)
            if waited:
                item.add_report_section(
                    "setup",
                    "llmcore gpu",
                    f"waited {waited:.1f} s for VRAM from earlier tests to be freed",
                )
                item.user_properties.append(("llmcore_vram_wait_s", round(waited, 2)))
        if reason is not None:
            if self.strict:
                # fail in the call phase, so the test counts as failed (not as a setup error)
                item.stash[STRICT_FAIL_KEY] = reason
                return
            self.unavailable(reason)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_call(self, item: pytest.Item) -> None:
        reason = item.stash.get(STRICT_FAIL_KEY, None)
        if reason is not None:
            self.unavailable(reason)

    def _wait_for_release(self, req: GpuRequirement) -> tuple[float, str | None]:
        """Poll (bounded by vram-wait) while free VRAM is short: freeing is asynchronous."""
        t0 = time.monotonic()
        reason = unmet(req, self.devices(), self.why_none)
        while reason is not None and time.monotonic() - t0 < self.settings.vram_wait_s:
            time.sleep(min(0.25, self.settings.vram_wait_s))
            reason = unmet(req, self.devices(), self.why_none)
        waited = time.monotonic() - t0
        if reason is not None and waited > 0:
            reason += f" after waiting {waited:.1f} s for VRAM to be freed"
        return waited, reason

    # -- report header --------------------------------------------------------------------
    def pytest_report_header(self, config: pytest.Config) -> list[str]:
        return header_lines(self)

    # -- fixtures' machinery --------------------------------------------------------------
    def the_gpu(self) -> Snapshot:
        devices = self.devices()
        if not devices:
            self.unavailable(f"needs a GPU, found none ({self.why_none})")
        return devices[0]

    def _watched(
        self,
        request: pytest.FixtureRequest,
        start: Callable[[GpuBackend, Snapshot], _W],
        report: Callable[[Any, Snapshot, Any], None],
    ) -> Iterator[_W]:
        """Run a sampler over the test; report its result before the test's budgets are judged."""
        gpu = self.the_gpu()
        backend = self.backend()
        assert backend is not None
        watcher = start(backend, gpu)
        node = request.node

        def finish() -> None:
            if watcher.result is None:
                report(node, gpu, watcher.stop())

        before_verdicts(node, finish)
        yield watcher
        finish()

    def vram_monitor(self, request: pytest.FixtureRequest) -> Iterator[VramSampler]:
        def report(node: Any, gpu: Snapshot, res: VramResult) -> None:
            node.add_report_section(
                "call", "llmcore vram", f"GPU {gpu.index} {gpu.name}: {res.summary()}"
            )
            peak = res.process_peak if res.process_peak is not None else res.device_peak
            _record(node, "vram_peak", peak)

        return self._watched(
            request,
            lambda b, g: VramSampler(b, g.index, hz=self.settings.sample_hz).start(),
            report,
        )

    def gpu_thermals(self, request: pytest.FixtureRequest) -> Iterator[ThermalWatch]:
        def report(node: Any, gpu: Snapshot, res: ThermalResult) -> None:
            node.add_report_section(
                "call", "llmcore thermals", f"GPU {gpu.index} {gpu.name}: {res.summary()}"
            )
            if res.throttled and self.settings.throttle != "ignore":
                msg = (
                    f"GPU {gpu.index} throttled during {node.nodeid} "
                    f"({', '.join(res.reasons)}): its timings are not valid"
                )
                if self.settings.throttle == "fail":
                    _invalidate(node, msg)
                else:
                    node.warn(pytest.PytestWarning(msg))

        return self._watched(request, lambda b, g: ThermalWatch(b, g.index).start(), report)


def _record(node: Any, metric: str, value: float) -> None:
    from ..budgets.plugin import RECORDER_KEY

    rec = node.stash.get(RECORDER_KEY, None)
    if rec is not None and metric not in rec.samples:
        rec.record(metric, value)


def _invalidate(node: Any, message: str) -> None:
    from ..budgets.plugin import INVALID_KEY

    node.stash.setdefault(INVALID_KEY, []).append(message)


def header_lines(plugin: GpuPlugin) -> list[str]:
    devices = plugin.devices()
    if not devices:
        line = f"llmcore gpu: none ({plugin.why_none})"
    else:
        b = plugin.backend()
        driver = b.driver_version() if b is not None else "?"
        names = "; ".join(
            f"{d.index}: {d.name} ({format_bytes(d.memory.total)}, "
            f"{format_bytes(d.memory.free)} free, "
            f"cc {d.compute_capability[0]}.{d.compute_capability[1]})"
            for d in devices
        )
        line = f"llmcore gpu: driver {driver}; {names}"
    lines = [line]
    extra = []
    if plugin.pinned is not None:
        extra.append(f"pinned to CUDA_VISIBLE_DEVICES={plugin.pinned}")
    if plugin.strict:
        extra.append("strict (--llmcore-require-gpu)")
    for k, v in plugin.env_set.items():
        extra.append(f"{k}={v}")
    if extra:
        lines.append("llmcore gpu: " + ", ".join(extra))
    return lines


_LAZY = pytest.StashKey[GpuPlugin]()


def gpu_plugin(config: pytest.Config) -> GpuPlugin:
    """The registered plugin (--llmcore), else one made for fixtures a test asked for."""
    plugin = config.pluginmanager.get_plugin(PLUGIN_NAME)
    if isinstance(plugin, GpuPlugin):
        return plugin
    if _LAZY not in config.stash:
        config.stash[_LAZY] = GpuPlugin(config, registered=False)
    return config.stash[_LAZY]
