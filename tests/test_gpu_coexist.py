"""The GPU layer next to a project's own conventions (issue 14): a project's ``gpu`` marker
and ``gpu`` fixture, strict mode without --llmcore, numba's simulator only when there is
known to be no GPU, environment restored, and no per-test hook unless a test needs a GPU."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from tests.conftest import needs
from tests.nvml.scripted import ScriptedNvml, scripted_nvml

__all__ = ["scripted_nvml"]

pytest_plugins = ["pytester"]
needs_pynvml = needs("pynvml")
ARGS = ("--llmcore", "-p", "no:cacheprovider", "-m", "not llmcore_deps", "-rA")


def test_a_projects_own_gpu_marker_is_left_to_it_with_one_warning(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.gpu("a100")
        def test_theirs():
            pass

        @pytest.mark.gpu(type="a100")
        def test_theirs_too():
            pass
        """
    )
    res = pytester.runpytest_subprocess(*ARGS)
    res.assert_outcomes(passed=2, warnings=1)
    assert (
        "llmcore: 2 test(s) carry a @pytest.mark.gpu that is not pytest-llmcore's keyword form "
        "(first: test_a_projects_own_gpu_marker_is_left_to_it_with_one_warning.py::test_theirs): "
        "left to the project. pytest-llmcore's marker is @pytest.mark.llmcore_gpu(...)"
    ) in res.stdout.str()


@pytest.mark.parametrize(
    ("marker", "message"),
    [
        (
            "llmcore_gpu('a100')",
            "@pytest.mark.llmcore_gpu takes keyword arguments only (count, min_free_vram, "
            "min_total_vram, compute_capability, name), got ('a100',)",
        ),
        ("llmcore_gpu(vram='1GiB')", "@pytest.mark.llmcore_gpu: unknown argument(s) vram"),
        ("gpu(min_free_vram='lots')", "@pytest.mark.gpu: min_free_vram: cannot read 'lots'"),
        ("gpu(min_free_vram='1e400GiB')", "@pytest.mark.gpu: min_free_vram: "),
        ("gpu(compute_capability='sm89')", "@pytest.mark.gpu: compute_capability='sm89'"),
    ],
)
def test_our_marker_forms_are_checked(pytester: pytest.Pytester, marker: str, message: str) -> None:
    pytester.makepyfile(f"import pytest\n@pytest.mark.{marker}\ndef test_x(): pass\n")
    res = pytester.runpytest_subprocess(*ARGS)
    assert res.ret == pytest.ExitCode.USAGE_ERROR
    err = res.stderr.str()
    assert f"test_our_marker_forms_are_checked.py::test_x: {message}" in err
    assert "Traceback" not in err and len(res.stderr.lines) <= 2


def test_gpu_alias_off_leaves_the_name_to_the_project(pytester: pytest.Pytester) -> None:
    pytester.makefile(".toml", pyproject="[tool.llmcore.gpu]\ngpu-alias = false\n")
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.gpu(min_free_vram="1000TiB")
        def test_theirs():
            pass

        @pytest.mark.llmcore_gpu(min_free_vram="1000TiB")
        def test_ours():
            pass
        """
    )
    res = pytester.runpytest_subprocess(*ARGS)
    res.assert_outcomes(passed=1, skipped=1)
    assert "PytestWarning" not in res.stdout.str()


def test_a_projects_own_gpu_fixture_wins_with_a_warning(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
        import pytest

        @pytest.fixture
        def gpu():
            return "the project's"
        """
    )
    pytester.makepyfile(
        """
        def test_theirs(gpu):
            assert gpu == "the project's"

        def test_ours(llmcore_gpu_devices):
            assert isinstance(llmcore_gpu_devices, list)
        """
    )
    res = pytester.runpytest_subprocess(*ARGS)
    res.assert_outcomes(passed=2, warnings=1)
    conftest = pytester.path / "conftest.py"
    assert (
        f"llmcore: the project's own fixture 'gpu' ({conftest}:3) overrides pytest-llmcore's "
        "for the tests that see it; ours stays available as 'llmcore_gpu'"
    ) in res.stdout.str().replace("\n", "")


MARKED = "import pytest\n@pytest.mark.gpu\ndef test_x():\n    pass\n"


@needs_pynvml
@pytest.mark.parametrize("how", ["option", "env"])
def test_require_gpu_without_llmcore_still_fails_a_gpu_test(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    scripted_nvml: ScriptedNvml,
    how: str,
) -> None:
    scripted_nvml.apply(monkeypatch, "driver-not-loaded", pytester.path)
    pytester.makepyfile(MARKED)
    args = ["-p", "no:cacheprovider"]
    if how == "option":
        args.append("--llmcore-require-gpu")
    else:
        monkeypatch.setenv("LLMCORE_REQUIRE_GPU", "1")
    res = pytester.runpytest_subprocess(*args)
    res.assert_outcomes(failed=1)
    assert (
        "needs a GPU, found none (NVIDIA driver not loaded (is the kernel module installed? try "
        "nvidia-smi)) [--llmcore-require-gpu: a missing GPU is a failure]"
    ) in res.stdout.lines
    monkeypatch.delenv("LLMCORE_REQUIRE_GPU", raising=False)
    plain = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    plain.assert_outcomes(passed=1)  # without --llmcore and strict mode the plugin is off


NUMBA_PROBE = """
import os

def test_env():
    print("NUMBA=" + repr(os.environ.get("NUMBA_ENABLE_CUDASIM")))
"""


def _numba_env(pytester: pytest.Pytester, *args: str) -> str:
    pytester.makepyfile(NUMBA_PROBE)
    res = pytester.runpytest_subprocess(*ARGS, "-s", *args)
    res.assert_outcomes(passed=1)
    return next(line for line in res.stdout.lines if line.startswith("NUMBA=") or "NUMBA=" in line)


needs_numba = needs("numba")


@needs_numba
@needs_pynvml
def test_numba_simulator_only_when_there_is_known_to_be_no_gpu(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, scripted_nvml: ScriptedNvml
) -> None:
    scripted_nvml.apply(monkeypatch, "driver-not-loaded", pytester.path)
    assert _numba_env(pytester).endswith("NUMBA='1'")
    monkeypatch.setenv("NUMBA_ENABLE_CUDASIM", "0")  # the user's value stands
    assert _numba_env(pytester).endswith("NUMBA='0'")
    monkeypatch.delenv("NUMBA_ENABLE_CUDASIM")
    pytester.makefile(".toml", pyproject="[tool.llmcore.gpu]\nnumba-simulator = false\n")
    assert _numba_env(pytester).endswith("NUMBA=None")
    (pytester.path / "pyproject.toml").unlink()
    scripted_nvml.apply(monkeypatch, "rtx4090-desktop", pytester.path)
    assert _numba_env(pytester).endswith("NUMBA=None")  # a GPU: numba uses it


@needs_numba
def test_no_simulator_when_nvidia_ml_py_is_missing(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    shadow = pytester.mkdir("shadow")
    (shadow / "pynvml.py").write_text("raise ImportError('No module named pynvml')\n")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(shadow), *sys.path]))
    monkeypatch.delenv("NUMBA_ENABLE_CUDASIM", raising=False)
    pytester.makepyfile(NUMBA_PROBE)
    res = pytester.runpytest_subprocess(*ARGS, "-s")
    assert any(line.endswith("NUMBA=None") for line in res.stdout.lines)
    assert (
        "llmcore gpu: PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True, NUMBA_ENABLE_CUDASIM "
        "left unset: GPU state unknown (nvidia-ml-py is not installed (pip install "
        "pytest-llmcore[gpu]))"
    ) in res.stdout.lines


def test_environment_is_restored_after_the_run(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PYTORCH_CUDA_ALLOC_CONF", raising=False)
    monkeypatch.delitem(sys.modules, "torch", raising=False)  # as in a fresh process
    pytester.makepyfile(
        """
        import os

        def test_set_during_the_run():
            assert os.environ["PYTORCH_CUDA_ALLOC_CONF"] == "expandable_segments:True"
        """
    )
    res = pytester.runpytest_inprocess(*ARGS)
    res.assert_outcomes(passed=1)
    assert "PYTORCH_CUDA_ALLOC_CONF" not in os.environ


HOOKS_PROBE = """
import json, os

def pytest_sessionfinish(session):
    pm = session.config.pluginmanager
    names = {
        hook: sorted(pm.get_name(i.plugin) or "?" for i in getattr(pm.hook, hook).get_hookimpls())
        for hook in ("pytest_runtest_setup", "pytest_runtest_call")
    }
    with open(os.environ["HOOKS_OUT"], "w") as fh:
        json.dump(names, fh)
"""


@pytest.mark.parametrize("marked", [False, True])
def test_no_per_test_gpu_hook_unless_a_test_needs_a_gpu(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, marked: bool
) -> None:
    out = pytester.path / "hooks.json"
    monkeypatch.setenv("HOOKS_OUT", str(out))
    pytester.makeconftest(HOOKS_PROBE)
    body = "".join(f"def test_{i}():\n    pass\n" for i in range(20))
    if marked:
        body += "import pytest\n@pytest.mark.llmcore_gpu\ndef test_g():\n    pass\n"
    pytester.makepyfile(body)
    pytester.runpytest_subprocess(*ARGS)
    hooks = json.loads(out.read_text())
    for names in hooks.values():
        assert "llmcore-gpu" not in names
        assert ("llmcore-gpu-items" in names) is marked


def test_settings_are_checked_where_they_enter(pytester: pytest.Pytester) -> None:
    cases = {
        'share = "no"': "[tool.llmcore.gpu] share = 'no': use true or false (no quotes)",
        'sample-hz = "fast"': "[tool.llmcore.gpu] sample-hz = 'fast': use a number above 0",
        "sample-hz = 0": "[tool.llmcore.gpu] sample-hz = 0: use a number above 0",
        'vram-wait = "-5s"': "[tool.llmcore.gpu] vram-wait = '-5s': use a duration like \"30s\"",
        "numba-simulator = 1": "[tool.llmcore.gpu] numba-simulator = 1: use true or false",
        "cuda-alloc-conf = 3": "[tool.llmcore.gpu] cuda-alloc-conf = 3: use a string, or false",
    }
    pytester.makepyfile("def test_x(): pass\n")
    for line, message in cases.items():
        pytester.makefile(".toml", pyproject=f"[tool.llmcore.gpu]\n{line}\n")
        res = pytester.runpytest_subprocess(*ARGS)
        assert res.ret == pytest.ExitCode.USAGE_ERROR, line
        where = pytester.path / "pyproject.toml"  # the error names the file
        assert f"llmcore: {where}: {message}" in res.stderr.str(), res.stderr.str()
        assert "Traceback" not in res.stderr.str()


def test_docs_name_every_setting_and_the_canonical_names() -> None:
    from pytest_llmcore.gpu.settings import GPU_KEYS

    text = (Path(__file__).resolve().parents[1] / "docs" / "gpu.md").read_text()
    for key in GPU_KEYS:
        assert f"\n{key} = " in text, f"[tool.llmcore.gpu] {key} is not in docs/gpu.md"
    for name in ("llmcore_gpu", "llmcore_gpu_devices"):
        assert f"`{name}`" in text
