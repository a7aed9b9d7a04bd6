"""The metrics a budget can name: unit, direction, and how to read a value with a unit."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from ..core.units import BYTE_UNITS, format_bytes

__all__ = [
    "BUILTIN_METRICS",
    "BUILTIN_REGISTRY",
    "STATISTICS",
    "Metric",
    "MetricRegistry",
    "UnitError",
    "format_value",
    "metric_from_spec",
    "parse_value",
]

Direction = Literal["lower", "higher"]
Kind = Literal["time", "bytes", "rate", "fraction", "count", "ratio"]
#: Every kind with its canonical unit (the one list of kinds).
KIND_UNITS: dict[str, str] = {
    "time": "ms",
    "bytes": "bytes",
    "rate": "/s",
    "fraction": "fraction",
    "count": "",
    "ratio": "x",
}

#: Statistics a budget may name; latency budgets default to p50.
STATISTICS: tuple[str, ...] = ("p50", "p90", "p95", "p99", "mean", "max", "min", "median")


class UnitError(ValueError):
    """A value whose unit does not fit its metric ("12GiB" for a latency)."""


@dataclass(frozen=True)
class Metric:
    name: str
    kind: Kind
    unit: str
    """Canonical unit of recorded values: ms, bytes, tokens/s, fraction, count."""
    direction: Direction
    label: str
    description: str
    default_stat: str = "p50"
    signed: bool = False
    """Whether values may be negative (no built-in metric may: a time, size or rate is >= 0)."""

    @property
    def lower_is_better(self) -> bool:
        return self.direction == "lower"


def _m(
    name: str, kind: Kind, unit: str, direction: Direction, label: str, desc: str, stat: str = "p50"
) -> Metric:
    return Metric(name, kind, unit, direction, label, desc, stat)


#: The built-in metrics, read-only: a run's ``pytest_llmcore_add_metrics`` hooks add theirs
#: to that run's :class:`MetricRegistry`, never to this table.
BUILTIN_METRICS: Mapping[str, Metric] = MappingProxyType(
    {
        m.name: m
        for m in (
            _m("latency_ms", "time", "ms", "lower", "latency", "wall time of one call"),
            _m(
                "ttft_ms",
                "time",
                "ms",
                "lower",
                "TTFT",
                "time to first token: request sent to first streamed token",
            ),
            _m(
                "tpot_ms",
                "time",
                "ms",
                "lower",
                "TPOT",
                "time per output token after the first: (e2e - ttft) / (tokens - 1)",
            ),
            _m(
                "itl_ms",
                "time",
                "ms",
                "lower",
                "ITL",
                "inter-token latency: gap between streamed tokens",
            ),
            _m("e2e_ms", "time", "ms", "lower", "E2E", "end-to-end request latency"),
            _m(
                "tokens_per_s",
                "rate",
                "tokens/s",
                "higher",
                "decode tokens/s",
                "generated tokens per second",
            ),
            _m(
                "engine_tpot_ms",
                "time",
                "ms",
                "lower",
                "engine TPOT",
                "llama.cpp's own decode time per token (perf counters; Python excluded)",
            ),
            _m(
                "engine_tokens_per_s",
                "rate",
                "tokens/s",
                "higher",
                "engine decode tokens/s",
                "llama.cpp's own decode rate (perf counters; Python excluded)",
            ),
            _m(
                "prompt_tokens_per_s",
                "rate",
                "tokens/s",
                "higher",
                "prompt tokens/s",
                "prompt tokens processed per second",
            ),
            _m(
                "vram_peak", "bytes", "bytes", "lower", "VRAM peak", "peak GPU memory in use", "max"
            ),
            _m(
                "rss_peak",
                "bytes",
                "bytes",
                "lower",
                "RSS peak",
                "peak resident set size of the process",
                "max",
            ),
            _m("kv_bytes", "bytes", "bytes", "lower", "KV cache", "bytes of the KV cache", "max"),
            _m(
                "kv_savings",
                "fraction",
                "fraction",
                "higher",
                "KV savings",
                "KV-cache bytes saved vs f16 (0.469 = 46.9%)",
                "min",
            ),
            _m(
                "speedup",
                "ratio",
                "x",
                "higher",
                "speedup",
                "tokens/s of a technique over plain decoding (1.8 = 1.8x)",
            ),
        )
    }
)


def metric_from_spec(spec: Mapping[str, object]) -> Metric:
    """A metric declared by a ``pytest_llmcore_add_metrics`` hook, validated."""
    name = str(spec.get("name", ""))
    kind = spec.get("kind")
    direction = spec.get("direction", "lower")
    if not name.isidentifier():
        raise UnitError(f"pytest_llmcore_add_metrics: bad metric name {name!r}")
    if not isinstance(kind, str) or kind not in KIND_UNITS:
        raise UnitError(
            f"pytest_llmcore_add_metrics: {name}: kind {kind!r} is not one of "
            f"{', '.join(KIND_UNITS)}"
        )
    if direction not in ("lower", "higher"):
        raise UnitError(f"pytest_llmcore_add_metrics: {name}: direction must be lower or higher")
    stat = str(spec.get("default_stat", "p50"))
    if stat not in STATISTICS:
        raise UnitError(
            f"pytest_llmcore_add_metrics: {name}: default_stat {stat!r} is not one of "
            f"{', '.join(STATISTICS)}"
        )
    signed = spec.get("signed", False)
    if not isinstance(signed, bool):
        raise UnitError(f"pytest_llmcore_add_metrics: {name}: signed must be true or false")
    return Metric(
        name,
        kind,  # type: ignore[arg-type]  # checked against KIND_UNITS above
        str(spec.get("unit", KIND_UNITS[kind])),
        direction,
        str(spec.get("label", name)),
        str(spec.get("description", "")),
        "p50" if stat == "median" else stat,
        signed,
    )


class MetricRegistry(Mapping[str, Metric]):
    """The metrics one run knows: the built-ins and what its hooks declared. Immutable:
    :meth:`adding` returns a new registry, so no run can change another's (or the
    built-ins); each run keeps its own on ``config.stash`` (``budgets.keys.METRICS_KEY``)."""

    __slots__ = ("_metrics",)

    def __init__(self, extra: Iterable[Metric] = ()) -> None:
        # a declared metric may replace a built-in of the same name, for its run only
        self._metrics = MappingProxyType({**BUILTIN_METRICS, **{m.name: m for m in extra}})

    def __getitem__(self, name: str) -> Metric:
        return self._metrics[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._metrics)

    def __len__(self) -> int:
        return len(self._metrics)

    def __hash__(self) -> int:  # immutable, so hashable (a dataclass field's default)
        return hash(frozenset(self._metrics.items()))

    def __repr__(self) -> str:
        return f"<MetricRegistry {', '.join(self._metrics)}>"

    def lookup(self, name: str) -> Metric:
        """The metric called ``name``; :class:`UnitError` naming the known ones otherwise."""
        try:
            return self._metrics[name]
        except KeyError:
            raise UnitError(f"unknown metric {name!r} (known: {self.known()})") from None

    def known(self) -> str:
        return ", ".join(sorted(self._metrics))

    def adding(self, specs: Iterable[object]) -> MetricRegistry:
        """A new registry with these hook-declared specs (dicts) validated and added."""
        added = []
        for spec in specs:
            if not isinstance(spec, Mapping):
                raise UnitError(f"pytest_llmcore_add_metrics: {spec!r} is not a dict")
            added.append(metric_from_spec(spec))
        return MetricRegistry([*self._metrics.values(), *added])


#: The registry of a run whose hooks declared nothing (and of code that has no run: the
#: ``llmcore ab`` command, tests).
BUILTIN_REGISTRY = MetricRegistry()


_NUM = r"([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)"
_TIME = {"ns": 1e-6, "us": 1e-3, "µs": 1e-3, "ms": 1.0, "s": 1000.0, "sec": 1000.0, "min": 60000.0}
_RATE = {"tokens/s": 1.0, "tok/s": 1.0, "t/s": 1.0, "/s": 1.0}


def parse_value(metric: Metric, value: object) -> float:
    """A budget or recorded value in the metric's canonical unit, range-checked.

    Numbers are taken as already canonical (ms, bytes, tokens/s, fraction). Strings carry a
    unit: "30ms", "1.5s", "12GiB", "500MB", "45%", "40 tok/s". NaN and infinities are
    refused, so are negative values (unless the metric is ``signed``) and fractions
    outside 0..1 (``kv_savings=46.9`` is refused: write 0.469 or "46.9%").
    """
    if isinstance(value, bool):
        raise UnitError(f"{metric.name}: {value!r} is not a number")
    if isinstance(value, (int, float)):
        return _checked(metric, float(value), value)
    if not isinstance(value, str):
        raise UnitError(f"{metric.name}: {value!r} is not a number or a string with a unit")
    m = re.fullmatch(r"\s*" + _NUM + r"\s*([A-Za-zµ/%]*(?:/s)?)\s*", value)
    if m is None:
        raise UnitError(f"{metric.name}: cannot read {value!r} (expected e.g. {_example(metric)})")
    num, unit = float(m.group(1)), m.group(2)
    if not unit:
        return _checked(metric, num, value)
    table = _unit_table(metric)
    key = unit if unit in table else unit.lower()
    if key not in table:
        raise UnitError(
            f"{metric.name}: unit {unit!r} in {value!r} does not fit a {metric.kind} metric "
            f"(expected e.g. {_example(metric)})"
        )
    return _checked(metric, num * table[key], value)


def _unit_table(metric: Metric) -> dict[str, float]:
    if metric.kind == "time":
        return _TIME
    if metric.kind == "bytes":
        return {k: float(v) for k, v in BYTE_UNITS.items()}
    if metric.kind == "rate":
        return _RATE
    if metric.kind == "fraction":
        return {"%": 0.01}
    if metric.kind == "ratio":
        return {"x": 1.0}
    return {}


def _checked(metric: Metric, number: float, raw: object) -> float:
    if not math.isfinite(number):
        raise UnitError(f"{metric.name}: {raw!r} is not a finite number")
    if number < 0 and not metric.signed:
        raise UnitError(f"{metric.name}: {raw!r} is negative ({metric.name} is never below 0)")
    if metric.kind == "fraction" and not metric.signed and number > 1:
        raise UnitError(
            f"{metric.name}: {raw!r} is not a fraction from 0 to 1 "
            f'(write {number / 100:g} or "{number:g}%")'
        )
    return number


def _example(metric: Metric) -> str:
    return {
        "time": '"30ms" or "1.5s"',
        "bytes": '"12GiB" or "500MB"',
        "rate": '"40 tok/s"',
        "fraction": '"45%" or 0.45',
        "count": "a number",
        "ratio": '"1.5x" or 1.5',
    }[metric.kind]


def format_value(metric: Metric, value: float) -> str:
    """Human form in the metric's unit: ``41.2 ms``, ``9.31 GiB``, ``38.9 tokens/s``, ``46.9%``."""
    if metric.kind == "time":
        if abs(value) >= 10000:
            return f"{value / 1000:.2f} s"
        if abs(value) < 0.1:
            return f"{value * 1000:.1f} µs"
        return f"{value:.3g} ms" if abs(value) < 100 else f"{value:.0f} ms"
    if metric.kind == "bytes":
        return format_bytes(value)
    if metric.kind == "rate":
        return f"{value:.1f} {metric.unit}"
    if metric.kind == "fraction":
        return f"{value * 100:.1f}%"
    if metric.kind == "ratio":
        return f"{value:.2f}x"
    return f"{value:g}"
