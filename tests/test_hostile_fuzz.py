"""Fuzz (issue 11): any ``[tool.llmcore]`` value and any marker argument either works or is
refused with a one-line error; never a traceback (another exception type) or a multi-line
message. In-process, through the same functions the plugin and the CLI call."""

from __future__ import annotations

import math
import tempfile
from pathlib import Path
from typing import Any

import pytest
import tomlkit
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_llmcore.budgets.settings import BudgetSettings, settings_from_table
from pytest_llmcore.budgets.spec import BudgetError, resolve_budgets, validate_config_budgets
from pytest_llmcore.config_tables import TOOL_TABLE
from pytest_llmcore.core.config import load_tool_table
from pytest_llmcore.core.errors import InputError
from pytest_llmcore.deps.schema import DEPS_TABLE
from pytest_llmcore.deps.settings import load_settings
from pytest_llmcore.gpu.requirements import parse_gpu_marker
from pytest_llmcore.gpu.settings import GPU_KEYS, gpu_settings

TOP_KEYS = sorted(TOOL_TABLE.names)
DEPS_KEYS = DEPS_TABLE.names
METRICS = ["latency_ms", "tokens_per_s", "ttft_ms", "tpot_ms", "vram_peak", "kv_savings"]
STATS = ["p50", "p90", "p99", "mean", "max", "min", "median", "p42", "cv"]

scalars = st.one_of(
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["12GiB", "1e400GiB", "-5ms", "50%", "p50", "nan", "fast", "", " ", "0"]),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from([*METRICS, *STATS, "match", "x"]), inner, max_size=3),
    ),
    max_leaves=6,
)
FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def one_line(exc: BaseException) -> None:
    text = str(exc)
    assert text and "\n" not in text and "\r" not in text, repr(text)


def _toml_ok(value: Any) -> bool:
    """TOML has no null and arrays of one type in old parsers: tomlkit takes the rest."""
    try:
        tomlkit.dumps({"v": value})
    except Exception:
        return False
    return True


@FUZZ
@given(
    top=st.dictionaries(st.sampled_from(TOP_KEYS), values, max_size=3),
    gpu=st.dictionaries(st.sampled_from(sorted(GPU_KEYS)), values, max_size=3),
    deps=st.dictionaries(st.sampled_from(sorted(DEPS_KEYS)), values, max_size=3),
)
def test_any_config_value_works_or_is_one_line(
    top: dict[str, Any], gpu: dict[str, Any], deps: dict[str, Any]
) -> None:
    table: dict[str, Any] = {**top, "gpu": gpu, "deps": deps}
    if not _toml_ok(table):
        return
    doc = {"project": {"name": "x", "version": "0"}, "tool": {"llmcore": table}}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "pyproject.toml").write_text(tomlkit.dumps(doc))
        read = load_tool_table(root / "pyproject.toml")
        for step in (
            lambda: validate_config_budgets(settings_from_table(read)),
            lambda: gpu_settings(read),
            lambda: load_settings(root),
        ):
            try:
                step()
            except (InputError, BudgetError) as exc:
                one_line(exc)


@FUZZ
@given(kwargs=st.dictionaries(st.sampled_from([*METRICS, "profile", "tolerance"]), values))
def test_any_budget_marker_works_or_is_one_line(kwargs: dict[str, Any]) -> None:
    try:
        got = resolve_budgets("t.py::test_x", [((), kwargs)], BudgetSettings(), "cpu")
    except (BudgetError, InputError) as exc:
        one_line(exc)
        assert str(exc).startswith("t.py::test_x"), str(exc)  # names the test
        return
    for b in got.budgets:
        assert math.isfinite(b.limit) and b.limit >= 0, b


@FUZZ
@given(
    args=st.lists(scalars, max_size=2),
    kwargs=st.dictionaries(
        st.sampled_from(
            ["count", "min_free_vram", "min_total_vram", "compute_capability", "name", "x"]
        ),
        values,
    ),
)
def test_any_gpu_marker_works_or_is_one_line(args: list[Any], kwargs: dict[str, Any]) -> None:
    try:
        req = parse_gpu_marker(args, kwargs, "llmcore_gpu")
    except ValueError as exc:
        one_line(exc)
        assert str(exc).startswith("@pytest.mark.llmcore_gpu"), str(exc)
        return
    assert req.count >= 1
    for size in (req.min_free_vram, req.min_total_vram):
        assert size is None or 0 <= size < 2**70


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -1, True, "1e400GiB", [], {}])
def test_known_bad_budget_values_are_refused(value: object) -> None:
    with pytest.raises((BudgetError, InputError)) as info:
        resolve_budgets("t.py::test_x", [((), {"latency_ms": value})], BudgetSettings(), "cpu")
    one_line(info.value)
