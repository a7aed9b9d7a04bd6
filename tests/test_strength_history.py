"""Change-point decisions at their thresholds (issue 17): significance and size compared at
equality, the shortest series that can hold a step, each step tested between its
neighbours, and the noise estimate's formula."""

from __future__ import annotations

import math
import random
import sys

import pytest

from pytest_llmcore.core.errors import LlmcoreError
from pytest_llmcore.history.changes import Change, _noise, detect

from .conftest import needs

#: Mann-Whitney U, 6 against 6 with every value tied inside its group (normal approximation)
P_6_6 = 0.0012619447673879731


@needs("ruptures", "scipy")
def test_a_clean_step_is_found_with_its_levels_and_p_value() -> None:
    (c,) = detect([100.0] * 6 + [110.0] * 6)
    assert (c.index, c.before, c.after) == (6, 100.0, 110.0)
    assert c.p_value == pytest.approx(P_6_6, rel=1e-9)
    assert c.relative == pytest.approx(0.10) and c.confidence == pytest.approx(1 - P_6_6)
    (down,) = detect([110.0] * 6 + [100.0] * 6)
    assert down.relative == pytest.approx(-1 / 11)  # a drop is a negative change


@needs("ruptures", "scipy")
def test_size_and_significance_thresholds_at_equality() -> None:
    two_percent = [100.0] * 6 + [102.0] * 6
    assert [c.index for c in detect(two_percent)] == [6]  # the default minimum is 2%
    assert detect([100.0] * 6 + [101.9] * 6) == []
    assert [c.index for c in detect(two_percent, min_change=0.02)] == [6]  # exactly 2%
    assert detect(two_percent, min_change=0.0201) == []
    assert detect(two_percent, min_change=-0.02) != []  # abs(): a size, either direction
    drop = [102.0] * 6 + [100.0] * 6
    assert [c.index for c in detect(drop, min_change=0.0196)] == [6]  # -1.96%
    assert detect(drop, min_change=0.0197) == []
    assert detect(two_percent, alpha=P_6_6) == []  # p must be below alpha, not equal
    assert [c.index for c in detect(two_percent, alpha=P_6_6 * 1.0001)] == [6]


@needs("ruptures", "scipy")
def test_shortest_series_is_two_segments() -> None:
    (c,) = detect([100.0] * 3 + [110.0] * 3, alpha=0.5)
    assert (c.index, c.p_value) == (3, pytest.approx(0.04685417760387376))
    assert detect([100.0] * 3 + [110.0] * 2, alpha=0.5) == []
    assert detect([100.0] * 4 + [110.0] * 4, min_size=4, alpha=0.5)[0].index == 4
    assert detect([100.0] * 4 + [110.0] * 3, min_size=4, alpha=0.5) == []
    for short in ([], [1.0], [1.0, 2.0], [100.0, 110.0, 120.0]):  # never an error either
        assert detect(short) == []


@needs("ruptures", "scipy")
def test_each_step_is_tested_between_its_neighbours() -> None:
    changes = detect([100.0] * 6 + [110.0] * 6 + [100.0] * 6)
    assert [(c.index, c.before, c.after) for c in changes] == [
        (6, 100.0, 110.0),
        (12, 110.0, 100.0),
    ]


@needs("ruptures", "scipy")
def test_change_properties_and_noise_formula() -> None:
    assert Change(3, 0.0, 5.0, 0.5).relative == math.inf
    assert Change(3, 200.0, 150.0, 0.25).relative == -0.25
    assert Change(3, 200.0, 150.0, 0.25).confidence == 0.75
    # diffs 1, 2, 3: median 2, deviations 1, 0, 1: MAD 1
    assert _noise([0.0, 1.0, 3.0, 6.0]) == pytest.approx(1.4826 / math.sqrt(2))
    assert _noise([5.0, 6.0, 7.0, 8.0]) == 0.0
    assert detect([100.0] * 12) == []  # no noise, no step: nothing, and no division by zero


def test_without_ruptures_the_error_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ruptures", None)  # an import of it raises ImportError
    with pytest.raises(LlmcoreError) as exc:
        detect([100.0] * 6 + [110.0] * 6)
    assert str(exc.value) == (
        "change-point detection needs ruptures and scipy: pip install 'pytest-llmcore[history]'"
    )


@needs("ruptures", "scipy")
def test_detection_does_not_depend_on_the_unit() -> None:
    """The penalty scales with the noise's variance: the same series in seconds or in
    milliseconds has the same change points (a 10% step in 0.2% noise)."""
    rng = random.Random(7)
    series = [1.0 + rng.gauss(0, 0.002) for _ in range(30)]
    series = series[:15] + [v + 0.1 for v in series[15:]]
    assert [c.index for c in detect(series)] == [15]
    assert [c.index for c in detect([v * 1000 for v in series])] == [15]
    assert [c.index for c in detect([v / 1000 for v in series])] == [15]
