"""The GPU layer as a pytest plugin: markers, strict mode, VRAM release, xdist pinning.

Registered by ``pytest --llmcore`` (or ``--llmcore-require-gpu``). Set-up is three steps
at configure time: settings, xdist pinning (``--llmcore-gpus``), environment (the torch
allocator, numba's simulator: NVML is asked then whether a GPU exists, unless the user set
the variable or numba is not installed). No hook runs per test unless a collected test
carries a GPU marker (the per-test hooks are registered then, see :class:`_ItemHooks`).
"""

from __future__ import annotations

import importlib.util
import os
import sys
import time
import warnings
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, NoReturn

import pytest

from ..core.config import load_tool_table
from ..core.errors import InputError
from ..core.markers import carrying
from .backend import (
    GpuBackend,
    GpuUnavailable,
    Snapshot,
    get_backend,
    hidden_reason,
    visible_devices,
)
from .overrides import warn_overridden_fixtures
from .pinning import assign_gpu, pin_token
from .requirements import GpuRequirement, is_ours, parse_gpu_marker, unmet
from .settings import GpuSettings, gpu_settings
from .strict import require_gpu_requested

if TYPE_CHECKING:
    from .sampler import ThermalWatch, VramSampler

__all__ = ["MARKER", "GpuPlugin", "GpuSettings", "assign_gpu"]

GPU_REQ_KEY = pytest.StashKey[GpuRequirement]()
STRICT_FAIL_KEY = pytest.StashKey[str]()
PLUGIN_NAME = "llmcore-gpu"
MARKER = "llmcore_gpu"
ALIAS = "gpu"
#: our fixtures; a project's own fixture of the same name wins (pytest's rule), with a warning
OUR_FIXTURES = (
    "llmcore_gpu",
    "llmcore_gpu_devices",
    "gpu",
    "gpu_devices",
    "vram_monitor",
    "gpu_thermals",
    "cuda_tuned",
    "numba_cuda",
)


def _load_settings(config: pytest.Config) -> GpuSettings:
    """``[tool.llmcore.gpu]``; a bad value is one usage-error line naming the file."""
    pyproject = config.rootpath / "pyproject.toml"
    try:
        return gpu_settings(load_tool_table(pyproject))
    except InputError as exc:  # name the file, as the budgets' settings errors do
        where = "" if exc.path else f"{pyproject}: "
        raise pytest.UsageError(f"llmcore: {where}{exc}") from None


class GpuPlugin:
    def __init__(self, config: pytest.Config, registered: bool = True) -> None:
        self.config = config
        self.settings = _load_settings(config)
        self.strict = require_gpu_requested(config)
        self._backend: GpuBackend | None = None
        self._why: str | None = None
        self._absent = False
        self._tried = False
        self.pinned: str | None = None
        self.env_set: dict[str, str] = {}
        self.notes: list[str] = []
        self._saved_env: dict[str, str | None] = {}
        if registered:  # created at configure time, before tests import torch or numba
            config.add_cleanup(self.restore_environment)
            self._pin_worker()
            self._prepare_environment()

    # -- what other layers ask through our hooks ------------------------------------------
    def pytest_llmcore_list_gpus(
        self, config: pytest.Config
    ) -> tuple[list[tuple[int, str, int, str]], str | None]:
        from .backend import probe_gpus

        return probe_gpus()

    def pytest_llmcore_memory_bandwidth(self, config: pytest.Config) -> tuple[float, str] | None:
        from .ceilings import bandwidth_bound, measure_bandwidth

        best = bandwidth_bound(measure_bandwidth(quick=True))
        return None if best is None else (best.value, f"{best.name} on {best.device}")

    # -- inventory ------------------------------------------------------------------------
    def backend(self) -> GpuBackend | None:
        if not self._tried:
            self._tried = True
            try:
                self._backend = get_backend()
            except GpuUnavailable as exc:
                self._why, self._absent = str(exc), exc.absent
        return self._backend

    @property
    def why_none(self) -> str | None:
        self.backend()
        return self._why

    def devices(self) -> list[Snapshot]:
        """The devices this process may use (CUDA_VISIBLE_DEVICES applied), freshly read."""
        b = self.backend()
        if b is None:
            return []
        try:
            ids = visible_devices(b)
            if not ids:
                self._absent = True
                self._why = hidden_reason() if b.device_count() else "the driver reports no GPU"
                return []
            return [b.snapshot(d.index, d.mig) for d in ids]
        except GpuUnavailable as exc:
            self._why, self._absent = str(exc), exc.absent
            return []

    # -- configure-time environment -------------------------------------------------------
    def _setenv(self, name: str, value: str) -> None:
        self._saved_env.setdefault(name, os.environ.get(name))
        os.environ[name] = value

    def restore_environment(self) -> None:
        """Undo every environment change (in-process pytester runs share os.environ), and
        shut NVML down."""
        if self._backend is not None:
            self._backend.close()
            self._backend, self._tried = None, False
        for name, old in self._saved_env.items():
            if old is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = old
        self._saved_env.clear()

    def _pin_worker(self) -> None:
        """``--llmcore-gpus``: this xdist worker's CUDA_VISIBLE_DEVICES (the controller
        checks that every worker gets a GPU)."""
        spec = self.config.getoption("llmcore_gpus", None)
        winput = getattr(self.config, "workerinput", None)
        if not spec:
            return
        pool = self._gpu_pool()
        if pool is None:
            return
        tokens, outer = pool
        if winput is None:
            self._check_worker_count(spec, tokens, outer)
            return
        value = assign_gpu(
            str(winput.get("workerid", "gw0")),
            int(winput.get("workercount", 1)),
            spec,
            tokens,
            self.settings.share,
            outer,
        )
        # before anything initialises CUDA in this worker (torch reads it at first use)
        self._setenv("CUDA_VISIBLE_DEVICES", value)
        self.pinned = value

    def _check_worker_count(self, spec: str, tokens: list[str], outer: bool) -> None:
        """The controller refuses more workers than GPUs before they start."""
        workers = getattr(self.config.option, "numprocesses", None)
        if isinstance(workers, int) and workers >= 1:
            for w in range(workers):
                assign_gpu(f"gw{w}", workers, spec, tokens, self.settings.share, outer)

    def _gpu_pool(self) -> tuple[list[str], bool] | None:
        """Tokens of the visible devices, and whether an outer CUDA_VISIBLE_DEVICES applies;
        None without a GPU (a usage error in strict mode)."""
        b = self.backend()
        try:
            ids = [] if b is None else visible_devices(b)
        except GpuUnavailable as exc:
            b, self._why = None, str(exc)
        if b is None:
            if self.strict:
                raise pytest.UsageError(f"--llmcore-gpus: no GPU ({self._why})")
            return None
        return [pin_token(d) for d in ids], "CUDA_VISIBLE_DEVICES" in os.environ

    def _prepare_environment(self) -> None:
        """Before a test imports torch or numba: the allocator setting, numba's simulator."""
        self._torch_alloc_conf()
        self._numba_simulator()

    def _torch_alloc_conf(self) -> None:
        conf = self.settings.cuda_alloc_conf
        if conf and "PYTORCH_CUDA_ALLOC_CONF" not in os.environ and "torch" not in sys.modules:
            self._setenv("PYTORCH_CUDA_ALLOC_CONF", conf)
            self.env_set["PYTORCH_CUDA_ALLOC_CONF"] = conf

    def _numba_simulator(self) -> None:
        """NUMBA_ENABLE_CUDASIM=1 where there is surely no GPU (never over the user's value)."""
        if (
            not self.settings.numba_simulator
            or "NUMBA_ENABLE_CUDASIM" in os.environ  # the user's value stands
            or "numba" in sys.modules
            or importlib.util.find_spec("numba") is None
            or self.devices()
        ):
            return
        if self._absent:  # numba.cuda kernels run in numba's simulator: there is no GPU
            self._setenv("NUMBA_ENABLE_CUDASIM", "1")
            self.env_set["NUMBA_ENABLE_CUDASIM"] = "1"
        else:
            self.notes.append(f"NUMBA_ENABLE_CUDASIM left unset: GPU state unknown ({self._why})")

    # -- markers --------------------------------------------------------------------------
    def _requirement(self, item: pytest.Item, foreign: list[str]) -> GpuRequirement | None:
        marker, name = item.get_closest_marker(MARKER), MARKER
        if marker is None and self.settings.gpu_alias:
            marker, name = item.get_closest_marker(ALIAS), ALIAS
            if marker is not None and not is_ours(marker.args, marker.kwargs):
                foreign.append(item.nodeid)
                return None
        if marker is None:
            return None
        try:
            return parse_gpu_marker(marker.args, marker.kwargs, name)
        except ValueError as exc:
            raise pytest.UsageError(f"llmcore: {item.nodeid}: {exc}") from None

    def pytest_collection_modifyitems(self, items: list[Any]) -> None:
        foreign: list[str] = []
        marked = self._stash_requirements(items, foreign)
        if foreign:
            _warn_foreign(foreign)
        if marked and not self.config.pluginmanager.has_plugin(_ItemHooks.name):
            self.config.pluginmanager.register(_ItemHooks(self), _ItemHooks.name)
        warn_overridden_fixtures(items, OUR_FIXTURES)

    def _stash_requirements(self, items: list[Any], foreign: list[str]) -> bool:
        """Each GPU-marked test's parsed requirement on its stash; whether there was one."""
        marked = False
        names = (MARKER, ALIAS) if self.settings.gpu_alias else (MARKER,)
        for item in carrying(items, names):  # one pass; only marked items are looked at
            req = self._requirement(item, foreign)
            if req is not None:
                item.stash[GPU_REQ_KEY] = req
                marked = True
        return marked

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

    def check_item(self, item: pytest.Item) -> None:
        """Set-up of a GPU-marked test: skip (strict: fail) when its requirement is unmet."""
        req = item.stash.get(GPU_REQ_KEY, None)
        if req is None:
            return
        devices = self.devices()
        reason = unmet(req, devices, self.why_none)
        if reason is not None and req.min_free_vram is not None and devices:
            waited, reason = self._wait_for_release(req)
            if waited:
                _note_wait(item, waited)
        if reason is not None:
            if self.strict:
                # fail in the call phase, so the test counts as failed (not as a setup error)
                item.stash[STRICT_FAIL_KEY] = reason
                return
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
        from .header import header_lines

        return header_lines(self)

    # -- fixtures' machinery --------------------------------------------------------------
    def the_gpu(self) -> Snapshot:
        devices = self.devices()
        if not devices:
            self.unavailable(f"needs a GPU, found none ({self.why_none})")
        return devices[0]

    def vram_monitor(self, request: pytest.FixtureRequest) -> Iterator[VramSampler]:
        from .monitors import vram_monitor

        return vram_monitor(self, request)

    def gpu_thermals(self, request: pytest.FixtureRequest) -> Iterator[ThermalWatch]:
        from .monitors import gpu_thermals

        return gpu_thermals(self, request)


def _warn_foreign(foreign: list[str]) -> None:
    warnings.warn(
        pytest.PytestWarning(
            f"llmcore: {len(foreign)} test(s) carry a @pytest.mark.gpu that is not "
            f"pytest-llmcore's keyword form (first: {foreign[0]}): left to the project. "
            "pytest-llmcore's marker is @pytest.mark.llmcore_gpu(...)"
        ),
        stacklevel=1,
    )


def _note_wait(item: pytest.Item, waited: float) -> None:
    """How long the test waited for VRAM: a report section and a JUnit property."""
    item.add_report_section(
        "setup", "llmcore gpu", f"waited {waited:.1f} s for VRAM from earlier tests to be freed"
    )
    item.user_properties.append(("llmcore_vram_wait_s", round(waited, 2)))


class _ItemHooks:
    """Per-test hooks, registered only once a collected test carries a GPU marker."""

    name = "llmcore-gpu-items"

    def __init__(self, plugin: GpuPlugin) -> None:
        self.plugin = plugin

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        self.plugin.check_item(item)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_call(self, item: pytest.Item) -> None:
        reason = item.stash.get(STRICT_FAIL_KEY, None)
        if reason is not None:
            self.plugin.unavailable(reason)


_LAZY = pytest.StashKey[GpuPlugin]()


def gpu_plugin(config: pytest.Config) -> GpuPlugin:
    """The registered plugin (--llmcore), else one made for fixtures a test asked for."""
    plugin = config.pluginmanager.get_plugin(PLUGIN_NAME)
    if isinstance(plugin, GpuPlugin):
        return plugin
    if _LAZY not in config.stash:
        config.stash[_LAZY] = GpuPlugin(config, registered=False)
    return config.stash[_LAZY]
