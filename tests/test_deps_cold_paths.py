"""Shortcuts that keep slow libraries out of a cold gate run (issue 10, small-project speed)
give the slow paths' answers: Poetry specs as written without tomlkit, build requirements
without packaging, requirement-file references without the YAML parser."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_llmcore.deps import declarations_toml
from pytest_llmcore.deps.configured import build_requirements
from pytest_llmcore.deps.declarations_req import DeclaredSink
from pytest_llmcore.deps.requirement_refs import referenced_requirement_files

_names = st.sampled_from(["rich", "torch", "a-b", "c_d", "e.f", "numpy2", "x"])
_strings = st.one_of(
    st.from_regex(r'"[\^~<>=0-9.*, ]{1,8}"', fullmatch=True),
    st.from_regex(r"'[\^~<>=0-9.*#\[ ]{1,8}'", fullmatch=True),  # '#', '[' inside a string
    st.just(r'"\"quoted\" 1"'),
)
_tables = st.builds(
    lambda v, o, e, sp: (
        "{"
        + sp
        + f"version = {v}"
        + (", optional = true" if o else "")
        + (', extras = ["a", "b"]' if e else "")
        + sp
        + "}"
    ),
    _strings,
    st.booleans(),
    st.booleans(),
    st.sampled_from(["", " ", "  "]),
)
_arrays = st.builds(
    lambda a, b, sep: "[" + a + "," + sep + b + "]",
    _tables,
    _tables,
    st.sampled_from([" ", "\n  ", " # why\n  "]),  # one line, or several (tomlkit's path)
)
_values = st.one_of(_strings, _tables, _arrays, st.just('"""\n1.0\n"""'))
_comments = st.sampled_from(["", "  # pinned", "# a = 1", " #"])


@st.composite
def _poetry(draw: st.DrawFn) -> str:
    keys = draw(st.lists(_names, min_size=1, max_size=5, unique=True))
    lines = ["[tool.poetry.dependencies]"]
    for key in keys:
        written = f'"{key}"' if "." in key or draw(st.booleans()) else key
        eq = draw(st.sampled_from(["=", " = ", "  =  "]))
        lines.append(f"{written}{eq}{draw(_values)}{draw(_comments)}")
    return "\n".join(lines) + "\n"


def _declared(tmp: Path, text: str) -> list[tuple[str, str]]:
    path = tmp / "pyproject.toml"
    path.write_text(text)
    sink = DeclaredSink(tmp)
    declarations_toml.read_pyproject(path, "pyproject.toml", sink)
    return [(d.name, d.requirement) for d in sink.declared]


@settings(max_examples=150, deadline=None)
@given(text=_poetry())
def test_poetry_specs_as_written_match_tomlkit(
    tmp_path_factory: pytest.TempPathFactory, text: str
) -> None:
    tmp = tmp_path_factory.mktemp("p")
    fast = _declared(tmp, text)
    real = declarations_toml.single_line_value
    declarations_toml.single_line_value = lambda line, key: None  # type: ignore[assignment]
    try:
        slow = _declared(tmp, text)
    finally:
        declarations_toml.single_line_value = real
    assert fast == slow


@pytest.mark.parametrize(
    ("line", "key", "value"),
    [
        ('rich = "^1"  # c', "rich", '"^1"  # c'),
        ("rich-extra = '1'", "rich", None),  # another key
        ('"e.f" = { version = "1" }', "e.f", '{ version = "1" }'),
        ("d = [ {version='1'}, # two lines", "d", None),
        ('d = ["a", # c ]', "d", None),  # the comment swallows the bracket
        ('d = """', "d", None),
        ('x = "a\\"#b" # c', "x", '"a\\"#b" # c'),
    ],
)
def test_single_line_value(line: str, key: str, value: str | None) -> None:
    assert declarations_toml.single_line_value(line, key) == value


@pytest.mark.parametrize(
    ("requires", "names"),
    [
        (["setuptools>=61", "wheel"], ["setuptools", "wheel"]),
        (
            ["Poetry_Core @ https://x/y.whl", "hatchling; python_version>'3'"],
            ["poetry-core", "hatchling"],
        ),
        (["scikit-build-core[pyproject]>=0.5"], ["scikit-build-core"]),
        ([], []),
    ],
)
def test_build_requirement_names(requires: list[str], names: list[str]) -> None:
    data = {
        "build-system": {"requires": requires},
        "dependency-groups": {"build": [*requires, "other"]},
    }
    assert sorted(build_requirements(data)) == sorted({*names, "other"} if names else set())


def test_workflow_references_found_and_yaml_skipped_without_any(tmp_path: Path) -> None:
    wf = tmp_path / ".github" / "workflows"
    wf.mkdir(parents=True)
    (tmp_path / "ci").mkdir()
    (tmp_path / "ci" / "requirements-ci.txt").write_text("pytest\n")
    (wf / "a.yml").write_text(
        textwrap.dedent(
            """\
            jobs:
              t:
                defaults: {run: {working-directory: ci}}
                steps:
                  - run: >
                      pip install -r
                      requirements-ci.txt
            """
        )
    )
    (wf / "b.yml").write_text("jobs:\n  t:\n    steps:\n      - run: pytest\n")
    found = [p.relative_to(tmp_path).as_posix() for p in referenced_requirement_files(tmp_path)]
    assert found == ["ci/requirements-ci.txt"]
    # a workflow that names no requirements file is never handed to the YAML parser
    script = (
        "import sys; from pathlib import Path\n"
        "from pytest_llmcore.deps.requirement_refs import referenced_requirement_files\n"
        "referenced_requirement_files(Path(sys.argv[1]))\n"
        "assert 'yaml' not in sys.modules, 'yaml imported'\n"
    )
    (wf / "a.yml").unlink()
    proc = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr


def test_a_cold_gate_run_loads_none_of_the_slow_modules(tmp_path: Path) -> None:
    """tempfile (random, shutil), argparse's shutil, hashlib, tomlkit, packaging and yaml
    stay out of a cold run on a plain project; each cost a few milliseconds of every run."""
    (tmp_path / "pyproject.toml").write_text(
        # tqdm, never imported, takes the gate through its implicit-use scan and its cache
        '[project]\nname = "p"\nversion = "0"\ndependencies = ["numpy", "rich", "tqdm"]\n'
        '[build-system]\nrequires = ["setuptools>=61"]\n'
        '[tool.poetry.dependencies]\nrich = { version = "^13", optional = true }\n'
    )
    (tmp_path / "p.py").write_text("import numpy\nimport rich\nnumpy.zeros(1)\nrich.print(1)\n")
    script = (
        "import os, sys\n"
        "from pytest_llmcore.cli import main\n"
        "sys.argv = ['llmcore', 'deps', '.']\n"
        # the console script ends with os._exit: end with SystemExit here, to look around
        "def _exit(rc):\n    raise SystemExit(rc)\n"
        "os._exit = _exit\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "slow = {'tempfile', 'shutil', 'packaging', 'yaml', 'hashlib'}\n"
        # Python 3.10 has no tomllib: tomlkit reads TOML there
        "slow |= {'tomlkit'} if sys.version_info >= (3, 11) else set()\n"
        "slow &= set(sys.modules)\n"
        "assert not slow, sorted(slow)\n"
        "from pathlib import Path\n"
        "written = {p.name for p in Path('.pytest_cache/d/llmcore-deps').glob('*.json')}\n"
        "assert written == {'imports.json', 'implicit.json'}, written\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, "LLMCORE_DEPS_JOBS": "1"},
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("columns", ["50", "120"])
def test_help_is_as_wide_as_argparse_makes_it(columns: str) -> None:
    import argparse

    from pytest_llmcore.cli_output import Parser

    def build(cls: type[argparse.ArgumentParser], **kw: object) -> str:
        p = cls(prog="x", **kw)  # type: ignore[arg-type]
        p.add_argument("--long-option", help="words " * 30)
        return p.format_help()

    env = dict(os.environ)
    os.environ["COLUMNS"] = columns
    try:
        assert build(Parser) == build(argparse.ArgumentParser)
    finally:
        os.environ.clear()
        os.environ.update(env)


_parts = st.sampled_from(["tests", "docs", "src", "a", "test_x.py", "conftest.py", "b.py", "*"])


@settings(max_examples=200, deadline=None)
@given(
    patterns=st.lists(
        st.builds("/".join, st.lists(_parts, min_size=1, max_size=3)).map(
            lambda p: p.replace("*.py", "b*.py")
        ),
        max_size=4,
    ),
    paths=st.lists(
        st.builds("/".join, st.lists(_parts.filter(lambda x: x != "*"), min_size=1, max_size=4)),
        min_size=1,
        max_size=6,
    ),
)
def test_dev_paths_match_as_fnmatch_would(patterns: list[str], paths: list[str]) -> None:
    """The one-regex matcher of development paths says what a per-pattern fnmatch says."""
    import fnmatch

    from pytest_llmcore.deps.uses import dev_path_matcher

    def reference(rel: str) -> bool:
        parts = [p for p in rel.split("/") if p]
        single = [p for p in patterns if "/" not in p]
        if any(fnmatch.fnmatch(part, p) for part in parts for p in single):
            return True
        return any(
            fnmatch.fnmatch(rel, p) or rel.startswith(p.rstrip("/") + "/")
            for p in patterns
            if "/" in p
        )

    is_dev = dev_path_matcher(patterns)
    assert [is_dev(p) for p in paths] == [reference(p) for p in paths]


_req_names = st.sampled_from(["colorama", "Typing_Extensions", "a.b-c", "x9", "-bad", "ok_"])
_versions = st.sampled_from(
    [
        "",
        ">=1.2",
        "==2",
        "~=0.1",
        "===3.0",
        ">=1,<2",
        " (>=2.2.0)",
        "(>=7.5.1,<9)",
        ">=1.0rc1",
        ">=",
    ]
)
_markers = st.sampled_from(
    [
        "",
        '; platform_system == "Windows"',
        "; python_version < '3.11'",
        '; extra == "dev"',
        '; python_version < "3.11" and extra == "dev"',
        '; sys_platform != "win32" or os_name == "nt"',
        "; 'linux' in sys_platform",
        '; platform_release == "extra"',
        '; (python_version < "3")',
        '; bogus == "1"',
        "; python_version <",
    ]
)


@settings(max_examples=300, deadline=None)
@given(name=_req_names, version=_versions, marker=_markers, evaluate=st.booleans())
def test_required_name_without_packaging_says_what_packaging_says(
    name: str, version: str, marker: str, evaluate: bool
) -> None:
    from packaging.markers import InvalidMarker
    from packaging.requirements import InvalidRequirement, Requirement

    from pytest_llmcore.deps.requires import required_name

    text = f"{name}{version}{marker}"
    try:
        req = Requirement(text)
    except (InvalidRequirement, InvalidMarker):
        expected = None
    else:
        if req.marker is None:
            expected = req.name
        elif not evaluate:
            expected = None if "extra" in str(req.marker) else req.name
        else:
            try:
                expected = req.name if req.marker.evaluate({"extra": ""}) else None
            except ValueError:
                expected = None
    assert required_name(text, evaluate_marker=evaluate) == expected


def test_a_lazy_pattern_compiles_once_on_first_use_and_answers_as_re() -> None:
    import re

    from pytest_llmcore.deps.lazyre import lazy_compile

    lazy = lazy_compile(r"(a)(b)?", re.I)
    assert lazy._compiled is None  # nothing compiled at import
    real = re.compile(r"(a)(b)?", re.I)
    text = "xAbyaAB"
    assert lazy.search(text, 2).span() == real.search(text, 2).span()  # type: ignore[union-attr]
    assert lazy.match(text) is None and real.match(text) is None
    assert lazy.fullmatch("ab") is not None
    assert [m.span() for m in lazy.finditer(text)] == [m.span() for m in real.finditer(text)]
    assert lazy.findall(text) == real.findall(text)
    assert lazy.split(text, 1) == real.split(text, 1)
    assert lazy.sub("-", text, 2) == real.sub("-", text, 2)
    assert lazy.pattern == real.pattern and lazy.flags == real.flags
    first = lazy.compiled
    lazy.search(text)
    assert lazy.compiled is first  # compiled once, kept


def test_only_a_process_of_its_own_tunes_the_collector(tmp_path: Path) -> None:
    """The console script (argv None) freezes the loaded modules' objects and collects
    the young generation less often; a caller's main(argv) leaves its process's gc alone."""
    import gc

    from pytest_llmcore.cli import main

    before = (gc.get_threshold(), gc.get_freeze_count())
    assert main(["deps", str(tmp_path), "--no-cache"]) == 0  # nothing declared: ok
    assert (gc.get_threshold(), gc.get_freeze_count()) == before
    script = (
        "import gc, sys\n"
        "from pytest_llmcore.cli import main\n"
        f"sys.argv = ['llmcore', 'deps', {str(tmp_path)!r}, '--no-cache']\n"
        "main()\n"
        "assert gc.get_freeze_count() > 1000, gc.get_freeze_count()\n"
        "assert gc.get_threshold()[0] == 5000, gc.get_threshold()\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
