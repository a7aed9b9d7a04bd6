"""Second shapes of the corpus2 implicit-use and docs-toolchain classes (issue 10, item 2/4).

tests/test_deps_corpus2.py holds the reproductions from real projects; these pin that each
fix is a rule and not the example, and that the rule stays precise.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from pytest_llmcore.deps import lexical
from pytest_llmcore.deps.astscan import ast_imports
from pytest_llmcore.deps.gate import run_gate
from pytest_llmcore.deps.records import GateResult, ImportRecord
from pytest_llmcore.deps.scanner import scan_source


def _project(root: Path, files: dict[str, str], pyproject: str) -> Path:
    (root / "pyproject.toml").write_text(textwrap.dedent(pyproject))
    for rel, body in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(body))
    return root


def _deps(deps: tuple[str, ...], dev: tuple[str, ...] = ()) -> str:
    return (
        '[project]\nname = "demo"\nversion = "0.1"\n'
        f"dependencies = [{', '.join(repr(d).replace(chr(39), chr(34)) for d in deps)}]\n"
        f"[dependency-groups]\ndev = [{', '.join(f'{chr(34)}{d}{chr(34)}' for d in dev)}]\n"
    )


def _result(root: Path) -> GateResult:
    return run_gate(root, use_cache=False)


def _failing(root: Path) -> list[str]:
    return sorted(f.dependency for f in _result(root).failing)


# -- dynamic imports on a literal prefix ----------------------------------------------------


def test_prefix_by_concatenation_and_format_loads_the_family(tmp_path: Path) -> None:
    files = {
        "demo/__init__.py": """\
            import importlib

            def backend(name):
                return importlib.import_module("acme_backend_" + name)

            def codec(name):
                return __import__("acme_codec_%s" % name)
            """,
    }
    deps = ("acme-backend-fast", "acme-backend-slow", "acme-codec-zip", "acme-other")
    root = _project(tmp_path, files, _deps(deps))
    assert _failing(root) == ["acme-other"]
    ev = _result(root).used_by["acme-backend-fast"][0].text
    assert ev == (
        'used implicitly: `import_module("acme_backend_" +` at demo/__init__.py:4 '
        "(a module named by its prefix acme_backend_*)"
    )


def test_prefix_inside_a_package_uses_that_package(tmp_path: Path) -> None:
    files = {
        "demo/__init__.py": """\
            from importlib import import_module

            def model(name):
                return import_module(f"acmelib.models.{name}")
            """,
    }
    root = _project(tmp_path, files, _deps(("acmelib", "requests")))
    assert _failing(root) == ["requests"]


def test_an_empty_or_short_prefix_is_no_use(tmp_path: Path) -> None:
    files = {
        "demo/__init__.py": """\
            from importlib import import_module

            def load(pkg, name):
                import_module(f"{pkg}_x")
                import_module(f"a_{name}")
                return import_module("ac" + name)
            """,
    }
    root = _project(tmp_path, files, _deps(("a-thing", "acme")))
    assert _failing(root) == ["a-thing", "acme"]


# -- companions: the comment line above the entry -------------------------------------------


def test_comment_line_above_the_entry_names_its_parent(tmp_path: Path) -> None:
    pyproject = """\
        [project]
        name = "demo"
        version = "0.1"
        dependencies = [
          "acmelib",
          # needed by acmelib's fast path
          "acme-speedups",
          # plain header
          "unrelated-thing",
        ]
        """
    files = {"demo/__init__.py": "import acmelib\n\nacmelib.run()\n"}
    root = _project(tmp_path, files, pyproject)
    res = _result(root)
    assert sorted(f.dependency for f in res.failing) == ["unrelated-thing"]
    kinds = sorted((f.dependency, f.kind.value) for f in res.findings)
    assert kinds == [("acme-speedups", "unused-companion"), ("unrelated-thing", "unused")]


# -- docs toolchains: the configs a build reads ------------------------------------------------


def test_mkdocs_config_named_on_the_command_line_and_its_base(tmp_path: Path) -> None:
    files = {
        "demo/__init__.py": "import requests\n",
        "docs/site.yml": "INHERIT: ../config/base.yaml\nsite_name: Demo\n",
        "config/base.yaml": "theme:\n  name: material\nplugins:\n  - search\n  - awesome-pages\n",
        "docs/other.yml": "plugins:\n  - rss\n",  # read by nothing: not a use
        "justfile": "docs:\n    mkdocs serve -f docs/site.yml\n",
    }
    dev = ("mkdocs", "mkdocs-material", "mkdocs-awesome-pages-plugin", "mkdocs-rss-plugin")
    root = _project(tmp_path, files, _deps(("requests",), dev))
    res = _result(root)
    assert sorted(f.dependency for f in res.failing) == ["mkdocs-rss-plugin"]
    assert res.used_by["mkdocs-awesome-pages-plugin"][0].text == (
        "loaded by the docs build: config/base.yaml plugin 'awesome-pages' (config/base.yaml:5)"
    )


def test_mkdocstrings_without_separate_signature_uses_no_formatter(tmp_path: Path) -> None:
    files = {
        "demo/__init__.py": "import requests\n",
        "mkdocs.yml": """\
            site_name: Demo
            plugins:
              - mkdocstrings:
                  handlers:
                    python:
                      options:
                        separate_signature: false
                        show_source: true
            """,
    }
    dev = ("mkdocs", "mkdocstrings-python", "black")
    root = _project(tmp_path, files, _deps(("requests",), dev))
    assert _failing(root) == ["black"]


# -- requirement strings, availability checks, TestClient ------------------------------------


def test_version_check_names_the_distribution(tmp_path: Path) -> None:
    files = {
        "demo/__init__.py": """\
            from importlib.metadata import version
            from packaging.requirements import Requirement

            OK = version("acme-runtime-py3")
            REQ = Requirement("acme-extra[fast] >= 2; python_version >= '3.10'")
            # not checks: a log line, a comment, a docstring
            print("acme-unused>=1")
            # version("acme-unused")
            """,
        "demo/doc.py": (
            'def f():\n    """Call ``version("acme-unused")`` or '
            'import_module(f"acme_unused_{x}")."""\n'
        ),
    }
    deps = ("packaging", "acme-runtime-py3", "acme-extra", "acme-unused")
    root = _project(tmp_path, files, _deps(deps))
    res = _result(root)
    assert sorted(f.dependency for f in res.failing) == ["acme-unused"]
    assert res.used_by["acme-runtime-py3"][0].text == (
        'used implicitly: `version("acme-runtime-py3")` at demo/__init__.py:4 '
        "(a requirement the code checks)"
    )


def test_import_whose_failure_raises_is_a_requirement_check(tmp_path: Path) -> None:
    files = {
        "demo/__init__.py": "",
        "demo/core.py": """\
            try:
                import acme_fast
            except ImportError as exc:
                raise RuntimeError("pip install acme-fast") from exc

            try:
                import acme_slow
            except ImportError:
                acme_slow = None
            """,
    }
    root = _project(tmp_path, files, _deps(("acme-fast", "acme-slow")))
    res = _result(root)
    # acme_slow's name is bound again in the handler, never read: an optional import, dead
    assert sorted(f.dependency for f in res.failing) == ["acme-slow"]


def test_fastapi_testclient_import_uses_httpx2(tmp_path: Path) -> None:
    files = {
        "demo/__init__.py": "import fastapi\n",
        "tests/test_app.py": """\
            from fastapi.testclient import TestClient

            from demo import fastapi

            def test_app() -> None:
                assert TestClient
            """,
    }
    root = _project(tmp_path, files, _deps(("fastapi",), ("pytest", "httpx2", "httpx")))
    assert _failing(root) == []


# -- build requirements a CMake build finds ---------------------------------------------------


def test_cmake_module_file_finds_nanobind_and_torch(tmp_path: Path) -> None:
    files = {
        "demo/__init__.py": "import requests\n",
        "cmake/deps.cmake": (
            "# find_package(acme-unused) in a comment is no use\n"
            "FIND_PACKAGE(nanobind CONFIG REQUIRED)\n"
            "  find_package (Torch REQUIRED)\n"
        ),
    }
    deps = ("requests", "nanobind", "torch", "acme-unused")
    root = _project(tmp_path, files, _deps(deps))
    res = _result(root)
    assert sorted(f.dependency for f in res.failing) == ["acme-unused"]
    assert res.used_by["torch"][0].text == (
        "used implicitly: `find_package (Torch` at cmake/deps.cmake:3 (found by the CMake build)"
    )


# -- a stripped-affix guess gives way to the distribution named like the module ----------------


def test_py_prefixed_guess_does_not_take_the_module_of_another(tmp_path: Path) -> None:
    files = {"demo/__init__.py": "import acmeclient\nimport widgetlib\n\nacmeclient, widgetlib\n"}
    # acmeclient is declared under its own name; python-widgetlib is the only widgetlib
    deps = ("acmeclient", "py-acmeclient", "python-widgetlib")
    root = _project(tmp_path, files, _deps(deps))
    res = _result(root)
    assert sorted(f.dependency for f in res.failing) == ["py-acmeclient"]
    assert res.used_by["python-widgetlib"][0].text == "imported at demo/__init__.py:2"


def test_prefix_load_credits_a_distribution_whose_guess_was_shadowed(tmp_path: Path) -> None:
    """textual: tree-sitter-python's stripped guess ``tree_sitter`` is tree-sitter's, and
    ``import_module(f"tree_sitter_{name}")`` still loads its ``tree_sitter_python``."""
    files = {
        "demo/__init__.py": """\
            from importlib import import_module

            from tree_sitter import Language

            def get_language(name):
                return Language(import_module(f"tree_sitter_{name}").language())
            """,
    }
    root = _project(tmp_path, files, _deps(("tree-sitter", "tree-sitter-python")))
    res = _result(root)
    assert _failing(root) == []
    assert res.used_by["tree-sitter-python"][0].text == (
        'used implicitly: `import_module(f"tree_sitter_{` at demo/__init__.py:6 '
        "(a module named by its prefix tree_sitter_*)"
    )


# -- both scanner stages give a requirement check the same answer ----------------------------

_REQUIRED = (
    "try:\n    import acme\nexcept ImportError as e:\n    raise SystemExit('need acme') from e\n"
)
_OPTIONAL = "try:\n    import acme\nexcept ImportError:\n    acme = None\n"


@pytest.mark.parametrize(("src", "used"), [(_REQUIRED, True), (_OPTIONAL, False)])
def test_requirement_check_is_used_in_both_stages(src: str, used: bool) -> None:
    try:
        lex: list[ImportRecord] | None = lexical.lexical_imports(src, False, lambda _t: True)
    except lexical.NeedAst:
        lex = None
    tree = ast_imports(src)
    assert [(r.module, r.used, r.guarded) for r in tree] == [("acme", used, True)]
    if lex is not None:
        assert lex == tree
    assert list(scan_source(src).imports) == tree


def test_remote_model_code_requirements_are_companions_of_transformers(tmp_path: Path) -> None:
    """lmdeploy declares what Hub models' own code imports (Qwen-1's
    transformers_stream_generator): not failing beside a used transformers, failing alone."""
    deps = ("transformers", "transformers-stream-generator", "rdkit", "einops")
    code = (
        "import transformers\n\n"
        'transformers.AutoModel.from_pretrained("x", trust_remote_code=True)\n'
    )
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    root = _project(tmp_path / "a", {"demo/__init__.py": code}, _deps(deps))
    res = _result(root)
    assert sorted(f.dependency for f in res.failing) == ["einops"]
    kinds = sorted((f.dependency, f.kind.value) for f in res.findings)
    assert kinds == [
        ("einops", "unused"),
        ("rdkit", "unused-companion"),
        ("transformers-stream-generator", "unused-companion"),
    ]
    alone = _project(tmp_path / "b", {"demo/__init__.py": "print(1)\n"}, _deps(deps[1:]))
    assert _failing(alone) == ["einops", "rdkit", "transformers-stream-generator"]


def test_requirement_checks_find_what_the_full_pattern_finds() -> None:
    """The search starts at each call on a string; it must find exactly what scanning
    every position with the full pattern finds."""
    from pytest_llmcore.deps import implicit_rules as ir

    text = (
        'RequirementCache("litlogger>=0.1.7")\nx = version( "acme-rt" )\n'
        "require_version('tokenizers>=0.13,<0.20')\nmy_version('nope')\n"
        "md.distribution('acme-two') ; metadata(\"acme-three\")\n"
        'Requirement("acme-four[fast] >= 2; python_version >= \'3.10\'")\nprint("acme-rt")\n'
        'is_package_available("acme-five")\nversion ("acme-six")\n'
    )
    pending = {"litlogger", "acme-rt", "tokenizers", "acme-two", "acme-three", "acme-four"}
    pending |= {"acme-five", "acme-six", "nope"}
    reference = [
        (ir.canonical_name(m.group(2)), m.group(0), ir.line_at(text, m.start()))
        for m in ir._REQUIREMENT_CHECK.finditer(text)
        if ir.canonical_name(m.group(2)) in pending
    ]
    got = list(ir.requirement_checks(text, pending))
    assert got == reference
    assert [g[0] for g in got] == [
        "litlogger",
        "acme-rt",
        "tokenizers",
        "acme-two",
        "acme-three",
        "acme-four",
        "acme-five",
        "acme-six",
    ]
    assert list(ir.requirement_checks(text, set())) == []


def test_the_check_word_prefilter_lets_every_check_name_through() -> None:
    """requirement_checks skips a file holding none of _CHECK_WORDS: every name the check
    pattern accepts must hold one, or its calls would never be seen."""
    import re

    from pytest_llmcore.deps import implicit_rules as ir

    names = re.findall(r"[A-Za-z_]{3,}", ir._CHECKS)
    assert "RequirementCache" in names and "lazy_load_kernel" in names
    for name in names:
        text = f'if {name}("Alabaster>=0.7"):\n    pass\n'
        got = [key for key, _, _ in ir.requirement_checks(text, {"alabaster"})]
        assert got == ["alabaster"], name
    assert list(ir.requirement_checks('check("alabaster")\n', {"alabaster"})) == []


def test_a_file_naming_no_pending_module_is_not_parsed_for_bound_loads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """bound_name_loads parses a file only when a pending module's name is in its text (the
    literal a loader receives would spell it); the answer is the same either way."""
    from pytest_llmcore.deps import implicit_rules as ir
    from pytest_llmcore.deps import literalbind

    text = 'import importlib\nNAME = "alabaster.theme"\nimportlib.import_module(NAME)\n'
    parsed: list[str] = []
    real = literalbind.ast.parse
    monkeypatch.setattr(literalbind.ast, "parse", lambda t, *a, **k: parsed.append(t) or real(t))
    assert list(ir.bound_name_loads(text, {"alabaster": "alabaster"})) == [
        ("alabaster", "alabaster.theme", 3, "NAME")
    ]
    assert len(parsed) == 1
    assert list(ir.bound_name_loads(text, {"sphinx": "sphinx"})) == []
    assert len(parsed) == 1  # no pending module named: not parsed


def test_one_substring_test_covers_the_program_and_module_searches() -> None:
    """A word holding another is never searched for on its own: ``pyyaml`` can't be in a
    text ``yaml`` is not in. The searches still find either."""
    from pytest_llmcore.deps.implicit import ImplicitScan

    scan = ImplicitScan(
        {"pyyaml": ("yaml",), "black": ("black",)}, [], {"pyyaml": "pyyaml", "blackd x": "black"}
    )
    assert scan._needles == ["yaml", "black"]
    scan.scan_source("a.py", 'import subprocess\nsubprocess.run(["pyyaml", "x"])\n')
    scan.scan_source("b.py", 'import importlib\nimportlib.import_module("black")\n')
    assert sorted(scan.found) == ["black", "pyyaml"]
    nothing = ImplicitScan({"pyyaml": ("yaml",)}, [], {})
    nothing.scan_source("c.py", "x = 'PyYAML'\n")
    assert nothing.found == {}
