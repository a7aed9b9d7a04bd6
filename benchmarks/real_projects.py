"""Precision and recall of `unused` findings on real projects, against judged ground truth.

Usage: python benchmarks/real_projects.py CORPUS [--judgments TOML] [--peer DEPTRY]
       [--fawltydeps FAWLTYDEPS] [--python PY] [--verbose]

CORPUS holds one checked-out project per folder, named as in the judgments file
(benchmarks/real_projects.toml: the 13 projects of issue 10, each judged by reading its code at
the commit recorded there). This script never downloads anything. For each project it runs
`llmcore deps --format json --no-cache` (`PY -m pytest_llmcore.cli`, PY being this Python or
--python, so PYTHONPATH picks the tree) and, with --peer PATH, `deptry . --json-output`
(DEP002 findings) and, with --fawltydeps PATH, `fawltydeps --check-unused --json .` (its
defaults), then prints per tool:

- true / false unused: failing `unused` findings judged truly unused / judged used
- precision: true / (true + false) over judged failing findings
- recall: true unused found / all judged-true unused dependencies of the projects present
  (judgments with `in_recall = false`, e.g. about a nested project the gate skips by design,
  count when found but are no miss when not)
- failed on false: declaring projects (the tool found dependencies) with a false failing finding
- unjudged: failing findings with no judgment yet, listed so gate changes show up

Non-failing unused-like findings (kinds such as `unused-companion` or `unmapped`) are listed
but not counted. Exit status 0, or 2 with a one-line error when the inputs are bad.

The gate maps distributions to modules from installed metadata where it can, so results depend
on what PY's environment has installed: measure with a clean venv holding only
pytest-llmcore's own dependencies (--python), as deptry runs from its own venv.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomlkit
from llmcore_cli import run_llmcore_json
from packaging.utils import canonicalize_name

HERE = Path(__file__).resolve().parent
DEFAULT_JUDGMENTS = HERE / "real_projects.toml"
TIMEOUT_S = 600


class InputError(Exception):
    """Bad command-line input or judgments file: reported as one line, exit status 2."""


@dataclass(frozen=True)
class Judgment:
    unused: bool
    cls: str
    why: str
    in_recall: bool = True  # false: found counts as true, not found is no miss (nested projects)


@dataclass
class Project:
    name: str
    repo: str
    commit: str
    deps: dict[str, Judgment]


@dataclass
class RunResult:
    """One tool's view of one project: failing unused findings and whether it declares."""

    declaring: bool
    failing: set[str] = field(default_factory=set)
    quiet: dict[str, str] = field(default_factory=dict)  # non-failing unused-like: dep -> kind
    error: str | None = None


@dataclass
class Score:
    true_found: list[tuple[str, str]] = field(default_factory=list)
    false_found: list[tuple[str, str]] = field(default_factory=list)
    unjudged: list[tuple[str, str]] = field(default_factory=list)
    missed: list[tuple[str, str]] = field(default_factory=list)
    found_in_recall: int = 0  # true_found whose judgment counts for recall
    quiet: list[tuple[str, str, str]] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)
    declaring: int = 0
    failed_on_false: list[str] = field(default_factory=list)


def _judgment(where: str, raw: Any) -> Judgment:
    if not isinstance(raw, dict):
        raise InputError(f"{where}: expected a table {{ unused = ..., class = ..., why = ... }}")
    unused, cls, why = raw.get("unused"), raw.get("class"), raw.get("why")
    if not isinstance(unused, bool) or not isinstance(cls, str) or not isinstance(why, str):
        raise InputError(f'{where}: needs unused = true|false, class = "...", why = "..."')
    if not why.strip():
        raise InputError(f"{where}: `why` is empty; say where the dependency is (not) used")
    in_recall = raw.get("in_recall", True)
    if not isinstance(in_recall, bool):
        raise InputError(f"{where}: in_recall must be true or false")
    return Judgment(unused, cls, why, in_recall)


def load_judgments(path: Path) -> list[Project]:
    """Parse and validate the judgments file (one table per project)."""
    try:
        data = tomlkit.parse(path.read_text(encoding="utf-8")).unwrap()
    except OSError as exc:
        raise InputError(f"{path}: cannot read judgments ({exc.strerror})") from exc
    except tomlkit.exceptions.ParseError as exc:
        raise InputError(f"{path}: not valid TOML ({exc})") from exc
    projects = []
    for name, table in data.items():
        if not isinstance(table, dict) or not isinstance(table.get("deps", {}), dict):
            raise InputError(f"{path}: [{name}] must be a table with a [{name}.deps] table")
        repo, commit = table.get("repo"), table.get("commit")
        if not isinstance(repo, str) or not isinstance(commit, str):
            raise InputError(f'{path}: [{name}] needs repo = "owner/name" and commit = "sha"')
        deps: dict[str, Judgment] = {}
        for dep, raw in table.get("deps", {}).items():
            key = canonicalize_name(dep)
            if key in deps:
                raise InputError(f"{path}: [{name}.deps] judges {dep} twice")
            deps[key] = _judgment(f"{path}: [{name}.deps] {dep}", raw)
        projects.append(Project(name, repo, commit, deps))
    if not projects:
        raise InputError(f"{path}: no projects judged")
    return projects


def _failing(finding: dict[str, Any], fail_on: list[str]) -> bool:
    kind = finding.get("kind")
    return finding.get("ignored") is None and (kind in fail_on or "all" in fail_on)


def parse_llmcore(report: dict[str, Any]) -> RunResult:
    """Failing `unused` findings and the non-failing unused-like ones of an llmcore report."""
    fail_on = list(report.get("fail_on", []))
    result = RunResult(declaring=bool(report.get("declared")))
    for f in report.get("findings", []):
        kind, dep = str(f.get("kind")), canonicalize_name(str(f.get("dependency")))
        if kind == "unused" and _failing(f, fail_on):
            result.failing.add(dep)
        elif "unused" in kind or kind == "unmapped":
            result.quiet[dep] = kind if f.get("ignored") is None else f"{kind}, ignored"
    return result


def run_llmcore(python: Path, project_dir: Path) -> RunResult:
    report = run_llmcore_json(python, project_dir, TIMEOUT_S)
    if isinstance(report, str):
        return RunResult(declaring=False, error=report)
    return parse_llmcore(report)


def parse_deptry(errors: list[dict[str, Any]]) -> RunResult:
    result = RunResult(declaring=True)
    for e in errors:
        if e.get("error", {}).get("code") == "DEP002":
            result.failing.add(canonicalize_name(str(e.get("module"))))
    return result


def run_deptry(deptry: Path, project_dir: Path) -> RunResult:
    """deptry on one project; where it finds no dependency file the project is not declaring."""
    with tempfile.TemporaryDirectory(prefix="llmcore-real-") as tmp:
        out = Path(tmp) / "deptry.json"
        proc = subprocess.run(
            [str(deptry), ".", "--json-output", str(out)],
            cwd=project_dir,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            check=False,
        )
        if proc.returncode in (0, 1) and out.exists():
            return parse_deptry(json.loads(out.read_text(encoding="utf-8")))
    lines = (proc.stderr + proc.stdout).strip().splitlines() or ["no output"]
    return RunResult(declaring=False, error=f"exit {proc.returncode}: {lines[-1][:160]}")


def parse_fawltydeps(report: dict[str, Any]) -> RunResult:
    result = RunResult(declaring=bool(report.get("declared_deps")))
    result.failing.update(canonicalize_name(str(u.get("name"))) for u in report["unused_deps"])
    return result


def run_fawltydeps(fawltydeps: Path, project_dir: Path) -> RunResult:
    """FawltyDeps with its defaults (its ignore list of tools included), unused check only."""
    proc = subprocess.run(
        [str(fawltydeps), "--check-unused", "--json", "."],
        cwd=project_dir,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )
    try:
        return parse_fawltydeps(json.loads(proc.stdout))
    except (json.JSONDecodeError, KeyError, TypeError):
        lines = (proc.stderr + proc.stdout).strip().splitlines() or ["no output"]
        return RunResult(declaring=False, error=f"exit {proc.returncode}: {lines[-1][:160]}")


def score_project(project: Project, result: RunResult, score: Score) -> None:
    """Add one project's run to a tool's score."""
    if result.error:
        score.errors.append((project.name, result.error))
    score.declaring += result.declaring
    for dep in sorted(result.failing):
        judged = project.deps.get(dep)
        if judged is None:
            score.unjudged.append((project.name, dep))
        elif judged.unused:
            score.true_found.append((project.name, dep))
            score.found_in_recall += judged.in_recall
        else:
            score.false_found.append((project.name, dep))
    if result.declaring and any(p == project.name for p, _ in score.false_found):
        score.failed_on_false.append(project.name)
    for dep, judged in sorted(project.deps.items()):
        if judged.unused and judged.in_recall and dep not in result.failing:
            score.missed.append((project.name, dep))
    score.quiet.extend((project.name, dep, kind) for dep, kind in sorted(result.quiet.items()))


def ratio(num: int, den: int) -> str:
    return f"{num / den:.2f}" if den else "n/a"


def table(scores: dict[str, Score]) -> list[str]:
    """The summary table, one row per tool (markdown)."""
    rows = [
        "| tool | true unused | false unused | precision | recall | failed on false | unjudged |",
        "|---|---|---|---|---|---|---|",
    ]
    for tool, s in scores.items():
        t, f = len(s.true_found), len(s.false_found)
        recall = ratio(s.found_in_recall, s.found_in_recall + len(s.missed))
        rows.append(
            f"| {tool} | {t} | {f} | {ratio(t, t + f)} | {recall} "
            f"| {len(s.failed_on_false)} of {s.declaring} | {len(s.unjudged)} |"
        )
    return rows


def details(tool: str, s: Score, projects: dict[str, Project], verbose: bool) -> list[str]:
    """What a reader needs to act on: unjudged and false findings, misses, errors."""
    out: list[str] = []
    for name, err in s.errors:
        out.append(f"  {tool}: {name}: tool error ({err})")
    for name, dep in s.unjudged:
        out.append(f"  {tool}: UNJUDGED {name}: {dep} (add it to the judgments file)")
    for name, dep in s.false_found:
        j = projects[name].deps[dep]
        out.append(f"  {tool}: false {name}: {dep} [{j.cls}]" + (f" {j.why}" if verbose else ""))
    for name, dep in s.missed:
        out.append(
            f"  {tool}: missed {name}: {dep}"
            + (f" ({projects[name].deps[dep].why})" if verbose else "")
        )
    for name, dep, kind in s.quiet:
        quiet = projects[name].deps.get(dep)
        verdict = "unjudged" if quiet is None else ("truly unused" if quiet.unused else "used")
        out.append(f"  {tool}: not failing {name}: {dep} ({kind}; judged {verdict})")
    return out


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("corpus", type=Path, help="folder of checked-out projects, one per folder")
    ap.add_argument("--judgments", type=Path, default=DEFAULT_JUDGMENTS, help="ground truth TOML")
    ap.add_argument("--peer", type=Path, default=None, help="deptry executable to compare with")
    ap.add_argument(
        "--fawltydeps", type=Path, default=None, help="FawltyDeps executable to compare with"
    )
    ap.add_argument(
        "--python",
        type=Path,
        default=Path(sys.executable),
        help="interpreter that runs llmcore (default: this one)",
    )
    ap.add_argument(
        "-v", "--verbose", action="store_true", help="print the evidence of each judgment"
    )
    return ap.parse_args(argv)


def present_projects(corpus: Path, projects: list[Project]) -> tuple[list[Project], list[str]]:
    if not corpus.is_dir():
        raise InputError(
            f"{corpus}: not a directory; pass the folder holding the checked-out projects"
        )
    present = [p for p in projects if (corpus / p.name).is_dir()]
    absent = [p.name for p in projects if not (corpus / p.name).is_dir()]
    if not present:
        raise InputError(
            f"{corpus}: none of the judged projects is there "
            f"(expected folders like {projects[0].name}/)"
        )
    return present, absent


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        projects = load_judgments(args.judgments)
        present, absent = present_projects(args.corpus, projects)
        if args.peer is not None and not args.peer.is_file():
            raise InputError(f"--peer {args.peer}: no such executable; pass the path of deptry")
        if args.fawltydeps is not None and not args.fawltydeps.is_file():
            raise InputError(f"--fawltydeps {args.fawltydeps}: no such executable")
        if not args.python.is_file():
            raise InputError(f"--python {args.python}: no such interpreter")
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    runners: dict[str, Any] = {"llmcore": lambda d: run_llmcore(args.python, d)}
    if args.peer is not None:
        runners["deptry"] = lambda d: run_deptry(args.peer, d)
    if args.fawltydeps is not None:
        runners["fawltydeps"] = lambda d: run_fawltydeps(args.fawltydeps, d)
    scores = {tool: Score() for tool in runners}
    for project in present:
        for tool, run in runners.items():
            score_project(project, run(args.corpus / project.name), scores[tool])
    print(
        f"{len(present)} projects in {args.corpus}"
        + (f"; absent: {', '.join(absent)}" if absent else "")
    )
    print("\n".join(table(scores)))
    by_name = {p.name: p for p in present}
    for tool, s in scores.items():
        print("\n".join(details(tool, s, by_name, args.verbose)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
