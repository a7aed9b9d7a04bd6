"""Mutation score of the modules that make decisions, with cosmic-ray (a maintained tool).

Each module is paired with the tests that specify it. cosmic-ray enumerates every mutant
(comparison, arithmetic, boolean, constant, ...); running all of them takes hours on two
cores, so a seeded random sample per module is run (``--sample``, 0 = all). The whole run
happens in a temporary copy of the working tree: mutating files in place must never touch
the checkout. Prints the score per module and overall, and every surviving mutant's diff.

    .venv/bin/python benchmarks/mutation.py --sample 25
"""

from __future__ import annotations

import argparse
import ast
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTEST = f"{sys.executable} -m pytest -x -q -p no:cacheprovider -p no:randomly"

#: the budget tests that call functions (the pytester runs of a whole session take seconds each)
_BUDGETS = (
    "tests/test_budgets_unit.py tests/test_budgets_verdicts.py tests/test_budgets_boundary.py"
    " tests/test_mutants_budgets.py"
    " -k 'not through_ and not usage_error_naming and not dropped_after'"
)
#: the gate on small trees, in process
_GATE = (
    "tests/test_gate.py tests/test_strength_deps.py tests/test_deps_mapping.py"
    " tests/test_mutants_gate.py"
)
#: module -> the tests that specify it (fast ones: each mutant runs them once)
TARGETS: dict[str, str] = {
    "pytest_llmcore/budgets/verdict.py": _BUDGETS,
    "pytest_llmcore/budgets/stats.py": _BUDGETS,
    "pytest_llmcore/budgets/confidence.py": _BUDGETS,
    "pytest_llmcore/budgets/regression.py": _BUDGETS,
    "pytest_llmcore/budgets/baseline.py": _BUDGETS,
    "pytest_llmcore/budgets/adaptive.py": _BUDGETS,
    "pytest_llmcore/budgets/ab_stats.py": (
        "tests/test_strength_ab.py tests/test_ab.py"
        " -k 'strength or outcome or noisy or textbook or one_round or t_table'"
    ),
    "pytest_llmcore/core/units.py": "tests/test_strength_units.py tests/test_budgets_unit.py",
    "pytest_llmcore/deps/mapping.py": (
        "tests/test_strength_deps.py tests/test_deps_mapping.py tests/test_gate.py"
    ),
    "pytest_llmcore/gpu/requirements.py": (
        "tests/test_gpu.py tests/test_strength_gpu.py"
        " -k 'strength or unmet or met_requirements or bad_marker or cc_unknown"
        " or marker_arguments'"
    ),
    "pytest_llmcore/gpu/visible.py": (
        "tests/test_gpu_visible.py tests/test_strength_gpu.py -k 'not doctor and not markers'"
    ),
    "pytest_llmcore/gpu/sampler.py": (
        "tests/test_gpu.py tests/test_gpu_nvml.py tests/test_strength_gpu.py"
        " -k 'strength or sampler or thermal or throttl or peak'"
    ),
    "pytest_llmcore/gpu/pinning.py": (
        "tests/test_gpu.py tests/test_strength_gpu.py -k 'strength or assign'"
    ),
    "pytest_llmcore/llm/fit.py": (
        "tests/test_strength_fit.py tests/test_llm.py -k 'strength or fit'"
    ),
    "pytest_llmcore/llm/kv.py": (
        "tests/test_strength_fit.py tests/test_llm.py -k 'strength or parse_kv or analytic'"
    ),
    "pytest_llmcore/history/changes.py": (
        "tests/test_strength_history.py tests/test_history.py -k 'strength or detects'"
    ),
    "pytest_llmcore/core/argtypes.py": (
        "tests/test_strength_units.py tests/test_cli_contract.py"
        " -k 'strength or parses or usage_error'"
    ),
    "pytest_llmcore/deps/gate.py": _GATE,
    "pytest_llmcore/deps/uses.py": _GATE,
    "pytest_llmcore/deps/undeclared.py": _GATE,
    "pytest_llmcore/deps/reconcile.py": "tests/test_deps_mapping.py tests/test_strength_deps.py",
    "pytest_llmcore/deps/triage.py": (
        "tests/test_deps_mapping_config.py tests/test_strength_deps.py"
    ),
    "pytest_llmcore/deps/evidence.py": (
        "tests/test_deps_evidence.py tests/test_deps_evidence_gate.py tests/test_strength_deps.py"
    ),
    "pytest_llmcore/llm/generate.py": (
        "tests/test_strength_llm.py tests/test_llm_timing.py"
        " tests/test_llm.py::test_prompt_lookup_speedup_arithmetic -k 'not server and not gemma'"
    ),
    "pytest_llmcore/llm/endpoints.py": (
        "tests/test_strength_llm.py tests/test_llm_timing.py -k 'not server and not gemma'"
    ),
    "pytest_llmcore/llm/timing.py": (
        "tests/test_strength_llm.py tests/test_llm_timing.py"
        " -k 'strength or first_token or arithmetic or without'"
    ),
}
#: operators that only produce twins of a kept mutant (``a*b`` -> ``a<<b`` next to ``a+b``)
_SKIP_OPERATOR_SUFFIXES = ("_BitOr", "_BitAnd", "_BitXor", "_LShift", "_RShift", "_MatMult")


def _copy_tree(dest: Path) -> None:
    files = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    for rel in files:
        src = ROOT / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)


def _config(module: str, tests: str, timeout: float) -> str:
    return (
        "[cosmic-ray]\n"
        f'module-path = "{module}"\n'
        f"timeout = {timeout}\n"
        "excluded-modules = []\n"
        f'test-command = "{PYTEST} {tests}"\n'
        "[cosmic-ray.distributor]\n"
        'name = "local"\n'
    )


def _annotation_spans(source: str) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """(start, end) (row 1-based, column 0-based) of every annotation in ``source``."""
    spans = []
    for node in ast.walk(ast.parse(source)):
        found: list[ast.expr | None] = []
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            found.append(node.returns)
        elif isinstance(node, (ast.arg, ast.AnnAssign)):
            found.append(node.annotation)
        for ann in found:
            if ann is not None and ann.end_lineno is not None and ann.end_col_offset is not None:
                spans.append(((ann.lineno, ann.col_offset), (ann.end_lineno, ann.end_col_offset)))
    return spans


def _sample(session: Path, k: int, seed: int, source: str) -> int:
    """Keep a seeded sample of the mutants, leaving out the ones equivalent by construction:
    twins (:data:`_SKIP_OPERATOR_SUFFIXES`) and any inside an annotation (every module has
    ``from __future__ import annotations``: ``int | None`` -> ``int % None`` never runs)."""
    spans = _annotation_spans(source) if "from __future__ import annotations" in source else []
    db = sqlite3.connect(session)
    jobs = sorted(  # by what the mutant is: job ids are random, a sample of them is not
        (op, occurrence, row, col, job)
        for job, op, occurrence, row, col in db.execute(
            "SELECT job_id, operator_name, occurrence, start_pos_row, start_pos_col"
            " FROM mutation_specs"
        )
        if not op.endswith(_SKIP_OPERATOR_SUFFIXES)
        and not any(a <= (row, col) < b for a, b in spans)
    )
    keep = {j[-1] for j in jobs}
    if k and len(jobs) > k:
        keep = {j[-1] for j in random.Random(seed).sample(jobs, k)}
    for (job,) in db.execute("SELECT job_id FROM work_items").fetchall():
        if job not in keep:
            db.execute("DELETE FROM mutation_specs WHERE job_id = ?", (job,))
            db.execute("DELETE FROM work_items WHERE job_id = ?", (job,))
    db.commit()
    return len(keep)


def _results(session: Path) -> list[tuple[str, str, int, str, str]]:
    db = sqlite3.connect(session)
    return list(
        db.execute(
            "SELECT s.module_path, s.operator_name, s.start_pos_row, r.test_outcome, r.diff"
            " FROM work_results r JOIN mutation_specs s ON s.job_id = r.job_id"
        )
    )


def _run_module(work: Path, module: str, tests: str, args: argparse.Namespace) -> list[tuple]:
    cfg, session = work / "cr.toml", work / f"{Path(module).stem}.sqlite"
    cfg.write_text(_config(module, tests, args.timeout))
    env = {**os.environ, "PYTHONPATH": str(work)}
    cr = [str(Path(sys.executable).with_name("cosmic-ray"))]
    subprocess.run([*cr, "init", str(cfg), str(session)], cwd=work, env=env, check=True)
    n = _sample(session, args.sample, args.seed, (work / module).read_text())
    print(f"{module}: {n} mutants against {tests}", flush=True)
    subprocess.run([*cr, "exec", str(cfg), str(session)], cwd=work, env=env, check=True)
    if args.debug:
        db = sqlite3.connect(session)
        for row in db.execute("SELECT worker_outcome, test_outcome, output FROM work_results"):
            print(row[0], row[1], (row[2] or "")[-1500:])
    return _results(session)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sample", type=int, default=25, help="mutants per module (0: all)")
    ap.add_argument("--seed", type=int, default=17)
    ap.add_argument("--timeout", type=float, default=300.0)
    ap.add_argument("--modules", nargs="*", default=list(TARGETS))
    ap.add_argument("--debug", action="store_true", help="print each mutant's test output")
    args = ap.parse_args()
    killed = survived = 0
    survivors: list[tuple] = []
    with tempfile.TemporaryDirectory(prefix="llmcore-mutation-") as tmp:
        work = Path(tmp)
        _copy_tree(work)
        for module in args.modules:
            rows = _run_module(work, module, TARGETS[module], args)
            k = sum(1 for r in rows if str(r[3]).lower() == "killed")
            s = [r for r in rows if str(r[3]).lower() == "survived"]
            killed, survived = killed + k, survived + len(s)
            survivors += s
            print(f"  killed {k}, survived {len(s)}, other {len(rows) - k - len(s)}", flush=True)
    total = killed + survived
    print(f"\nmutation score: {killed}/{total} killed = {killed / max(1, total):.1%}")
    for module, op, row, _, diff in survivors:
        print(f"\nSURVIVED {module}:{row} {op}\n{diff}")  # cosmic-ray's rows are 1-based
    return 0


if __name__ == "__main__":
    sys.exit(main())
