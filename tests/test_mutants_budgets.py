"""Budget verdicts, statistics, intervals, baselines and regressions as a user relies on them
(issue 17): both directions of every decision, boundaries at equality and one step past,
exact messages. Written from the mutation benchmark's survivors (docs/benchmarks.md), through
the modules' public functions and the baseline file format only."""

from __future__ import annotations

import json
import math
import random
import statistics
from pathlib import Path
from typing import Any

import pytest

from pytest_llmcore.budgets.adaptive import budget_verdicts
from pytest_llmcore.budgets.baseline import (
    Baseline,
    BaselineKey,
    baseline_path,
    check_entry,
    load_baseline,
    save_baseline,
)
from pytest_llmcore.budgets.confidence import interval, quantile_of, ratio_interval
from pytest_llmcore.budgets.metrics import BUILTIN_METRICS, BUILTIN_REGISTRY, MetricRegistry
from pytest_llmcore.budgets.recorder import PerfRecorder
from pytest_llmcore.budgets.regression import compare, outcome
from pytest_llmcore.budgets.settings import Sampling
from pytest_llmcore.budgets.spec import Budget
from pytest_llmcore.budgets.stats import kept_samples, min_samples, percentile, summarize
from pytest_llmcore.budgets.verdict import (
    RunContext,
    evaluate,
    insufficient,
    missing,
    not_measured,
)
from pytest_llmcore.core.errors import InputError

KEY = BaselineKey("cpu", "EPYC", None, {})


def _b(metric: str, limit: float, stat: str = "p50", tolerance: float = 0.0) -> Budget:
    return Budget(
        BUILTIN_METRICS[metric], stat=stat, limit=limit, source="marker", tolerance=tolerance
    )


def _eval(metric: str, limit: float, values: list[float], **kw: Any) -> Any:
    stat = kw.pop("stat", "p50")
    tol = kw.pop("tolerance", 0.0)
    return evaluate(
        "t::x",
        _b(metric, limit, stat, tol),
        summarize(values),
        RunContext("cpu", "CPU"),
        **kw,
    )


# -- statistics ----------------------------------------------------------------------------


def test_summary_of_known_samples() -> None:
    st = summarize([4.0, 1.0, 3.0, 2.0])
    assert (st.n, st.min, st.max, st.mean) == (4, 1.0, 4.0, 2.5)
    assert st.stddev == pytest.approx(statistics.stdev([1, 2, 3, 4]))  # n - 1
    # type 7: position (n - 1) q between ranks
    assert (st.p50, st.p90, st.p95, st.p99) == pytest.approx((2.5, 3.7, 3.85, 3.97))
    assert st.iqr == pytest.approx(3.25 - 1.75)
    assert st.cv == pytest.approx(statistics.stdev([1, 2, 3, 4]) / 2.5)
    assert st.noisy is True
    assert st.get("median") == st.get("p50") == 2.5
    assert st.get("max") == 4.0


def test_one_sample_and_a_zero_or_negative_mean() -> None:
    one = summarize([7.0])
    assert (one.n, one.stddev, one.cv, one.noisy, one.p99, one.iqr) == (
        1,
        0.0,
        0.0,
        False,
        7.0,
        0.0,
    )
    zero = summarize([-1.0, 1.0])
    assert (zero.mean, zero.cv) == (0.0, 0.0)
    neg = summarize([-10.0, -12.0])  # a signed metric: cv is relative to |mean|
    assert neg.cv == pytest.approx(statistics.stdev([10, 12]) / 11)
    assert neg.noisy is True


def test_noisy_is_above_the_threshold_not_at_it() -> None:
    # cv of [9, 11] is sqrt(2) / 10 = 0.1414
    assert summarize([9.0, 11.0], noisy_cv=0.15).noisy is False
    assert summarize([9.0, 11.0], noisy_cv=0.14).noisy is True
    assert summarize([10.0, 10.0]).noisy is False
    with pytest.raises(ValueError, match=r"^no samples$"):
        summarize([])


def test_percentile_interpolates_between_ranks() -> None:
    assert percentile([10.0, 20.0, 30.0], 25) == 15.0
    assert percentile([10.0, 20.0, 30.0], 100) == 30.0
    assert percentile([10.0, 20.0, 30.0], 0) == 10.0
    assert percentile([5.0], 99) == 5.0
    with pytest.raises(ValueError, match=r"^no samples$"):
        percentile([], 50)


def test_sample_needs_of_percentiles_above_the_median() -> None:
    assert [min_samples(s) for s in ("p50", "p51", "p75", "p90", "p95", "p99")] == [
        1,
        3,
        4,
        10,
        20,
        100,
    ]
    assert [min_samples(s) for s in ("mean", "max", "min", "median", "p", "pmax")] == [1] * 6


def test_kept_samples_at_the_cap_and_one_past() -> None:
    assert kept_samples([1, 2, 3], cap=3) == [1.0, 2.0, 3.0]
    assert kept_samples([1, 2, 3, 4], cap=3) == [1.0, 3.0, 4.0]  # round(1.5) = 2: even
    assert kept_samples(list(range(5)), cap=3) == [0.0, 2.0, 4.0]


# -- budget verdicts, both directions -------------------------------------------------------


@pytest.mark.parametrize(
    ("metric", "limit", "value", "passed", "headroom"),
    [
        ("latency_ms", 40.0, 30.0, True, 25.0),  # lower is better: 25% to spare
        ("latency_ms", 40.0, 40.0, True, 0.0),  # at the budget passes
        ("latency_ms", 40.0, 40.5, False, -1.25),
        ("latency_ms", 40.0, 50.0, False, -25.0),
        ("tokens_per_s", 40.0, 50.0, True, 25.0),  # higher is better
        ("tokens_per_s", 40.0, 40.0, True, 0.0),
        ("tokens_per_s", 40.0, 39.5, False, -1.25),
        ("tokens_per_s", 40.0, 30.0, False, -25.0),
        ("vram_peak", 1024.0, 1024.0, True, 0.0),
        ("vram_peak", 1024.0, 1025.0, False, -100 / 1024),
        ("kv_savings", 0.5, 0.5, True, 0.0),
        ("kv_savings", 0.5, 0.25, False, -50.0),
        ("speedup", 2.0, 3.0, True, 50.0),
    ],
)
def test_point_verdicts_of_every_direction(
    metric: str, limit: float, value: float, passed: bool, headroom: float
) -> None:
    v = _eval(metric, limit, [value])
    assert (v.passed, v.outcome, v.kind) == (passed, "pass" if passed else "fail", "budget")
    assert v.headroom_pct == pytest.approx(headroom)
    assert (v.measured, v.limit, v.low, v.high) == (value, limit, value, value)


def test_point_verdict_messages_of_both_directions() -> None:
    assert _eval("latency_ms", 40, [40.0]).message == (
        "latency p50 40 ms <= budget 40 ms (profile cpu, CPU, 1 sample)"
    )
    assert _eval("latency_ms", 40, [41.0]).message == (
        "latency p50 41 ms > budget 40 ms (profile cpu, CPU, 1 sample)"
    )
    assert _eval("tokens_per_s", 40, [40.0]).message == (
        "decode tokens/s p50 40.0 tokens/s >= budget 40.0 tokens/s (profile cpu, CPU, 1 sample)"
    )
    assert _eval("tokens_per_s", 40, [39.0]).message == (
        "decode tokens/s p50 39.0 tokens/s < budget 40.0 tokens/s (profile cpu, CPU, 1 sample)"
    )


def test_tolerance_widens_the_budget_in_the_metric_s_direction() -> None:
    lo = _eval("latency_ms", 40, [42.0], tolerance=0.05)  # limit 42: at it
    assert lo.passed and lo.message.startswith("latency p50 42 ms <= budget 40 ms + 5% tolerance")
    assert not _eval("latency_ms", 40, [42.1], tolerance=0.05).passed
    hi = _eval("tokens_per_s", 40, [38.0], tolerance=0.05)  # limit 38: at it
    assert hi.passed and "38.0 tokens/s >= budget 40.0 tokens/s - 5% tolerance" in hi.message
    assert not _eval("tokens_per_s", 40, [37.9], tolerance=0.05).passed
    # headroom is against the budget itself, not the tolerated limit
    assert lo.headroom_pct == pytest.approx(-5.0)
    assert hi.headroom_pct == pytest.approx(-5.0)


def test_a_zero_limit_has_no_headroom() -> None:
    v = _eval("latency_ms", 0.0, [0.0])
    assert (v.passed, v.headroom_pct) == (True, None)


def test_where_names_samples_cv_and_noise() -> None:
    quiet = _eval("latency_ms", 100, [10.0, 10.0])
    assert (
        quiet.message == "latency p50 10 ms <= budget 100 ms (profile cpu, CPU, 2 samples, cv 0.0%)"
    )
    loud = _eval("latency_ms", 100, [10.0, 20.0])
    assert loud.message.endswith("(profile cpu, CPU, 2 samples, cv 47.1%, noisy)")
    assert (loud.n, loud.noisy, loud.cv) == (2, True, pytest.approx(math.sqrt(50) / 15))


#: 101 evenly spread samples 90..110: median 100, 95% interval of the median 98..102
SPREAD = [90.0 + 0.2 * i for i in range(101)]


@pytest.mark.parametrize(
    ("metric", "limit", "want"),
    [
        ("latency_ms", 102.0, "pass"),  # the interval's top at the budget
        ("latency_ms", 101.9, "inconclusive"),
        ("latency_ms", 98.0, "inconclusive"),  # its bottom at the budget
        ("latency_ms", 97.9, "fail"),
        ("tokens_per_s", 98.0, "pass"),
        ("tokens_per_s", 98.1, "inconclusive"),
        ("tokens_per_s", 102.0, "inconclusive"),
        ("tokens_per_s", 102.1, "fail"),
    ],
)
def test_interval_verdicts_at_their_edges(metric: str, limit: float, want: str) -> None:
    v = _eval(metric, limit, SPREAD, samples=SPREAD)
    assert v.outcome == want
    assert (v.low, v.high) == (pytest.approx(98.0), pytest.approx(102.0))


def test_interval_is_shown_and_an_inconclusive_one_follows_the_policy() -> None:
    v = _eval("latency_ms", 100, SPREAD, samples=SPREAD, policy="fail")
    assert v.message == (
        "latency p50 100 ms (95% CI 98 ms .. 102 ms) <= budget 100 ms"
        " (profile cpu, CPU, 101 samples, cv 5.9%)"
        "; inconclusive: the 95% interval straddles the budget (policy fail)"
    )
    assert (v.outcome, v.passed) == ("inconclusive", False)
    assert _eval("latency_ms", 100, SPREAD, samples=SPREAD, policy="warn").passed is True
    assert _eval("latency_ms", 100, SPREAD, samples=SPREAD, policy="pass").passed is True


def test_an_open_interval_is_unbounded_or_judged_on_the_value() -> None:
    few = [10.0, 11.0, 12.0]  # three samples bound no side of a median
    v = _eval("latency_ms", 100, few, samples=few, point_if_unbounded=False)
    assert (v.outcome, v.passed, v.low, v.high) == ("unbounded", False, None, None)
    assert v.message == "latency p50 11 ms (95% CI -inf .. +inf) <= budget 100 ms" + (
        " (profile cpu, CPU, 3 samples, cv 9.1%)"
    )
    p = _eval("latency_ms", 100, few, samples=few)
    assert (p.outcome, p.passed, p.low, p.high) == ("pass", True, 11.0, 11.0)
    assert p.note == "judged on the value: 3 samples give no 95% bound (a p50 needs 6)"
    assert p.message.endswith(f"cv 9.1%); {p.note}")
    f = _eval("tokens_per_s", 100, few, samples=few)
    assert (f.outcome, f.passed) == ("fail", False)
    # one side bounded and already outside the budget: a fail without more samples
    many = [float(i) for i in range(1, 201)]
    p99 = _eval("latency_ms", 50, many, samples=many, stat="p99", point_if_unbounded=False)
    assert (p99.outcome, p99.high) == ("fail", None)
    assert p99.low is not None and p99.low > 50
    assert "(95% CI " in p99.message and " .. +inf)" in p99.message


def test_an_interval_of_one_value_is_not_shown() -> None:
    same = [10.0] * 10  # the p50 is interpolated, its interval two of the samples: all 10
    v = _eval("latency_ms", 100, same, samples=same)
    assert v.message == "latency p50 10 ms <= budget 100 ms (profile cpu, CPU, 10 samples, cv 0.0%)"
    assert (v.low, v.high) == (10.0, 10.0)


def test_one_sample_judged_on_the_value_has_no_note_in_its_message() -> None:
    v = _eval("latency_ms", 100, [10.0], samples=[10.0])
    assert v.note == "judged on the value: 1 samples give no 95% bound (a p50 needs 6)"
    assert v.message == "latency p50 10 ms <= budget 100 ms (profile cpu, CPU, 1 sample)"


def test_too_few_samples_for_a_percentile_is_an_error_never_a_pass() -> None:
    nine = [1.0] * 9
    v = _eval("latency_ms", 100, nine, stat="p90")
    assert (v.kind, v.passed, v.outcome, v.measured, v.headroom_pct) == (
        "insufficient",
        False,
        "error",
        None,
        None,
    )
    assert v.message == (
        "latency p90 needs at least 10 samples; got 9 (a p90 of fewer samples is just their "
        "extreme): take more samples or budget another statistic "
        "(profile cpu, CPU, 9 samples, cv 0.0%)"
    )
    assert _eval("latency_ms", 100, [1.0] * 10, stat="p90").kind == "budget"
    st = summarize([1.0] * 10)
    assert insufficient("t::x", _b("latency_ms", 100, "p90"), st, RunContext("cpu", "CPU")) is None


def test_missing_and_not_measured_verdicts() -> None:
    b = _b("tokens_per_s", 40)
    gone = missing("t::x", b, RunContext("cpu", "CPU"))
    assert (gone.kind, gone.passed, gone.outcome, gone.n) == ("missing", False, "error", 0)
    assert gone.message == (
        "decode tokens/s budget (decode tokens/s p50 >= 40.0 tokens/s, from marker) but the "
        "test never recorded tokens_per_s: a budget without a measurement fails "
        "(profile cpu, CPU)"
    )
    skip = not_measured("t::x", _b("latency_ms", 30), RunContext("cpu", "CPU"), "was skipped")
    assert (skip.kind, skip.passed, skip.outcome) == ("not_measured", True, "not measured")
    assert (skip.n, skip.cv, skip.noisy, skip.measured, skip.headroom_pct) == (
        0,
        0.0,
        False,
        None,
        None,
    )
    assert (
        skip.message == "latency budget (latency p50 <= 30 ms) not measured: the test was skipped"
    )
    assert skip.to_json()["outcome"] == "not measured"


# -- confidence intervals --------------------------------------------------------------------


def test_order_statistic_interval_of_ten_samples() -> None:
    # Binomial(10, 1/2): P(B <= 1) = 11/1024 <= 2.5% < P(B <= 2) = 56/1024: ranks 2 and 9
    assert interval([float(i) for i in range(10, 0, -1)], "p50") == (2.0, 9.0)
    assert interval([float(i) for i in range(1, 11)], "median") == (2.0, 9.0)
    assert quantile_of("median") == 0.5 and quantile_of("p99") == 0.99
    assert quantile_of("mean") is None and quantile_of("max") is None


def test_mean_interval_is_student_t() -> None:
    low, high = interval([1.0, 2.0, 3.0], "mean")  # t(2) = 4.303, sd 1
    assert (low, high) == (
        pytest.approx(2 - 4.303 / math.sqrt(3)),
        pytest.approx(2 + 4.303 / math.sqrt(3)),
    )
    big = [float(i % 2) for i in range(400)]  # df beyond the table: 1.96
    half = 1.96 * statistics.stdev(big) / 20
    assert interval(big, "mean") == (pytest.approx(0.5 - half), pytest.approx(0.5 + half))
    assert interval([5.0], "mean") == (-math.inf, math.inf)
    # the t table's last row (30 degrees of freedom), then the normal quantile
    thirty = [float(i % 2) for i in range(31)]
    half = 2.042 * statistics.stdev(thirty) / math.sqrt(31)
    mean = 15 / 31
    assert interval(thirty, "mean") == (pytest.approx(mean - half), pytest.approx(mean + half))
    past = [float(i % 2) for i in range(32)]
    half = 1.96 * statistics.stdev(past) / math.sqrt(32)
    assert interval(past, "mean") == (pytest.approx(0.5 - half), pytest.approx(0.5 + half))
    assert interval([3.0, 1.0, 2.0], "min") == (1.0, 1.0)
    assert interval([3.0, 1.0, 2.0], "max") == (3.0, 3.0)


def _brute_bootstrap(base: list[float], new: list[float], q: float) -> tuple[float, float]:
    """Resampling with replacement, the ceil(n q)-th smallest: the textbook bootstrap."""
    rng = random.Random(5)
    draws = []
    for _ in range(4000):
        b = sorted(rng.choices(base, k=len(base)))
        n = sorted(rng.choices(new, k=len(new)))
        draws.append(n[math.ceil(len(n) * q) - 1] / b[math.ceil(len(b) * q) - 1])
    draws.sort()
    return draws[99], draws[3900]


@pytest.mark.parametrize("stat", ["p50", "p90"])
def test_ratio_interval_agrees_with_a_brute_force_bootstrap(stat: str) -> None:
    rng = random.Random(1)
    base = [rng.lognormvariate(3, 0.2) for _ in range(60)]
    new = [rng.lognormvariate(3.1, 0.2) for _ in range(60)]
    ratio, lo, hi = ratio_interval(base, new, stat, "seed")
    want_lo, want_hi = _brute_bootstrap(base, new, 0.5 if stat == "p50" else 0.9)
    assert ratio == pytest.approx(
        percentile(sorted(new), int(stat[1:])) / percentile(sorted(base), int(stat[1:]))
    )
    assert lo == pytest.approx(want_lo, rel=0.02)
    assert hi == pytest.approx(want_hi, rel=0.02)
    assert ratio_interval(base, new, stat, "seed") == (ratio, lo, hi)  # seeded


def test_ratio_interval_of_exact_statistics() -> None:
    assert ratio_interval([2.0, 4.0], [3.0, 8.0], "min") == (1.5, 1.5, 1.5)
    assert ratio_interval([2.0, 4.0], [3.0, 8.0], "max") == (2.0, 2.0, 2.0)
    assert ratio_interval([5.0] * 4, [10.0] * 4, "mean") == (2.0, 2.0, 2.0)
    r, lo, hi = ratio_interval([10.0, 12.0] * 10, [15.0, 18.0] * 10, "mean", "m")
    assert r == pytest.approx(1.5) and 1.4 < lo < 1.5 < hi < 1.6
    # a fraction or a ratio metric's statistic is below 1: still a baseline
    assert ratio_interval([0.5, 0.5], [0.25, 0.25], "min") == (0.5, 0.5, 0.5)
    with pytest.raises(ValueError, match="the baseline's statistic is 0: no ratio"):
        ratio_interval([0.0, 0.0], [1.0, 2.0], "p50")


# -- regressions --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("low", "high", "lower_is_better", "want"),
    [
        (1.11, 1.3, True, "regression"),
        (1.1, 1.3, True, "inconclusive"),  # at the threshold is not beyond it
        (1.11, 1.3, False, "improvement"),
        (0.7, 0.9, True, "improvement"),
        (0.7, 0.9, False, "regression"),
        (0.7, 1 / 1.1, False, "inconclusive"),
        (1 / 1.1, 1.1, True, "no change"),  # the whole threshold band
        (1 / 1.1, 1.1, False, "no change"),
        (0.9, 1.05, True, "inconclusive"),
        (0.95, 1.11, False, "inconclusive"),
    ],
)
def test_ratio_interval_outcomes_at_the_threshold(
    low: float, high: float, lower_is_better: bool, want: str
) -> None:
    assert outcome(low, high, 0.10, lower_is_better) == want


def _write_base(
    tmp_path: Path,
    tests: dict[str, Any],
    key: BaselineKey = KEY,
    metrics: MetricRegistry = BUILTIN_REGISTRY,
) -> Baseline:
    path = baseline_path(tmp_path, "main")
    data = {
        "format": 2,
        "name": "main",
        "machines": {key.machine: {"key": key.to_json(), "run": {"time": "t"}, "tests": tests}},
    }
    path.write_text(json.dumps(data))
    base, why = load_baseline(path, "main", metrics).entry(key)
    assert why is None and base is not None
    return base


def _entry(samples: list[float]) -> dict[str, Any]:
    return {**summarize(samples).to_json(), "samples": samples}


@pytest.mark.parametrize(
    ("metric", "factor", "want", "said"),
    [
        ("latency_ms", 1.3, "regression", "latency p50 130 ms is 30.0% slower (95% CI"),
        ("latency_ms", 0.7, "improvement", "latency p50 70 ms is 30.0% better (95% CI"),
        ("tokens_per_s", 0.7, "regression", "decode tokens/s p50 70.0 tokens/s is 30.0% worse"),
        ("tokens_per_s", 1.3, "improvement", "decode tokens/s p50 130.0 tokens/s is 30.0% better"),
    ],
)
def test_regressions_of_both_directions(
    tmp_path: Path, metric: str, factor: float, want: str, said: str
) -> None:
    old = SPREAD
    new = [x * factor for x in old]
    base = _write_base(tmp_path, {"t::x": {metric: _entry(old)}})
    (v,) = compare(
        base,
        "t::x",
        BUILTIN_METRICS[metric],
        summarize(new),
        (),
        0.10,
        RunContext("cpu", "EPYC"),
        new,
    )
    assert (v.kind, v.outcome, v.passed) == ("regression", want, want != "regression")
    assert v.message.startswith(said)
    assert v.change_pct == pytest.approx((factor - 1) * 100)
    worse = (factor - 1) * 100 if metric == "latency_ms" else (1 - factor) * 100
    assert v.headroom_pct == pytest.approx(-worse)
    assert (v.measured, v.limit) == (pytest.approx(100 * factor), pytest.approx(100.0))
    assert v.source == "baseline main"


def test_the_interval_in_the_message_is_the_one_in_the_report(tmp_path: Path) -> None:
    old = SPREAD
    new = [x * 1.3 for x in old]
    base = _write_base(tmp_path, {"t::x": {"latency_ms": _entry(old)}})
    (v,) = compare(
        base,
        "t::x",
        BUILTIN_METRICS["latency_ms"],
        summarize(new),
        (),
        0.10,
        RunContext("cpu", "EPYC"),
        new,
    )
    assert v.change_low_pct is not None and v.change_high_pct is not None
    assert 25 < v.change_low_pct < 30 < v.change_high_pct < 35
    shown = f"(95% CI {v.change_low_pct:+.1f}% .. {v.change_high_pct:+.1f}%)"
    assert v.message.startswith(f"latency p50 130 ms is 30.0% slower {shown} than baseline")


def test_a_fraction_metric_regresses_below_one(tmp_path: Path) -> None:
    """KV savings (higher is better, values below 1) against a baseline."""
    base = _write_base(tmp_path, {"t::x": {"kv_savings": {"min": 0.5, "n": 3}}})
    (v,) = compare(
        base,
        "t::x",
        BUILTIN_METRICS["kv_savings"],
        summarize([0.4] * 3),
        (),
        0.1,
        RunContext("cpu", "EPYC"),
    )
    assert (v.outcome, v.passed, v.stat) == ("regression", False, "min")
    assert v.message.startswith(
        "KV savings min 40.0% is 20.0% worse than baseline 'main' (50.0%); threshold 10%"
    )
    assert v.headroom_pct == pytest.approx(-20.0)


def test_a_statistic_missing_from_the_baseline_skips_only_itself(tmp_path: Path) -> None:
    base = _write_base(tmp_path, {"t::x": {"latency_ms": {"p50": 10.0, "mean": 10.0, "n": 5}}})
    got = compare(
        base,
        "t::x",
        BUILTIN_METRICS["latency_ms"],
        summarize([10.0] * 5),
        ("p95", "p50", "p99", "mean"),
        0.1,
        RunContext("cpu", "E"),
    )
    assert [(v.stat, v.outcome) for v in got] == [("p50", "no change"), ("mean", "no change")]


def test_a_baseline_with_an_empty_sample_list_compares_point_values(tmp_path: Path) -> None:
    entry = {"p50": 10.0, "mean": 10.0, "n": 5, "samples": []}
    base = _write_base(tmp_path, {"t::x": {"latency_ms": entry}})
    got = compare(
        base,
        "t::x",
        BUILTIN_METRICS["latency_ms"],
        summarize([20.0] * 5),
        ("p50", "mean"),
        0.1,
        RunContext("cpu", "E"),
        [20.0] * 5,
    )
    assert [(v.outcome, v.change_low_pct, v.change_high_pct) for v in got] == [
        ("regression", 100.0, 100.0),
        ("regression", 100.0, 100.0),
    ]


def test_regression_message_of_point_values(tmp_path: Path) -> None:
    """A baseline without samples (format 1 era) compares the point values: no interval."""
    base = _write_base(tmp_path, {"t::x": {"tokens_per_s": {"p50": 40.0, "n": 5}}})
    (v,) = compare(
        base,
        "t::x",
        BUILTIN_METRICS["tokens_per_s"],
        summarize([30.0] * 5),
        ("median",),
        0.1,
        RunContext("cpu", "EPYC"),
        [30.0] * 5,
        "llama-cpp-python 0.3.36 -> 0.3.40",
    )
    assert v.message == (
        "decode tokens/s median 30.0 tokens/s is 25.0% worse than baseline 'main' "
        "(40.0 tokens/s); threshold 10%: regression; llama-cpp-python 0.3.36 -> 0.3.40 "
        "(profile cpu, EPYC, 5 samples)"
    )
    assert (v.stat, v.change_low_pct, v.change_high_pct) == ("median", -25.0, -25.0)
    assert v.note == "llama-cpp-python 0.3.36 -> 0.3.40"
    # exactly at the threshold is no regression; one step past is
    for new, want in ((32.0, "no change"), (31.9, "regression"), (50.0, "no change")):
        (at,) = compare(
            base,
            "t::x",
            BUILTIN_METRICS["tokens_per_s"],
            summarize([new] * 5),
            (),
            0.25,
            RunContext("c", "E"),
        )
        assert at.outcome == want, new
    (up,) = compare(
        base,
        "t::x",
        BUILTIN_METRICS["tokens_per_s"],
        summarize([50.1] * 5),
        (),
        0.25,
        RunContext("c", "E"),
    )
    assert up.outcome == "improvement"
    lat = _write_base(tmp_path, {"t::x": {"latency_ms": {"p50": 40.0, "n": 5}}})
    for new, want in ((50.0, "no change"), (50.1, "regression"), (32.0, "no change")):
        (at,) = compare(
            lat,
            "t::x",
            BUILTIN_METRICS["latency_ms"],
            summarize([new] * 5),
            (),
            0.25,
            RunContext("c", "E"),
        )
        assert at.outcome == want, new


def test_what_compare_leaves_out_or_refuses(tmp_path: Path) -> None:
    tests = {
        "t::x": {
            "latency_ms": {"p50": 10.0, "p99": 30.0, "n": 50},
            "ttft_ms": {"p50": 0.0, "n": 5},
            "vram_peak": {"max": 1000.0, "n": 1},
        }
    }
    base = _write_base(tmp_path, tests)
    five = summarize([10.0] * 5)
    assert (
        compare(base, "t::y", BUILTIN_METRICS["latency_ms"], five, (), 0.1, RunContext("cpu", "E"))
        == []
    )
    assert (
        compare(base, "t::x", BUILTIN_METRICS["e2e_ms"], five, (), 0.1, RunContext("cpu", "E"))
        == []
    )
    assert (
        compare(base, "t::x", BUILTIN_METRICS["ttft_ms"], five, (), 0.1, RunContext("cpu", "E"))
        == []
    )  # a 0 baseline
    assert (
        compare(
            base, "t::x", BUILTIN_METRICS["latency_ms"], five, ("p95",), 0.1, RunContext("cpu", "E")
        )
        == []
    )
    # the metric's default statistic: max for a peak
    (peak,) = compare(
        base,
        "t::x",
        BUILTIN_METRICS["vram_peak"],
        summarize([1000.0]),
        (),
        0.1,
        RunContext("cpu", "E"),
    )
    assert (peak.stat, peak.outcome) == ("max", "no change")
    (short,) = compare(
        base, "t::x", BUILTIN_METRICS["latency_ms"], five, ("p99",), 0.1, RunContext("cpu", "E")
    )
    assert (short.kind, short.passed, short.limit) == ("insufficient", False, 30.0)
    hundred = summarize([10.0] * 100)
    (thin,) = compare(
        base, "t::x", BUILTIN_METRICS["latency_ms"], hundred, ("p99",), 0.1, RunContext("cpu", "E")
    )
    assert (thin.kind, thin.passed, thin.outcome, thin.limit) == (
        "insufficient",
        False,
        "error",
        30.0,
    )
    assert thin.message == (
        "latency p99 of baseline 'main' needs at least 100 samples; it has 50: save the "
        "baseline again with more samples, or compare another statistic (compare-stats)"
    )
    assert (thin.profile, thin.device, thin.n, thin.source) == ("cpu", "E", 100, "baseline main")


def test_a_statistic_that_cannot_be_compared_leaves_the_others(tmp_path: Path) -> None:
    """compare-stats = ["p99", "p50"]: a p99 short of samples (this run's, or the
    baseline's) is an error row, and the p50 is still compared."""
    thin = {"p50": 10.0, "p99": 30.0, "n": 50}
    base = _write_base(tmp_path, {"t::x": {"latency_ms": thin}})
    few = compare(
        base,
        "t::x",
        BUILTIN_METRICS["latency_ms"],
        summarize([20.0] * 50),
        ("p99", "p50"),
        0.1,
        RunContext("c", "E"),
    )
    assert [(v.stat, v.kind, v.outcome) for v in few] == [
        ("p99", "insufficient", "error"),
        ("p50", "regression", "regression"),
    ]
    assert few[0].message.startswith("latency p99 needs at least 100 samples; got 50")
    many = compare(
        base,
        "t::x",
        BUILTIN_METRICS["latency_ms"],
        summarize([20.0] * 100),
        ("p99", "p50"),
        0.1,
        RunContext("c", "E"),
    )
    assert [(v.stat, v.kind, v.outcome) for v in many] == [
        ("p99", "insufficient", "error"),
        ("p50", "regression", "regression"),
    ]
    assert many[0].message.startswith("latency p99 of baseline 'main' needs at least 100")


def test_a_baseline_without_a_count_is_taken_as_enough(tmp_path: Path) -> None:
    base = _write_base(tmp_path, {"t::x": {"latency_ms": {"p99": 30.0}}})
    (v,) = compare(
        base,
        "t::x",
        BUILTIN_METRICS["latency_ms"],
        summarize([40.0] * 100),
        ("p99",),
        0.1,
        RunContext("c", "E"),
    )
    assert (v.kind, v.outcome) == ("regression", "regression")


# -- baselines ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["", ".", "..", "a/b", "a b"])
def test_bad_baseline_names(tmp_path: Path, name: str) -> None:
    with pytest.raises(InputError) as e:
        baseline_path(tmp_path, name)
    assert str(e.value) == f"baseline name {name!r}: use letters, digits, '.', '-' or '_'"


def test_good_baseline_names(tmp_path: Path) -> None:
    assert baseline_path(tmp_path, "v1.2-rc_3") == tmp_path / "v1.2-rc_3.json"
    assert baseline_path(tmp_path, "...") == tmp_path / "....json"


def _corrupt(tmp_path: Path, entry: Any) -> str:
    path = tmp_path / "b.json"
    path.write_text(json.dumps({"format": 2, "machines": {"cpu | EPYC": entry}}))
    with pytest.raises(InputError) as e:
        load_baseline(path, "b")
    return str(e.value).split(": ", 1)[1].split(" (fix:")[0].split("\n")[0]


def _machine(tests: Any, key: Any = None) -> dict[str, Any]:
    return {"key": KEY.to_json() if key is None else key, "tests": tests}


@pytest.mark.parametrize(
    ("tests", "what"),
    [
        ({"t": {"latency_ms": {"p50": -1.0}}}, "-1.0 is not valid"),
        ({"t": {"latency_ms": {"p50": True}}}, "True is not valid"),
        ({"t": {"latency_ms": {"p50": "1"}}}, "'1' is not valid"),
        ({"t": {"latency_ms": {"samples": [1.0, -2.0]}}}, "[1.0, -2.0] is not valid"),
        ({"t": {"latency_ms": {"samples": "1"}}}, "'1' is not valid"),
        ({"t": {"latency_ms": {"noisy": 1}}}, "1 is not valid"),
        ({"t": {"latency_ms": 3}}, "3 is not a table of statistics"),
        ({"t": [1]}, "[1] is not a table of metrics"),
    ],
)
def test_corrupt_statistics_are_named(tmp_path: Path, tests: Any, what: str) -> None:
    path = tmp_path / "b.json"
    path.write_text(json.dumps({"format": 2, "machines": {"cpu | EPYC": _machine(tests)}}))
    with pytest.raises(InputError, match="corrupt baseline") as e:
        load_baseline(path, "b")
    assert what in str(e.value)
    assert str(path) in str(e.value)


def test_signed_metric_values_may_be_negative(tmp_path: Path) -> None:
    run = BUILTIN_REGISTRY.adding([{"name": "mut_delta", "kind": "count", "signed": True}])
    tests = {"t": {"mut_delta": {"p50": -1.0, "samples": [-1.0, -2.0], "noisy": False}}}
    base = _write_base(tmp_path, tests, metrics=run)
    assert base.tests["t"]["mut_delta"]["p50"] == -1.0
    unsigned = BUILTIN_REGISTRY.adding([{"name": "mut_delta", "kind": "count"}])
    with pytest.raises(InputError, match=r'tests\."t"\.mut_delta\.p50: -1\.0 is not valid'):
        _write_base(tmp_path, tests, metrics=unsigned)


@pytest.mark.parametrize(
    "key",
    [
        None,
        {"device": "EPYC", "driver": None},
        {"profile": "cpu", "device": 1, "driver": None},
        {"profile": "cpu", "device": "EPYC", "driver": 5},
        {"profile": "cpu", "device": "EPYC", "driver": None, "engines": {"x": 1}},
        {"profile": "cpu", "device": "EPYC", "driver": None, "extra": []},
    ],
)
def test_bad_machine_keys(tmp_path: Path, key: Any) -> None:
    path = tmp_path / "b.json"
    entry = {"key": key, "tests": {}}
    path.write_text(json.dumps({"format": 2, "machines": {"cpu | EPYC": entry}}))
    with pytest.raises(InputError) as e:
        load_baseline(path, "b")
    assert f'corrupt baseline: machines."cpu | EPYC".key: {key!r} is not a machine key' in str(
        e.value
    )


def test_file_level_errors(tmp_path: Path) -> None:
    path = tmp_path / "b.json"
    with pytest.raises(InputError) as e:
        load_baseline(path, "b")
    assert str(e.value).startswith(f"{path}: no baseline 'b'")
    assert "--llmcore-save-baseline" in str(e.value)
    for data, what in (
        ("[1]", "not a pytest-llmcore baseline (format 2)"),
        ('{"format": 3}', "not a pytest-llmcore baseline (format 2)"),
        ('{"format": 2, "machines": []}', "corrupt baseline: machines: [] is not a table"),
        ("{", "unreadable baseline ("),
        (
            json.dumps({"format": 2, "machines": {"gpu | X": {"key": KEY.to_json(), "tests": {}}}}),
            "corrupt baseline: machines.\"gpu | X\": its key is 'cpu | EPYC'",
        ),
        (
            json.dumps({"format": 2, "machines": {"cpu | EPYC": {**_machine({}), "run": []}}}),
            'corrupt baseline: machines."cpu | EPYC".run: [] is not a table',
        ),
        ('{"format": 2, "machines": {"cpu | EPYC": 4}}', "4 is not a machine entry"),
    ):
        path.write_text(data)
        with pytest.raises(InputError) as e:
            load_baseline(path, "b")
        assert what in str(e.value), (data, str(e.value))


def test_format_1_file_and_its_entry(tmp_path: Path) -> None:
    path = tmp_path / "old.json"
    path.write_text(
        json.dumps(
            {
                "format": 1,
                "created": "2025-01-01",
                "key": KEY.to_json(),
                "tests": {"t::x": {"latency_ms": {"p50": 10.0}}},
            }
        )
    )
    found = load_baseline(path, "old")
    assert list(found.machines) == ["cpu | EPYC"]
    base, why = found.entry(KEY)
    assert why is None and base is not None
    assert base.name == "old" and dict(base.tests["t::x"]["latency_ms"]) == {"p50": 10.0}
    # saving keeps the entry it read, now in format 2
    said = save_baseline(path, "old", KEY, {"t::y": {"latency_ms": {"p50": 5.0}}}, {"time": "n"})
    assert said == f"baseline 'old' (2 tests for cpu | EPYC) to {path}"
    data = json.loads(path.read_text())
    assert data["format"] == 2 and sorted(data["machines"]["cpu | EPYC"]["tests"]) == [
        "t::x",
        "t::y",
    ]


def test_entries_of_other_machines_and_software(tmp_path: Path) -> None:
    path = tmp_path / "b.json"
    gpu = BaselineKey("gpu", "RTX", "550.1", {"llama-cpp-python": "0.3.36"})
    assert save_baseline(path, "b", gpu, {"t::x": {}}, {}) == (
        f"baseline 'b' (1 test for gpu | RTX) to {path}"
    )
    assert save_baseline(path, "b", KEY, {"t::x": {}}, {}) == (
        f"baseline 'b' (1 test for cpu | EPYC; 1 other machine(s) kept) to {path}"
    )
    newer = BaselineKey("gpu", "RTX", "560.2", {"llama-cpp-python": "0.3.36"})
    assert save_baseline(path, "b", newer, {"t::y": {}}, {}) == (
        f"baseline 'b' (1 test for gpu | RTX; 1 other machine(s) kept; replaced its entry "
        f"recorded with other software (driver '550.1' in the baseline, '560.2' now)) to {path}"
    )
    found = load_baseline(path, "b")
    assert sorted(found.machines) == ["cpu | EPYC", "gpu | RTX"]
    entry, why = found.entry(BaselineKey("gpu", "A100", None, {}))
    assert entry is None
    assert why == "no entry for this machine (gpu | A100; entries: cpu | EPYC; gpu | RTX)"
    assert BaselineKey("a", "b", None, {}).machine == "a | b"


def test_no_entry_in_an_empty_file() -> None:
    from pytest_llmcore.budgets.baseline import BaselineFile

    assert BaselineFile("b", {}).entry(KEY) == (
        None,
        "no entry for this machine (cpu | EPYC; entries: none)",
    )


def test_key_differences_are_named() -> None:
    a = BaselineKey("cpu", "EPYC", "550", {"llama-cpp-python": "0.3.36"}, {"host": "a"})
    same = BaselineKey("cpu", "EPYC", "550", {"llama-cpp-python": "0.3.36"}, {"host": "a"})
    assert a.mismatch(same) is None and a.machine_mismatch(same) is None
    assert a.software_change(same) is None
    # versions read from a file and from the installed metadata are equal, not identical
    built = BaselineKey(
        "cpu", "EPYC", "5" + str(50), {"llama-cpp-python": ".".join(["0", "3", "36"])}
    )
    assert a.software_change(built) is None
    b = BaselineKey(
        "cpu", "EPYC", "560", {"llama-cpp-python": "0.3.40", "vllm": "1"}, {"host": "a"}
    )
    assert a.machine_mismatch(b) is None
    assert a.mismatch(b) == "driver '550' in the baseline, '560' now"
    assert a.software_change(b) == (
        "driver 550 -> 560, llama-cpp-python 0.3.36 -> 0.3.40, vllm absent -> 1"
    )
    assert b.software_change(a) == (  # a downgrade is a change too
        "driver 560 -> 550, llama-cpp-python 0.3.40 -> 0.3.36, vllm 1 -> absent"
    )
    c = BaselineKey("cpu", "EPYC", "550", {"llama-cpp-python": "0.3.36"}, {"host": "b"})
    assert a.machine_mismatch(c) == "host a in the baseline, b now"
    assert a.mismatch(c) == "host a in the baseline, b now"
    d = BaselineKey("cpu", "EPYC", "550", {}, {})
    assert a.mismatch(d) == "llama-cpp-python 0.3.36 in the baseline, absent now"
    assert a.machine_mismatch(d) == "host a in the baseline, absent now"
    assert a.machine_mismatch(BaselineKey("gpu", "EPYC", "550", {})) == (
        "profile 'cpu' in the baseline, 'gpu' now"
    )
    assert a.mismatch(BaselineKey("cpu", "RTX", "550", {})) == (
        "device 'EPYC' in the baseline, 'RTX' now"
    )
    assert a.to_json() == {
        "profile": "cpu",
        "device": "EPYC",
        "driver": "550",
        "engines": {"llama-cpp-python": "0.3.36"},
        "extra": {"host": "a"},
    }


def test_an_entry_from_a_hook_gets_statistics_from_its_samples() -> None:
    raw = {
        "name": "history",
        "key": KEY.to_json(),
        "tests": {
            "t::x": {
                "latency_ms": {"samples": [1.0, 2.0, 3.0, 4.0]},
                "ttft_ms": {"p50": 9.0, "samples": [1.0]},
            }
        },
    }
    entry = check_entry("history", raw)
    assert entry.name == "history"
    lat = entry.tests["t::x"]["latency_ms"]
    assert (lat["p50"], lat["n"], lat["max"], lat["samples"]) == (2.5, 4, 4.0, [1.0, 2.0, 3.0, 4.0])
    assert dict(entry.tests["t::x"]["ttft_ms"]) == {"p50": 9.0, "samples": [1.0]}
    assert check_entry("s", {"key": KEY.to_json(), "tests": {}}).name == "s"
    with pytest.raises(InputError) as e:
        check_entry("src", [1])
    assert str(e.value) == "baseline source 'src': [1] is not a baseline entry"


# -- adaptive sampling --------------------------------------------------------------------


def test_adaptive_batches_double_within_both_caps() -> None:
    calls: list[int] = []

    def more(k: int) -> list[float]:
        calls.append(k)
        return [99.0 + 2 * (i % 2) for i in range(k)]

    rec = PerfRecorder()
    rec.samples["latency_ms"] = [99.0, 101.0] * 6
    rec.resamplers["latency_ms"] = more
    caps = Sampling(max_samples=100, max_time=1e9, inconclusive="warn")
    (v,) = budget_verdicts("t::x", [_b("latency_ms", 100)], rec, caps, RunContext("cpu", "CPU"))
    assert calls == [12, 24, 48, 4]  # as many again each time, the last one up to the cap
    assert (v.n, v.outcome, v.passed) == (100, "inconclusive", True)
    assert v.note == (
        "inconclusive: the 95% interval straddles the budget (policy warn); "
        "took 88 more samples (caps: 100 samples, 1e+09 s)"
    )
    assert v.message.endswith("; took 88 more samples (caps: 100 samples, 1e+09 s)")


def test_adaptive_sampling_stops_when_the_callable_fails() -> None:
    def boom(k: int) -> list[float]:
        raise RuntimeError("gone")

    rec = PerfRecorder()
    rec.samples["latency_ms"] = [10.0, 11.0]
    rec.resamplers["latency_ms"] = boom
    (v,) = budget_verdicts("t::x", [_b("latency_ms", 100)], rec, Sampling(), RunContext("c", "D"))
    assert v.outcome == "pass"
    assert v.note.endswith(
        "took 0 more samples (caps: 400 samples, 10 s); "
        "re-running the measured callable raised RuntimeError('gone')"
    )


def test_no_recorder_and_no_samples_are_missing() -> None:
    (v,) = budget_verdicts("t::x", [_b("latency_ms", 1)], None, Sampling(), RunContext("c", "D"))
    assert (v.kind, v.passed) == ("missing", False)
    rec = PerfRecorder()
    rec.samples["latency_ms"] = []
    (w,) = budget_verdicts("t::x", [_b("latency_ms", 1)], rec, Sampling(), RunContext("c", "D"))
    assert w.kind == "missing"


# -- through a pytest run -----------------------------------------------------------------

_RATE_TEST = """
import os
import pytest

@pytest.mark.budget(tokens_per_s=80)
def test_rate(llmcore_perf):
    llmcore_perf.record("tokens_per_s", [float(os.environ["RATE"])] * 10)
"""


def test_a_higher_is_better_budget_and_baseline_in_a_pytest_run(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """tokens/s: more is better in the verdict, the headroom, the baseline and the JSON."""
    pytester.makepyfile(test_r=_RATE_TEST)

    def run(rate: str, *args: str) -> tuple[pytest.RunResult, dict[str, Any]]:
        monkeypatch.setenv("RATE", rate)
        res = pytester.runpytest_inprocess(
            "--llmcore", "-p", "no:cacheprovider", "--llmcore-json=r.json", *args
        )
        data = json.loads((pytester.path / "r.json").read_text())
        return res, data["tests"]["test_r.py::test_rate"]

    res, t = run("100", "--llmcore-save-baseline=main")
    res.assert_outcomes(passed=1)
    (v,) = t["verdicts"]
    assert (v["outcome"], v["headroom_pct"], v["measured"]) == ("pass", 25.0, 100.0)
    res, t = run("80", "--llmcore-compare=main", "--llmcore-fail-regression=10%")
    res.assert_outcomes(failed=1)  # at the budget, but 20% below the baseline
    budget, regression = t["verdicts"]
    assert (budget["outcome"], budget["passed"], budget["headroom_pct"]) == ("pass", True, 0.0)
    assert (regression["outcome"], regression["passed"]) == ("regression", False)
    assert regression["headroom_pct"] == pytest.approx(-20.0)
    assert regression["change_pct"] == pytest.approx(-20.0)
    assert (
        "decode tokens/s p50 80.0 tokens/s is 20.0% worse than baseline 'main' "
        "(100.0 tokens/s); threshold 10%: regression" in res.stdout.str()
    )


def test_a_percentile_short_of_samples_is_sampled_until_it_is_bounded() -> None:
    rec = PerfRecorder()
    rec.samples["latency_ms"] = [1.0] * 5
    rec.resamplers["latency_ms"] = lambda k: [1.0] * k
    budget = _b("latency_ms", 100, stat="p90")
    (v,) = budget_verdicts("t::x", [budget], rec, Sampling(), RunContext("c", "D"))
    # 5 (too few for a p90) -> 15 -> 30 -> 60: a p90 is bounded on both sides from 36
    assert (v.kind, v.outcome, v.passed, v.n) == ("budget", "pass", True, 60)
    assert v.note == "took 55 more samples (caps: 400 samples, 10 s)"


def _slow_rec(ms: float, calls: list[int]) -> PerfRecorder:
    def more(k: int) -> list[float]:
        calls.append(k)
        return [ms] * k

    rec = PerfRecorder()
    rec.samples["latency_ms"] = [ms, ms]
    rec.resamplers["latency_ms"] = more
    return rec


def test_a_batch_fits_the_time_left_at_the_measured_cost_per_call() -> None:
    calls: list[int] = []
    caps = Sampling(max_samples=400, max_time=0.006)
    # 1.5 ms a call, 6 ms left: 4 calls, not the 10 a batch would take
    (v,) = budget_verdicts(
        "t::x",
        [_b("latency_ms", 100)],
        _slow_rec(1.5, calls),
        caps,
        RunContext("c", "D"),
        clock=lambda: 0.0,
    )
    assert calls == [4]
    assert (v.outcome, v.n) == ("pass", 6)


def test_no_samples_are_taken_past_the_time_cap() -> None:
    calls: list[int] = []
    ticks = iter([0.0] + [2.0] * 10)
    caps = Sampling(max_samples=400, max_time=1.0)
    (v,) = budget_verdicts(
        "t::x",
        [_b("latency_ms", 100)],
        _slow_rec(1.0, calls),
        caps,
        RunContext("c", "D"),
        clock=lambda: next(ticks),
    )
    assert calls == []
    assert (v.outcome, v.n, v.note) == (
        "pass",
        2,
        "judged on the value: 2 samples give no 95% bound (a p50 needs 6)",
    )
