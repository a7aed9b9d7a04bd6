"""Baselines: per-test statistics saved as JSON (meant to be committed) and compared later.

A baseline is keyed by profile, device, GPU driver and engine versions: numbers from
another machine or another llama.cpp build are not a baseline for this one, and a
comparison across keys is refused with a message.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.errors import InputError
from ..core.fsutil import atomic_write_bytes
from .metrics import METRICS, format_value
from .verdict import Verdict

__all__ = ["Baseline", "BaselineKey", "baseline_path", "compare", "load_baseline", "save_baseline"]

FORMAT = 1


@dataclass(frozen=True)
class BaselineKey:
    profile: str
    device: str
    driver: str | None
    engines: Mapping[str, str]
    extra: Mapping[str, str] = field(default_factory=dict)
    """Facts added by ``pytest_llmcore_machine_info`` hooks (``info["extra"]``)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "profile": self.profile,
            "device": self.device,
            "driver": self.driver,
            "engines": dict(sorted(self.engines.items())),
            "extra": dict(sorted(self.extra.items())),
        }

    def mismatch(self, other: BaselineKey) -> str | None:
        """Why ``other`` (this run) can't be compared with this baseline, or None."""
        for name, a, b in (
            ("profile", self.profile, other.profile),
            ("device", self.device, other.device),
            ("driver", self.driver, other.driver),
        ):
            if a != b:
                return f"{name} {a!r} in the baseline, {b!r} now"
        for table_a, table_b in ((self.engines, other.engines), (self.extra, other.extra)):
            for k in sorted(set(table_a) | set(table_b)):
                x, y = table_a.get(k), table_b.get(k)
                if x != y:
                    return f"{k} {x or 'absent'} in the baseline, {y or 'absent'} now"
        return None


@dataclass(frozen=True)
class Baseline:
    name: str
    key: BaselineKey
    created: str
    tests: Mapping[str, Mapping[str, Mapping[str, Any]]]
    """node id -> metric -> statistics (as in the JSON report)."""


def baseline_path(directory: Path, name: str) -> Path:
    if not re.fullmatch(r"[\w.-]+", name):
        raise InputError(f"baseline name {name!r}: use letters, digits, '.', '-' or '_'")
    return directory / f"{name}.json"


def load_baseline(path: Path, name: str) -> Baseline:
    try:
        data = json.loads(path.read_bytes())
    except FileNotFoundError:
        raise InputError(
            f"no baseline {name!r}", path, fix="save one first with --llmcore-save-baseline"
        ) from None
    except (OSError, ValueError) as exc:
        raise InputError(f"unreadable baseline ({exc})", path) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise InputError(f"not a pytest-llmcore baseline (format {FORMAT})", path)
    k = data.get("key", {})
    key = BaselineKey(
        str(k.get("profile")),
        str(k.get("device")),
        k.get("driver"),
        dict(k.get("engines", {})),
        dict(k.get("extra", {})),
    )
    return Baseline(name, key, str(data.get("created", "")), data.get("tests", {}))


def save_baseline(
    path: Path, name: str, key: BaselineKey, tests: Mapping[str, Mapping[str, Mapping[str, Any]]]
) -> int:
    """Write (merge into an existing baseline with the same key); returns the test count."""
    merged: dict[str, Any] = {}
    if path.is_file():
        try:
            old = load_baseline(path, name)
            if old.key.mismatch(key) is None:
                merged.update(old.tests)
        except InputError:
            pass
    merged.update({k: dict(v) for k, v in tests.items()})
    data = {
        "format": FORMAT,
        "name": name,
        "key": key.to_json(),
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "tests": dict(sorted(merged.items())),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, (json.dumps(data, indent=2, sort_keys=False) + "\n").encode())
    return len(merged)


def compare(
    baseline: Baseline,
    nodeid: str,
    metric: str,
    stats: Mapping[str, Any],
    stat_names: tuple[str, ...],
    threshold: float,
    profile: str,
    device: str,
) -> list[Verdict]:
    """Regression verdicts of one metric against the baseline (nothing when not in it)."""
    base = baseline.tests.get(nodeid, {}).get(metric)
    if base is None:
        return []
    m = METRICS[metric]
    out = []
    for stat in stat_names:
        if stat not in base or stat not in stats:
            continue
        old, new = float(base[stat]), float(stats[stat])
        if old == 0:
            continue
        change = (new - old) / abs(old) * 100.0
        worse = change if m.lower_is_better else -change
        passed = worse <= threshold * 100.0
        word = "slower" if m.kind == "time" else "worse"
        rel = f"{abs(worse):.1f}% {word}" if worse > 0 else f"{abs(worse):.1f}% better"
        msg = (
            f"{m.label} {stat} {format_value(m, new)} is {rel} than baseline "
            f"{baseline.name!r} ({format_value(m, old)}); threshold {threshold * 100:g}% "
            f"(profile {profile}, {device}, {int(stats.get('n', 0))} samples)"
        )
        out.append(
            Verdict(
                nodeid,
                "regression",
                metric,
                stat,
                new,
                old,
                passed,
                -worse,
                profile,
                device,
                int(stats.get("n", 0)),
                float(stats.get("cv", 0.0)),
                bool(stats.get("noisy", False)),
                f"baseline {baseline.name}",
                msg,
            )
        )
    return out
