"""False alarms and detection of regression verdicts on this machine.

For each workload (``cpu``: a pure-Python loop; ``gemma``: Gemma 3 270M decode from the
bundled GGUF) and each injected slowdown (0% = null, 3/5/10/25%), ``--trials`` comparisons
are made by three methods:

- ``fixed``: the peer, the rule most CI gates use: one run's p50 against one saved run's,
  flagged above ``--threshold`` (10%);
- ``baseline``: ``pytest --llmcore --llmcore-compare`` against a baseline saved just before
  (default threshold; "inconclusive" counts as no alarm, and is counted apart);
- ``ab``: ``llmcore ab HEAD`` of the tree with the slowdown against the commit without it.

The slowdown is injected through the code under test (a constant in ``app.py``), as a
regressing commit would: more loop iterations for ``cpu``; for ``gemma`` a busy-wait after
each token proportional to that token's own time (not a sleep: on a loaded machine sleeps
oversleep, which would inflate the slowdown). A trial is 2 pytest runs (save, compare; the
fixed rule reads their reports) plus one ``llmcore ab``. Prints one line per trial and per
cell; each finished cell is merged into ``--out`` (JSON), so cells run in separate
invocations add up. A null cell's alarms are false alarms.

    PYTHONPATH=$PWD .venv/bin/python benchmarks/verdict_stability.py \\
        --workloads cpu --slowdowns 0,5 --trials 20 --out verdicts.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from pytest_llmcore.budgets.ab_stats import compare_rounds

PY = sys.executable
LLMCORE = [PY, "-m", "pytest_llmcore.cli"]
SLOWDOWNS = (0.0, 0.03, 0.05, 0.10, 0.25)
METHODS = ("fixed", "baseline", "ab")

# ~1.5 ms per call, 150 calls: a 0.2 s measurement window per process. Every iteration
# costs the same (small ints only), so N% more iterations is N% more time: with
# ``i * i % 7`` the added iterations (i * i above 2**30, two-digit ints) cost more than the
# average one, and +5% iterations measured +5.6..5.9% time.
_CPU_APP = """
SLOWDOWN = {slowdown!r}

def work():
    n = int(50000 * (1 + SLOWDOWN))
    total = 0
    for i in range(n):
        total += (i & 1023) * 7 % 13
    return total
"""
_CPU_TEST = """
import pytest
import app

@pytest.mark.budget(latency_ms="10s")
def test_work(llmcore_perf):
    llmcore_perf.measure("latency_ms", app.work, warmup=5, repeats=150)
"""
_GEMMA_APP = """
import time
SLOWDOWN = {slowdown!r}

def decode(llm, n=24):
    \"\"\"Per-token gaps (ms) of a greedy decode.\"\"\"
    gaps = []
    last = time.perf_counter()
    for _ in llm.create_completion("def fib(n):", max_tokens=n, temperature=0.0, stream=True):
        now = time.perf_counter()
        if SLOWDOWN:  # extra work proportional to this token's own time (a busy-wait)
            until = now + SLOWDOWN * (now - last)
            while time.perf_counter() < until:
                pass
            now = time.perf_counter()
        gaps.append((now - last) * 1000)
        last = now
    return gaps[1:]  # the first gap is the prompt's
"""
_GEMMA_TEST = """
import statistics

import pytest
import app

@pytest.mark.budget(tpot_ms="10s")
def test_decode(llama_model, llmcore_perf):
    # one thread: on 2 shared cores llama.cpp's threads wait for each other at every step
    llm = llama_model(n_ctx=256, n_threads=1).llm
    app.decode(llm, 4)  # warm-up
    # one sample per decode: its median token gap, which a few preempted tokens on a busy
    # machine do not move (the mean did: +-10% between rounds); single gaps can be ~0
    # (buffered multi-byte chunks) but never half of them
    for _ in range(6):
        llmcore_perf.record("tpot_ms", [statistics.median(app.decode(llm))])
"""
WORKLOADS = {"cpu": (_CPU_APP, _CPU_TEST), "gemma": (_GEMMA_APP, _GEMMA_TEST)}


def _git(repo: Path, *args: str) -> None:
    ident = ["-c", "user.email=b@b", "-c", "user.name=b"]
    subprocess.run(["git", "-C", str(repo), *ident, *args], check=True, capture_output=True)


def _project(base: Path, app: str, test: str) -> Path:
    repo = base / "proj"
    (repo / "tests").mkdir(parents=True)
    (repo / "pyproject.toml").write_text('[project]\nname = "bench"\nversion = "0"\n')
    (repo / ".gitignore").write_text("*.json\n.llmcore/\n__pycache__/\n")
    (repo / "app.py").write_text(app.format(slowdown=0.0))
    (repo / "tests" / "test_bench.py").write_text(test)
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "base")
    return repo


def _pytest(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    cmd = [PY, "-m", "pytest", "--llmcore", "-p", "no:cacheprovider", "-q", "-m", "budget", *args]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(repo), os.environ.get("PYTHONPATH", "")]),
    }
    return subprocess.run(cmd, cwd=repo, env=env, capture_output=True, text=True, check=False)


def _test(report: Path) -> dict[str, Any]:
    tests = json.loads(report.read_text())["tests"]
    (test,) = tests.values()
    return dict(test)


def _p50(test: dict[str, Any]) -> float:
    (metric,) = test["metrics"].values()
    return float(metric["stats"]["p50"])


def _regression(test: dict[str, Any]) -> dict[str, Any]:
    (v,) = [v for v in test["verdicts"] if v["kind"] == "regression"]
    return {
        "outcome": v["outcome"],
        "change_pct": v["change_pct"],
        "ci_pct": [v["change_low_pct"], v["change_high_pct"]],
    }


def _summary(report: Path) -> list[float]:
    """min, p10, median, mean of the run's one metric (kept to study other statistics)."""
    (metric,) = _test(report)["metrics"].values()
    s = sorted(float(x) for x in metric["samples"])
    return [s[0], s[len(s) // 10], statistics.median(s), statistics.fmean(s)]


def _first_rounds(sides: list[list[list[float]]], n: int) -> str:
    """The verdict ``llmcore ab --rounds N --max-rounds N`` gives on the first N rounds."""
    c = compare_rounds([[b[0]] for b, _ in sides[:n]], [[h[0]] for _, h in sides[:n]], 0.03)
    return c.outcome


def _ab(repo: Path, args: argparse.Namespace) -> dict[str, Any]:
    extra = ["--rounds", str(args.rounds)] if args.rounds else []
    extra += ["--max-rounds", str(args.max_rounds)] if args.max_rounds else []
    extra += ["--stat", args.ab_stat] if args.ab_stat else []
    with tempfile.TemporaryDirectory(prefix="llmcore-verdicts-ab-") as keep:
        done = subprocess.run(
            [*LLMCORE, "ab", "HEAD", "--json", "--keep-reports", keep, *extra],
            cwd=repo,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode not in (0, 1):
            raise SystemExit(f"llmcore ab exited {done.returncode}: {done.stderr.strip()[-300:]}")
        n = len(list(Path(keep).glob("base-*.json")))
        sides = [
            [_summary(Path(keep) / f"{side}-{i}.json") for side in ("base", "head")]
            for i in range(n)
        ]
    (row,) = json.loads(done.stdout)
    return {
        "exit": done.returncode,
        "outcome": row["outcome"],
        "ratio": row["ratio"],
        "ci": row["ci"],
        "rounds": sides,
        "first_6_rounds": _first_rounds(sides, 6) if not args.ab_stat else None,
    }


def _trial(repo: Path, app: str, slowdown: float, args: argparse.Namespace) -> dict[str, Any]:
    (repo / "app.py").write_text(app.format(slowdown=0.0))
    base_json, head_json = repo / "base.json", repo / "head.json"
    for f in (base_json, head_json):
        f.unlink(missing_ok=True)
    _pytest(repo, "--llmcore-save-baseline=bench", f"--llmcore-json={base_json}")
    (repo / "app.py").write_text(app.format(slowdown=slowdown))  # uncommitted: ab's head
    _pytest(repo, "--llmcore-compare=bench", f"--llmcore-json={head_json}")
    base, head = _test(base_json), _test(head_json)
    ratio = _p50(head) / _p50(base)
    reg = _regression(head)
    ab = _ab(repo, args)
    return {
        "fixed": {"ratio": ratio, "alarm": ratio > 1 + args.threshold},
        "baseline": {**reg, "alarm": reg["outcome"] == "regression"},
        "ab": {**ab, "alarm": ab["exit"] == 1},
    }


def _merge(out: Path, key: str, cell: dict[str, Any], drop: str = "") -> None:
    data = json.loads(out.read_text()) if out.is_file() else {"cells": {}}
    data["cells"][key] = cell
    data["cells"].pop(drop, None)
    tmp = out.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1))
    tmp.replace(out)


def _cell(repo: Path, name: str, app: str, slowdown: float, args: argparse.Namespace) -> None:
    started, trials = time.time(), []
    for i in range(args.trials):
        t = _trial(repo, app, slowdown, args)
        trials.append(t)
        if args.out:
            _merge(args.out, f"{name}/{slowdown:g}/partial", {"details": trials})
        ab, bl = t["ab"], t["baseline"]
        print(
            f"  {name} {slowdown:.0%} trial {i + 1}: fixed {t['fixed']['ratio'] - 1:+.1%}  "
            f"baseline {bl['change_pct']:+.1f}% {bl['outcome']}  ab {ab['ratio'] - 1:+.1%} "
            f"[{ab['ci'][0] - 1:+.1%}, {ab['ci'][1] - 1:+.1%}] {ab['outcome']} "
            f"({len(ab['rounds'])} rounds; first 6: {ab['first_6_rounds']})",
            flush=True,
        )
    alarms = {m: sum(t[m]["alarm"] for t in trials) for m in METHODS}
    inconclusive = {
        m: sum(t[m].get("outcome") == "inconclusive" for t in trials) for m in ("baseline", "ab")
    }
    kind = "false alarms" if slowdown == 0 else "detected"
    cells = "  ".join(f"{m} {alarms[m]:>2}/{args.trials}" for m in METHODS)
    inc = "  ".join(f"{m} {n}" for m, n in inconclusive.items())
    print(
        f"{name:<6} slowdown {slowdown:>4.0%} ({kind}): {cells}   (inconclusive: {inc})", flush=True
    )
    cell = {
        "workload": name,
        "slowdown": slowdown,
        "trials": args.trials,
        "alarms": alarms,
        "inconclusive": inconclusive,
        "ab_rounds": args.rounds,
        "ab_max_rounds": args.max_rounds,
        "ab_stat": args.ab_stat,
        "threshold": args.threshold,
        "seconds": round(time.time() - started),
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
        "details": trials,
    }
    if args.out:
        _merge(args.out, f"{name}/{slowdown:g}", cell, drop=f"{name}/{slowdown:g}/partial")


def _percents(text: str) -> list[float]:
    try:
        return [float(x.strip().rstrip("%")) / 100 for x in text.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: need percents like 0,3,5,10,25") from None


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--trials", type=int, default=20)
    ap.add_argument("--threshold", type=float, default=0.10, help="the fixed rule's threshold")
    ap.add_argument(
        "--slowdowns",
        type=_percents,
        default=list(SLOWDOWNS),
        help="percents, e.g. 0,3,5,10,25 (default)",
    )
    ap.add_argument("--workloads", default="cpu", help="cpu, gemma or cpu,gemma (default cpu)")
    ap.add_argument("--gemma", action="store_true", help="same as adding gemma to --workloads")
    ap.add_argument("--rounds", type=int, default=None, help="llmcore ab --rounds (its default)")
    ap.add_argument("--max-rounds", type=int, default=None, help="llmcore ab --max-rounds")
    ap.add_argument("--ab-stat", default=None, help="llmcore ab --stat (its default)")
    ap.add_argument("--out", type=Path, default=None, help="merge each cell into this JSON")
    args = ap.parse_args()
    names = [w.strip() for w in args.workloads.split(",") if w.strip()]
    if args.gemma and "gemma" not in names:
        names.append("gemma")
    if unknown := [n for n in names if n not in WORKLOADS]:
        ap.error(f"--workloads: unknown {unknown}; choose from {sorted(WORKLOADS)}")
    print(
        f"# {platform.node()} {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}; "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
        flush=True,
    )
    for name in names:
        app, test = WORKLOADS[name]
        with tempfile.TemporaryDirectory(prefix="llmcore-verdicts-") as tmp:
            repo = _project(Path(tmp), app, test)
            for slowdown in args.slowdowns:
                _cell(repo, name, app, slowdown, args)


if __name__ == "__main__":
    main()
