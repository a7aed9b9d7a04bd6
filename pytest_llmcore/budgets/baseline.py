"""Baselines: per-test statistics and raw samples saved as JSON (meant to be committed).

One file holds one entry per machine key (profile and device): saving merges this
machine's entry and never touches another machine's. An entry is keyed further by GPU
driver and engine versions: numbers from another llama.cpp build are not a baseline for
this one, and a comparison across keys is refused with a message. A file that can't be
read in full is an error naming the file and the entry: never ignored, never overwritten.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..core.errors import InputError
from ..core.fsutil import atomic_write_bytes, read_regular
from .metrics import BUILTIN_REGISTRY, MetricRegistry
from .stats import summarize

__all__ = [
    "Baseline",
    "BaselineFile",
    "BaselineKey",
    "baseline_path",
    "check_entry",
    "load_baseline",
    "save_baseline",
]

FORMAT = 2
_FIX = "restore it from version control, or delete the file to start a new baseline"

#: node id -> metric -> statistics (as in the JSON report) plus ``samples``
Tests = Mapping[str, Mapping[str, Mapping[str, Any]]]


def machine_key(profile: str, device: str) -> str:
    """The machine key: entries of one baseline file are kept apart by it."""
    return f"{profile} | {device}"


@dataclass(frozen=True)
class BaselineKey:
    profile: str
    device: str
    driver: str | None
    engines: Mapping[str, str]
    extra: Mapping[str, str] = field(default_factory=dict)
    """Facts added by ``pytest_llmcore_machine_info`` hooks (``info["extra"]``)."""

    @property
    def machine(self) -> str:
        """The machine key: entries of one file are kept apart by it."""
        return machine_key(self.profile, self.device)

    def to_json(self) -> dict[str, object]:
        return {
            "profile": self.profile,
            "device": self.device,
            "driver": self.driver,
            "engines": dict(sorted(self.engines.items())),
            "extra": dict(sorted(self.extra.items())),
        }

    def machine_mismatch(self, other: BaselineKey) -> str | None:
        """Why ``other`` is another machine (profile, device, hook facts), or None."""
        for name, a, b in (
            ("profile", self.profile, other.profile),
            ("device", self.device, other.device),
        ):
            if a != b:
                return f"{name} {a!r} in the baseline, {b!r} now"
        for k in sorted(set(self.extra) | set(other.extra)):
            x, y = self.extra.get(k), other.extra.get(k)
            if x != y:
                return f"{k} {x or 'absent'} in the baseline, {y or 'absent'} now"
        return None

    def software_change(self, other: BaselineKey) -> str | None:
        """Every driver and engine version that differs (``llama-cpp-python 0.3.36 -> 0.3.40``)."""
        pairs = [("driver", self.driver, other.driver)]
        names = sorted(set(self.engines) | set(other.engines))
        pairs += [(k, self.engines.get(k), other.engines.get(k)) for k in names]
        changed = [f"{k} {a or 'absent'} -> {b or 'absent'}" for k, a, b in pairs if a != b]
        return ", ".join(changed) or None

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
    """One machine's entry of a baseline file."""

    name: str
    key: BaselineKey
    created: str
    tests: Tests
    run: Mapping[str, Any] = field(default_factory=dict)
    """The saving run's facts: time, commit, branch, machine key."""


@dataclass(frozen=True)
class BaselineFile:
    name: str
    machines: Mapping[str, Baseline]
    raw: Mapping[str, Any] = field(default_factory=dict)
    """Each machine's entry as read: saving writes other machines' entries back unchanged."""

    def entry(self, key: BaselineKey) -> tuple[Baseline | None, str | None]:
        """(this machine's entry, None) or (None, why it can't be compared).

        An entry recorded with another driver or engine version is returned: that change is
        the one most likely to regress, so it is compared and reported (``software_change``).
        """
        found = self.machines.get(key.machine)
        if found is None:
            known = "; ".join(sorted(self.machines)) or "none"
            return None, f"no entry for this machine ({key.machine}; entries: {known})"
        why = found.key.machine_mismatch(key)
        return (found, None) if why is None else (None, why)


def baseline_path(directory: Path, name: str) -> Path:
    if not re.fullmatch(r"[\w.-]+", name) or name in (".", ".."):
        raise InputError(f"baseline name {name!r}: use letters, digits, '.', '-' or '_'")
    return directory / f"{name}.json"


def _bad(path: Path, where: str, what: str) -> InputError:
    return InputError(f"corrupt baseline: {where}: {what}", path, fix=_FIX)


def _finite(value: object, unsigned: bool = False) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return math.isfinite(value) and not (unsigned and value < 0)


def _check_tests(path: Path, where: str, tests: object, registry: MetricRegistry) -> Tests:
    if not isinstance(tests, dict):
        raise _bad(path, f"{where}.tests", f"a {type(tests).__name__}, not a table of tests")
    for nodeid, metrics in tests.items():
        at = f'{where}.tests."{nodeid}"'
        if not isinstance(metrics, dict):
            raise _bad(path, at, f"{metrics!r} is not a table of metrics")
        for metric, entry in metrics.items():
            if not isinstance(entry, dict):
                raise _bad(path, f"{at}.{metric}", f"{entry!r} is not a table of statistics")
            # a metric that is never negative has no negative statistic or sample either
            known = registry.get(metric)
            unsigned = known is not None and not known.signed
            for stat, value in entry.items():
                if stat == "samples":
                    ok = isinstance(value, list) and all(_finite(v, unsigned) for v in value)
                elif stat == "noisy":
                    ok = isinstance(value, bool)
                else:
                    ok = _finite(value, unsigned)
                if not ok:
                    raise _bad(path, f"{at}.{metric}.{stat}", f"{value!r} is not valid")
    return tests


def _check_key(path: Path, where: str, k: object) -> BaselineKey:
    def text_table(v: object) -> bool:
        return isinstance(v, dict) and all(isinstance(x, str) for x in v.values())

    if (
        not isinstance(k, dict)
        or not isinstance(k.get("profile"), str)
        or not isinstance(k.get("device"), str)
        or not isinstance(k.get("driver"), (str, type(None)))
        or not text_table(k.get("engines", {}))
        or not text_table(k.get("extra", {}))
    ):
        raise _bad(path, f"{where}.key", f"{k!r} is not a machine key")
    return BaselineKey(
        k["profile"], k["device"], k["driver"], dict(k.get("engines", {})), k.get("extra", {})
    )


def _entry(path: Path, name: str, where: str, raw: object, metrics: MetricRegistry) -> Baseline:
    if not isinstance(raw, dict):
        raise _bad(path, where, f"{raw!r} is not a machine entry")
    key = _check_key(path, where, raw.get("key"))
    run = raw.get("run", {})
    if not isinstance(run, dict):
        raise _bad(path, f"{where}.run", f"{run!r} is not a table")
    tests = _check_tests(path, where, raw.get("tests"), metrics)
    return Baseline(name, key, str(run.get("time", "")), tests, run)


def load_baseline(
    path: Path, name: str, metrics: MetricRegistry = BUILTIN_REGISTRY
) -> BaselineFile:
    """Every machine's entry; InputError naming the file and the bad entry otherwise.

    ``metrics``: the run's registry (which metrics are never negative)."""
    try:
        data = json.loads(read_regular(path))  # a FIFO or device is never read
    except FileNotFoundError:
        raise InputError(
            f"no baseline {name!r}", path, fix="save one first with --llmcore-save-baseline"
        ) from None
    except (OSError, ValueError) as exc:
        raise InputError(f"unreadable baseline ({exc})", path, fix=_FIX) from None
    if not isinstance(data, dict) or data.get("format") not in (1, FORMAT):
        raise InputError(f"not a pytest-llmcore baseline (format {FORMAT})", path, fix=_FIX)
    if data["format"] == 1:  # one machine, written before entries per machine key
        one = _entry(path, name, "baseline", data, metrics)
        raw = {"key": data["key"], "run": {"time": data.get("created", "")}, "tests": data["tests"]}
        return BaselineFile(name, {one.key.machine: one}, {one.key.machine: raw})
    machines = data.get("machines")
    if not isinstance(machines, dict):
        raise _bad(path, "machines", f"{machines!r} is not a table of machine entries")
    out: dict[str, Baseline] = {}
    for mkey, raw in machines.items():
        entry = _entry(path, name, f'machines."{mkey}"', raw, metrics)
        if entry.key.machine != mkey:
            raise _bad(path, f'machines."{mkey}"', f"its key is {entry.key.machine!r}")
        out[mkey] = entry
    return BaselineFile(name, out, machines)


def save_baseline(
    path: Path,
    name: str,
    key: BaselineKey,
    tests: Tests,
    run: Mapping[str, object],
    metrics: MetricRegistry = BUILTIN_REGISTRY,
) -> str:
    """Merge this run into this machine's entry; other machines' entries are kept as read.

    An existing entry recorded with other software (driver, engines) is replaced. Returns
    what was done, in words. Raises InputError for a file that can't be read in full.
    """
    found = load_baseline(path, name, metrics) if path.exists() else BaselineFile(name, {})
    mine = found.machines.get(key.machine)
    merged: dict[str, Any] = {}
    note = ""
    if mine is not None and mine.key.mismatch(key) is None:
        merged.update(mine.tests)
    elif mine is not None:
        note = f"; replaced its entry recorded with other software ({mine.key.mismatch(key)})"
    merged.update({k: dict(v) for k, v in tests.items()})
    machines = dict(found.raw)
    machines[key.machine] = {
        "key": key.to_json(),
        "run": dict(run),
        "tests": dict(sorted(merged.items())),
    }
    data = {"format": FORMAT, "name": name, "machines": dict(sorted(machines.items()))}
    text = json.dumps(data, indent=2, allow_nan=False) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, text.encode())
    kept = len(machines) - 1
    return (
        f"baseline {name!r} ({len(merged)} test{'s' if len(merged) != 1 else ''} "
        f"for {key.machine}"
        f"{f'; {kept} other machine(s) kept' if kept else ''}{note}) to {path}"
    )


def check_entry(source: str, raw: object, metrics: MetricRegistry = BUILTIN_REGISTRY) -> Baseline:
    """A baseline entry from elsewhere (``pytest_llmcore_baseline_source``), checked like a
    file's: InputError naming ``source`` and the bad field."""
    if not isinstance(raw, dict):
        raise InputError(f"baseline source {source!r}: {raw!r} is not a baseline entry")
    entry = _entry(Path(source), str(raw.get("name", source)), "entry", raw, metrics)
    return replace(entry, tests=_with_statistics(entry.tests))


def _with_statistics(tests: Tests) -> Tests:
    """Statistics computed from the raw samples where a source gives samples alone (the
    history pools samples of several runs: their statistics are those of the pool)."""
    out: dict[str, dict[str, Mapping[str, Any]]] = {}
    for nodeid, metrics in tests.items():
        out[nodeid] = {}
        for metric, entry in metrics.items():
            samples = entry.get("samples")
            if samples and "p50" not in entry:
                entry = {**summarize([float(x) for x in samples]).to_json(), **entry}
                entry["n"] = len(samples)
            out[nodeid][metric] = entry
    return out
