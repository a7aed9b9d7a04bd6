"""``--llmcore-compare=history:BRANCH:last=N``: a baseline pooled from the history store.

One run's samples make a noisy baseline (half the false alarms we measured came from it);
the last N runs on a branch, on the same machine, pooled, make a steadier one. Only runs
with the newest run's software (driver, engine versions) are pooled: the runs before an
upgrade measured other code.
"""

from __future__ import annotations

import re
from typing import Any

from ..core.errors import InputError
from .store import RunRow, Store

__all__ = ["DEFAULT_LAST", "MAX_LAST", "parse_history_source", "pooled_baseline"]

SCHEME = "history:"
DEFAULT_LAST = 10
MAX_LAST = 1000
_OPTION = "--llmcore-compare"
_FORMS = "use history:BRANCH or history:BRANCH:last=N, e.g. history:main:last=10"


def parse_history_source(source: str) -> tuple[str, int] | None:
    """(branch, N) of ``history:BRANCH[:last=N]``; None for another scheme; InputError else.

    Git forbids ``:`` in branch names, so the first ``:`` after the branch starts the option.
    """
    if not source.startswith(SCHEME):
        return None
    branch, sep, option = source[len(SCHEME) :].partition(":")
    if not branch or branch != branch.strip():
        raise InputError(f"{source!r} names no branch", _OPTION, fix=_FORMS)
    if not sep:
        return branch, DEFAULT_LAST
    m = re.fullmatch(r"last=([0-9]+)", option)
    if m is None:
        raise InputError(f"{source!r}: unknown option {option!r}", _OPTION, fix=_FORMS)
    last = int(m[1])
    if not 1 <= last <= MAX_LAST:
        raise InputError(
            f"{source!r}: N must be from 1 to {MAX_LAST}, not {last}", _OPTION, fix=_FORMS
        )
    return branch, last


def _software(run: RunRow) -> tuple[Any, Any]:
    return run.facts.get("driver"), run.facts.get("engines") or {}


def _extra(run: RunRow, device: str) -> dict[str, str]:
    extra = run.facts.get("extra")
    if isinstance(extra, dict):
        return {str(k): str(v) for k, v in extra.items()}
    # runs stored before the facts kept ``extra``: it is the machine key's tail
    prefix = f"{run.profile}/{device}/"
    if not run.machine_key.startswith(prefix):
        return {}
    pairs = (part.partition("=") for part in run.machine_key[len(prefix) :].split("/"))
    return {k: v for k, _, v in pairs}


def _pick(store: Store, branch: str, machine: str, last: int) -> list[RunRow]:
    """The newest run on ``branch`` for ``machine`` and up to ``last - 1`` before it, oldest
    first: same machine key (a hook's ``extra`` facts included), same software."""
    profile, _, device = machine.partition(" | ")
    candidates = [r for r in store.runs(branch, profile) if r.facts.get("device") == device]
    if not candidates:
        raise InputError(
            f"no runs on branch {branch!r} for machine {machine!r} in the history",
            store.where,
            fix=f"run pytest --llmcore --llmcore-history on {branch} on this machine first",
        )
    newest = candidates[0]
    chosen = [newest]
    for run in candidates[1:]:
        if len(chosen) >= last:
            break
        if run.machine_key != newest.machine_key:
            continue  # another runner with the same device: another series
        if _software(run) != _software(newest):
            break  # older runs measured other software
        chosen.append(run)
    chosen.reverse()
    return chosen


def pooled_baseline(store: Store, source: str, machine: str) -> dict[str, Any]:
    """The hook's answer for ``source`` (a ``history:`` source): samples of the runs pooled."""
    parsed = parse_history_source(source)
    if parsed is None:
        raise ValueError(f"not a history source: {source!r}")
    branch, last = parsed
    runs = _pick(store, branch, machine, last)
    order = {run.id: i for i, run in enumerate(runs)}
    tests: dict[str, dict[str, dict[str, Any]]] = {}
    rows = sorted(store.samples(list(order)), key=lambda r: (order[r[0]], r[1], r[2]))
    for _, nodeid, metric, samples in rows:
        entry = tests.setdefault(nodeid, {}).setdefault(metric, {"samples": []})
        entry["samples"].extend(samples)
    for metrics in tests.values():
        for entry in metrics.values():
            entry["n"] = len(entry["samples"])
    newest = runs[-1]
    device = machine.partition(" | ")[2]
    driver, engines = _software(newest)
    key = {
        "profile": newest.profile,
        "device": device,
        "driver": driver,
        "engines": dict(sorted(engines.items())),
        "extra": dict(sorted(_extra(newest, device).items())),
    }
    run = {
        "time": newest.time,
        "commit": newest.commit,
        "branch": branch,
        "machine_key": machine,
        "runs": len(runs),
        "commits": [r.commit for r in runs],
    }
    return {"name": source, "key": key, "run": run, "tests": dict(sorted(tests.items()))}
