"""The cold-run shortcuts of the deps gate give the same answers as the slow paths."""

from __future__ import annotations

import ast
import json
import os
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.requirements import InvalidRequirement, Requirement

import pytest_llmcore
from pytest_llmcore.core.errors import InputError
from pytest_llmcore.deps import astscan
from pytest_llmcore.deps.implicit import builtin_triggers, hook_triggers
from pytest_llmcore.deps.lexical import NeedAst, lexical_imports
from pytest_llmcore.deps.mapping import modules_from_files
from pytest_llmcore.deps.requires import _PLAIN_REQ, required_name


def _reference_name(text: str) -> str | None:
    try:
        req = Requirement(text)
    except InvalidRequirement:
        return None
    try:
        if req.marker is not None and not req.marker.evaluate({"extra": ""}):
            return None
    except ValueError:
        return None
    return req.name


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        ("numpy", True),
        ("numpy>=1.23", True),
        ("typing-extensions >= 4.10.0 , < 5", True),
        ("a!=1.2.3", True),
        ("a-", False),
        ("a>=", False),
        ("a>=1.", False),
        ("a>=1,", False),
        ("a~=1", False),
        ("torch; extra == 'gpu'", False),
        ('nvidia-cublas-cu12==12.1; platform_system == "Linux"', False),
    ],
)
def test_required_name_matches_packaging(text: str, plain: bool) -> None:
    assert (_PLAIN_REQ.fullmatch(text) is not None) is plain
    assert required_name(text) == _reference_name(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="aZ09._- ,<>=!~;[]()@'\"", max_size=24))
def test_required_name_matches_packaging_on_any_text(text: str) -> None:
    assert required_name(text) == _reference_name(text)


def test_builtin_triggers_compile_lazily_and_all_compile() -> None:
    triggers = builtin_triggers()
    fresh = [t for t in triggers if "regex" not in t.__dict__]
    assert fresh  # not compiled by building the table
    for t in triggers:
        assert t.regex.pattern == t.pattern


def test_hook_trigger_pattern_still_validated_where_it_enters() -> None:
    with pytest.raises(InputError, match=r"pattern '\(' for h2 is not a regular expression"):
        hook_triggers([[{"dist": "h2", "pattern": "("}]])
    triggers, _ = hook_triggers([[{"dist": "h2", "pattern": r"http2\s*=\s*True"}]])
    assert triggers[0].regex.search("Client(http2 = True)") is not None


class _StockVisitor(astscan._Visitor):
    """The visitor with :class:`ast.NodeVisitor`'s own dispatch (the reference)."""

    visit = ast.NodeVisitor.visit  # type: ignore[assignment]
    generic_visit = ast.NodeVisitor.generic_visit  # type: ignore[assignment]


def test_fast_visitor_dispatch_matches_node_visitor(monkeypatch: pytest.MonkeyPatch) -> None:
    sources = sorted(Path(pytest_llmcore.__file__).parent.rglob("*.py"))
    assert len(sources) > 50
    fast = []
    for path in sources:
        text = path.read_text(encoding="utf-8")
        fast.append(astscan.ast_records(ast.parse(text), False, text, path.name))
    monkeypatch.setattr(astscan, "_Visitor", _StockVisitor)
    for path, got in zip(sources, fast, strict=True):
        text = path.read_text(encoding="utf-8")
        assert got == astscan.ast_records(ast.parse(text), False, text, path.name), path


def test_cold_run_without_yaml_files_imports_neither_yaml_nor_packaging(tmp_path: Path) -> None:
    # numpy's metadata requires nothing: the closure needs no PEP 508 parser
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "p"\nversion = "0"\ndependencies = ["numpy"]\n', encoding="utf-8"
    )
    (tmp_path / "p.py").write_text("import numpy\n\nnumpy.zeros(1)\n", encoding="utf-8")
    code = (
        "import json, os, sys\n"
        "from pytest_llmcore.cli import main\n"
        "sys.argv = ['llmcore', 'deps', '.']\n"
        # the console script ends with os._exit: end with SystemExit here, to look around
        "def _exit(rc):\n    raise SystemExit(rc)\n"
        "os._exit = _exit\n"
        "try:\n    main()\nexcept SystemExit as stop:\n    rc = stop.code\n"
        "print(json.dumps([rc, 'yaml' in sys.modules, 'packaging.requirements' in sys.modules]))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(pytest_llmcore.__file__).parent.parent)}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    last = out.stdout.strip().splitlines()[-1]
    assert json.loads(last) == [0, False, False], out.stdout + out.stderr
    assert re.search(r"1 declared dependencies, 1 files scanned", out.stdout)


@pytest.mark.parametrize(
    "source",
    [
        "from m import T\n\n\ndef f(x: T = 1) -> None:\n    pass\n",
        "from m import T\n\n\ndef f(\n    a: int,\n    x: T = (),\n) -> None:\n    pass\n",
        "from m import T\n\n\nclass A:\n    def f(self, *, x: T = None): ...\n",
        "from m import T\n\n\ndef f(x: int | None = T, y: int = 0) -> None:\n    pass\n",
        "from m import T\n\nprint(1, sep=T, end='')\n",
    ],
)
def test_lexical_stage_reads_an_annotation_or_default_as_a_load(source: str) -> None:
    # these went to the ast stage before (torch: ``shape: _size = ()``, ``g: G = default_g,``)
    got = lexical_imports(source, False, lambda _top: True)
    assert got == astscan.ast_records(ast.parse(source), False, source)
    assert [(r.module, r.used) for r in got] == [("m.T", True)]


@pytest.mark.parametrize(
    "source",
    [
        "from m import T\n\nif True: T = 1\n",
        "from m import T\n\nx: int\nT = 1\n",
        "from m import T\n\n\ndef f(x: int = 1):\n    T = x\n",
        "from m import T\n\nx = T, y = 1, 2\n",
    ],
)
def test_an_assignment_after_a_colon_outside_brackets_still_needs_the_tree(source: str) -> None:
    with pytest.raises(NeedAst):
        lexical_imports(source, False, lambda _top: True)


def _reference_unconditional(text: str) -> str | None:
    try:
        req = Requirement(text)
    except InvalidRequirement:
        return None
    return req.name if req.marker is None or "extra" not in str(req.marker) else None


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="aZ09._- ,<>=!~;[]()@'\"", max_size=24))
def test_pinned_by_names_match_packaging_on_any_text(text: str) -> None:
    assert required_name(text, evaluate_marker=False) == _reference_unconditional(text)


@pytest.mark.parametrize(
    "text",
    ["numpy>=1.2", "sympy", "pillow; extra == 'vision'", 'filelock; python_version >= "3.8"'],
)
def test_pinned_by_names_match_packaging(text: str) -> None:
    assert required_name(text, evaluate_marker=False) == _reference_unconditional(text)


_DIRS = st.lists(st.sampled_from(["a", "b", "a.b", "c", "1x"]), max_size=3).map("/".join)
_NAMES = st.sampled_from(["__init__.py", "m.py", "n.so", "x.txt"])
_PATHS = st.lists(
    st.tuples(_DIRS, _NAMES).map(lambda dn: f"{dn[0]}/{dn[1]}" if dn[0] else dn[1]), max_size=12
)


@settings(max_examples=400, deadline=None)
@given(_PATHS, st.randoms(use_true_random=False))
def test_modules_from_files_checks_each_directory_once_with_the_same_answer(
    files: list[str], rnd: random.Random
) -> None:
    # each directory is judged at its first file: the answer must not depend on which
    # file comes first, nor on a file listed twice
    got = modules_from_files(files)
    shuffled = list(files)
    rnd.shuffle(shuffled)
    assert modules_from_files(shuffled) == got
    assert modules_from_files([*files, *reversed(files)]) == got
    # each module stands for a file (or a package's __init__) among ``files``
    for module in got:
        path = module.replace(".", "/")
        assert any(f == f"{path}/__init__.py" or f.startswith(f"{path}.") for f in files)


@pytest.mark.parametrize(
    ("files", "modules"),
    [
        (["a/__init__.py", "a/m.py", "a/b/__init__.py"], ("a",)),
        (["a/b/m.py", "a/b/n.so", "c/x.txt"], ("a.b.m", "a.b.n")),
        (["m.py", "__init__.py", "n.cpython-311-x86_64-linux-gnu.so", "x.txt"], ("m", "n")),
        (["1x/__init__.py", "a/1x/m.py", "b.py"], ("b",)),
        (["a/__init__.py", "a/b/c/__init__.py", "d/e/__init__.py"], ("a", "d.e")),
    ],
)
def test_modules_from_files_examples(files: list[str], modules: tuple[str, ...]) -> None:
    assert modules_from_files(files) == modules


def test_modules_from_files_dotted_directory_is_not_a_package_path() -> None:
    # "c.d/e.py" after "c/d/f.py": a directory key joined with "." would take it for c/d
    files = ["a/b/x.py", "a/b/__init__.py", "a.b/y.py", "c/d/f.py", "c.d/e.py", "g/h.py"]
    assert modules_from_files(files) == ("a.b", "c.d.f", "g.h")


def _packaging_verdict(marker: str) -> bool | None:
    from packaging.markers import InvalidMarker, Marker

    try:
        return Marker(marker).evaluate({"extra": ""})
    except (InvalidMarker, ValueError):
        return None


_MARKER_VARS = st.sampled_from(
    [
        "python_version",
        "python_full_version",
        "os_name",
        "sys_platform",
        "platform_system",
        "platform_machine",
        "platform_python_implementation",
        "implementation_name",
        "extra",
    ]
)
_THIS_PYTHON = [
    f"{sys.version_info.major}.{sys.version_info.minor}",
    f"{sys.version_info.major}.{sys.version_info.minor}.{sys.version_info.micro}",
]
_VERSION_VALUES = [*_THIS_PYTHON, "3", "3.0", "3.9", "3.10", "3.11.0", "3.13", "3.14", "4"]
_VERSION_VALUES += ["2.7.18", "03.011"]
_ODD_VALUES = ["3.*", "3.8rc1", "1.0", "v3", ""]
_STRING_VALUES = ["linux", "win32", "Linux", "Windows", "x86_64", "posix", "nt", "cpython"]
_STRING_VALUES += ["CPython", "PyPy", "dev", "Dev_Tools"]
_SUPPORTED_OPS = ["<", "<=", ">", ">=", "==", "!="]
_MARKER_OPS = st.sampled_from(_SUPPORTED_OPS * 6 + ["~=", "===", "in", "not in"])


@st.composite
def _marker_atoms(draw: st.DrawFn) -> str:
    var, op = draw(_MARKER_VARS), draw(_MARKER_OPS)
    fitting = _VERSION_VALUES if var.startswith("python") else _STRING_VALUES
    value = draw(st.sampled_from(fitting * 16 + _ODD_VALUES + _VERSION_VALUES + _STRING_VALUES))
    quote = draw(st.sampled_from(["'", '"']))
    if draw(st.integers(0, 15)) == 0:
        return f"{quote}{value}{quote} {op} {var}"  # reversed: left to packaging
    return f"{var} {op} {quote}{value}{quote}"


def _joined(pair: tuple[str, str, str, bool]) -> str:
    left, join, right, wrap = pair
    text = f"{left}{join}{right}"
    return f"({text})" if wrap else text


_simple_markers = st.recursive(
    _marker_atoms(),
    lambda inner: st.tuples(
        inner,
        st.sampled_from([" and ", " or ", "  or\t"] * 3 + ["and", ") or ("]),
        inner,
        st.booleans(),
    ).map(_joined),
    max_leaves=5,
)


@settings(max_examples=600, deadline=None)
@given(_simple_markers)
def test_simple_markers_are_evaluated_as_packaging_does(marker: str) -> None:
    from pytest_llmcore.deps.markerfast import evaluate_simple

    got = evaluate_simple(marker)
    if got is not None:  # None: packaging is asked
        assert got is _packaging_verdict(marker), marker


@pytest.mark.parametrize(
    "marker",
    [
        'python_version < "3.11"',
        "python_version >= '3.10'",
        'sys_platform == "win32"',
        'platform_python_implementation != "PyPy"',
        'python_version < "3.11" and extra == "dev"',
        'python_version < "3.15" or sys_platform == "darwin" and extra == "x"',
        'implementation_name == "cpython"',
        'os_name == "nt" or os_name == "posix"',
        "(sys_platform == 'emscripten' and extra == 'all')"
        " or (sys_platform == 'win32' and extra == 'all')",
        "((python_version >= '3.10'))",
    ],
)
def test_the_markers_metadata_holds_need_no_packaging(marker: str) -> None:
    from pytest_llmcore.deps.markerfast import evaluate_simple

    assert evaluate_simple(marker) is _packaging_verdict(marker)


@pytest.mark.parametrize(
    "text",
    [
        "coverage[toml]>=7.10.6",
        "coverage [ toml , x ] >= 7 ; python_version < '3.11'",
        "a[]",
        "uvicorn[standard]; extra == 'server'",
        'colorama>=0.4; sys_platform == "win32"',
        'typing_extensions>=4.6.0; python_version < "3.15"',
    ],
)
def test_extras_and_simple_markers_are_read_without_packaging(text: str) -> None:
    assert required_name(text) == _reference_name(text)


def test_platform_values_read_without_platform_match_it() -> None:
    import platform

    from pytest_llmcore.deps.markerfast import _string

    assert _string("platform_system") == platform.system()
    assert _string("platform_machine") == platform.machine()
    assert _string("platform_python_implementation") == platform.python_implementation()
