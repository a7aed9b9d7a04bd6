"""The A/B verdict at its thresholds (issue 17): exactly at the threshold is a change, a
hair under is not; the interval's t quantile by round count; rounds missing a side."""

from __future__ import annotations

import dataclasses
import math
import statistics

import pytest

from pytest_llmcore.budgets.ab_stats import T975, Comparison, _outcome, compare_rounds

T = 0.03


@pytest.mark.parametrize(
    ("low", "high", "ratio", "lower_is_better", "outcome"),
    [
        # significant (the interval excludes 1) and at least the threshold: a change
        (1.01, 1.05, 1.03, True, "regression"),
        (1.01, 1.05, 1.03, False, "improvement"),  # tokens/s up 3%
        (1.01, 1.05, 1.0299, True, "no change"),  # significant but under the threshold
        (0.95, 0.99, 1 / 1.03, True, "improvement"),
        (0.95, 0.99, 1 / 1.03, False, "regression"),
        (0.95, 0.99, 1 / 1.0299, True, "no change"),
        # the interval holds 1: inconclusive only if a change over the threshold is possible
        (0.99, 1.03, 1.01, True, "no change"),  # high exactly at 1 + threshold
        (0.99, 1.0301, 1.01, True, "inconclusive"),
        (1 / 1.03, 1.01, 1.0, True, "no change"),  # low exactly at 1 / (1 + threshold)
        (1 / 1.0301, 1.01, 1.0, True, "inconclusive"),
        (1.0, 1.02, 1.01, True, "no change"),  # low exactly 1: not significant
        (0.98, 1.0, 0.99, True, "no change"),  # high exactly 1
        (1.0, 1.05, 1.04, True, "inconclusive"),
    ],
)
def test_outcome_boundaries(
    low: float, high: float, ratio: float, lower_is_better: bool, outcome: str
) -> None:
    assert _outcome(low, high, ratio, T, lower_is_better) == outcome


def test_comparison_fields_and_description() -> None:
    base = [[10.0, 12.0, 11.0], [10.0], []]  # the third round lacks a side: dropped
    head = [[12.0, 13.0, 14.0], [12.0], [99.0]]
    c = compare_rounds(base, head, threshold=T)
    assert c.rounds == 2
    assert c.ratio == pytest.approx(math.sqrt(13 / 11 * 12 / 10))
    logs = [math.log(13 / 11), math.log(12 / 10)]
    half = 12.706 * statistics.stdev(logs) / math.sqrt(2)  # t with 1 degree of freedom
    assert c.low == pytest.approx(math.exp(statistics.mean(logs) - half))
    assert c.high == pytest.approx(math.exp(statistics.mean(logs) + half))
    assert (c.base_median, c.head_median) == (10.5, 13.0)  # every sample, every round
    assert c.describe() == "+19.1% (95% CI +8.1% .. +31.2%, 2 rounds): regression"
    with pytest.raises(dataclasses.FrozenInstanceError):  # a verdict is not edited later
        c.outcome = "no change"  # type: ignore[misc]
    d = Comparison(1.051, 1.0101, 1.1, 5, "regression", 1.0, 1.0).describe()
    assert d == "+5.1% (95% CI +1.0% .. +10.0%, 5 rounds): regression"
    d = Comparison(0.95, 0.9, 0.99, 3, "improvement", 1.0, 1.0).describe()
    assert d == "-5.0% (95% CI -10.0% .. -1.0%, 3 rounds): improvement"


def test_rounds_with_a_non_positive_median_are_dropped() -> None:
    with pytest.raises(ValueError) as exc:
        compare_rounds([[0.0], [1.0], [1.0]], [[1.0], [0.0], [-1.0]], threshold=T)
    assert str(exc.value) == "an A/B comparison needs at least 2 complete rounds, got 0"
    c = compare_rounds([[0.0], [1.0], [1.0]], [[1.0], [1.1], [1.1]], threshold=T)
    assert c.rounds == 2 and c.ratio == pytest.approx(1.1)


@pytest.mark.parametrize(("rounds", "t"), [(2, 12.706), (3, 4.303), (31, 2.042), (32, 1.96)])
def test_interval_uses_t_for_the_degrees_of_freedom(rounds: int, t: float) -> None:
    ratios = [1.1 if i % 2 else 1.2 for i in range(rounds)]
    c = compare_rounds([[1.0]] * rounds, [[r] for r in ratios], threshold=T)
    logs = [math.log(r) for r in ratios]
    half = t * statistics.stdev(logs) / math.sqrt(rounds)
    assert c.high == pytest.approx(math.exp(statistics.mean(logs) + half), rel=1e-9)
    assert len(T975) == 30
