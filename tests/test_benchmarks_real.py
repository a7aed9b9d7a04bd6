"""benchmarks/real_projects.py: exact precision and recall on a tiny judged corpus."""

from __future__ import annotations

import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "real_projects.py"

JUDGMENTS = """
[alpha]
repo = "example/alpha"
commit = "0000000000000000000000000000000000000000"

[alpha.deps]
aaa-dead = { unused = true, class = "unused", why = "never imported" }
bbb-judged-used = { unused = false, class = "implicit-use", why = "selected by a string, x.py:1" }

[beta]
repo = "example/beta"
commit = "1111111111111111111111111111111111111111"

[beta.deps]
ccc_dead = { unused = true, class = "unused", why = "never imported" }
requests = { unused = true, class = "unused", why = "judged unused here so the gate misses it" }
zzz-nested = { unused = true, class = "unused", why = "in a nested project", in_recall = false }
"""

# A stand-in for deptry: DEP002 findings for alpha; for beta it fails as deptry does on a
# project whose dependency file it cannot read (so beta counts as not declaring).
FAKE_DEPTRY = """
import json, pathlib, sys
out = pathlib.Path(sys.argv[sys.argv.index("--json-output") + 1])
if pathlib.Path.cwd().name == "beta":
    print("DependencySpecificationNotFoundError: No file called 'pyproject.toml'", file=sys.stderr)
    sys.exit(1)
errors = [{"error": {"code": c}, "module": m} for c, m in
          [("DEP002", "aaa-dead"), ("DEP002", "bbb_judged_used"), ("DEP001", "zzz")]]
out.write_text(json.dumps(errors))
sys.exit(1)
"""


# A stand-in for FawltyDeps: alpha reports a true unused (name spelled differently); beta
# reports the judgment that does not count for recall.
FAKE_FAWLTYDEPS = """
import json, pathlib, sys
if pathlib.Path.cwd().name == "alpha":
    unused = [{"name": "AAA_dead"}]
    print(json.dumps({"declared_deps": [{"name": "aaa-dead"}], "unused_deps": unused}))
else:
    print(json.dumps({"declared_deps": [{"name": "x"}], "unused_deps": [{"name": "zzz-nested"}]}))
sys.exit(4)
"""


def _script(path: Path, body: str) -> None:
    path.write_text(f"#!{sys.executable}\n" + textwrap.dedent(body))
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


def _project(root: Path, name: str, deps: list[str]) -> None:
    pkg = root / name / name
    pkg.mkdir(parents=True)
    listed = ", ".join(f'"{d}"' for d in deps)
    (root / name / "pyproject.toml").write_text(
        f'[project]\nname = "{name}"\nversion = "0"\ndependencies = [{listed}]\n'
    )
    (pkg / "__init__.py").write_text('import requests\n\nprint(requests.get("https://x"))\n')


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    _project(root, "alpha", ["requests", "aaa-dead", "bbb-judged-used"])
    _project(root, "beta", ["requests", "ccc-dead", "ddd-unjudged"])
    (tmp_path / "judgments.toml").write_text(JUDGMENTS)
    _script(tmp_path / "deptry", FAKE_DEPTRY)
    _script(tmp_path / "fawltydeps", FAKE_FAWLTYDEPS)
    return root


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, check=False
    )


def test_exact_scores_for_every_tool(corpus: Path) -> None:
    tmp = corpus.parent
    proc = _run(
        str(corpus),
        "--judgments",
        str(tmp / "judgments.toml"),
        "--peer",
        str(tmp / "deptry"),
        "--fawltydeps",
        str(tmp / "fawltydeps"),
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == f"2 projects in {corpus}"
    # llmcore: aaa + ccc true, bbb false; requests judged unused but used -> missed;
    # ddd unjudged. precision 2/3, recall 2/3 (aaa, ccc of aaa, ccc, requests).
    assert "| llmcore | 2 | 1 | 0.67 | 0.67 | 1 of 2 | 1 |" in lines
    # deptry: aaa true, bbb false (names normalised); beta is not declaring for it.
    assert "| deptry | 1 | 1 | 0.50 | 0.33 | 1 of 1 | 0 |" in lines
    # fawltydeps: aaa and zzz-nested true; zzz-nested is outside recall: recall 1/3.
    assert "| fawltydeps | 2 | 0 | 1.00 | 0.33 | 0 of 2 | 0 |" in lines
    assert "  fawltydeps: missed beta: zzz-nested" not in lines
    assert "  llmcore: UNJUDGED beta: ddd-unjudged (add it to the judgments file)" in lines
    assert "  llmcore: false alpha: bbb-judged-used [implicit-use]" in lines
    assert "  llmcore: missed beta: requests" in lines
    assert "  deptry: missed beta: ccc-dead" in lines
    assert any(line.startswith("  deptry: beta: tool error (exit 1: ") for line in lines)


def test_absent_project_is_named_not_fatal(corpus: Path) -> None:
    tmp = corpus.parent
    judgments = tmp / "judgments.toml"
    judgments.write_text(
        JUDGMENTS
        + '\n[gamma]\nrepo = "example/gamma"\ncommit = "2"\n\n[gamma.deps]\n'
        + 'x = { unused = true, class = "unused", why = "not there" }\n'
    )
    proc = _run(str(corpus), "--judgments", str(judgments))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0] == f"2 projects in {corpus}; absent: gamma"
    assert "| llmcore | 2 | 1 | 0.67 | 0.67 | 1 of 2 | 1 |" in proc.stdout.splitlines()


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda j: j.replace('why = "never imported" }', 'why = "" }', 1),
            "[alpha.deps] aaa-dead: `why` is empty; say where the dependency is (not) used",
        ),
        (
            lambda j: j.replace('repo = "example/alpha"\n', ""),
            '[alpha] needs repo = "owner/name" and commit = "sha"',
        ),
        (lambda j: j + "\n[broken\n", "not valid TOML"),
    ],
)
def test_bad_judgments_exit_2_with_one_line(corpus: Path, edit: object, message: str) -> None:
    judgments = corpus.parent / "judgments.toml"
    judgments.write_text(edit(JUDGMENTS))  # type: ignore[operator]
    proc = _run(str(corpus), "--judgments", str(judgments))
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert len(proc.stderr.splitlines()) == 1 and message in proc.stderr


def test_missing_corpus_and_peer_exit_2(corpus: Path, tmp_path: Path) -> None:
    judgments = str(corpus.parent / "judgments.toml")
    proc = _run(str(tmp_path / "nope"), "--judgments", judgments)
    assert proc.returncode == 2
    assert proc.stderr == (
        f"error: {tmp_path / 'nope'}: not a directory; "
        "pass the folder holding the checked-out projects\n"
    )
    proc = _run(str(corpus), "--judgments", judgments, "--peer", str(tmp_path / "no-deptry"))
    assert proc.returncode == 2
    assert proc.stderr == (
        f"error: --peer {tmp_path / 'no-deptry'}: no such executable; pass the path of deptry\n"
    )


SAMPLES = Path(__file__).resolve().parents[1] / "benchmarks" / "fawltydeps_samples.py"


def _sample(root: Path, name: str, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / name / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_fawltydeps_samples_agree_disagree_and_skips(tmp_path: Path) -> None:
    _sample(
        tmp_path,
        "agree",
        {
            "requirements.txt": "requests\nleftpadx\n",
            "code.py": "import django\nimport requests\n\nrequests.get(django.VERSION)\n",
            "expected.toml": '[project]\nname = "agree"\n\n[experiments.default]\n'
            'unused_deps = ["leftpadx"]\nundeclared_deps = ["django"]\n',
        },
    )
    _sample(
        tmp_path,
        "differ",
        {
            "requirements.txt": "numpy\n",
            "code.py": "import pandas as pd\n\nprint(pd)\n",
            "expected.toml": '[project]\nname = "differ"\n\n[experiments.default]\n'
            "unused_deps = []\nundeclared_deps = []\n",
        },
    )
    _sample(
        tmp_path,
        "narrow",
        {"expected.toml": '[project]\nname = "n"\n\n[experiments.x]\ncode = ["a.py"]\n'},
    )
    _sample(
        tmp_path,
        "win",
        {
            "expected.toml": '[project]\nname = "w"\ncompatibility = "WINDOWS"\n\n'
            "[experiments.default]\n"
        },
    )
    proc = subprocess.run(
        [sys.executable, str(SAMPLES), str(tmp_path)], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        "agree     agree [default]",
        "disagree  differ [default]: unused only we report: numpy; "
        "undeclared only we report: pandas",
        "skipped   narrow: every experiment narrows the code (code/base_dir/exclude)",
        "skipped   win: for WINDOWS only",
        "agree on 1 of 2 compared sample projects",
    ]
