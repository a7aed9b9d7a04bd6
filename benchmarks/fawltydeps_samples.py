"""Agreement of `llmcore deps` with FawltyDeps' sample projects and their expected.toml.

Usage: python benchmarks/fawltydeps_samples.py SAMPLES [--python PY]

SAMPLES is `tests/sample_projects` of a FawltyDeps checkout (github.com/tweag/FawltyDeps; this
script never downloads). Each sample project holds an expected.toml with [experiments.NAME]
tables; an experiment lists the `unused_deps` (declared, never imported: distribution names)
and `undeclared_deps` (imported, never declared: import names) FawltyDeps should report when
run with that experiment's settings. llmcore deps always analyses a whole directory, so each
project is compared on its `default` experiment, else on its first experiment that does not
narrow the code (`code`, `base_dir`, `exclude`); projects whose experiments all narrow the
code, and projects for another platform (`compatibility`), are skipped with the reason.

Our side: unused = findings whose kind starts with "unused" (failing or not); undeclared =
findings of kind missing or transitive, compared on the top-level import name. Prints
agree/disagree per project with the differences. Exit status 0, or 2 on bad input.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomlkit
from llmcore_cli import run_llmcore_json
from packaging.utils import canonicalize_name

NARROWING = ("code", "base_dir", "exclude", "exclude_from")
UNDECLARED_KINDS = ("missing", "transitive")
TIMEOUT_S = 300


@dataclass(frozen=True)
class Expectation:
    experiment: str
    unused: frozenset[str]
    undeclared: frozenset[str]


@dataclass(frozen=True)
class Comparison:
    project: str
    experiment: str
    missing_unused: frozenset[str]  # expected, we do not report
    extra_unused: frozenset[str]  # we report, not expected
    missing_undeclared: frozenset[str]
    extra_undeclared: frozenset[str]

    @property
    def agrees(self) -> bool:
        return not (
            self.missing_unused
            | self.extra_unused
            | self.missing_undeclared
            | self.extra_undeclared
        )


def _current_platform() -> str:
    return "WINDOWS" if sys.platform.startswith("win") else "POSIX"


def choose_experiment(data: dict[str, Any]) -> tuple[str, dict[str, Any]] | str:
    """The experiment to compare with, or the reason there is none."""
    compat = str(data.get("project", {}).get("compatibility", "")).upper()
    if compat and _current_platform() not in compat:
        return f"for {compat} only"
    experiments = data.get("experiments", {})
    if not isinstance(experiments, dict) or not experiments:
        return "no [experiments] tables"
    if "default" in experiments:
        return "default", experiments["default"]
    for name, exp in experiments.items():
        if not any(key in exp for key in NARROWING):
            return name, exp
    return "every experiment narrows the code (code/base_dir/exclude)"


def expectation(name: str, exp: dict[str, Any]) -> Expectation:
    unused = frozenset(canonicalize_name(str(d)) for d in exp.get("unused_deps", []))
    undeclared = frozenset(str(m).split(".")[0].lower() for m in exp.get("undeclared_deps", []))
    return Expectation(name, unused, undeclared)


def ours(report: dict[str, Any]) -> tuple[frozenset[str], frozenset[str]]:
    """(unused distributions, undeclared top-level modules) from an llmcore JSON report."""
    unused, undeclared = set(), set()
    for f in report.get("findings", []):
        kind = str(f.get("kind"))
        if kind.startswith("unused"):
            unused.add(canonicalize_name(str(f.get("dependency"))))
        elif kind in UNDECLARED_KINDS:
            module = str(f.get("module") or f.get("dependency"))
            undeclared.add(module.split(".")[0].lower())
    return frozenset(unused), frozenset(undeclared)


def run_llmcore(python: Path, project_dir: Path) -> dict[str, Any] | str:
    return run_llmcore_json(python, project_dir, TIMEOUT_S)


def compare(project: str, expected: Expectation, report: dict[str, Any]) -> Comparison:
    unused, undeclared = ours(report)
    return Comparison(
        project,
        expected.experiment,
        expected.unused - unused,
        unused - expected.unused,
        expected.undeclared - undeclared,
        undeclared - expected.undeclared,
    )


def describe(c: Comparison) -> str:
    if c.agrees:
        return f"agree     {c.project} [{c.experiment}]"
    parts = []
    for label, names in (
        ("unused we miss", c.missing_unused),
        ("unused only we report", c.extra_unused),
        ("undeclared we miss", c.missing_undeclared),
        ("undeclared only we report", c.extra_undeclared),
    ):
        if names:
            parts.append(f"{label}: {', '.join(sorted(names))}")
    return f"disagree  {c.project} [{c.experiment}]: " + "; ".join(parts)


def load_expected(path: Path) -> dict[str, Any]:
    try:
        data: dict[str, Any] = tomlkit.parse(path.read_text(encoding="utf-8")).unwrap()
    except (OSError, tomlkit.exceptions.ParseError) as exc:
        raise ValueError(f"{path}: cannot read expected.toml ({exc})") from exc
    return data


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("samples", type=Path, help="tests/sample_projects of a FawltyDeps checkout")
    ap.add_argument(
        "--python",
        type=Path,
        default=Path(sys.executable),
        help="interpreter that runs llmcore (default: this one)",
    )
    args = ap.parse_args(argv)
    projects = sorted(p.parent for p in args.samples.glob("*/expected.toml"))
    if not projects:
        print(f"error: {args.samples}: no */expected.toml; pass FawltyDeps' tests/sample_projects")
        return 2
    agree = compared = 0
    for project_dir in projects:
        try:
            chosen = choose_experiment(load_expected(project_dir / "expected.toml"))
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        if isinstance(chosen, str):
            print(f"skipped   {project_dir.name}: {chosen}")
            continue
        report = run_llmcore(args.python, project_dir)
        if isinstance(report, str):
            print(f"error     {project_dir.name}: llmcore failed ({report})")
            continue
        result = compare(project_dir.name, expectation(*chosen), report)
        compared += 1
        agree += result.agrees
        print(describe(result))
    print(f"agree on {agree} of {compared} compared sample projects")
    return 0


if __name__ == "__main__":
    sys.exit(main())
