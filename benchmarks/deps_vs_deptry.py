"""Wall time of `llmcore deps` against deptry on the installed torch package's own sources.

Usage: .venv/bin/python benchmarks/deps_vs_deptry.py [--rounds N] [--tree DIR]

Builds a tree from torch's .py files (2,285 files, 1.2M lines for torch 2.13.0) with a
pyproject.toml declaring a few dependencies, then runs deptry and `llmcore deps` on it
alternately (same machine, same page cache) and prints medians and ratios:

- cold: `llmcore deps --no-cache` (every file scanned, dead-import check on) vs deptry
- warm: `llmcore deps` with its per-file cache filled, nothing changed, vs deptry

Targets (issue 2): cold <= 1.0x deptry, warm <= 0.2x deptry. Needs `torch` and
`deptry==0.25.1` installed in the running environment (pip install --group pyproject.toml:bench
torch==2.13.0).
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

PYPROJECT = """[project]
name = "torch-tree"
version = "0"
dependencies = [
    "numpy", "sympy", "networkx", "jinja2", "filelock", "fsspec", "typing-extensions",
    "torchvision",
]
"""


def build_tree(dest: Path) -> tuple[int, int]:
    import torch

    src = Path(torch.__file__).parent
    files = lines = 0
    for p in src.rglob("*.py"):
        out = dest / "torch" / p.relative_to(src)
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(p, out)
        files += 1
        lines += p.read_bytes().count(b"\n")
    (dest / "pyproject.toml").write_text(PYPROJECT)
    return files, lines


def timed(cmd: list[str]) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - t


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--tree", type=Path, default=None, help="reuse or create the tree here")
    args = ap.parse_args()
    bindir = Path(sys.executable).parent
    deptry, llmcore = bindir / "deptry", bindir / "llmcore"
    for exe in (deptry, llmcore):
        if not exe.exists():
            print(f"{exe.name} is not installed in {bindir}: pip install --group pyproject.toml:bench")
            return 2
    tmp = None
    tree = args.tree
    if tree is None:
        tmp = tempfile.TemporaryDirectory(prefix="llmcore-bench-")
        tree = Path(tmp.name)
    if not (tree / "pyproject.toml").exists():
        files, lines = build_tree(tree)
        print(f"tree: {tree} ({files:,} .py files, {lines:,} lines)")
    ver = subprocess.run([str(deptry), "--version"], capture_output=True, text=True).stdout.strip()
    print(f"peer: {ver}")
    cache = tree / ".pytest_cache"
    deptry_t, cold_t, warm_t = [], [], []
    # warm-up of the page cache so neither tool pays for the first read
    timed([str(deptry), str(tree)])
    for _ in range(args.rounds):
        deptry_t.append(timed([str(deptry), str(tree)]))
        shutil.rmtree(cache, ignore_errors=True)
        cold_t.append(timed([str(llmcore), "deps", str(tree), "--no-cache"]))
        timed([str(llmcore), "deps", str(tree)])  # fills the cache
        warm_t.append(timed([str(llmcore), "deps", str(tree)]))
    d, c, w = (statistics.median(x) for x in (deptry_t, cold_t, warm_t))
    print(f"deptry            median {d:6.2f} s  {['%.2f' % x for x in deptry_t]}")
    print(f"llmcore deps cold median {c:6.2f} s  {['%.2f' % x for x in cold_t]}  ratio {c / d:.2f}x"
          f"  (target <= 1.00x) {'OK' if c <= d else 'OVER'}")
    print(f"llmcore deps warm median {w:6.2f} s  {['%.2f' % x for x in warm_t]}  ratio {w / d:.2f}x"
          f"  (target <= 0.20x) {'OK' if w <= 0.2 * d else 'OVER'}")
    out = subprocess.run([str(llmcore), "deps", str(tree), "--fail-on", "none"],
                         capture_output=True, text=True).stdout.strip().splitlines()
    print("llmcore deps says:", out[-1])
    if tmp is not None:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
