"""Uses that a project's configuration or a library feature proves (corpus5 classes).

coverage.py plugins and ``COVERAGE_PROCESS_START``, YAML keys given twice (the last wins),
Sphinx ``extensions`` changed inside ``if``/``try``/``with``, docs-preview companions and
library features that import an optional dependency. Each class has shapes the corpus5
reproductions (tests/test_deps_corpus5.py) do not, and a negative twin: a word that is not
a use must still leave the dependency unused.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from pytest_llmcore.deps.gate import run_gate
from pytest_llmcore.deps.kinds import Kind
from pytest_llmcore.deps.records import GateResult, canonical_name
from pytest_llmcore.deps.toolfiles import yaml_get, yaml_nodes, yaml_scalars, yaml_walk
from tests.helpers.gate_projects import project

PKG = {"demo/__init__.py": "import requests\n"}


def _project(
    root: Path,
    files: dict[str, str],
    dev: tuple[str, ...] = (),
    deps: tuple[str, ...] = ("requests",),
    extra_toml: str = "",
) -> GateResult:
    return run_gate(project(root, files, deps, dev, extra_toml), use_cache=False)


def _failing(result: GateResult) -> list[str]:
    return sorted(f.dependency for f in result.failing)


def _used_by(result: GateResult, dist: str) -> list[str]:
    key = canonical_name(dist)
    return [e.text for d, evs in result.used_by.items() if canonical_name(d) == key for e in evs]


# -- coverage.py plugins -----------------------------------------------------------------


def test_coverage_plugin_in_a_coveragerc_list(tmp_path: Path) -> None:
    """``.coveragerc [run] plugins`` as a multi-line list: each module is loaded."""
    rc = "[run]\nbranch = true\nplugins =\n    coverage_conditional_plugin\n\n[report]\n"
    result = _project(
        tmp_path, {**PKG, ".coveragerc": rc}, dev=("coverage", "coverage-conditional-plugin")
    )
    assert _failing(result) == []
    assert _used_by(result, "coverage-conditional-plugin") == [
        "loaded by coverage.py as a plugin (.coveragerc:4)"
    ]


def test_coverage_plugin_in_setup_cfg(tmp_path: Path) -> None:
    cfg = "[metadata]\nname = demo\n\n[coverage:run]\nplugins = covdefaults, other_plugin\n"
    result = _project(tmp_path, {**PKG, "setup.cfg": cfg}, dev=("coverage", "covdefaults"))
    assert _failing(result) == []
    assert _used_by(result, "covdefaults") == ["loaded by coverage.py as a plugin (setup.cfg:5)"]


def test_coverage_plugin_in_a_coveragerc_with_the_prefixed_section(tmp_path: Path) -> None:
    rc = "[coverage:run]\nplugins = covdefaults\n"
    result = _project(tmp_path, {**PKG, ".coveragerc": rc}, dev=("coverage", "covdefaults"))
    assert _used_by(result, "covdefaults") == ["loaded by coverage.py as a plugin (.coveragerc:2)"]


def test_coverage_plugin_not_listed_stays_unused(tmp_path: Path) -> None:
    """A coverage plugin declared but not in ``plugins`` (another one is) is unused; a
    ``plugins`` key in a section coverage does not read loads nothing."""
    toml = '[tool.coverage.run]\nplugins = ["covdefaults"]\n[tool.other]\nplugins = ["x"]\n'
    cfg = "[coverage:report]\nplugins = coverage_conditional_plugin\n"
    result = _project(
        tmp_path,
        {**PKG, "setup.cfg": cfg},
        dev=("coverage", "covdefaults", "coverage-conditional-plugin"),
        extra_toml=toml,
    )
    assert _failing(result) == ["coverage-conditional-plugin"]


# -- COVERAGE_PROCESS_START --------------------------------------------------------------

_SUBPROCESS_DEV = ("coverage", "pytest", "coverage-enable-subprocess")


def test_coverage_process_start_in_a_workflow_env(tmp_path: Path) -> None:
    wf = (
        "on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    env:\n"
        "      COVERAGE_PROCESS_START: pyproject.toml\n    steps:\n"
        "      - run: coverage run -m pytest\n"
    )
    result = _project(tmp_path, {**PKG, ".github/workflows/t.yml": wf}, dev=_SUBPROCESS_DEV)
    assert _failing(result) == []


def test_coverage_process_start_in_tox_setenv(tmp_path: Path) -> None:
    tox = (
        "[testenv]\nsetenv =\n    COVERAGE_PROCESS_START = {toxinidir}/.coveragerc\n"
        "commands = coverage run -m pytest\n"
    )
    result = _project(tmp_path, {**PKG, "tox.ini": tox}, dev=_SUBPROCESS_DEV)
    assert _failing(result) == []


def test_coverage_process_start_set_by_python(tmp_path: Path) -> None:
    conftest = 'import os\n\nos.environ["COVERAGE_PROCESS_START"] = "pyproject.toml"\n'
    dev = ("pytest", "coverage-enable-subprocess")
    result = _project(tmp_path, {**PKG, "tests/conftest.py": conftest}, dev=dev)
    assert _failing(result) == []


def test_coverage_process_start_only_read_stays_unused(tmp_path: Path) -> None:
    """Reading or comparing the variable switches nothing on."""
    conftest = (
        "import os\n\nSTART = os.environ.get('COVERAGE_PROCESS_START')\n"
        "if os.environ['COVERAGE_PROCESS_START'] == 'x':\n    pass\n"
    )
    dev = ("pytest", "coverage-enable-subprocess")
    result = _project(tmp_path, {**PKG, "tests/conftest.py": conftest}, dev=dev)
    assert _failing(result) == ["coverage-enable-subprocess"]


# -- YAML keys given twice: the last wins ------------------------------------------------


def test_yaml_duplicate_keys_keep_the_last_pair() -> None:
    text = "a: 1\nb:\n  c: x\n  c: y\na: 2\nlist:\n  - {k: 1, k: 3}\n"
    (doc,) = yaml_nodes(text)
    assert [s.value for s in yaml_scalars(yaml_get(doc, "a"))] == ["2"]
    assert [s.value for s in yaml_scalars(yaml_get(doc, "b", "c"))] == ["y"]
    assert [(k, getattr(v, "value", None)) for k, v in yaml_walk(doc) if k in "ack"] == [
        ("a", "2"),
        ("c", "y"),
        ("k", "3"),
    ]


@given(st.lists(st.tuples(st.sampled_from("abc"), st.integers(0, 9)), min_size=1, max_size=8))
def test_yaml_get_agrees_with_pyyaml_on_repeated_keys(pairs: list[tuple[str, int]]) -> None:
    """Whatever keys repeat, the gate reads the value PyYAML (and so every tool) keeps."""
    text = "".join(f"{k}: {v}\n" for k, v in pairs)
    (doc,) = yaml_nodes(text)
    loaded = yaml.safe_load(text)
    for key, value in loaded.items():
        assert [s.value for s in yaml_scalars(yaml_get(doc, key))] == [str(value)]
    assert sorted(k for k, _ in yaml_walk(doc)) == sorted(loaded)


def test_yaml_keys_of_other_types_are_not_duplicates() -> None:
    """``1`` (an int) and ``"1"`` (a string) are two keys, as PyYAML builds them."""
    (doc,) = yaml_nodes('1: int\n"1": str\n')
    assert [getattr(v, "value", None) for _, v in yaml_walk(doc)] == ["int", "str"]


def test_pre_commit_repos_given_twice(tmp_path: Path) -> None:
    """A hook in the discarded first ``repos:`` block runs nothing; the second block's do."""
    hooks = (
        "repos:\n  - repo: local\n    hooks:\n      - id: lint\n        name: lint\n"
        "        entry: pylint demo\n        language: system\n"
        "repos:\n  - repo: local\n    hooks:\n      - id: fmt\n        name: fmt\n"
        "        entry: ruff format\n        language: system\n"
    )
    result = _project(
        tmp_path, {**PKG, ".pre-commit-config.yaml": hooks}, dev=("pre-commit", "pylint", "ruff")
    )
    assert _failing(result) == ["pylint"]


def test_workflow_step_keys_given_twice(tmp_path: Path) -> None:
    wf = (
        "on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: pylint demo\n"
        "    steps:\n      - run: ruff check\n"
    )
    result = _project(tmp_path, {**PKG, ".github/workflows/t.yml": wf}, dev=("pylint", "ruff"))
    assert _failing(result) == ["pylint"]


# -- Sphinx conf.py blocks ---------------------------------------------------------------


def test_sphinx_extension_and_theme_in_try_and_with(tmp_path: Path) -> None:
    conf = (
        "import contextlib\n\nextensions = []\n"
        "try:\n    import sphinx_rtd_theme\nexcept ImportError:\n    pass\n"
        "else:\n    html_theme = 'sphinx_rtd_theme'\n"
        "with contextlib.suppress(ImportError):\n    extensions.append('sphinx_copybutton')\n"
    )
    result = _project(
        tmp_path,
        {**PKG, "docs/conf.py": conf},
        dev=("sphinx", "sphinx-rtd-theme", "sphinx-copybutton"),
    )
    assert _failing(result) == []


def test_sphinx_extension_in_a_function_body_stays_unused(tmp_path: Path) -> None:
    """A function's body runs only when called: its ``extensions.append`` is not read."""
    conf = (
        "extensions = ['sphinx.ext.autodoc']\n\n"
        "def later():\n    extensions.append('sphinx_copybutton')\n"
    )
    result = _project(tmp_path, {**PKG, "docs/conf.py": conf}, dev=("sphinx", "sphinx-copybutton"))
    assert _failing(result) == ["sphinx-copybutton"]


# -- watchdog: the file watcher of a docs preview server ---------------------------------


def test_watchdog_beside_mkdocs_is_a_companion(tmp_path: Path) -> None:
    files = {**PKG, "mkdocs.yml": "site_name: d\n"}
    result = _project(tmp_path, files, dev=("mkdocs", "watchdog"))
    assert _failing(result) == []
    assert [(f.dependency, f.kind) for f in result.findings] == [("watchdog", Kind.COMPANION)]


def test_watchdog_without_a_docs_server_is_unused(tmp_path: Path) -> None:
    result = _project(tmp_path, PKG, dev=("watchdog",))
    assert _failing(result) == ["watchdog"]


# -- library features that import an optional dependency --------------------------------

_USED = [
    pytest.param(
        "anthropic",
        "google-auth",
        "from anthropic import AnthropicVertex\n\nc = AnthropicVertex(region='us-east5')\n",
        id="anthropic-vertex",
    ),
    pytest.param(
        "anthropic",
        "boto3",
        "import anthropic\n\nc = anthropic.AsyncAnthropicBedrock(aws_region='x')\n",
        id="anthropic-async-bedrock",
    ),
    pytest.param(
        "spacy", "pyvi", "from spacy.lang.vi import Vietnamese\n\nnlp = Vietnamese()\n", id="vi"
    ),
    pytest.param(
        "spacy",
        "jieba",
        'import spacy\n\ncfg = {"segmenter": "jieba"}\nnlp = spacy.blank("zh", config=cfg)\n',
        id="zh-jieba",
    ),
    pytest.param(
        "deepspeed",
        "cupy-cuda12x",
        'import deepspeed\n\nCONFIG = {"optimizer": {"type": "ZeroOneAdam"}}\n',
        id="zero-one-adam-config",
    ),
    pytest.param(
        "deepspeed",
        "cupy",
        "import deepspeed\n\ndef opt(name):\n    return name.lower() == 'onebitlamb'\n",
        id="onebit-lamb-by-name",
    ),
    pytest.param(
        "megablocks",
        "grouped-gemm",
        "import megablocks.grouped_gemm_util\n\n"
        "ok = megablocks.grouped_gemm_util.grouped_gemm_is_available()\n",
        id="megablocks-module",
    ),
]


@pytest.mark.parametrize(("parent", "dep", "code"), _USED)
def test_optional_dependency_of_a_feature_is_used(
    tmp_path: Path, parent: str, dep: str, code: str
) -> None:
    result = _project(tmp_path, {"demo/__init__.py": code}, deps=(parent, dep))
    assert _failing(result) == []


_NOT_USED = [
    pytest.param(
        "anthropic", "boto3", "import anthropic\n\nc = anthropic.Anthropic()\n", id="no-bedrock"
    ),
    pytest.param(
        "spacy", "pyvi", 'import spacy\n\nnlp = spacy.blank("en")  # vi later\n', id="not-vi"
    ),
    pytest.param(
        "deepspeed",
        "mpi4py",
        "import deepspeed\n\ndeepspeed.init_distributed(auto_mpi_discovery=False)\n",
        id="no-mpi-discovery",
    ),
    pytest.param(
        "deepspeed",
        "cupy-cuda12x",
        "import deepspeed\n\n# TODO: try onebit adam once cupy works\n",
        id="onebit-in-a-comment",
    ),
    pytest.param(
        "megablocks",
        "grouped-gemm",
        "import megablocks\n\n# grouped_gemm_util is faster\n",
        id="grouped-gemm-in-a-comment",
    ),
]


@pytest.mark.parametrize(("parent", "dep", "code"), _NOT_USED)
def test_optional_dependency_without_its_feature_stays_unused(
    tmp_path: Path, parent: str, dep: str, code: str
) -> None:
    result = _project(tmp_path, {"demo/__init__.py": code}, deps=(parent, dep))
    assert _failing(result) == [dep]
