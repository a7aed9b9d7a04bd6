"""Stability of budget verdicts: run the example suite N times, count verdicts that flip.

Usage: .venv/bin/python benchmarks/budget_flips.py [--runs 10] [--project fixtures/llm-runtime-core]

Each run is a separate `pytest --llmcore --llmcore-json` process on the bundled example
project (CPU profile). A flip is a (test, metric, statistic) whose verdict is not the same
in every run. Target: 0 flips in 10 runs. Also prints each budget's spread of the
measured statistic across runs (min..max) against its limit.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--project", type=Path,
                    default=Path(__file__).resolve().parents[1] / "fixtures" / "llm-runtime-core")
    args = ap.parse_args()
    verdicts: dict[tuple[str, str, str], list[bool]] = defaultdict(list)
    measured: dict[tuple[str, str, str], list[float]] = defaultdict(list)
    limits: dict[tuple[str, str, str], float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.runs):
            out = Path(tmp) / f"run{i}.json"
            subprocess.run(
                [sys.executable, "-m", "pytest", "--llmcore", "-q", "-p", "no:cacheprovider",
                 "-m", "not llmcore_deps", f"--llmcore-json={out}"],
                cwd=args.project, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False,
            )
            data = json.loads(out.read_text())
            for nodeid, t in data["tests"].items():
                for v in t["verdicts"]:
                    key = (nodeid, v["metric"], v["stat"])
                    verdicts[key].append(bool(v["passed"]))
                    if v["measured"] is not None:
                        measured[key].append(float(v["measured"]))
                    limits[key] = float(v["limit"])
    flips = 0
    print(f"{args.runs} runs of pytest --llmcore in {args.project.name} (profile {data['profile']})")
    for key, vs in sorted(verdicts.items()):
        flipped = len(set(vs)) > 1
        flips += flipped
        ms = measured[key]
        spread = f"{min(ms):.4g}..{max(ms):.4g}" if ms else "-"
        print(f"  {key[0]} {key[1]} {key[2]}: pass {sum(vs)}/{len(vs)}, measured {spread}, "
              f"limit {limits[key]:.4g}{'  FLIPPED' if flipped else ''}")
    print(f"flips: {flips} (target 0)")
    return 0 if flips == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
