"""corpus10 defects in what the gate reads as declared and as runtime code
(/work/corpus10/REPORT.md, "Non-failing findings that look wrong"): setup.py requirements
written as conditional expressions, and misplaced-dev findings on files that are not
packaged or on imports that only run when an optional import succeeded.

Each class has a reproduction of the judged example, other shapes of the same class, and a
negative control that must still fail.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from pytest_llmcore.deps.declarations_req import DeclaredSink
from pytest_llmcore.deps.declarations_setup import read_setup_py
from pytest_llmcore.deps.gate import run_gate
from pytest_llmcore.deps.records import GateResult, Kind
from tests.helpers.gate_projects import write_files


def _setup_project(root: Path, setup_py: str, files: dict[str, str]) -> Path:
    write_files(root, {"setup.py": setup_py, **files})
    return root


def _kinds(result: GateResult) -> list[tuple[str, str]]:
    # setup.py's own ``import setuptools`` is the build's, not a finding of these classes
    return sorted(
        (f.kind.value, f.dependency) for f in result.findings if f.dependency != "setuptools"
    )


def _failing(result: GateResult) -> list[str]:
    return sorted(f.dependency for f in result.failing)


# -- class 1: setup.py requirements written as conditional expressions --------------------------

_LLMC_SETUP = """\
import os
from setuptools import setup
BUILD_TYPE = os.environ.get("BUILD_TYPE", "dev")
setup(
    name="demo",
    packages=["demo"],
    install_requires=[
        ("loguru>=0.7.2,<=0.7.3" if BUILD_TYPE == "release" else "loguru>=0.7.2"),
        (
            "requests>=2.32.2,<2.35.0"
            if BUILD_TYPE == "release"
            else "requests>=2.32.2"
        ),
    ],
)
"""


def test_llm_compressor_conditional_pins_are_declared(tmp_path: Path) -> None:
    """llm-compressor setup.py:113-140: each runtime requirement is a release/nightly
    IfExp naming one distribution; it was not read (13 notes, 17 `missing` findings)."""
    files = {"demo/__init__.py": "import loguru\nimport requests\nloguru.logger\nrequests.get\n"}
    root = _setup_project(tmp_path, _LLMC_SETUP, files)
    result = run_gate(root, use_cache=False)
    assert [(d.name, d.line, d.requirement) for d in result.declared] == [
        ("loguru", 8, "loguru>=0.7.2,<=0.7.3"),
        ("requests", 10, "requests>=2.32.2,<2.35.0"),
    ]
    assert _kinds(result) == []
    assert not [n for n in result.notes if "computed" in n]


def test_conditional_pin_shapes_read_statically(tmp_path: Path) -> None:
    """Other shapes: a conditional suffix concatenated or formatted into the name, a
    conditional whole list of the same distributions, a conditional extra."""
    setup_py = """\
    import sys
    from setuptools import setup
    REL = sys.argv[-1] == "release"
    PIN = "==2.1" if REL else ">=2"
    BASE = ["numpy>=1", "tqdm"] if REL else ["numpy", "tqdm>=4"]
    setup(
        name="demo",
        install_requires=BASE + [
            "torch" + ("==2.1.0" if REL else ""),
            f"loguru{PIN}",
            f"rich{'<14' if REL else ''}",
        ],
        extras_require={"http": ["httpx==0.27" if REL else "httpx"]},
    )
    """
    (tmp_path / "setup.py").write_text(textwrap.dedent(setup_py))
    sink = DeclaredSink(tmp_path)
    read_setup_py(tmp_path / "setup.py", sink)
    assert [(d.name, d.requirement, d.section, d.alternatives) for d in sink.declared] == [
        ("numpy", "numpy>=1", "setup.install_requires", ()),
        ("tqdm", "tqdm", "setup.install_requires", ()),
        ("torch", "torch==2.1.0", "setup.install_requires", ()),
        ("loguru", "loguru==2.1", "setup.install_requires", ()),
        ("rich", "rich<14", "setup.install_requires", ()),
        ("httpx", "httpx==0.27", "setup.extras_require.http", ()),
    ]
    assert sink.notes == []


_ALT_SETUP = """\
import os
from setuptools import setup
RELEASE = os.environ.get("BUILD_TYPE") == "release"
setup(
    name="demo",
    packages=["demo"],
    install_requires=[
        "requests",
        "compressed-tensors==0.9" if RELEASE else "compressed-tensors-nightly",
        "uvloop" if os.name != "nt" else "winloop",
    ],
)
"""


def test_alternative_distributions_count_as_one_requirement(tmp_path: Path) -> None:
    """Branches naming different distributions are alternatives of one requirement: the
    one whose module is imported makes the other used too, with that evidence."""
    files = {
        "demo/__init__.py": "import requests, compressed_tensors, uvloop\n"
        "requests.get, compressed_tensors.x, uvloop.run\n"
    }
    root = _setup_project(tmp_path, _ALT_SETUP, files)
    result = run_gate(root, use_cache=False)
    assert [(d.name, d.line, d.alternatives) for d in result.declared] == [
        ("requests", 8, ()),
        ("compressed-tensors", 9, ("compressed-tensors-nightly",)),
        ("compressed-tensors-nightly", 9, ("compressed-tensors",)),
        ("uvloop", 10, ("winloop",)),
        ("winloop", 10, ("uvloop",)),
    ]
    assert _kinds(result) == []
    assert [e.text for e in result.used_by["winloop"]] == [
        "the other branch of its conditional requirement at setup.py:10 names uvloop, "
        "which is used (imported at demo/__init__.py:1)"
    ]


def test_alternatives_neither_imported_both_fail(tmp_path: Path) -> None:
    """Negative control: no branch's module is imported, so each branch fails as unused;
    a conditional pin of one unused distribution fails once."""
    setup_py = _ALT_SETUP.replace(
        '"requests",', '"requests",\n        "six" if RELEASE else "six>=1",'
    )
    files = {"demo/__init__.py": "import requests\nrequests.get\n"}
    root = _setup_project(tmp_path, setup_py, files)
    result = run_gate(root, use_cache=False)
    assert _failing(result) == [
        "compressed-tensors",
        "compressed-tensors-nightly",
        "six",
        "uvloop",
        "winloop",
    ]
    assert [d.requirement for d in result.declared if d.name == "six"] == ["six"]


def test_alternative_declared_plainly_elsewhere_is_judged_alone() -> None:
    """Negative control: a distribution that is also a plain requirement is not a mere
    branch, so its alternative's use does not hide it; a used branch credits nothing."""
    from pytest_llmcore.deps.alternatives import credit_alternatives
    from pytest_llmcore.deps.records import Declared, Evidence, Finding

    branch = Declared("winloop", "winloop", "setup.py", 10, "setup.install_requires", False)
    plain = Declared("winloop", "winloop", "requirements.txt", 1, "requirements.txt", False)
    alt = Declared("winloop", "winloop", "setup.py", 10, "s", False, alternatives=("uvloop",))
    never = Evidence("never imported")
    result = GateResult(root=".", used_by={"uvloop": [Evidence("imported at a.py:1")]})
    result.findings = [
        Finding(Kind.UNUSED, "winloop", (alt, plain), (never,)),
        Finding(Kind.UNUSED, "winloop", (branch,), (never,)),
        Finding(Kind.MISSING, "winloop", (alt,), (never,)),
    ]
    before = list(result.findings)
    credit_alternatives(result)
    assert result.findings == before
    assert sorted(result.used_by) == ["uvloop"]


# -- class 2b: an import that only runs when a guarded optional import succeeded ----------------


def _dev_project(root: Path, files: dict[str, str], dev: tuple[str, ...]) -> Path:
    dev_lines = ", ".join(f'"{d}"' for d in dev)
    write_files(
        root,
        {
            "pyproject.toml": '[project]\nname = "demo"\nversion = "0.1"\n'
            f'dependencies = ["requests"]\n[dependency-groups]\ndev = [{dev_lines}]\n',
            "demo/__init__.py": "import requests\nrequests.get\n",
            "tests/test_it.py": "".join(f"import {d}\n" for d in dev),
            **files,
        },
    )
    return root


def _misplaced(result: GateResult) -> list[tuple[str, str]]:
    return sorted(
        (f.dependency, e.text.rsplit(" at ", 1)[-1])
        for f in result.findings
        if f.kind is Kind.MISPLACED_DEV
        for e in f.evidence
    )


_DRF_COMPAT = """\
try:
    import markdown

    def apply_markdown(text):
        return markdown.Markdown().convert(text)
except ImportError:
    apply_markdown = None
    markdown = None

try:
    import pygments
except ImportError:
    pygments = None

if markdown is not None and pygments is not None:
    import re

    from markdown.preprocessors import Preprocessor

    class CodeBlockPreprocessor(Preprocessor):
        pattern = re.compile("x")
"""


def test_drf_import_under_if_optional_is_not_none_is_guarded(tmp_path: Path) -> None:
    """django-rest-framework rest_framework/compat.py:112: the import sits under
    ``if markdown is not None and pygments is not None:`` after the guarded ``import
    markdown`` (:57, ``except ImportError: markdown = None``): an optional feature."""
    root = _dev_project(tmp_path, {"demo/compat.py": _DRF_COMPAT}, ("markdown", "pygments"))
    assert _misplaced(run_gate(root, use_cache=False)) == []


_WERKZEUG_SERVING = """\
def generate_adhoc_ssl_pair(cn=None):
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes
    except ImportError:
        raise TypeError("Using ad-hoc certificates requires the cryptography library.") from None
    return x509.Name(cn), hashes.SHA256()


def make_ssl_devcert(base_path, host=None, cn=None):
    cert, pkey = generate_adhoc_ssl_pair(cn=cn)

    from cryptography.hazmat.primitives import serialization

    return cert.public_bytes(serialization.Encoding.PEM)
"""


def test_werkzeug_import_after_calling_a_guarded_importer_is_guarded(tmp_path: Path) -> None:
    """werkzeug src/werkzeug/serving.py:577/603: the import is reached only after
    generate_adhoc_ssl_pair's guarded import of cryptography (:506-514)."""
    files = {"demo/serving.py": _WERKZEUG_SERVING}
    root = _dev_project(tmp_path, files, ("cryptography",))
    assert _misplaced(run_gate(root, use_cache=False)) == []


_OTHER_OPTIONAL_SHAPES = """\
import os

try:
    import yaml
    HAS_YAML = True
except ImportError:
    HAS_YAML = False

try:
    import toml
except ModuleNotFoundError:
    toml = None


def load(path):
    if HAS_YAML:
        from yaml import CSafeLoader
        return CSafeLoader
    if toml is None:
        return None
    else:
        import toml.decoder
        return toml.decoder


def dump(data):
    import yaml.representer  # the module already treats yaml as optional
    return yaml.representer, os.sep


def render(text):
    try:
        import jinja2
    except ImportError:
        return text
    from jinja2.sandbox import SandboxedEnvironment
    return SandboxedEnvironment, jinja2
"""


def test_other_optional_import_shapes_are_guarded(tmp_path: Path) -> None:
    """A flag set in the guarded try (``if HAS_YAML:``), the ``else`` of ``if toml is
    None``, a function's import of a package the module imports optionally, and an import
    after the function's own guarded import."""
    files = {"demo/loaders.py": _OTHER_OPTIONAL_SHAPES}
    root = _dev_project(tmp_path, files, ("pyyaml", "toml", "jinja2"))
    assert _misplaced(run_gate(root, use_cache=False)) == []


_REQUIRED_SHAPES = """\
try:
    import markdown
except ImportError:
    markdown = None

import pygments

if markdown is not None:
    import yaml
    from markdown.extensions import toc
else:
    from markdown import core


def highlight(text, debug):
    if debug:
        from rich import pretty
        return pretty
    import attr
    return text, toc, core, yaml, pygments, attr


def helper():
    from rich.console import Console
    return Console
"""


def test_required_imports_beside_optional_ones_stay_misplaced(tmp_path: Path) -> None:
    """Negative control: a plain import, another package under the optional block, the
    ``else`` of ``is not None``, an ``if`` on an unrelated name, and packages nothing
    imports optionally stay runtime imports of development-only dependencies."""
    files = {"demo/compat.py": _REQUIRED_SHAPES}
    dev = ("markdown", "pygments", "pyyaml", "rich", "attrs")
    root = _dev_project(tmp_path, files, dev)
    assert _misplaced(run_gate(root, use_cache=False)) == [
        ("attrs", "demo/compat.py:19"),
        ("markdown", "demo/compat.py:12"),
        ("pygments", "demo/compat.py:6"),
        ("pyyaml", "demo/compat.py:9"),
        ("rich", "demo/compat.py:17"),
        ("rich", "demo/compat.py:24"),
    ]


def test_optional_imports_lexical_and_ast_stages_agree() -> None:
    """The scanner's stages reach the same records: a file importing a package both
    guarded and not goes to the tree, whichever way the guard is written."""
    from pytest_llmcore.deps.scanner import ast_imports, scan_source

    for text in (_DRF_COMPAT, _WERKZEUG_SERVING, _OTHER_OPTIONAL_SHAPES, _REQUIRED_SHAPES):
        assert scan_source(text).imports == tuple(ast_imports(text))
    guarded = {(r.module, r.line) for r in ast_imports(_DRF_COMPAT) if r.guarded}
    assert guarded == {
        ("markdown", 2),
        ("pygments", 11),
        ("markdown.preprocessors.Preprocessor", 18),
    }
    plain = [(r.module, r.guarded) for r in ast_imports(_REQUIRED_SHAPES)]
    assert plain == [
        ("markdown", True),
        ("pygments", False),
        ("yaml", False),
        ("markdown.extensions.toc", True),
        ("markdown.core", False),
        ("rich.pretty", False),
        ("attr", False),
        ("rich.console.Console", False),
    ]


# -- class 2a: a file the configured packages do not ship is not runtime code -------------------

_DRF_PYPROJECT = """\
[project]
name = "djangorestframework"
version = "0.1"
dependencies = ["django"]
[dependency-groups]
test = ["pytest"]
[tool.setuptools.packages.find]
include = [ "rest_framework*" ]
"""
_RUNTESTS = "import sys\n\nimport pytest\n\nsys.exit(pytest.main())\n"


def test_drf_root_dev_script_outside_packages_find_is_not_runtime(tmp_path: Path) -> None:
    """django-rest-framework runtests.py:5: a root dev script, not in the packaged set
    (pyproject.toml:83-84 ``[tool.setuptools.packages.find] include = ["rest_framework*"]``)."""
    files = {
        "pyproject.toml": _DRF_PYPROJECT,
        "rest_framework/__init__.py": "import django\ndjango.VERSION\n",
        "runtests.py": _RUNTESTS,
    }
    write_files(tmp_path, files)
    assert _misplaced(run_gate(tmp_path, use_cache=False)) == []


_RELEASE = "import build\n\nbuild.ProjectBuilder\n"


def test_files_other_configurations_do_not_ship_are_not_runtime(tmp_path: Path) -> None:
    """Other shapes: Hatch wheel ``packages`` under src/, Poetry ``packages`` with
    ``from``, a setuptools ``packages`` list with ``package-dir``; each has a root script and
    a stray folder of scripts that no wheel ships."""
    tables = {
        "hatch": '[tool.hatch.build.targets.wheel]\npackages = ["src/demo"]\n',
        "poetry": '[tool.poetry]\npackages = [{ include = "demo", from = "src" }]\n',
        "setuptools": '[tool.setuptools]\npackages = ["demo", "demo.sub"]\n'
        'package-dir = {"" = "src"}\n',
    }
    for name, table in tables.items():
        root = tmp_path / name
        write_files(
            root,
            {
                "pyproject.toml": '[project]\nname = "demo"\nversion = "0.1"\n'
                'dependencies = ["requests"]\n[dependency-groups]\ndev = ["build"]\n' + table,
                "src/demo/__init__.py": "import requests\nrequests.get\n",
                "release.py": _RELEASE,
                "maintainer/bump_version.py": _RELEASE,
            },
        )
        assert (name, _misplaced(run_gate(root, use_cache=False))) == (name, [])


def test_shipped_or_unconfigured_files_stay_runtime(tmp_path: Path) -> None:
    """Negative control: an import in a configured package, in a configured py-module, and
    in a root script of a project whose configuration does not say what it ships (no
    packages table) stays a misplaced development dependency."""
    shipped = tmp_path / "shipped"
    write_files(
        shipped,
        {
            "pyproject.toml": _DRF_PYPROJECT,
            "rest_framework/__init__.py": "import django\ndjango.VERSION\n",
            "rest_framework/testing.py": "import pytest\npytest.fixture\n",
        },
    )
    assert _misplaced(run_gate(shipped, use_cache=False)) == [
        ("pytest", "rest_framework/testing.py:1")
    ]
    module = tmp_path / "module"
    write_files(
        module,
        {
            "pyproject.toml": _DRF_PYPROJECT.replace(
                "[tool.setuptools.packages.find]",
                '[tool.setuptools]\npy-modules = ["runtests"]\n[tool.setuptools.packages.find]',
            ),
            "rest_framework/__init__.py": "import django\ndjango.VERSION\n",
            "runtests.py": _RUNTESTS,
        },
    )
    assert _misplaced(run_gate(module, use_cache=False)) == [("pytest", "runtests.py:3")]
    bare = tmp_path / "bare"
    write_files(
        bare,
        {
            "pyproject.toml": _DRF_PYPROJECT.replace(
                '[tool.setuptools.packages.find]\ninclude = [ "rest_framework*" ]\n', ""
            ),
            "rest_framework/__init__.py": "import django\ndjango.VERSION\n",
            "runtests.py": _RUNTESTS,
        },
    )
    assert _misplaced(run_gate(bare, use_cache=False)) == [("pytest", "runtests.py:3")]


def test_packaged_matcher_reads_each_configuration() -> None:
    from pytest_llmcore.deps.packaged import packaged_matcher

    assert packaged_matcher({"tool": {"setuptools": {"package-data": {}}}}) is None
    assert packaged_matcher({}) is None
    drf = packaged_matcher(
        {"tool": {"setuptools": {"packages": {"find": {"include": ["rest_framework*"]}}}}}
    )
    assert drf is not None
    assert [drf(p) for p in ("rest_framework/a.py", "rest_framework_x/b.py", "runtests.py")] == [
        True,
        True,
        False,
    ]
    src = packaged_matcher(
        {
            "tool": {
                "setuptools": {
                    "packages": {"find": {"where": ["src"]}},
                    "script-files": ["bin/x.py"],
                }
            }
        }
    )
    assert src is not None
    assert [src(p) for p in ("src/demo/a.py", "src/tool.py", "demo/a.py", "bin/x.py")] == [
        True,
        False,
        False,
        True,
    ]
    flit = packaged_matcher({"tool": {"flit": {"module": {"name": "demo"}}}})
    assert flit is not None
    assert [flit(p) for p in ("demo.py", "src/demo/a.py", "other/a.py")] == [True, True, False]


def _setup_layout_project(root: Path, setup: dict[str, str]) -> Path:
    write_files(
        root,
        {
            **setup,
            "src/demo/__init__.py": "import requests\nrequests.get\n",
            "release.py": _RELEASE,
            "tests/test_it.py": "import build\n",
        },
    )
    return root


_SETUP_PY_LAYOUT = """\
from setuptools import find_packages, setup
setup(
    name="demo",
    install_requires=["requests"],
    tests_require=["build"],
    package_dir={"": "src"},
    packages=PACKAGES,
)
"""


def test_setup_py_and_cfg_layouts_say_what_is_shipped(tmp_path: Path) -> None:
    """setup.py ``find_packages("src", include=[...])`` (llm-compressor's shape) or a
    literal list with ``package_dir``, and setup.cfg ``packages = find:`` with
    ``[options.packages.find] where = src``: a root script ships in none of them."""
    for name, packages in (
        ("find", 'find_packages("src", include=["demo", "demo.*"], exclude=["*.x"])'),
        ("list", '["demo", "demo.sub"]'),
    ):
        setup_py = _SETUP_PY_LAYOUT.replace("PACKAGES", packages)
        root = _setup_layout_project(tmp_path / name, {"setup.py": setup_py})
        assert (name, _misplaced(run_gate(root, use_cache=False))) == (name, [])
    cfg = """\
    [metadata]
    name = demo
    [options]
    install_requires = requests
    tests_require = build
    package_dir =
        =src
    packages = find:
    [options.packages.find]
    where = src
    """
    root = _setup_layout_project(tmp_path / "cfg", {"setup.cfg": cfg})
    assert _misplaced(run_gate(root, use_cache=False)) == []


def test_setup_py_computed_layout_leaves_root_script_runtime(tmp_path: Path) -> None:
    """Negative control: packages computed by a function, or a computed package_dir, say
    nothing about what ships, so the root script stays runtime code."""
    for name, packages in (
        ("computed", "discover()"),
        ("dir", '["demo"], package_dir=DIRS'),
    ):
        setup_py = _SETUP_PY_LAYOUT.replace("PACKAGES", packages)
        if name == "dir":
            setup_py = setup_py.replace('    package_dir={"": "src"},\n', "")
        root = _setup_layout_project(tmp_path / name, {"setup.py": setup_py})
        assert (name, _misplaced(run_gate(root, use_cache=False))) == (
            name,
            [("build", "release.py:1")],
        )


def test_configuration_shipping_none_of_the_code_says_nothing(tmp_path: Path) -> None:
    """Negative control: ``packages = []`` (an application installed for its dependencies
    only) and a packages table naming no folder of the project leave its code runtime."""
    for name, table in (
        ("empty", "[tool.setuptools]\npackages = []\n"),
        ("elsewhere", '[tool.setuptools]\npackages = ["gone"]\n'),
    ):
        root = tmp_path / name
        write_files(
            root,
            {
                "pyproject.toml": '[project]\nname = "app"\nversion = "0.1"\n'
                'dependencies = ["requests"]\n[dependency-groups]\ndev = ["build"]\n' + table,
                "app.py": "import requests\nrequests.get\n" + _RELEASE,
            },
        )
        assert (name, _misplaced(run_gate(root, use_cache=False))) == (
            name,
            [("build", "app.py:3")],
        )
    from pytest_llmcore.deps.packaged import packaged_matcher

    whole = packaged_matcher(
        {"tool": {"hatch": {"build": {"targets": {"wheel": {"packages": ["."]}}}}}}
    )
    assert whole is not None
    assert whole("anything/at/all.py") is True
