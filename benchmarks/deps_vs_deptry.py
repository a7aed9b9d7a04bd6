"""Wall time of `llmcore deps` against deptry on torch's sources and on a small project.

Usage: .venv/bin/python benchmarks/deps_vs_deptry.py [--rounds N] [--deptry PATH] [--keep DIR]
           [--only small|torch|none] [--compare CHECKOUT] [--project DIR ...]

Builds two trees from the installed torch package's .py files, each with a pyproject.toml
declaring a few dependencies (the same trees as /work/shared/checks/8-deps-speed):

- torch: every .py file of torch (2,285 files, 1.2M lines for torch 2.13.0);
- small: torch/distributions, torch/utils/data and torch/nn/modules (~120 files), where a
  fixed start-up cost dominates.

and, with ``--project DIR`` (repeatable), a copy of each checked-out project (its
``.git`` left out: rich, 213 files, is the issue's small real project). Then runs deptry and
`llmcore deps` alternately on each (same machine, same page cache)
and prints medians and ratios:

- cold: `llmcore deps` with no cache (every file scanned; the cache is written) vs deptry
- warm: `llmcore deps` again, nothing changed, vs deptry

With ``--compare CHECKOUT`` (another checkout of this repository, e.g. the commit before a
change), its ``pytest_llmcore`` runs in the same rounds too, so before and after are
measured under the same load; ratios are medians of the per-round ratios.

Targets (issue 10): cold <= 1.0x deptry on both trees, warm <= 0.1x deptry on torch.
deptry 0.25.1 is looked for next to this Python, then in /tmp/llmcore-peers (where the
acceptance check installs it). `llmcore` runs as ``python -m pytest_llmcore.cli`` with
this Python, so PYTHONPATH picks the tree under test.
"""

from __future__ import annotations

import argparse
import os
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


def timed(cmd: list[str], cwd: Path, pythonpath: str | None = None) -> float:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # a user's machine has .pyc files
    if pythonpath is not None:
        env["PYTHONPATH"] = pythonpath
    t = time.perf_counter()
    subprocess.run(
        cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False
    )
    return time.perf_counter() - t


def find_deptry(given: str | None) -> Path | None:
    for cand in (given, Path(sys.executable).parent / "deptry", "/tmp/llmcore-peers/bin/deptry"):
        if cand and Path(cand).exists():
            return Path(cand)
    return None


def measure(
    tree: Path, deptry: Path, rounds: int, versions: dict[str, str | None]
) -> tuple[float, dict[str, tuple[float, float, float, float]]]:
    """Median deptry seconds, and per version (label -> PYTHONPATH) the medians of
    (cold s, cold ratio, warm s, warm ratio)."""
    llm = [sys.executable, "-m", "pytest_llmcore.cli", "deps", "."]

    def clear() -> None:
        for p in [tree / ".pytest_cache", *tree.glob(".llmcore*")]:
            shutil.rmtree(p, ignore_errors=True)

    timed([str(deptry), "."], tree)  # page cache warm-up for every tool
    for path in versions.values():
        clear()
        timed(llm, tree, path)
    d_t: list[float] = []
    runs: dict[str, list[tuple[float, float]]] = {label: [] for label in versions}
    for _ in range(rounds):
        d_t.append(timed([str(deptry), "."], tree))
        for label, path in versions.items():
            clear()
            runs[label].append((timed(llm, tree, path), timed(llm, tree, path)))
    med = statistics.median
    out = {
        label: (
            med(c for c, _ in r),
            med(c / d for (c, _), d in zip(r, d_t, strict=True)),
            med(w for _, w in r),
            med(w / d for (_, w), d in zip(r, d_t, strict=True)),
        )
        for label, r in runs.items()
    }
    return med(d_t), out


def main() -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--deptry", default=None, help="the deptry executable to compare with")
    ap.add_argument("--keep", type=Path, default=None, help="build or reuse the trees here")
    ap.add_argument(
        "--only", choices=(*TREES, "none"), default=None, help="one torch tree, or none"
    )
    ap.add_argument(
        "--project", type=Path, action="append", default=[], help="a checked-out project"
    )
    ap.add_argument("--compare", default=None, help="a checkout to time alongside (before)")
    args = ap.parse_args()
    deptry = find_deptry(args.deptry)
    if deptry is None:
        print("deptry not found: pip install deptry==0.25.1 (or pass --deptry)")
        return 2
    ver = subprocess.run([str(deptry), "--version"], capture_output=True, text=True)
    print(f"peer: {ver.stdout.strip()}")
    versions: dict[str, str | None] = {"llmcore": os.environ.get("PYTHONPATH")}
    if args.compare:
        versions = {"before": args.compare, "after": versions["llmcore"] or os.getcwd()}
    tmp = tempfile.TemporaryDirectory(prefix="llmcore-bench-") if args.keep is None else None
    base = Path(tmp.name) if tmp is not None else args.keep
    ok = True
    trees: list[tuple[str, Path]] = []
    for label, (parts, deps) in TREES.items():
        if args.only not in (None, label):
            continue
        tree = base / f"{label}-tree"
        if not (tree / "pyproject.toml").exists():
            tree.mkdir(parents=True, exist_ok=True)
            build_tree(tree, parts, deps)
        trees.append((label, tree))
    for project in args.project:
        if not (project / "pyproject.toml").is_file() and not (project / "setup.py").is_file():
            print(f"--project {project}: no pyproject.toml or setup.py there")
            return 2
        # a copy: the cold runs remove .pytest_cache, which must not touch the checkout
        tree = base / f"project-{project.resolve().name}"
        if not tree.exists():
            shutil.copytree(project, tree, ignore=shutil.ignore_patterns(".git"))
        trees.append((project.resolve().name, tree))
    for label, tree in trees:
        files = sum(1 for _ in tree.rglob("*.py"))
        d, results = measure(tree, deptry, args.rounds, versions)
        print(f"{label} ({files:,} files, {args.rounds} rounds): deptry {d:.3f} s")
        for name, (c, cr, w, wr) in results.items():
            cold_ok = cr <= 1.0
            warm_ok = wr <= 0.1 or label != "torch"
            ok &= cold_ok and warm_ok
            goal = f" (<= 0.10x {'OK' if warm_ok else 'OVER'})" if label == "torch" else ""
            print(
                f"  {name:8} cold {c:6.3f} s {cr:5.2f}x (<= 1.00x {'OK' if cold_ok else 'OVER'})"
                f" | warm {w:6.3f} s {wr:5.2f}x{goal}"
            )
    if tmp is not None:
        tmp.cleanup()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
