"""False `unused` findings of corpus8 (benchmarks/real_projects.toml), classes 4, 9, 10 and
13 of /work/corpus8/REPORT.md: each a reproduction, other shapes of the same class, and a
negative control that must still fail as unused."""

from __future__ import annotations

import ast
import keyword
from pathlib import Path

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from pytest_llmcore.deps.check_helpers import _WRAPPED, check_helpers
from pytest_llmcore.deps.gate import run_gate
from pytest_llmcore.deps.loaders import TOO_COMMON
from pytest_llmcore.deps.noxargv import run_argvs
from pytest_llmcore.deps.textcommands import echoed_values
from tests.helpers.gate_projects import PKG
from tests.helpers.gate_projects import gate as _gate
from tests.helpers.gate_projects import project as _project


def _used_by(root: Path, dist: str) -> str:
    return run_gate(root, use_cache=False).used_by[dist][0].text


# -- class 4: Sphinx extensions passed through a call in docs conf.py ------------------------

_BUILD_CONFIG = """\
from sphinx_celery import conf

globals().update(conf.build_config(
    'demo', __file__,
    project='Demo',
    extra_extensions=[
        'sphinx_click',
        'sphinx.ext.napoleon',
    ],
))
"""


def test_extension_in_build_config_call(tmp_path: Path) -> None:
    # celery docs/conf.py:19 'sphinx_click' inside extra_extensions=[...] of build_config
    files = {**PKG, "docs/conf.py": _BUILD_CONFIG}
    root = _project(tmp_path, files, deps=("requests",), dev=("sphinx-celery", "sphinx-click"))
    assert _gate(root) == []
    assert _used_by(root, "sphinx-click") == (
        "loaded by the docs build: Sphinx extension 'sphinx_click' in docs/conf.py (docs/conf.py:7)"
    )


def test_extensions_keyword_of_a_setup_helper(tmp_path: Path) -> None:
    # another shape: a keyword named `extensions`, a tuple, a helper of the project's own
    conf = (
        "from docs_theme import setup_conf\n\n"
        "config = setup_conf(extensions=('sphinxcontrib.mermaid', 'myst_parser'))\n"
    )
    files = {**PKG, "doc/source/conf.py": conf}
    dev = ("sphinxcontrib-mermaid", "myst-parser", "docs-theme")
    root = _project(tmp_path, files, deps=("requests",), dev=dev)
    assert _gate(root) == []


def test_extension_set_up_by_conf_py_setup_function(tmp_path: Path) -> None:
    # another shape: Sphinx calls conf.py's setup(app), which loads the extension
    conf = "def setup(app):\n    app.setup_extension('sphinxcontrib.programoutput')\n"
    files = {**PKG, "docs/conf.py": conf}
    dev = ("sphinx", "sphinxcontrib-programoutput")
    root = _project(tmp_path, files, deps=("requests",), dev=dev)
    assert _gate(root) == []


def test_extension_keyword_control_other_keyword_is_no_extension(tmp_path: Path) -> None:
    # a string given to another keyword (a mapping name, a title) loads nothing
    conf = _BUILD_CONFIG.replace("extra_extensions", "extra_intersphinx")
    files = {**PKG, "docs/conf.py": conf}
    root = _project(tmp_path, files, deps=("requests",), dev=("sphinx-celery", "sphinx-click"))
    assert _gate(root) == ["sphinx-click"]


def test_extension_keyword_in_a_function_body_control(tmp_path: Path) -> None:
    # conf.py's functions are not run at import: a call inside one loads nothing
    conf = "def later():\n    return build(extra_extensions=['sphinx_click'])\n"
    files = {**PKG, "docs/conf.py": conf}
    root = _project(tmp_path, files, deps=("requests",), dev=("sphinx-click",))
    assert _gate(root) == ["sphinx-click"]


def test_directive_of_an_extension_conf_py_names_unreadably(tmp_path: Path) -> None:
    # celery docs/reference/cli.rst:8 `.. click:: celery.bin.celery:celery`: the page needs
    # sphinx-click loaded, whatever builds conf.py's extension list
    files = {
        **PKG,
        "docs/conf.py": "from theme import extension_list\n\nextensions = extension_list()\n",
        "docs/reference/cli.rst": "CLI\n===\n\n.. click:: demo.cli:main\n   :prog: demo\n",
    }
    root = _project(tmp_path, files, deps=("requests",), dev=("sphinx", "sphinx-click"))
    assert _gate(root) == []
    assert _used_by(root, "sphinx-click") == (
        "loaded by the docs build: Sphinx directive `click` (extension sphinx_click) "
        "(docs/reference/cli.rst:4)"
    )


def test_myst_directive_fence_of_an_extension(tmp_path: Path) -> None:
    files = {
        **PKG,
        "docs/conf.py": "extensions = ['myst_parser'] + THEME_EXTENSIONS\n",
        "docs/flow.md": "# Flow\n\n```{mermaid}\ngraph TD; A-->B\n```\n",
    }
    dev = ("sphinx", "myst-parser", "sphinxcontrib-mermaid")
    root = _project(tmp_path, files, deps=("requests",), dev=dev)
    assert _gate(root) == []


def test_directive_in_a_literal_block_control(tmp_path: Path) -> None:
    # a directive shown as an example in a code block loads nothing
    page = "Usage\n=====\n\n.. code-block:: rst\n\n   .. click:: demo.cli:main\n"
    files = {**PKG, "docs/conf.py": "extensions = []\n", "docs/usage.rst": page}
    root = _project(tmp_path, files, deps=("requests",), dev=("sphinx", "sphinx-click"))
    assert _gate(root) == ["sphinx-click"]


# -- class 9: the project's own wrapper around a requirement check ---------------------------

_MISC = """\
from transformers.utils.versions import require_version


def check_version(requirement: str, mandatory: bool = False) -> None:
    r\"\"\"Optionally check the package version.\"\"\"
    hint = f"To fix: run `pip install {requirement}`."
    require_version(requirement, hint)
"""

_QUANT = """\
from .misc import check_version


def configure(method):
    if method == "aqlm":
        check_version("aqlm>=1.1.0", mandatory=True)
    elif method == "eetq":
        check_version("eetq", mandatory=True)
"""


def test_project_wrapper_of_require_version(tmp_path: Path) -> None:
    # LLaMA-Factory quantization.py:137 check_version("aqlm>=1.1.0", mandatory=True);
    # misc.py:92 check_version hands its parameter to transformers' require_version
    files = {"demo/__init__.py": "import transformers\n", "demo/misc.py": _MISC}
    files["demo/quant.py"] = _QUANT
    root = _project(tmp_path, files, deps=("transformers", "aqlm", "eetq"))
    assert _gate(root) == []
    assert _used_by(root, "aqlm") == (
        'used implicitly: `check_version("aqlm>=1.1.0"` at demo/quant.py:6 (a requirement '
        "the code checks through check_version, demo/misc.py:4)"
    )


def test_wrapper_method_of_importlib_metadata_version(tmp_path: Path) -> None:
    # another shape: a method wrapping importlib.metadata.version, called on self
    helper = (
        "from importlib import metadata\n\n\n"
        "class Env:\n"
        "    def installed_version(self, dist, default=None):\n"
        "        try:\n"
        "            return metadata.version(dist)\n"
        "        except metadata.PackageNotFoundError:\n"
        "            return default\n\n"
        "    def report(self):\n"
        "        return self.installed_version('rich-click')\n"
    )
    files = {"demo/__init__.py": helper}
    root = _project(tmp_path, files, deps=("rich-click",))
    assert _gate(root) == []


def test_wrapper_of_is_package_available(tmp_path: Path) -> None:
    helper = (
        "from transformers.utils import is_package_available\n"
        "import transformers\n\n\n"
        "def has_backend(name):\n"
        "    return is_package_available(name)\n\n\n"
        "USE_FLASH = has_backend('flash-attn')\n"
    )
    files = {"demo/__init__.py": helper}
    root = _project(tmp_path, files, deps=("transformers", "flash-attn"))
    assert _gate(root) == []


def test_check_version_without_a_wrapper_definition_control(tmp_path: Path) -> None:
    # `check_version` is no known check by itself: only a project function that hands its
    # parameter to one is; here it comes from a library the gate cannot read
    code = "from somewhere import check_version\n\ncheck_version('aqlm>=1.1.0')\n"
    files = {"demo/__init__.py": code}
    root = _project(tmp_path, files, deps=("aqlm",))
    assert _gate(root) == ["aqlm"]


def test_function_not_handing_its_parameter_to_a_check_control(tmp_path: Path) -> None:
    code = (
        "from importlib.metadata import version\n\n\n"
        "def describe(requirement):\n"
        "    return requirement + version('demo')\n\n\n"
        "describe('aqlm>=1.1.0')\n"
    )
    files = {"demo/__init__.py": code}
    root = _project(tmp_path, files, deps=("aqlm",))
    assert _gate(root) == ["aqlm"]


def test_check_name_inside_another_identifier_control(tmp_path: Path) -> None:
    # `my_require_version(` and `package_version(` are not the checks they end with
    code = (
        "def my_require_version(x):\n    return x\n\n\n"
        "my_require_version('aqlm>=1.1.0')\npackage_version('aqlm')\n"
    )
    files = {"demo/__init__.py": code}
    root = _project(tmp_path, files, deps=("aqlm",))
    assert _gate(root) == ["aqlm"]


# -- class 10: a Make variable set by $(shell ... && echo A || echo B) as a recipe -----------

_MAKE_BUILD = """\
.PHONY: build

BUILD := $(shell command -v uv >/dev/null 2>&1 && echo "uv build" || echo "python -m build")

build:
\t$(BUILD)
"""


def test_make_variable_of_echoed_commands(tmp_path: Path) -> None:
    # LLaMA-Factory Makefile:7 BUILD := $(shell ...), :13 `$(BUILD)`
    files = {**PKG, "Makefile": _MAKE_BUILD}
    root = _project(tmp_path, files, deps=("requests",), dev=("build",))
    assert _gate(root) == []
    assert _used_by(root, "build") == "run as `python -m build` in Makefile:6"


def test_make_variable_echo_single_quotes_and_arguments(tmp_path: Path) -> None:
    # another shape: '=' assignment, single quotes, the variable followed by arguments
    make = (
        "LINT = $(shell which uvx >/dev/null && echo 'uvx ruff' || echo ruff)\n"
        "lint:\n\t$(LINT) check demo\n"
    )
    files = {**PKG, "Makefile": make}
    root = _project(tmp_path, files, deps=("requests",), dev=("ruff",))
    assert _gate(root) == []


def test_make_variable_with_an_echoed_prefix(tmp_path: Path) -> None:
    # another shape: the $(shell ...) is part of the value, used through `${...}`
    make = (
        'PIP ?= $(shell command -v uv >/dev/null && echo "uv") pip\n'
        "wheel:\n\t${PIP} wheel --no-deps -w dist .\n\t$(PIP) install twine\n"
    )
    files = {**PKG, "Makefile": make}
    root = _project(tmp_path, files, deps=("requests",), dev=("pip", "uv", "twine"))
    assert _gate(root) == ["twine"]
    assert _used_by(root, "pip") == "run as `pip` in Makefile:3"


def test_make_variable_piped_echo_control(tmp_path: Path) -> None:
    # an echo whose output a pipe consumes is not the variable's value
    make = "BUILD := $(shell echo 'python -m build' | cut -c1-6)\nbuild:\n\t$(BUILD)\n"
    files = {**PKG, "Makefile": make}
    root = _project(tmp_path, files, deps=("requests",), dev=("build",))
    assert _gate(root) == ["build"]


# -- class 13: pytest options on an argv list built in a noxfile -----------------------------

_NOX = """\
import os

import nox


@nox.session
def tests(session, coverage=False):
    cmd = ["python", "-m", "pytest"]
    if coverage:
        cmd.extend(
            [
                "--cov=demo",
                "--cov-report",
                "term",
            ],
        )
    cmd.extend(os.environ.get("TOX_WORKERS", "-n4").split())
    cmd.extend(session.posargs)
    try:
        session.run(*cmd)
    finally:
        session.run("python", "reap.py")
"""


def test_nox_argv_list_grown_by_extend(tmp_path: Path) -> None:
    # alembic noxfile.py:120 cmd = [...pytest], :125 --cov=alembic, :134 TOX_WORKERS -n4
    files = {**PKG, "noxfile.py": _NOX}
    root = _project(
        tmp_path, files, deps=("requests",), dev=("pytest", "pytest-cov", "pytest-xdist")
    )
    assert _gate(root) == []
    assert _used_by(root, "pytest-xdist") == (
        "pytest plugin: option -n4 in noxfile.py:20 (its pytest11 entry point)"
    )


def test_nox_argv_list_append_and_plus_equals(tmp_path: Path) -> None:
    # another shape: `+=` of a literal list, `.append` of an f-string, a module-level list
    nox_text = (
        "import nox\n\n"
        'BASE = ["pytest"]\n\n\n'
        "@nox.session\n"
        "def tests(session):\n"
        "    args = list(BASE)\n"
        '    args = ["pytest", "-p", "no:cacheprovider"]\n'
        '    args += ["--timeout", "60"]\n'
        '    args.append(f"--cov={session.name}")\n'
        "    session.run(*args, external=True)\n"
    )
    files = {**PKG, "noxfile.py": nox_text}
    root = _project(
        tmp_path, files, deps=("requests",), dev=("pytest", "pytest-timeout", "pytest-cov")
    )
    assert _gate(root) == []


def test_nox_argv_list_control_unused_plugin(tmp_path: Path) -> None:
    # the list's options name no option of pytest-timeout: it stays unused
    files = {**PKG, "noxfile.py": _NOX}
    dev = ("pytest", "pytest-cov", "pytest-xdist", "pytest-timeout")
    root = _project(tmp_path, files, deps=("requests",), dev=dev)
    assert _gate(root) == ["pytest-timeout"]


# -- the parsers behind the four rules, property-tested ---------------------------------------

_WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-=_.@/", min_size=1, max_size=12)
_PHRASE = st.lists(_WORD, min_size=1, max_size=3).map(" ".join)


@given(first=_PHRASE, second=_PHRASE, quote=st.sampled_from(['"', "'"]))
def test_echoed_values_are_the_branches_texts(first: str, second: str, quote: str) -> None:
    assume(second.split()[0] != "-n")  # `echo -n TEXT` echoes TEXT
    body = f"command -v uv >/dev/null 2>&1 && echo {quote}{first}{quote} || echo {second}"
    expected = [first] if first == second else [first, second]
    assert echoed_values(body) == expected
    assert echoed_values(f"echo {quote}{first}{quote} | tr a-z A-Z") == []


@given(
    chunks=st.lists(st.lists(_WORD, max_size=3), min_size=4, max_size=4),
    default=_PHRASE,
)
def test_nox_argv_follows_literal_growth(chunks: list[list[str]], default: str) -> None:
    base, extended, added, appended = chunks
    lines = [
        "import os",
        "def tests(session):",
        f"    cmd = {['pytest', *base]!r}",
        f"    if session.posargs:\n        cmd.extend({extended!r})",
        f"    cmd += {added!r}",
        *(f"    cmd.append({w!r})" for w in appended),
        f"    cmd.extend(os.environ.get('OPTS', {default!r}).split())",
        "    cmd.extend(session.posargs)",
        "    session.run(*cmd, external=True)",
    ]
    tree = ast.parse("\n".join(lines) + "\n")
    expected = ["pytest", *base, *extended, *added, *appended, *default.split()]
    assert list(run_argvs(tree)) == [(expected, len("\n".join(lines).splitlines()))]


_IDENT = st.from_regex(r"[a-z][a-z_]{2,14}", fullmatch=True).filter(
    lambda n: not keyword.iskeyword(n) and n not in TOO_COMMON and n not in _WRAPPED
)


@given(name=_IDENT, param=_IDENT, check=st.sampled_from(_WRAPPED))
def test_check_helper_found_only_when_its_parameter_reaches_the_check(
    name: str, param: str, check: str
) -> None:
    text = f"def {name}({param}, hint=None):\n    return {check}({param})\n"
    assert check_helpers(text, "m.py") == {name: "m.py:1"}
    other = f"def {name}({param}, hint=None):\n    return {check}(hint)\n"
    assert check_helpers(other, "m.py") == ({} if param != "hint" else {name: "m.py:1"})


# -- the check-helper search without a lookbehind finds what the lookbehind form found ------


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "require_version(",
                "version(",
                "get_version(",
                "my_require_version(",
                "é_require(",
                "require (",
                "req",
                ", hint)",
                ")",
                "x",
                " ",
                "\n",
                "_",
                "name=",
                "(",
            ]
        ),
        max_size=14,
    ).map("".join)
)
def test_handed_names_match_the_word_boundary_regex(text: str) -> None:
    import re

    from pytest_llmcore.deps import check_helpers as ch

    reference = re.compile(r"(?<![\w])" + ch._HANDED.pattern)
    assert ch._handed(text) == set(reference.findall(text))


# -- helper hints read while scanning: the helper search reads only the files they name ------

_FRAGMENTS = [
    b"import_module",
    b"find_spec(",
    b"__import__",
    b"require_version(",
    b"require_version (",
    b"get_distribution(",
    b"version",
    b"is_package_available(",
    b"RequirementCache",
    b"(",
    b" ",
    b"x",
    b"\n",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_FRAGMENTS), max_size=10).map(b"".join))
def test_helper_hints_never_rule_out_a_file_the_search_would_read(data: bytes) -> None:
    from pytest_llmcore.deps import check_helpers as ch
    from pytest_llmcore.deps import loaders
    from pytest_llmcore.deps.helper_markers import (
        HINT_CHECK,
        HINT_IMPORTER,
        calls_a_check,
        helper_hints,
    )

    hints = helper_hints(data)
    assert bool(hints & HINT_IMPORTER) == any(m in data for m in loaders.IMPORTER_MARKERS)
    # the former search's test: a check's whole name followed by "(" or " ("
    markers = [f"{n}{gap}(".encode() for n in ch._WRAPPED for gap in ("", " ")]
    if any(m in data for m in markers):
        assert hints & HINT_CHECK
        assert calls_a_check(data)  # the search's own test lets the file through too


def test_every_check_ends_in_a_hinted_suffix() -> None:
    from pytest_llmcore.deps.helper_markers import _CHECK_SUFFIXES

    assert all(any(w.endswith(s) for s in _CHECK_SUFFIXES) for w in _WRAPPED)


def test_a_warm_run_finds_a_check_helper_through_the_cached_hints(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("transformers\naqlm\nscipy\n", encoding="utf-8")
    pkg = tmp_path / "app"
    pkg.mkdir()
    (pkg / "misc.py").write_text(
        "from transformers.utils.versions import require_version\n\n\n"
        "def check_version(requirement, mandatory=False):\n"
        "    require_version(requirement, 'pip install it')\n",
        encoding="utf-8",
    )
    (pkg / "quant.py").write_text(
        "from app.misc import check_version\n\n\ndef load():\n"
        '    check_version("aqlm>=1.1.0", mandatory=True)\n',
        encoding="utf-8",
    )
    for i in range(5):
        (pkg / f"m{i}.py").write_text(f"x = {i}\n", encoding="utf-8")
    cold = run_gate(tmp_path, cache_dir=tmp_path / "cache")
    warm = run_gate(tmp_path, cache_dir=tmp_path / "cache")
    for result in (cold, warm):
        assert sorted(f.dependency for f in result.failing) == ["scipy"]
        assert "check_version" in result.used_by["aqlm"][0].text


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "require_version(",
                "version(",
                "'Typing_Extensions>=4'",
                '"typing-extensions"',
                "'aqlm'",
                '"AQLM==1"',
                "'aq'",
                ")",
                " ",
                "\n",
                "# ",
                '"""',
            ]
        ),
        max_size=10,
    ).map("".join),
    st.sets(st.sampled_from(["typing-extensions", "aqlm", "torch"]), min_size=1),
)
def test_the_cheap_name_test_never_skips_a_requirement_check(text: str, pending: set[str]) -> None:
    from pytest_llmcore.deps.implicit_rules import _checks_naming, may_name

    if list(_checks_naming(text, pending)):  # the search without the cheap test
        assert may_name(text, pending)


_CHECK_CALLS = st.tuples(
    st.sampled_from(["x = ", "if ", "    ", ""]),
    st.sampled_from(
        [
            "require_version",
            "Requirement",
            "RequirementCache",
            "get_distribution",
            "metadata.version",
            "is_package_available",
            "lazy_load_kernel",
            "version",
            "check",
        ]
    ),
    st.sampled_from(["", " ", "\t", "\n", "  \n  "]),
    st.sampled_from(['"alabaster>=1"', "'alabaster'", "name"]),
).map(lambda t: f"{t[0]}{t[1]}{t[2]}({t[3]})\n")


@settings(max_examples=400, deadline=None)
@given(_CHECK_CALLS)
def test_the_check_hint_covers_every_requirement_check_found(text: str) -> None:
    """The implicit scan skips the builtin requirement checks of a file whose scan hint says
    no check is called: whatever they would find, the hint must have seen."""
    from pytest_llmcore.deps.helper_markers import calls_a_check
    from pytest_llmcore.deps.implicit_rules import requirement_checks

    if list(requirement_checks(text, {"alabaster"})):
        assert calls_a_check(text.encode())


def test_a_check_laid_out_over_lines_still_counts(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "p"\nversion = "0"\ndependencies = ["alabaster", "pyyaml"]\n'
    )
    (tmp_path / "p.py").write_text(
        "import yaml\nfrom packaging.requirements import Requirement\n"
        'NEED = Requirement\t(\n    "alabaster>=0.7"\n)\nyaml.safe_load("")\n'
    )
    for _ in range(2):  # cold, then warm from the cached hints
        r = run_gate(tmp_path)
        assert [f.dependency for f in r.findings if f.kind.value == "unused"] == []
        assert "a requirement the code checks" in r.used_by["alabaster"][0].text
