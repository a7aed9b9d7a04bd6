"""Change-point detection on synthetic histories with known steps: ours against a fixed rule.

Each series has ``--runs`` points (default 40) with Gaussian noise of the given CV; a step
of 0/3/5/10% starts at the middle. A detection within 2 runs of the step counts as found;
any other detection is a false positive. The peer is the rule most CI gates use: flag a run
whose value differs from the previous run's by more than ``--threshold`` (default 5%).

    .venv/bin/python benchmarks/changepoints.py --trials 30
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Callable, Sequence

from pytest_llmcore.history.changes import detect

Detector = Callable[[Sequence[float]], list[int]]


def ours(values: Sequence[float]) -> list[int]:
    return [c.index for c in detect(values)]


def fixed_rule(threshold: float) -> Detector:
    def run(values: Sequence[float]) -> list[int]:
        return [i for i in range(1, len(values)) if abs(values[i] / values[i - 1] - 1) > threshold]

    return run


def _cell(
    detector: Detector, step: float, cv: float, runs: int, trials: int, seed: int
) -> tuple[int, int]:
    rng = random.Random(seed)
    at = runs // 2
    found = false = 0
    for _ in range(trials):
        values = [
            100.0 * (1 + (step if i >= at else 0.0)) * (1 + rng.gauss(0, cv)) for i in range(runs)
        ]
        hits = detector(values)
        found += any(abs(i - at) <= 2 for i in hits) if step else 0
        false += sum(1 for i in hits if not step or abs(i - at) > 2)
    return found, false


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=30)
    ap.add_argument("--runs", type=int, default=40)
    ap.add_argument("--threshold", type=float, default=0.05)
    args = ap.parse_args()
    methods: dict[str, Detector] = {
        "ours (PELT + Mann-Whitney)": ours,
        f"fixed {args.threshold:.0%} vs previous run": fixed_rule(args.threshold),
    }
    print(f"{args.trials} series of {args.runs} runs per cell; found = step detected within 2 runs")
    print(f"{'method':<30} {'step':>5} {'cv':>4} {'found':>7} {'false positives':>16}")
    for name, detector in methods.items():
        for step in (0.0, 0.03, 0.05, 0.10):
            for cv in (0.02, 0.05, 0.10):
                found, false = _cell(detector, step, cv, args.runs, args.trials, seed=11)
                shown = "-" if not step else f"{found}/{args.trials}"
                print(f"{name:<30} {step:>5.0%} {cv:>4.0%} {shown:>7} {false:>16}")


if __name__ == "__main__":
    main()
