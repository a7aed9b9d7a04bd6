"""What one `pytest --llmcore` run changes in its process is undone when it ends.

In-process pytester runs (and any tool that runs pytest twice in one process) share
``os.environ`` and module state: a metric declared by one run's conftest must not exist in
the next run, and the GPU layer's environment must be back as it was.
"""

from __future__ import annotations

import os
import sys

import pytest

from pytest_llmcore.budgets.metrics import METRICS

pytest_plugins = ["pytester"]

ARGS = ("--llmcore", "-p", "no:cacheprovider", "-m", "not llmcore_deps")
USES_QUEUE = (
    "import pytest\n@pytest.mark.budget(queue_ms='2ms')\n"
    "def test_q(llmcore_perf):\n    llmcore_perf.record('queue_ms', [3.0, 3.5, 4.0])\n"
)


def test_a_declared_metric_lives_only_as_long_as_its_run(pytester: pytest.Pytester) -> None:
    before = dict(METRICS)
    pytester.makeconftest(
        "def pytest_llmcore_add_metrics():\n"
        "    return [{'name': 'queue_ms', 'kind': 'time', 'label': 'queue wait'}]\n"
    )
    pytester.makepyfile(test_q=USES_QUEUE)
    res = pytester.runpytest_inprocess(*ARGS)
    res.assert_outcomes(failed=1)
    assert "queue wait p50 3.5 ms > budget 2 ms" in res.stdout.str()
    assert dict(METRICS) == before  # the registry is the built-in one again
    (pytester.path / "conftest.py").unlink()
    again = pytester.runpytest_inprocess(*ARGS)
    assert again.ret == pytest.ExitCode.USAGE_ERROR
    assert "unknown metric 'queue_ms'" in again.stderr.str()


def test_the_gpu_layers_environment_is_restored(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PYTORCH_CUDA_ALLOC_CONF", raising=False)
    monkeypatch.delenv("NUMBA_ENABLE_CUDASIM", raising=False)
    monkeypatch.delitem(sys.modules, "torch", raising=False)  # as in a fresh process
    # PYTEST_CURRENT_TEST is pytest's own: the inner run removes the outer test's value
    before = {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}
    pytester.makepyfile(
        "import os\n\ndef test_env():\n"
        "    assert os.environ['PYTORCH_CUDA_ALLOC_CONF'] == 'expandable_segments:True'\n"
    )
    res = pytester.runpytest_inprocess(*ARGS)
    res.assert_outcomes(passed=1)
    assert {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"} == before
