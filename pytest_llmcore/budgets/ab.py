"""``llmcore ab BASE``: interleaved A/B of the budgeted tests, base commit against this tree.

BASE (any git ref) is checked out in a temporary git worktree; nothing is installed: both
trees run in this Python environment, each with its own directory first on the import path,
so the project under test is imported from the tree being measured. Rounds alternate
ABBA…, each side a fresh ``pytest --llmcore`` process writing a JSON report; the samples of
every (test, metric) are then compared round by round (``ab_stats``).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..core.argtypes import int_in, percent_arg
from ..core.errors import InputError
from .ab_stats import STATS, Comparison, compare_rounds

__all__ = ["add_ab_parser", "run_ab"]

Samples = dict[tuple[str, str], list[float]]


def add_ab_parser(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    parents: Sequence[argparse.ArgumentParser] = (),
) -> None:
    p = sub.add_parser(
        "ab",
        parents=list(parents),
        help="interleaved A/B of the budgeted tests: a git ref against this tree",
        description="Check out BASE in a temporary git worktree and run the budgeted tests "
        "alternately there and here (ABBA order, a fresh pytest process each time). Reports "
        "the change of every metric with its 95%% confidence interval; exit 1 when a change "
        "is both significant and at least the threshold in the worse direction.",
    )
    p.add_argument("base", help="the git ref to compare against (e.g. origin/main, HEAD~1)")
    p.add_argument(
        "--rounds",
        type=int_in(2, 10_000, need="a whole number of rounds >= 2"),
        default=6,
        help="A/B rounds at least (default 6)",
    )
    p.add_argument(
        "--max-rounds",
        type=int_in(2, 10_000, need="a whole number of rounds >= 2"),
        default=20,
        help="while a verdict is inconclusive, add rounds up to this many (default 20)",
    )
    p.add_argument(
        "--threshold", type=percent_arg, default=0.03, help="smallest change reported (default 3%%)"
    )
    p.add_argument(
        "--stat",
        choices=STATS,
        default="best",
        help="each side's value per round: best (min of times, max of rates; default: "
        "interference on a shared machine only adds time) or median",
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument(
        "--keep-reports",
        type=Path,
        default=None,
        metavar="DIR",
        help="keep each run's pytest JSON report in DIR (base-0.json, head-0.json, ...)",
    )
    p.add_argument(
        "pytest_args",
        nargs="*",
        metavar="-- PYTEST_ARGS",
        help="after --: tests and pytest options (default: -m budget)",
    )


def _git(cwd: Path, *args: str) -> str:
    out = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=False, timeout=120
    )
    if out.returncode != 0:
        last = (out.stderr.strip().splitlines() or ["git failed"])[-1]
        raise InputError(f"git {' '.join(args)}: {last}")
    return out.stdout.strip()


@contextmanager
def _base_tree(root: Path, ref: str) -> Iterator[Path]:
    """BASE checked out, at the same place relative to the repository as ``root``."""
    top = Path(_git(root, "rev-parse", "--show-toplevel"))
    commit = _git(root, "rev-parse", "--verify", f"{ref}^{{commit}}")
    tmp = Path(tempfile.mkdtemp(prefix="llmcore-ab-"))
    tree = tmp / "base"
    _git(top, "worktree", "add", "--detach", "--quiet", str(tree), commit)
    try:
        yield tree / root.resolve().relative_to(top.resolve())
    finally:
        subprocess.run(
            ["git", "worktree", "remove", "--force", str(tree)],
            cwd=top,
            capture_output=True,
            check=False,
        )
        shutil.rmtree(tmp, ignore_errors=True)
        subprocess.run(["git", "worktree", "prune"], cwd=top, capture_output=True, check=False)


def _run_side(tree: Path, args: Sequence[str], out: Path) -> Samples:
    paths = [str(tree / "src"), str(tree)] if (tree / "src").is_dir() else [str(tree)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([*paths, os.environ.get("PYTHONPATH", "")])}
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        "--llmcore",
        "-p",
        "no:cacheprovider",
        "-q",
        f"--llmcore-json={out}",
        *args,
    ]
    done = subprocess.run(cmd, cwd=tree, env=env, capture_output=True, text=True, check=False)
    if done.returncode not in (0, 1) or not out.is_file():
        tail = (done.stdout + done.stderr).strip().splitlines()[-1:] or ["no output"]
        raise InputError(f"pytest in {tree} exited {done.returncode}: {tail[0]}")
    return _samples(json.loads(out.read_text(encoding="utf-8")))


def _samples(report: Any) -> Samples:
    found: Samples = {}
    for nodeid, test in (report.get("tests") or {}).items():
        for metric, m in (test.get("metrics") or {}).items():
            values = [float(x) for x in m.get("samples") or ()]
            if values:
                found[(nodeid, metric)] = values
    return found


def _lower_is_better(metric: str) -> bool:
    from .metrics import BUILTIN_METRICS

    # the reports carry no direction: a metric a project declared counts as lower-is-better
    known = BUILTIN_METRICS.get(metric)
    return True if known is None else known.lower_is_better


def _undecided(a_runs: list[Samples], b_runs: list[Samples], args: argparse.Namespace) -> bool:
    results = _compare(a_runs, b_runs, args.threshold, args.stat)
    return any(c.outcome == "inconclusive" for c in results.values())


def _rounds(
    root: Path, base: Path, args: argparse.Namespace
) -> tuple[list[Samples], list[Samples]]:
    """At least ``--rounds`` rounds; more while a verdict is inconclusive, to ``--max-rounds``."""
    extra = list(args.pytest_args) or ["-m", "budget"]
    most = max(args.rounds, args.max_rounds)
    a_runs: list[Samples] = []
    b_runs: list[Samples] = []
    with tempfile.TemporaryDirectory(prefix="llmcore-ab-out-") as tmp:
        if args.keep_reports is not None:
            tmp = str(args.keep_reports.resolve())
            Path(tmp).mkdir(parents=True, exist_ok=True)
        i = 0
        while i < args.rounds or (i < most and _undecided(a_runs, b_runs, args)):
            order = ("base", "head") if i % 2 == 0 else ("head", "base")
            for side in order:
                tree = base if side == "base" else root
                got = _run_side(tree, extra, Path(tmp) / f"{side}-{i}.json")
                (a_runs if side == "base" else b_runs).append(got)
            i += 1
            print(
                f"llmcore ab: round {i} done (at least {args.rounds}, at most {most})",
                file=sys.stderr,
                flush=True,
            )
    return a_runs, b_runs


def _compare(
    a_runs: list[Samples], b_runs: list[Samples], threshold: float, stat: str
) -> dict[tuple[str, str], Comparison]:
    keys = sorted({k for run in a_runs + b_runs for k in run})
    out: dict[tuple[str, str], Comparison] = {}
    for key in keys:
        base = [run.get(key, []) for run in a_runs]
        head = [run.get(key, []) for run in b_runs]
        try:
            out[key] = compare_rounds(base, head, threshold, _lower_is_better(key[1]), stat)
        except ValueError:
            continue  # measured on one side only (a new or removed test): nothing to compare
    return out


def run_ab(args: argparse.Namespace) -> int:
    """Exit 1 when any metric regressed (significant and at least the threshold)."""
    root = Path.cwd()
    with _base_tree(root, args.base) as base:
        a_runs, b_runs = _rounds(root, base, args)
    results = _compare(a_runs, b_runs, args.threshold, args.stat)
    if not results:
        raise InputError("no metric was measured on both sides", fix="select budgeted tests")
    if args.json:
        print(json.dumps(_to_json(results, args.stat), indent=2))
    else:
        for (nodeid, metric), c in results.items():
            print(f"{nodeid}  {metric}: {c.base_median:.4g} -> {c.head_median:.4g}  {c.describe()}")
        counts: dict[str, int] = defaultdict(int)
        for c in results.values():
            counts[c.outcome] += 1
        print("llmcore ab: " + ", ".join(f"{n} {o}" for o, n in sorted(counts.items())))
    return 1 if any(c.outcome == "regression" for c in results.values()) else 0


def _to_json(results: dict[tuple[str, str], Comparison], stat: str) -> list[dict[str, Any]]:
    return [
        {
            "test": nodeid,
            "metric": metric,
            "ratio": c.ratio,
            "ci": [c.low, c.high],
            "rounds": c.rounds,
            "outcome": c.outcome,
            "base_median": c.base_median,
            "head_median": c.head_median,
            "stat": stat,
            "round_values": [list(pair) for pair in c.pairs],
        }
        for (nodeid, metric), c in results.items()
    ]
