"""Hostile inputs (issue 11): run every case, classify it, print the table.

Usage: PYTHONPATH=. .venv/bin/python benchmarks/hostile.py [-k SUBSTRING] [--class NAME]
       [--timeout 60] [--jobs 2] [--show BAD|all]

Each case builds a small project in a temporary directory, runs the real ``llmcore``
command or ``pytest --llmcore`` in a subprocess (with a timeout and an address-space limit)
and checks the case's explicit expectations: the exit status, lines the output must and
must not hold, and the files left afterwards. The result is one of

- right: the expected behaviour;
- clean error: the expected one-line error (the input is refused, nothing else happens);
- traceback: a Python traceback, INTERNALERROR or ``llmcore: internal error`` (a crash);
- data loss: a file the case checks afterwards is missing or changed;
- wrong result: any other departure (status, message);
- hang: the timeout ran out (or the memory limit was hit).

The goal is 0 in the last four columns. The corpus lives in ``hostile_cases.py``; the
tests (tests/test_hostile_*.py) run a marked subset of it through the same checks.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from hostile_cases import CLASSES, Case, Outcome, all_cases, run_case

COLUMNS = ("right", "clean error", "traceback", "wrong result", "data loss", "hang")


def _table(results: list[tuple[Case, Outcome]]) -> str:
    rows = [("class", "cases", *COLUMNS)]
    total: Counter[str] = Counter()
    for cls in CLASSES:
        mine = [o for c, o in results if c.cls == cls]
        if not mine:
            continue
        n = Counter(o.verdict for o in mine)
        total.update(n)
        rows.append((cls, str(len(mine)), *(str(n[c]) for c in COLUMNS)))
    rows.append(("all", str(len(results)), *(str(total[c]) for c in COLUMNS)))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in rows)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-k", default="", help="only cases whose name contains this")
    ap.add_argument("--class", dest="cls", choices=CLASSES, help="only this class")
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--show", default="bad", choices=("bad", "all"))
    args = ap.parse_args()
    cases = [
        c for c in all_cases() if args.k in c.name and (args.cls is None or c.cls == args.cls)
    ]
    if os.geteuid() != 0:  # chattr +i and mount need root: those cases can't be built
        skipped = [c.name for c in cases if c.root_only]
        cases = [c for c in cases if not c.root_only]
        if skipped:
            print(f"not root: {len(skipped)} cases skipped ({', '.join(skipped)})")
    with tempfile.TemporaryDirectory(prefix="llmcore-hostile-") as tmp:

        def one(case: Case) -> tuple[Case, Outcome]:
            out = run_case(case, Path(tmp), timeout=args.timeout)
            print(f"  {out.verdict:13} {case.cls}/{case.name}", file=sys.stderr, flush=True)
            return case, out

        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            results = list(pool.map(one, cases))
    bad = 0
    for case, out in results:
        if out.verdict not in ("right", "clean error"):
            bad += 1
        if args.show == "all" or out.verdict not in ("right", "clean error"):
            print(f"[{out.verdict}] {case.cls}/{case.name}: {out.why}")
            if out.verdict not in ("right", "clean error"):
                for line in out.tail.splitlines()[-6:]:
                    print(f"    | {line[:200]}")
    print()
    print(_table(results))
    return 1 if bad else 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONPATH", str(Path(__file__).resolve().parents[1]))
    sys.exit(main())
