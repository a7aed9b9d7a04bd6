"""Budgets below the plugin: units, statistics, clocks, resolution, verdicts, baselines."""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Any

import pytest

from pytest_llmcore.budgets.baseline import (
    BaselineKey,
    baseline_path,
    load_baseline,
    save_baseline,
)
from pytest_llmcore.budgets.clocks import CudaEventTimer, SyncTimer, make_timer
from pytest_llmcore.budgets.metrics import BUILTIN_METRICS, UnitError, format_value, parse_value
from pytest_llmcore.budgets.recorder import PerfRecorder
from pytest_llmcore.budgets.regression import compare
from pytest_llmcore.budgets.settings import settings_from_table
from pytest_llmcore.budgets.spec import BudgetError, resolve_budgets
from pytest_llmcore.budgets.stats import percentile, summarize
from pytest_llmcore.budgets.verdict import RunContext, evaluate, missing
from pytest_llmcore.core.errors import InputError


@pytest.mark.parametrize(
    ("metric", "text", "value"),
    [
        ("latency_ms", "30ms", 30.0),
        ("latency_ms", "1.5s", 1500.0),
        ("latency_ms", "250us", 0.25),
        ("latency_ms", 12, 12.0),
        ("vram_peak", "12GiB", 12 * 2**30),
        ("vram_peak", "500MB", 500e6),
        ("kv_bytes", "38.25 MiB", 38.25 * 2**20),
        ("kv_savings", "46.9%", 0.469),
        ("kv_savings", 0.719, 0.719),
        ("tokens_per_s", "40 tok/s", 40.0),
    ],
)
def test_units(metric: str, text: object, value: float) -> None:
    assert parse_value(BUILTIN_METRICS[metric], text) == pytest.approx(value)


@pytest.mark.parametrize(
    ("metric", "text"),
    [("latency_ms", "12GiB"), ("vram_peak", "30ms"), ("latency_ms", "fast"), ("kv_savings", True)],
)
def test_bad_units(metric: str, text: object) -> None:
    with pytest.raises(UnitError):
        parse_value(BUILTIN_METRICS[metric], text)


def test_format_value() -> None:
    assert format_value(BUILTIN_METRICS["tpot_ms"], 41.234) == "41.2 ms"
    assert format_value(BUILTIN_METRICS["vram_peak"], 9.31 * 2**30) == "9.31 GiB"
    assert format_value(BUILTIN_METRICS["kv_savings"], 0.46875) == "46.9%"


def test_statistics_match_the_standard_library() -> None:
    samples = [12.0, 15.0, 11.0, 30.0, 14.0, 13.0, 12.5, 16.0, 11.5, 13.5]
    st = summarize(samples)
    assert st.n == 10 and st.min == 11.0 and st.max == 30.0
    assert st.mean == pytest.approx(statistics.mean(samples))
    assert st.stddev == pytest.approx(statistics.stdev(samples))  # n - 1
    assert st.p50 == pytest.approx(statistics.median(samples))
    q = statistics.quantiles(samples, n=100, method="inclusive")
    assert st.p90 == pytest.approx(q[89]) and st.p99 == pytest.approx(q[98])
    q4 = statistics.quantiles(samples, n=4, method="inclusive")
    assert st.iqr == pytest.approx(q4[2] - q4[0])
    assert st.cv == pytest.approx(st.stddev / st.mean) and st.noisy
    assert not summarize([10.0, 10.1, 9.9]).noisy
    assert summarize([5.0]).stddev == 0.0 and percentile([1.0, 3.0], 50) == 2.0


class _FakeEvent:
    clock = 0.0

    def __init__(self, enable_timing: bool) -> None:
        assert enable_timing
        self.t = 0.0
        self.synced = False

    def record(self) -> None:
        _FakeEvent.clock += 7.5
        self.t = _FakeEvent.clock

    def synchronize(self) -> None:
        self.synced = True

    def elapsed_time(self, end: _FakeEvent) -> float:
        assert end.synced, "elapsed_time read before the end event completed"
        return end.t - self.t


class _FakeCuda:
    Event = _FakeEvent


def test_cuda_timer_uses_events_and_waits_for_the_end_event() -> None:
    timer = make_timer("cuda", cuda=_FakeCuda())
    assert isinstance(timer, CudaEventTimer)
    timer.start()
    assert timer.stop() == 7.5


def test_sync_timer_synchronises_before_each_reading() -> None:
    calls: list[float] = []
    timer = SyncTimer(lambda: calls.append(time.perf_counter()))
    timer.start()
    time.sleep(0.01)
    assert timer.stop() >= 10.0 and len(calls) == 2


def test_recorder_measure_timer_record() -> None:
    rec = PerfRecorder(warmup=2, repeats=4)
    calls = []
    st = rec.measure("latency_ms", lambda: calls.append(1))
    assert len(calls) == 6 and st.n == 4
    with rec.timer("ttft_ms"):
        time.sleep(0.005)
    assert rec.samples["ttft_ms"][0] >= 5.0
    rec.record("kv_bytes", ["72MiB", 38.25 * 2**20])
    assert rec.stats("kv_bytes").max == 72 * 2**20
    with pytest.raises(UnitError):
        rec.record("tpot_mss", 1)
    with pytest.raises(ValueError, match="time it into"):
        rec.measure("vram_peak", lambda: None)


def _settings(table: dict[str, Any]) -> Any:
    return settings_from_table(table)


def test_resolution_order_marker_profile_config() -> None:
    s = _settings(
        {
            "profiles": {"rtx-4090": {"match": "RTX 4090"}},
            "budgets": {"t.py::test_a": {"tpot_ms": 25, "rtx-4090": {"tpot_ms": {"p99": "40ms"}}}},
        }
    )
    markers = [((), {"tpot_ms": 99, "ttft_ms": 500}), ((), {"profile": "rtx-4090", "ttft_ms": 200})]
    cpu = resolve_budgets("t.py::test_a", markers, s, "cpu")
    assert {(b.metric, b.stat, b.limit, b.source.split()[0]) for b in cpu.budgets} == {
        ("tpot_ms", "p50", 25.0, ['[tool.llmcore.budgets."t.py::test_a"]'][0]),
        ("ttft_ms", "p50", 500.0, "marker"),
    }
    gpu = resolve_budgets("t.py::test_a[x]", markers, s, "rtx-4090")  # params fall back to base id
    assert {(b.metric, b.stat, b.limit) for b in gpu.budgets} == {
        ("tpot_ms", "p99", 40.0),
        ("ttft_ms", "p50", 200.0),
    }


@pytest.mark.parametrize(
    ("markers", "table", "message"),
    [
        ([((), {"tpot": 30})], {}, "unknown metric 'tpot'"),
        ([((), {"latency_ms": "12GiB"})], {}, "does not fit a time metric"),
        ([((), {"latency_ms": {"p42": 1}})], {}, "unknown statistic 'p42'"),
        ([((), {"profile": "h100", "latency_ms": 1})], {}, "no such profile"),
        ([((30,), {})], {}, "keyword arguments only"),
        ([], {"budgets": {"t.py::test_a": {"rtx": {"tpot_ms": 1}}}}, "neither a metric"),
    ],
)
def test_bad_budgets(markers: Any, table: dict[str, Any], message: str) -> None:
    with pytest.raises(BudgetError, match=message):
        resolve_budgets("t.py::test_a", markers, _settings(table), "cpu")


def test_bad_settings() -> None:
    with pytest.raises(InputError, match="unknown key"):
        _settings({"repeat": 3})
    with pytest.raises(InputError, match="integer"):
        _settings({"repeats": 0})


def test_verdict_messages() -> None:
    s = _settings({})
    (b,) = resolve_budgets("t::x", [((), {"tpot_ms": 30})], s, "cpu").budgets
    st = summarize([41.0, 41.2, 41.4, 41.2, 41.1])
    v = evaluate("t::x", b, st, RunContext("rtx-4090", "NVIDIA GeForce RTX 4090 Laptop GPU"))
    assert not v.passed
    assert v.message == (
        "TPOT p50 41.2 ms > budget 30 ms (profile rtx-4090, NVIDIA GeForce RTX "
        "4090 Laptop GPU, 5 samples, cv 0.4%)"
    )
    assert v.headroom_pct == pytest.approx(-37.33, abs=0.01)
    (tok,) = resolve_budgets(
        "t::x", [((), {"tokens_per_s": 40, "tolerance": "5%"})], s, "cpu"
    ).budgets
    ok = evaluate("t::x", tok, summarize([38.5] * 3), RunContext("cpu", "CPU"))
    assert ok.passed and "38.5 tokens/s >= budget 40.0 tokens/s - 5% tolerance" in ok.message
    gone = missing("t::x", b, RunContext("cpu", "CPU"))
    assert not gone.passed and "never recorded tpot_ms" in gone.message


def test_baseline_round_trip_compare_and_refusal(tmp_path: Path) -> None:
    key = BaselineKey("cpu", "EPYC", None, {"llama-cpp-python": "0.3.36"})
    path = baseline_path(tmp_path, "main")
    stats = {"t::x": {"tpot_ms": summarize([30.0, 30.5, 29.5]).to_json()}}
    said = save_baseline(path, "main", key, stats, {"time": "t"})
    assert said == f"baseline 'main' (1 test for cpu | EPYC) to {path}"
    base, why = load_baseline(path, "main").entry(key)
    assert base is not None and why is None and base.key.mismatch(key) is None
    other = BaselineKey("cpu", "EPYC", None, {"llama-cpp-python": "0.3.40"})
    assert base.key.mismatch(other) == "llama-cpp-python 0.3.36 in the baseline, 0.3.40 now"
    slow = summarize([34.0, 34.5, 33.5])
    (v,) = compare(
        base, "t::x", BUILTIN_METRICS["tpot_ms"], slow, ("p50",), 0.10, RunContext("cpu", "EPYC")
    )
    assert (
        not v.passed
        and "TPOT p50 34 ms is 13.3% slower than baseline 'main' (30 ms); threshold 10%"
        in v.message
    )
    (w,) = compare(
        base,
        "t::x",
        BUILTIN_METRICS["tpot_ms"],
        summarize([31.0] * 3),
        ("p50",),
        0.10,
        RunContext("cpu", "EPYC"),
    )
    assert w.passed
    assert (
        compare(
            base,
            "t::other",
            BUILTIN_METRICS["tpot_ms"],
            slow,
            ("p50",),
            0.1,
            RunContext("cpu", "EPYC"),
        )
        == []
    )
    with pytest.raises(InputError, match="no baseline 'nope'"):
        load_baseline(baseline_path(tmp_path, "nope"), "nope")
    with pytest.raises(InputError, match="baseline name"):
        baseline_path(tmp_path, "../x")
