"""False alarms and detection of regression verdicts on this machine, in one run.

For each workload (a pure-Python CPU loop; Gemma 3 270M decode with ``--gemma``) and each
injected slowdown (0% = null, 3/5/10/25%), ``--trials`` comparisons are made by three
methods:

- ``fixed``: the peer, the rule most CI gates use: one run's p50 against one saved run's,
  flagged above ``--threshold`` (10%);
- ``baseline``: ``pytest --llmcore --llmcore-compare`` against a baseline saved just before
  (its statistics; "inconclusive" counts as no alarm);
- ``ab``: ``llmcore ab`` of a commit with the slowdown against its parent.

The slowdown is injected through the code under test (a constant in ``app.py``), as a
regressing commit would. Prints alarms/trials per cell; a null cell's alarms are false.

    .venv/bin/python benchmarks/verdict_stability.py --trials 20
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

PY = sys.executable
LLMCORE = [PY, "-m", "pytest_llmcore.cli"]
SLOWDOWNS = (0.0, 0.03, 0.05, 0.10, 0.25)

_CPU_APP = '''
SLOWDOWN = {slowdown!r}

def work():
    n = int(20000 * (1 + SLOWDOWN))
    total = 0
    for i in range(n):
        total += i * i % 7
    return total
'''
_CPU_TEST = '''
import pytest
import app

@pytest.mark.budget(latency_ms="10s")
def test_work(llmcore_perf):
    llmcore_perf.measure("latency_ms", app.work, warmup=3, repeats=25)
'''
_GEMMA_APP = '''
import time
SLOWDOWN = {slowdown!r}

def decode(llm, n=24):
    out = []
    for chunk in llm.create_completion("def fib(n):", max_tokens=n, temperature=0.0,
                                       stream=True):
        out.append(chunk)
        if SLOWDOWN:  # per-token extra work, proportional to the token's own time
            time.sleep(SLOWDOWN * 0.05)
    return out
'''
_GEMMA_TEST = '''
import time, pytest
import app

@pytest.mark.budget(tpot_ms="10s")
def test_decode(llama_model, llmcore_perf):
    llm = llama_model()
    for _ in range(3):
        start = time.perf_counter()
        chunks = app.decode(llm)
        llmcore_perf.record("tpot_ms", [(time.perf_counter() - start) * 1000 / len(chunks)])
'''


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


def _project(base: Path, app: str, test: str) -> Path:
    repo = base / "proj"
    (repo / "tests").mkdir(parents=True)
    (repo / "pyproject.toml").write_text('[project]\nname = "bench"\nversion = "0"\n')
    (repo / "app.py").write_text(app.format(slowdown=0.0))
    (repo / "tests" / "test_bench.py").write_text(
        "import sys, pathlib\nsys.path.insert(0, str(pathlib.Path(__file__).parents[1]))\n" + test
    )
    _git(repo, "init", "-q")
    _git(repo, "-c", "user.email=b@b", "-c", "user.name=b", "add", "-A")
    _git(repo, "-c", "user.email=b@b", "-c", "user.name=b", "commit", "-qm", "base")
    return repo


def _pytest(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    cmd = [PY, "-m", "pytest", "--llmcore", "-p", "no:cacheprovider", "-q", "-m", "budget", *args]
    return subprocess.run(cmd, cwd=repo, capture_output=True, text=True, check=False)


def _p50(report: Path) -> float:
    tests = json.loads(report.read_text())["tests"]
    (test,) = tests.values()
    (metric,) = test["metrics"].values()
    return float(metric["stats"]["p50"])


def _trial(repo: Path, app: str, slowdown: float, threshold: float) -> dict[str, bool]:
    (repo / "app.py").write_text(app.format(slowdown=0.0))
    base_json, head_json = repo / "base.json", repo / "head.json"
    _pytest(repo, "--llmcore-save-baseline=bench", f"--llmcore-json={base_json}")
    (repo / "app.py").write_text(app.format(slowdown=slowdown))
    compared = _pytest(repo, "--llmcore-compare=bench", f"--llmcore-json={head_json}")
    fixed = _p50(head_json) / _p50(base_json) > 1 + threshold
    baseline = compared.returncode != 0 and "REGRESSED" in compared.stdout
    ab = subprocess.run(
        [*LLMCORE, "ab", "HEAD", "--rounds", "6"], cwd=repo, capture_output=True, text=True,
        check=False,
    )
    return {"fixed": fixed, "baseline": baseline, "ab": ab.returncode == 1}


def _workload(name: str, app: str, test: str, args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="llmcore-verdicts-") as tmp:
        repo = _project(Path(tmp), app, test)
        for slowdown in SLOWDOWNS:
            alarms = {"fixed": 0, "baseline": 0, "ab": 0}
            for _ in range(args.trials):
                for method, alarm in _trial(repo, app, slowdown, args.threshold).items():
                    alarms[method] += alarm
            cells = "  ".join(f"{m} {n:>2}/{args.trials}" for m, n in alarms.items())
            kind = "false alarms" if slowdown == 0 else "detected"
            print(f"{name:<6} slowdown {slowdown:>4.0%} ({kind}): {cells}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=20)
    ap.add_argument("--threshold", type=float, default=0.10, help="the fixed rule's threshold")
    ap.add_argument("--gemma", action="store_true", help="also Gemma 3 270M decode (slow)")
    args = ap.parse_args()
    workloads: list[tuple[str, str, str]] = [("cpu", _CPU_APP, _CPU_TEST)]
    if args.gemma:
        workloads.append(("gemma", _GEMMA_APP, _GEMMA_TEST))
    for name, app, test in workloads:
        _workload(name, app, test, args)


if __name__ == "__main__":
    main()
