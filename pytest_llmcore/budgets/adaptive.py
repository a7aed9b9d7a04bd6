"""Budget verdicts of one test, taking more samples while a verdict is inconclusive.

A verdict whose interval straddles the budget (or a percentile with too few samples) is
measured again when its samples came from ``llmcore_perf.measure()``: the measured callable
runs again, in growing batches, until every verdict is conclusive or the test's caps
(``max_samples`` per metric, ``max_time`` seconds in all) are reached. Then the
``inconclusive`` policy decides. Runs right after the test's call phase, while its
fixtures are still set up.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import replace

from .recorder import PerfRecorder
from .settings import Sampling
from .spec import Budget
from .verdict import Policy, RunContext, Verdict, evaluate, missing

__all__ = ["budget_verdicts"]


def _judge(
    nodeid: str,
    budgets: Sequence[Budget],
    rec: PerfRecorder | None,
    run: RunContext,
    policy: Policy,
    final: bool,
) -> list[Verdict]:
    out = []
    for b in budgets:
        samples = rec.samples.get(b.metric) if rec is not None else None
        if rec is None or not samples:
            out.append(missing(nodeid, b, run))
        else:
            stats = rec.stats(b.metric)
            out.append(evaluate(nodeid, b, stats, run, samples, policy, final))
    return out


def _batch(rec: PerfRecorder, metric: str, cap: int, seconds_left: float) -> int:
    """Next batch: as many samples again (at least 10), within both caps."""
    samples = rec.samples[metric]
    n = len(samples)
    k = min(cap - n, max(n, 10))
    per_call_s = max(sum(samples) / n / 1000.0, 1e-6)  # a measure() sample is one call, in ms
    return max(0, min(k, int(seconds_left / per_call_s)))


def budget_verdicts(
    nodeid: str,
    budgets: Sequence[Budget],
    rec: PerfRecorder | None,
    sampling: Sampling,
    run: RunContext,
    clock: Callable[[], float] = time.monotonic,
) -> list[Verdict]:
    """Verdicts of ``budgets`` on ``run``'s profile and device, sampling more while useful."""
    policy: Policy = sampling.inconclusive  # type: ignore[assignment]  # checked on entry
    start = clock()
    added: dict[str, int] = {}
    failure = ""
    while True:
        verdicts = _judge(nodeid, budgets, rec, run, policy, False)
        unsure = {
            v.metric
            for v in verdicts
            if v.outcome in ("inconclusive", "unbounded") or v.kind == "insufficient"
        }
        if rec is None or failure or not unsure:
            break
        took = 0
        for metric in sorted(unsure):
            k = _batch(rec, metric, sampling.max_samples, sampling.max_time - (clock() - start))
            try:
                got = rec.more(metric, k) if k > 0 else 0
            except Exception as exc:  # the callable failed on a re-run: judge what we have
                failure = f"re-running the measured callable raised {exc!r}"
                break
            added[metric] = added.get(metric, 0) + got
            took += got
        if not took:
            break
    verdicts = _judge(nodeid, budgets, rec, run, policy, True)
    return [_annotate(v, added.get(v.metric, 0), sampling, failure) for v in verdicts]


def _annotate(v: Verdict, added: int, sampling: Sampling, failure: str) -> Verdict:
    if not added and not failure:
        return v
    said = (
        f"took {added} more samples (caps: {sampling.max_samples} samples, {sampling.max_time:g} s)"
    )
    if failure:
        said += f"; {failure}"
    note = f"{v.note}; {said}" if v.note else said
    return replace(v, note=note, message=f"{v.message}; {said}")
