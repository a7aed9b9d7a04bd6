"""What ``pytest --llmcore`` costs on a suite without budgets (target: <= 1.03x plain pytest).

Usage: .venv/bin/python benchmarks/pytest_overhead.py [--tests 5000] [--pairs 7] [--plugin-only]

Writes a project of N trivial tests (100 per module, no budgets, GPU markers or our
fixtures) and runs ``pytest -q -p no:cacheprovider tests`` on it in fresh processes, in
interleaved pairs (plain, --llmcore, plain, --llmcore, ...). Prints, per pair, the ratio of
wall time and of CPU time (user + system of the child: less sensitive to other load on a
shared machine), and their medians: the median of the per-pair wall ratios is what the
acceptance check judges. Then, in one process each, the pytest_llmcore modules the two runs
import and the number of our hook implementations that run per test.

``--plugin-only`` prints only the import and hook counts (fast; a cheap check that nothing
per-test came back).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASE = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"]
# the same trivial suite as the acceptance check (100 tests per module)
PYPROJECT = '[project]\nname = "o"\nversion = "0"\ndependencies = []\n'


def write_project(root: Path, n: int) -> None:
    (root / "tests").mkdir()
    (root / "pyproject.toml").write_text(PYPROJECT)
    for f in range((n + 99) // 100):
        lines = [f"def test_{i}():\n    assert {i} == {i}\n" for i in range(min(100, n - 100 * f))]
        (root / "tests" / f"test_m{f}.py").write_text("".join(lines))


def run(cmd: list[str], cwd: Path) -> tuple[float, float]:
    """(wall s, CPU s) of one pytest process."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)


# run inside pytest (a conftest): which of our modules are loaded, how many of our hook
# implementations pytest calls while the tests run (per test, not per session)
PROBE = """
import sys
import pytest

_calls = {"n": 0}

@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session):
    pm = session.config.pluginmanager
    for name in ("pytest_runtest_setup", "pytest_runtest_call", "pytest_runtest_teardown",
                 "pytest_runtest_makereport", "pytest_runtest_logreport",
                 "pytest_runtest_protocol", "pytest_fixture_setup"):
        for impl in getattr(pm.hook, name).get_hookimpls():
            where = getattr(impl.plugin, "__module__", None) or getattr(impl.plugin, "__name__", "")
            if str(where).startswith("pytest_llmcore"):
                _calls["n"] += 1

def pytest_unconfigure(config):
    mods = sorted(m for m in sys.modules if m.startswith("pytest_llmcore"))
    with open("probe.txt", "w") as fh:
        fh.write(f"{_calls['n']}\\n" + "\\n".join(mods) + "\\n")
"""


def probe(root: Path, extra: list[str]) -> tuple[int, list[str]]:
    (root / "conftest.py").write_text(PROBE)
    try:
        subprocess.run([*BASE, *extra], cwd=root, stdout=subprocess.DEVNULL, check=False)
        first, *mods = (root / "probe.txt").read_text().splitlines()
        return int(first), mods
    finally:
        (root / "conftest.py").unlink()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tests", type=int, default=5000)
    ap.add_argument("--pairs", type=int, default=7)
    ap.add_argument("--plugin-only", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        root = Path(d)
        write_project(root, args.tests)
        hooks_plain, mods_plain = probe(root, [])
        hooks, mods = probe(root, ["--llmcore"])
        extra = sorted(set(mods) - set(mods_plain))
        print(f"per-test hook implementations of ours: plain {hooks_plain}, --llmcore {hooks}")
        print(f"modules --llmcore adds ({len(extra)}): {', '.join(extra) or '-'}")
        if args.plugin_only:
            return 0
        run(BASE, root), run([*BASE, "--llmcore"], root)  # warm the file cache
        walls, cpus = [], []
        for i in range(args.pairs):
            bw, bc = run(BASE, root)
            aw, ac = run([*BASE, "--llmcore"], root)
            walls.append(aw / bw)
            cpus.append(ac / bc)
            print(
                f"pair {i + 1}: plain {bw:.2f} s ({bc:.2f} s CPU), --llmcore {aw:.2f} s "
                f"({ac:.2f} s CPU): wall {walls[-1]:.3f}x, CPU {cpus[-1]:.3f}x"
            )
    wall, cpu = statistics.median(walls), statistics.median(cpus)
    print(
        f"{args.tests} tests, median of {args.pairs} pairs: wall {wall:.3f}x, "
        f"CPU {cpu:.3f}x plain pytest (target <= 1.03x)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
