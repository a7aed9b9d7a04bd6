"""What the installed-but-disabled plugin adds to pytest start-up (target: <= 5 ms).

Usage: .venv/bin/python benchmarks/startup.py [--runs N]

Runs `pytest --co -q` on an empty directory alternately with the plugin blocked
(`-p no:llmcore`, the peer: plain pytest) and loaded but not enabled (no --llmcore),
and prints the medians and their difference; then the in-process import cost of
`pytest_llmcore.plugin` on top of pytest, and which heavy modules it pulled in (none).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time


def run(args: list[str], cwd: str) -> float:
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pytest", "--co", "-q", *args], cwd=cwd,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return (time.perf_counter() - t) * 1000


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=25)
    runs = ap.parse_args().runs
    with tempfile.TemporaryDirectory() as d:
        run([], d)
        plain, loaded = [], []
        for _ in range(runs):
            plain.append(run(["-p", "no:llmcore"], d))
            loaded.append(run([], d))
    p, q = statistics.median(plain), statistics.median(loaded)
    print(f"pytest start-up, plugin blocked (-p no:llmcore): median {p:7.1f} ms over {runs} runs")
    print(f"pytest start-up, plugin installed, not enabled: median {q:7.1f} ms")
    print(f"difference: {q - p:+.1f} ms (target <= 5 ms; process noise is a few ms)")
    code = (
        "import time,sys; import pytest; t=time.perf_counter(); import pytest_llmcore.plugin;"
        "d=time.perf_counter()-t; heavy=[m for m in ('torch','numba','llama_cpp','pynvml',"
        "'vulture','tomlkit','openai','gguf') if m in sys.modules]; print(d*1000, ','.join(heavy) or '-')"
    )
    imports, heavy = [], "-"
    for _ in range(9):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        ms, heavy = out.stdout.split()
        imports.append(float(ms))
    print(f"import pytest_llmcore.plugin on top of pytest: median {statistics.median(imports):.2f} ms; "
          f"heavy modules imported: {heavy}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
