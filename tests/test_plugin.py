"""`pytest --llmcore` for real, in temporary directories (pytester)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from .conftest import FIXTURES, INNER_ADDOPTS

pytest_plugins = ["pytester"]


# The example's Gemma 3 inference tests take ~45 s a run; these tests are about the gate.
# --ignore (relative to the invocation directory), not --deselect: without llama-cpp-python
# its module-level importorskip would still count as a skip (the core CI legs have none).
NO_LLM = "--ignore=tests/test_llm_perf.py --ignore=proj/tests/test_llm_perf.py"


@pytest.fixture
def seed(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    shutil.copytree(FIXTURES / "llm-runtime-core", pytester.path, dirs_exist_ok=True)
    monkeypatch.setenv("PYTEST_ADDOPTS", f"{INNER_ADDOPTS} {NO_LLM}")
    return pytester


def test_seed_fails_on_exactly_torchvision(seed: pytest.Pytester) -> None:
    res = seed.runpytest_subprocess("--llmcore", "-p", "no:cacheprovider")
    res.assert_outcomes(passed=4, failed=1)
    out = res.stdout.str()
    assert "torchvision: unused (LLMD002)" in out
    for other in (
        "ollama",
        "llama-cpp-python",
        "openai:",
        "tiktoken",
        "torch:",
        "whisper",
        "numba",
    ):
        assert f"{other} unused" not in out and f"{other}: unused" not in out
    assert "FAILED pyproject.toml::llmcore-deps" in out
    assert "Traceback" not in out


def test_disabled_without_the_flag(seed: pytest.Pytester) -> None:
    res = seed.runpytest_subprocess("-p", "no:cacheprovider")
    res.assert_outcomes(passed=4)
    assert "llmcore-deps" not in res.stdout.str() and "llmcore deps" not in res.stdout.str()


def test_enabled_by_ini(seed: pytest.Pytester) -> None:
    pyproject = seed.path / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace(
            'testpaths = ["tests"]', 'testpaths = ["tests"]\nllmcore_enable = true'
        )
    )
    seed.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=4, failed=1)


def test_explicit_paths_check_only_what_they_contain(seed: pytest.Pytester) -> None:
    seed.runpytest_subprocess("--llmcore", "tests", "-p", "no:cacheprovider").assert_outcomes(
        passed=4
    )
    res = seed.runpytest_subprocess("--llmcore", "pyproject.toml", "-p", "no:cacheprovider")
    res.assert_outcomes(failed=1)


def test_project_found_in_collected_directory(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(FIXTURES / "llm-runtime-core", pytester.path / "proj")
    # the rootdir is proj (its pyproject.toml)
    monkeypatch.setenv("PYTEST_ADDOPTS", f"{INNER_ADDOPTS} {NO_LLM}")
    (pytester.path / "pytest.ini").write_text("[pytest]\n")
    res = pytester.runpytest_subprocess("--llmcore", "proj", "-p", "no:cacheprovider")
    res.assert_outcomes(passed=4, failed=1)
    assert "FAILED proj/pyproject.toml::llmcore-deps" in res.stdout.str()


def test_fixed_project_passes_and_shows_the_report_section(seed: pytest.Pytester) -> None:
    pyproject = seed.path / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('    "torchvision==0.22.1",\n', ""))
    res = seed.runpytest_subprocess("--llmcore", "-rA", "-p", "no:cacheprovider")
    res.assert_outcomes(passed=5)
    res.stdout.fnmatch_lines(
        ["*llmcore deps*", "used    torch: imported at llm_runtime_core/kv_cache.py:5"]
    )


def test_marker_selects_or_deselects_the_gate(seed: pytest.Pytester) -> None:
    seed.runpytest_subprocess(
        "--llmcore", "-m", "not llmcore_deps", "-p", "no:cacheprovider"
    ).assert_outcomes(passed=4)
    seed.runpytest_subprocess(
        "--llmcore", "-m", "llmcore_deps", "-p", "no:cacheprovider"
    ).assert_outcomes(failed=1)


def test_junit_report_has_the_gate(seed: pytest.Pytester) -> None:
    seed.runpytest_subprocess("--llmcore", "--junitxml=out.xml", "-p", "no:cacheprovider")
    tree = ET.parse(seed.path / "out.xml")
    case = next(c for c in tree.iter("testcase") if c.get("name") == "llmcore-deps")
    failure = case.find("failure")
    assert failure is not None and "torchvision: unused" in (failure.text or "")
    props = {p.get("name"): p.get("value") for p in case.iter("property")}
    assert props["llmcore_deps_failing"] == "1"


def test_fail_on_option_overrides_config(seed: pytest.Pytester) -> None:
    pyproject = seed.path / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('    "torchvision==0.22.1",\n', ""))
    (seed.path / "llm_runtime_core" / "extra.py").write_text("import httpx\nhttpx.get\n")
    seed.runpytest_subprocess("--llmcore", "-p", "no:cacheprovider").assert_outcomes(passed=5)
    res = seed.runpytest_subprocess(
        "--llmcore", "--llmcore-deps-fail-on=missing", "-p", "no:cacheprovider"
    )
    res.assert_outcomes(passed=4, failed=1)
    assert "httpx: missing (LLMD001)" in res.stdout.str()
    res = seed.runpytest_subprocess("--llmcore", "--llmcore-deps-fail-on=bogus")
    assert res.ret == 4 and "not a list of finding kinds" in res.stderr.str()


def test_malformed_project_file_is_one_clear_line(pytester: pytest.Pytester) -> None:
    (pytester.path / "pytest.ini").write_text("[pytest]\n")
    (pytester.path / "sub").mkdir()
    (pytester.path / "sub" / "pyproject.toml").write_text("[project\nname = 1\n")
    res = pytester.runpytest_subprocess("--llmcore", "-p", "no:cacheprovider")
    res.assert_outcomes(failed=1)
    out = res.stdout.str()
    assert "llmcore deps: " in out and "sub/pyproject.toml:1" in out and "malformed TOML" in out
    assert "Traceback" not in out and "tomlkit" not in out


def test_cache_is_written_to_pytest_cache(seed: pytest.Pytester) -> None:
    seed.runpytest_subprocess("--llmcore")
    assert (seed.path / ".pytest_cache" / "d" / "llmcore-deps" / "imports.json").is_file()


def test_works_under_xdist(seed: pytest.Pytester) -> None:
    res = seed.runpytest_subprocess("--llmcore", "-n", "2", "-p", "no:cacheprovider")
    res.assert_outcomes(passed=4, failed=1)
    assert "torchvision: unused" in res.stdout.str()


def test_help_lists_prefixed_options(pytester: pytest.Pytester) -> None:
    res = pytester.runpytest_subprocess("--help")
    res.stdout.fnmatch_lines(["*--llmcore *", "*--llmcore-deps-fail-on=KINDS*", "*llmcore_enable*"])


def test_plugin_module_imports_nothing_heavy() -> None:
    code = (
        "import sys, pytest, pytest_llmcore.plugin\n"
        "heavy = [m for m in ('torch','numba','llama_cpp','pynvml','vulture','tomlkit','openai',"
        "'gguf','pytest_llmcore.deps.gate') if m in sys.modules]\n"
        "print(','.join(heavy) or '-')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "-"
