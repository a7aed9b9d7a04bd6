"""Wall time of `llmcore deps` against deptry on torch's sources and on a small project.

Usage: .venv/bin/python benchmarks/deps_vs_deptry.py [--rounds N] [--deptry PATH] [--keep DIR]

Builds two trees from the installed torch package's .py files, each with a pyproject.toml
declaring a few dependencies (the same trees as /work/shared/checks/8-deps-speed):

- torch: every .py file of torch (2,285 files, 1.2M lines for torch 2.13.0);
- small: torch/distributions, torch/utils/data and torch/nn/modules (~120 files), where a
  fixed start-up cost dominates.

Then runs deptry and `llmcore deps` alternately on each (same machine, same page cache)
and prints medians and ratios:

- cold: `llmcore deps` with no cache (every file scanned; the cache is written) vs deptry
- warm: `llmcore deps` again, nothing changed, vs deptry

Targets (issue 10): cold <= 1.0x deptry on both trees, warm <= 0.1x deptry on torch.
deptry 0.25.1 is looked for next to this Python, then in /tmp/llmcore-peers (where the
acceptance check installs it). `llmcore` runs as ``python -m pytest_llmcore.cli`` with
this Python, so PYTHONPATH picks the tree under test.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TREES = {
    "torch": (
        ("torch",),
        '"numpy", "sympy", "networkx", "jinja2", "filelock", "fsspec", "typing-extensions", '
        '"torchvision", "pyyaml"',
    ),
    "small": (
        ("torch/distributions", "torch/utils/data", "torch/nn/modules"),
        '"numpy", "typing-extensions", "torchvision", "pyyaml"',
    ),
}


def build_tree(dest: Path, parts: tuple[str, ...], deps: str) -> int:
    import torch

    site = Path(torch.__file__).parent.parent
    files = 0
    for part in parts:
        for p in (site / part).rglob("*.py"):
            out = dest / "src" / p.relative_to(site)
            out.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(p, out)
            files += 1
    name = dest.name
    (dest / "pyproject.toml").write_text(
        f'[project]\nname = "{name}"\nversion = "0"\ndependencies = [{deps}]\n'
    )
    return files


def timed(cmd: list[str], cwd: Path) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - t


def find_deptry(given: str | None) -> Path | None:
    for cand in (given, Path(sys.executable).parent / "deptry", "/tmp/llmcore-peers/bin/deptry"):
        if cand and Path(cand).exists():
            return Path(cand)
    return None


def measure(tree: Path, deptry: Path, rounds: int) -> tuple[float, float, float]:
    """Median seconds of (deptry, llmcore cold, llmcore warm)."""
    llm = [sys.executable, "-m", "pytest_llmcore.cli", "deps", "."]
    cache = tree / ".pytest_cache"
    timed([str(deptry), "."], tree)  # page cache warm-up for both tools
    d_t, c_t, w_t = [], [], []
    for _ in range(rounds):
        d_t.append(timed([str(deptry), "."], tree))
        shutil.rmtree(cache, ignore_errors=True)
        c_t.append(timed(llm, tree))
        w_t.append(timed(llm, tree))
    return statistics.median(d_t), statistics.median(c_t), statistics.median(w_t)


def main() -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--deptry", default=None, help="the deptry executable to compare with")
    ap.add_argument("--keep", type=Path, default=None, help="build or reuse the trees here")
    args = ap.parse_args()
    deptry = find_deptry(args.deptry)
    if deptry is None:
        print("deptry not found: pip install deptry==0.25.1 (or pass --deptry)")
        return 2
    ver = subprocess.run([str(deptry), "--version"], capture_output=True, text=True)
    print(f"peer: {ver.stdout.strip()}")
    tmp = tempfile.TemporaryDirectory(prefix="llmcore-bench-") if args.keep is None else None
    base = Path(tmp.name) if tmp is not None else args.keep
    ok = True
    for label, (parts, deps) in TREES.items():
        tree = base / f"{label}-tree"
        if not (tree / "pyproject.toml").exists():
            tree.mkdir(parents=True, exist_ok=True)
            build_tree(tree, parts, deps)
        files = sum(1 for _ in tree.rglob("*.py"))
        d, c, w = measure(tree, deptry, args.rounds)
        cold_ok = c <= d
        warm_ok = w <= 0.1 * d or label != "torch"
        ok &= cold_ok and warm_ok
        goal = f" (<= 0.10x {'OK' if warm_ok else 'OVER'})" if label == "torch" else ""
        print(
            f"{label:5} ({files:5,} files): deptry {d:6.2f} s | llmcore cold {c:6.2f} s "
            f"{c / d:5.2f}x (<= 1.00x {'OK' if cold_ok else 'OVER'}) | warm {w:6.2f} s "
            f"{w / d:5.2f}x{goal}"
        )
    if tmp is not None:
        tmp.cleanup()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
