"""GPU decisions a user relies on, pinned (issue 17): which GPUs a marker accepts with several
devices, which devices ``CUDA_VISIBLE_DEVICES`` shows, how xdist workers are pinned, and what
the VRAM and thermal samplers report."""

from __future__ import annotations

import sys
import threading
import time
from dataclasses import replace
from types import SimpleNamespace
from typing import Any

import pytest

from pytest_llmcore.gpu.fake import FakeBackend
from pytest_llmcore.gpu.model import Memory
from pytest_llmcore.gpu.pinning import assign_gpu
from pytest_llmcore.gpu.requirements import parse_gpu_marker, unmet
from pytest_llmcore.gpu.sampler import ThermalResult, ThermalWatch, VramSampler
from pytest_llmcore.gpu.visible import DeviceId, parse_visible, resolve_visible

GiB = 2**30


def _devices(*specs: tuple[str, int]) -> list[Any]:
    """Snapshots of GPUs given as (name, free GiB), each with 80 GiB in all."""
    backend = FakeBackend.from_json(
        {
            "devices": [
                {"name": name, "memory_total": 80 * GiB, "memory_used": (80 - free) * GiB}
                for name, free in specs
            ]
        }
    )
    return [backend.snapshot(i) for i in range(len(specs))]


# -- markers with count > 1 --------------------------------------------------------------------


def test_two_gpus_present_but_one_short_names_the_shortfall() -> None:
    req = parse_gpu_marker((), {"count": 2, "min_free_vram": "40GiB"})
    devices = _devices(("H100 a", 70), ("H100 b", 10))
    assert unmet(req, devices) == (
        "needs 2 GPUs that qualify, found 1: needs 40.00 GiB free VRAM on GPU 1 "
        "(H100 b has 10.00 GiB free)"
    )
    assert unmet(req, _devices(("H100 a", 70), ("H100 b", 41))) is None
    # three GPUs, two qualify: enough
    assert unmet(req, _devices(("a", 70), ("b", 10), ("c", 50))) is None


def test_count_one_with_no_gpu_says_a_gpu() -> None:
    assert unmet(parse_gpu_marker((), {}), [], "no driver") == "needs a GPU, found none (no driver)"
    assert unmet(parse_gpu_marker((), {"count": 3}), []) == "needs 3 GPUs, found none"


# -- CUDA_VISIBLE_DEVICES ----------------------------------------------------------------------

G0 = DeviceId(0, "GPU-11111111-2222-3333-4444-555555555555")
G1 = DeviceId(1, "GPU-22222222-3333-4444-5555-666666666666")
# two MIG devices with the same GPU/compute instance numbers on different GPUs
M0 = DeviceId(0, "MIG-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", 0, G0.uuid, 1, 0)
M1 = DeviceId(1, "MIG-bbbbbbbb-cccc-dddd-eeee-ffffffffffff", 0, G1.uuid, 1, 0)
# more instances on GPU 0: another GPU instance, and another compute instance of the first
M2 = DeviceId(0, "MIG-cccccccc-dddd-eeee-ffff-000000000000", 1, G0.uuid, 2, 0)
M3 = DeviceId(0, "MIG-dddddddd-eeee-ffff-0000-111111111111", 2, G0.uuid, 1, 1)


@pytest.mark.parametrize(
    ("raw", "inventory", "expected"),
    [
        # a MIG device is named by its whole UUID: a prefix names nothing
        ("MIG-aaaaaaaa", [G0, G1, M0, M1], []),
        ("MIG-bbbbbbbb-cccc-dddd-eeee-ffffffffffff", [G0, G1, M0, M1], [M1]),
        # the older form names the parent GPU: the same instance numbers elsewhere don't count
        (f"MIG-{G0.uuid}/1/0", [G0, G1, M0, M1], [M0]),
        (f"MIG-{G1.uuid}/1/0,0", [G0, G1, M0, M1], [M1, G0]),
        # the older form names one GPU instance and one compute instance, exactly
        (f"MIG-{G0.uuid}/2/0", [G0, M0, M2, M3], [M2]),
        (f"MIG-{G0.uuid}/1/0", [G0, M0, M2, M3], [M0]),
        (f"MIG-{G0.uuid}/1/1", [G0, M0, M2, M3], [M3]),
        # "GPU-" alone is no identifier, even where it would be a unique prefix
        ("GPU-", [G0], []),
        ("GPU-2", [G0, G1], [G1]),
    ],
)
def test_visible_devices_by_uuid(
    raw: str, inventory: list[DeviceId], expected: list[DeviceId]
) -> None:
    assert resolve_visible(parse_visible(raw), inventory) == expected


@pytest.mark.parametrize(
    ("raw", "kinds"),
    [
        ("GPU-", []),
        ("MIG-", []),
        ("GPU-1,MIG-2", ["uuid", "mig"]),
        ("   ", []),
        ("", []),
    ],
)
def test_bare_prefixes_are_not_identifiers(raw: str, kinds: list[str]) -> None:
    entries = parse_visible(raw)
    assert entries is not None and [e.kind for e in entries] == kinds


# -- xdist pinning -----------------------------------------------------------------------------


def test_fewer_workers_than_gpus_use_the_first_ones() -> None:
    assert [assign_gpu(f"gw{i}", 2, "auto", ["0", "1", "2", "3"], False) for i in range(2)] == [
        "0",
        "1",
    ]


@pytest.mark.parametrize("spec", ["x", "gpu0", "b", "all"])
def test_a_gpu_list_that_is_not_auto_or_indices_is_a_usage_error(spec: str) -> None:
    with pytest.raises(pytest.UsageError) as exc:
        assign_gpu("gw0", 1, spec, ["0", "1"], False)
    assert str(exc.value) == f"--llmcore-gpus={spec!r}: use auto or GPU indices like 0,1"


# -- the VRAM sampler --------------------------------------------------------------------------


class _SlowThreadBackend(FakeBackend):
    """Reads on the sampler's thread block until ``release``; the last one is the peak."""

    def __init__(self) -> None:
        base = FakeBackend.from_json({"devices": [{"name": "G", "memory_total": 80 * GiB}]})
        super().__init__(base.devices)
        self.entered = threading.Event()
        self.release = threading.Event()

    def memory(self, index: int, mig: int | None = None) -> Memory:
        if threading.current_thread() is threading.main_thread():
            return Memory(80 * GiB, 79 * GiB, 1 * GiB)
        self.entered.set()
        self.release.wait(10)
        return Memory(80 * GiB, 75 * GiB, 5 * GiB)


def test_a_reading_in_flight_at_stop_is_in_the_result() -> None:
    backend = _SlowThreadBackend()
    sampler = VramSampler(backend, 0, hz=1000).start()
    assert backend.entered.wait(10)
    timer = threading.Timer(0.3, backend.release.set)
    timer.start()
    res = sampler.stop()  # waits for the thread's reading, then takes a last one
    timer.join()
    assert res.device_peak == 5 * GiB and sampler.peak == 5 * GiB
    assert res.samples == sampler.samples


def test_the_sampler_polls_at_its_rate_not_faster() -> None:
    backend = FakeBackend.from_json({"devices": [{"name": "G", "memory_total": 80 * GiB}]})
    t0 = time.perf_counter()
    sampler = VramSampler(backend, 0, hz=20).start()
    time.sleep(0.2)
    res = sampler.stop()
    elapsed = time.perf_counter() - t0
    # a reading at start, the thread's first at once and then one each 1/20 s, one at
    # stop: never more (a loaded machine only slows it down)
    assert 2 <= res.samples <= 20 * elapsed + 3


def test_peak_is_readable_while_sampling() -> None:
    curve = [1 * GiB, 3 * GiB, 2 * GiB]
    backend = FakeBackend.from_json(
        {"devices": [{"name": "G", "memory_total": 80 * GiB}], "memory_curve": {"0": curve}}
    )
    sampler = VramSampler(backend, 0, hz=500).start()
    deadline = time.monotonic() + 10
    while sampler.peak < 3 * GiB and time.monotonic() < deadline:
        time.sleep(0.01)
    assert sampler.peak == 3 * GiB
    assert sampler.stop().device_peak == 3 * GiB


class _Cuda:
    def __init__(self, initialized: bool | Exception) -> None:
        self.initialized = initialized
        self.resets = 0

    def is_initialized(self) -> bool:
        if isinstance(self.initialized, Exception):
            raise self.initialized
        return self.initialized

    def reset_peak_memory_stats(self) -> None:
        self.resets += 1

    def max_memory_allocated(self) -> int:
        return 3 * GiB

    def max_memory_reserved(self) -> int:
        return 4 * GiB


@pytest.mark.parametrize(
    ("initialized", "figures", "resets"),
    [
        (True, (3 * GiB, 4 * GiB), 1),
        (False, (None, None), 0),  # torch imported, CUDA never used: nothing to report
        (RuntimeError("driver gone"), (None, None), 0),  # a broken torch is left out
    ],
)
def test_torch_figures_come_from_an_initialised_cuda_only(
    monkeypatch: pytest.MonkeyPatch,
    initialized: bool | Exception,
    figures: tuple[int | None, int | None],
    resets: int,
) -> None:
    cuda = _Cuda(initialized)
    monkeypatch.setitem(sys.modules, "torch", SimpleNamespace(cuda=cuda))
    backend = FakeBackend.from_json({"devices": [{"name": "G", "memory_total": 80 * GiB}]})
    res = VramSampler(backend, 0, hz=100).start().stop()
    assert (res.torch_max_allocated, res.torch_max_reserved) == figures
    assert cuda.resets == resets


def test_without_torch_imported_there_are_no_torch_figures(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "torch", raising=False)
    backend = FakeBackend.from_json({"devices": [{"name": "G", "memory_total": 80 * GiB}]})
    res = VramSampler(backend, 0, hz=100).start().stop()
    assert (res.torch_max_allocated, res.torch_max_reserved) == (None, None)


# -- thermals ----------------------------------------------------------------------------------


def test_throttled_summary_names_each_performance_reason() -> None:
    backend = FakeBackend.from_json(
        {"devices": [{"name": "G", "memory_total": GiB, "throttle_mask": 0x20 | 0x4 | 0x1}]}
    )
    backend.devices[0] = replace(backend.devices[0], sm_clock_mhz=1200)
    res = ThermalWatch(backend, 0, hz=100).start().stop()
    assert res.summary() == (
        "max 45 °C; SM clock down to 1200 of 2520 MHz; "
        "throttled: power cap (software), thermal (software)"
    )


@pytest.mark.parametrize("mask", [None, 0, 0x1, 0x2])
def test_no_throttle_reasons_without_performance_throttling(mask: int | None) -> None:
    res = ThermalResult(70, 2000, 2520, mask, 3)
    assert (res.throttled, res.reasons) == (False, [])
