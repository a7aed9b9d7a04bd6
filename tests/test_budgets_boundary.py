"""Values checked where they enter: config keys, marker arguments, samples, baseline files.

Each bad value gives one exact line naming where it came from; the fuzz tests check that
every other input works or gives one such line, never another exception.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_llmcore.budgets.baseline import BaselineKey, load_baseline, save_baseline
from pytest_llmcore.budgets.metrics import BUILTIN_METRICS, BUILTIN_REGISTRY, UnitError, parse_value
from pytest_llmcore.budgets.recorder import PerfRecorder, SampleError
from pytest_llmcore.budgets.schema import BUDGET_KEYS
from pytest_llmcore.budgets.settings import settings_from_table
from pytest_llmcore.budgets.spec import BudgetError, resolve_budgets, unmatched_config_keys
from pytest_llmcore.budgets.stats import kept_samples, min_samples, summarize
from pytest_llmcore.budgets.verdict import RunContext, evaluate
from pytest_llmcore.core.errors import InputError
from pytest_llmcore.core.units import parse_bool, parse_bytes, parse_percent
from pytest_llmcore.options import percent_arg

# -- one percentage rule ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "fraction"),
    [("10%", 0.1), (10, 0.1), ("10", 0.1), (1, 0.01), ("0.5%", 0.005), (0, 0.0), ("150%", 1.5)],
)
def test_one_percentage_rule_for_config_and_command_line(value: object, fraction: float) -> None:
    assert parse_percent(value) == pytest.approx(fraction)
    assert percent_arg(str(value)) == pytest.approx(fraction)
    table = settings_from_table({"fail-regression": value})
    assert table.fail_regression == pytest.approx(fraction)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (0.5, '0.5 is ambiguous: write "50%" or "0.5%" (a bare number is a number of percent)'),
        ("-5%", "'-5%': a percentage must be a finite number >= 0 (e.g. \"10%\")"),
        (math.nan, 'nan: a percentage must be a finite number >= 0 (e.g. "10%")'),
        (True, 'True is not a percentage (e.g. "10%")'),
        ("fast", "cannot read 'fast' as a percentage (e.g. \"10%\")"),
    ],
)
def test_bad_percentages(value: object, message: str) -> None:
    with pytest.raises(ValueError) as exc:
        parse_percent(value)
    assert str(exc.value) == message


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1e400GiB", "'1e400GiB': too large for a size (at most 1 EiB)"),
        (math.inf, "inf: too large for a size (at most 1 EiB)"),
        (-1, "-1: a size can't be negative or NaN"),
        (math.nan, "nan: a size can't be negative or NaN"),
        (True, "True is not a size"),
    ],
)
def test_bad_sizes(value: object, message: str) -> None:
    with pytest.raises(ValueError) as exc:
        parse_bytes(value)
    assert str(exc.value) == message


def test_booleans_are_booleans() -> None:
    assert parse_bool(False) is False
    with pytest.raises(ValueError, match=r"^'no' is not a boolean \(write true or false"):
        parse_bool("no")


# -- config keys ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (
            {"compare-stats": ["p42"]},
            "[tool.llmcore] compare-stats: unknown statistic 'p42' "
            "(use p50, p90, p95, p99, mean, max, min, median)",
        ),
        (
            {"compare-stats": 5},
            '[tool.llmcore] compare-stats: 5 is not a list of statistics (e.g. ["p50", "p90"])',
        ),
        (
            {"fail-regression": 0.5},
            '[tool.llmcore] fail-regression: 0.5 is ambiguous: write "50%" or "0.5%" '
            "(a bare number is a number of percent)",
        ),
        ({"repeats": True}, "[tool.llmcore] repeats: True is not an integer"),
        ({"warmup": -1}, "[tool.llmcore] warmup: -1 must be an integer >= 0"),
        ({"profile": 5}, '[tool.llmcore] profile: 5 is not a non-empty string (e.g. "rtx-4090")'),
        (
            {"baseline-dir": ""},
            "[tool.llmcore] baseline-dir: '' is not a non-empty string "
            '(e.g. ".llmcore/baselines")',
        ),
        ({"noisy-cv": True}, '[tool.llmcore] noisy-cv: True is not a percentage (e.g. "10%")'),
        ({"profiles": {"a": {"match": 5}}}, "[tool.llmcore.profiles.a] match: 5 is not a string"),
    ],
)
def test_bad_config_values(table: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError) as exc:
        settings_from_table(table)
    assert str(exc.value) == message


# -- marker arguments -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"tokens_per_s": -5},
            "t.py::x: @pytest.mark.budget: tokens_per_s: -5 is negative "
            "(tokens_per_s is never below 0)",
        ),
        (
            {"tokens_per_s": 0},
            "t.py::x: @pytest.mark.budget: tokens_per_s: a budget of 0 always passes "
            "(tokens_per_s is never below 0): give the least acceptable value",
        ),
        (
            {"kv_savings": 46.9},
            "t.py::x: @pytest.mark.budget: kv_savings: 46.9 is not a fraction from 0 to 1 "
            '(write 0.469 or "46.9%")',
        ),
        (
            {"profile": 5, "latency_ms": 1},
            "t.py::x: budget(profile=5): give a profile name or a list of names "
            '(e.g. profile="rtx-4090")',
        ),
        (
            {"latency_ms": "1e400ms"},
            "t.py::x: @pytest.mark.budget: latency_ms: '1e400ms' is not a finite number",
        ),
        (
            {"latency_ms": {"p42": 1}},
            "t.py::x: @pytest.mark.budget: latency_ms: unknown statistic 'p42' "
            "(use p50, p90, p95, p99, mean, max, min, median)",
        ),
        (
            {"latency_ms": 1, "tolerance": 0.05},
            't.py::x: budget(tolerance=...): 0.05 is ambiguous: write "5%" or "0.05%" '
            "(a bare number is a number of percent)",
        ),
    ],
)
def test_bad_marker_arguments(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(BudgetError) as exc:
        resolve_budgets("t.py::x", [((), kwargs)], settings_from_table({}), "cpu")
    assert str(exc.value) == message


def test_ratio_metrics_take_a_fraction_or_a_percentage() -> None:
    m = BUILTIN_METRICS["kv_savings"]
    assert parse_value(m, "46.9%") == pytest.approx(0.469)
    assert parse_value(m, 0.469) == pytest.approx(0.469)
    assert parse_value(m, 1) == 1.0


# -- samples --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ([1.0, math.nan], "t.py::x: llmcore_perf: latency_ms: nan is not a finite number"),
        ([math.inf], "t.py::x: llmcore_perf: latency_ms: inf is not a finite number"),
        (
            [-5],
            "t.py::x: llmcore_perf: latency_ms: -5 is negative (latency_ms is never below 0)",
        ),
        (
            ["-inf ms"],
            "t.py::x: llmcore_perf: latency_ms: cannot read '-inf ms' "
            '(expected e.g. "30ms" or "1.5s")',
        ),
    ],
)
def test_samples_that_are_not_data_are_refused(values: list[object], message: str) -> None:
    rec = PerfRecorder()
    rec.nodeid = "t.py::x"
    rec.record("latency_ms", [2.0])
    with pytest.raises(SampleError) as exc:
        rec.record("latency_ms", values)  # type: ignore[arg-type]
    assert str(exc.value) == message
    assert rec.samples["latency_ms"] == [2.0]  # nothing of the bad batch was kept


# -- percentiles need samples ---------------------------------------------------------------


def test_sample_counts_each_statistic_needs() -> None:
    assert {s: min_samples(s) for s in ("p50", "p90", "p95", "p99", "mean", "max")} == {
        "p50": 1,
        "p90": 10,
        "p95": 20,
        "p99": 100,
        "mean": 1,
        "max": 1,
    }


def test_p99_of_five_samples_is_not_a_pass() -> None:
    (b,) = resolve_budgets(
        "t::x", [((), {"latency_ms": {"p99": "1s"}})], settings_from_table({}), "cpu"
    ).budgets
    v = evaluate("t::x", b, summarize([1.0, 1.0, 1.0, 1.0, 2.0]), RunContext("cpu", "CPU"))
    assert (v.kind, v.passed, v.measured) == ("insufficient", False, None)
    assert v.message.startswith("latency p99 needs at least 100 samples; got 5 ")
    assert evaluate("t::x", b, summarize([1.0] * 100), RunContext("cpu", "CPU")).passed


def test_kept_samples_are_capped_evenly() -> None:
    kept = kept_samples([float(i) for i in range(5000)], cap=1000)
    assert len(kept) == 1000 and kept[0] == 0.0 and kept[-1] == 4999.0
    assert kept_samples([1.0, 2.0]) == [1.0, 2.0]


# -- config budgets that match nothing ------------------------------------------------------


def test_unmatched_config_keys() -> None:
    s = settings_from_table(
        {
            "budgets": {
                "tests/test_a.py::test_ok": {"latency_ms": 1},
                "tests/test_a.py::test_param": {"latency_ms": 1},
                "tests/test_a.py::test_gone": {"latency_ms": 1},
                "tests/test_b.py::test_other_file": {"latency_ms": 1},
                "tests/test_nofile.py::test_x": {"latency_ms": 1},
            }
        }
    )
    ids = ["tests/test_a.py::test_ok", "tests/test_a.py::test_param[1]"]
    exists = {"tests/test_a.py", "tests/test_b.py"}.__contains__
    assert unmatched_config_keys(s, ids, exists) == [
        "tests/test_a.py::test_gone",
        "tests/test_nofile.py::test_x",
    ]


# -- baselines ------------------------------------------------------------------------------

KEY = BaselineKey("cpu", "EPYC", None, {"torch": "2.13.0"})


@pytest.mark.parametrize(
    ("mutate", "where"),
    [
        (
            lambda d: d["machines"]["cpu | EPYC"]["tests"]["t::x"]["tpot_ms"].update(p50="fast"),
            'machines."cpu | EPYC".tests."t::x".tpot_ms.p50: \'fast\' is not valid',
        ),
        (
            lambda d: d["machines"]["cpu | EPYC"].update(tests=[]),
            'machines."cpu | EPYC".tests: a list, not a table of tests',
        ),
        (lambda d: d.update(machines=[]), "machines: [] is not a table of machine entries"),
    ],
)
def test_a_corrupt_baseline_is_an_error_and_is_not_overwritten(
    tmp_path: Path, mutate: Any, where: str
) -> None:
    path = tmp_path / "main.json"
    save_baseline(path, "main", KEY, {"t::x": {"tpot_ms": {"p50": 30.0, "n": 3}}}, {})
    data = json.loads(path.read_text())
    mutate(data)
    path.write_text(json.dumps(data))
    before = path.read_bytes()
    fix = "restore it from version control, or delete the file to start a new baseline"
    with pytest.raises(InputError) as exc:
        load_baseline(path, "main")
    assert str(exc.value) == f"{path}: corrupt baseline: {where} ({fix})"
    with pytest.raises(InputError):
        save_baseline(path, "main", KEY, {"t::y": {"tpot_ms": {"p50": 1.0}}}, {})
    assert path.read_bytes() == before


def test_saving_keeps_other_machines_entries(tmp_path: Path) -> None:
    path = tmp_path / "main.json"
    h100 = BaselineKey("h100", "NVIDIA H100", "550.54", {"torch": "2.13.0"})
    save_baseline(path, "main", h100, {f"t::{i}": {"tpot_ms": {"p50": 5.0}} for i in range(50)}, {})
    theirs = json.loads(path.read_text())["machines"]["h100 | NVIDIA H100"]
    said = save_baseline(path, "main", KEY, {"t::x": {"tpot_ms": {"p50": 30.0}}}, {"time": "t"})
    assert said == f"baseline 'main' (1 test for cpu | EPYC; 1 other machine(s) kept) to {path}"
    data = json.loads(path.read_text())
    assert data["machines"]["h100 | NVIDIA H100"] == theirs
    assert len(data["machines"]["cpu | EPYC"]["tests"]) == 1
    # the same machine merges test by test
    save_baseline(path, "main", KEY, {"t::y": {"tpot_ms": {"p50": 31.0}}}, {})
    mine = json.loads(path.read_text())["machines"]["cpu | EPYC"]["tests"]
    assert sorted(mine) == ["t::x", "t::y"]


def test_format_1_baselines_still_load(tmp_path: Path) -> None:
    path = tmp_path / "old.json"
    path.write_text(
        json.dumps(
            {"format": 1, "key": KEY.to_json(), "tests": {"t::x": {"tpot_ms": {"p50": 3.0}}}}
        )
    )
    entry, why = load_baseline(path, "old").entry(KEY)
    assert why is None and entry is not None and entry.tests["t::x"]["tpot_ms"]["p50"] == 3.0


# -- fuzz: every value works or gives one line ----------------------------------------------

_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**6), max_value=10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["10%", "0.5", "p99", "12GiB", "30ms", "1e400", "-5%", "fast", "no"]),
)
_values = st.one_of(
    _scalars,
    st.lists(_scalars, max_size=3),
    st.dictionaries(st.sampled_from(["p50", "p99", "p42", "max", "x"]), _scalars, max_size=3),
)
#: every key the budgets declare (their schema), and one another capability reads
_CONFIG_KEYS = sorted({k.name for k in BUDGET_KEYS} | {"model"})


def _one_line(exc: BaseException) -> None:
    text = str(exc)
    assert text and "\n" not in text and "Traceback" not in text


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(_CONFIG_KEYS), _values, max_size=4))
def test_fuzz_config_values(table: dict[str, Any]) -> None:
    try:
        s = settings_from_table(table)
        for key in s.budgets:
            resolve_budgets(str(key), [], s, "cpu")
    except (InputError, BudgetError) as exc:
        _one_line(exc)


_MARKER_KEYS = ["latency_ms", "tokens_per_s", "kv_savings", "vram_peak", "profile", "tolerance"]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.one_of(_scalars), max_size=1),
    st.dictionaries(st.sampled_from(_MARKER_KEYS), _values, max_size=3),
)
def test_fuzz_marker_arguments(args: list[Any], kwargs: dict[str, Any]) -> None:
    s = settings_from_table({"profiles": {"rtx-4090": {"match": "RTX"}}})
    try:
        resolve_budgets("t.py::x", [(tuple(args), kwargs)], s, "cpu")
    except BudgetError as exc:
        _one_line(exc)
        assert str(exc).startswith("t.py::x: ")


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(BUILTIN_METRICS)), _values)
def test_fuzz_recorded_values(metric: str, value: Any) -> None:
    rec = PerfRecorder()
    rec.nodeid = "t.py::x"
    try:
        rec.record(metric, value)
    except UnitError as exc:
        _one_line(exc)
        assert str(exc).startswith("t.py::x: llmcore_perf: ")
    else:
        assert all(math.isfinite(v) and v >= 0 for v in rec.samples[metric])


def test_compared_percentiles_need_samples_on_both_sides(tmp_path: Path) -> None:
    from pytest_llmcore.budgets.regression import compare

    path = tmp_path / "main.json"
    thin = summarize([30.0] * 5).to_json()
    save_baseline(path, "main", KEY, {"t::x": {"tpot_ms": thin}}, {})
    base, _ = load_baseline(path, "main").entry(KEY)
    assert base is not None
    (v,) = compare(
        base,
        "t::x",
        BUILTIN_METRICS["tpot_ms"],
        summarize([30.0] * 5),
        ("p99",),
        0.1,
        RunContext("cpu", "EPYC"),
    )
    assert (v.kind, v.passed) == ("insufficient", False)
    assert v.message.startswith("TPOT p99 needs at least 100 samples; got 5 ")
    (w,) = compare(
        base,
        "t::x",
        BUILTIN_METRICS["tpot_ms"],
        summarize([30.0] * 100),
        ("p99",),
        0.1,
        RunContext("cpu", "EPYC"),
    )
    assert (w.kind, w.passed) == ("insufficient", False)
    assert w.message == (
        "TPOT p99 of baseline 'main' needs at least 100 samples; it has 5: save the baseline "
        "again with more samples, or compare another statistic (compare-stats)"
    )


def test_register_metric_knows_every_kind() -> None:
    from pytest_llmcore.budgets.metrics import KIND_UNITS, metric_from_spec

    for kind, unit in KIND_UNITS.items():
        assert metric_from_spec({"name": f"fuzz_{kind}", "kind": kind}).unit == unit
    with pytest.raises(UnitError, match="default_stat 'p42' is not one of"):
        metric_from_spec({"name": "fuzz_bad", "kind": "time", "default_stat": "p42"})
    signed = metric_from_spec({"name": "fuzz_delta", "kind": "time", "signed": True})
    assert parse_value(signed, -5) == -5.0
    assert (
        BUILTIN_REGISTRY.adding([{"name": "fuzz_delta", "kind": "time"}])["fuzz_delta"].unit == "ms"
    )
    assert not [n for n in BUILTIN_METRICS if n.startswith("fuzz_")]
