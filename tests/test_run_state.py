"""What one `pytest --llmcore` run changes in its process is undone when it ends.

In-process pytester runs (and any tool that runs pytest twice in one process) share
``os.environ`` and module state: a metric declared by one run's conftest must not exist in
the next run, and the GPU layer's environment must be back as it was.
"""

from __future__ import annotations

import os
import sys

import pytest

from pytest_llmcore.budgets.keys import METRICS_KEY
from pytest_llmcore.budgets.metrics import (
    BUILTIN_METRICS,
    BUILTIN_REGISTRY,
    Metric,
    MetricRegistry,
    UnitError,
)

pytest_plugins = ["pytester"]

ARGS = ("--llmcore", "-p", "no:cacheprovider", "-m", "not llmcore_deps")
USES_QUEUE = (
    "import pytest\n@pytest.mark.budget(queue_ms='2ms')\n"
    "def test_q(llmcore_perf):\n    llmcore_perf.record('queue_ms', [3.0, 3.5, 4.0])\n"
)


class _Registries:
    """Keeps each in-process run's metric registry as the run ends."""

    def __init__(self) -> None:
        self.seen: list[MetricRegistry] = []

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        self.seen.append(config.stash[METRICS_KEY])


def test_each_run_has_its_own_metric_registry(pytester: pytest.Pytester) -> None:
    before = dict(BUILTIN_METRICS)
    spy = _Registries()
    pytester.makeconftest(
        "def pytest_llmcore_add_metrics():\n"
        "    return [{'name': 'queue_ms', 'kind': 'time', 'label': 'queue wait'}]\n"
    )
    pytester.makepyfile(test_q=USES_QUEUE)
    res = pytester.runpytest_inprocess(*ARGS, plugins=[spy])
    res.assert_outcomes(failed=1)
    assert "queue wait p50 3.5 ms > budget 2 ms" in res.stdout.str()
    # the summary table formats a declared metric in its unit too (the run's registry)
    res.stdout.re_match_lines([r"test_q.py::test_q\s+queue_ms\s+p50\s+3\.5 ms\s+-\s+2 ms\s"])
    assert dict(BUILTIN_METRICS) == before and "queue_ms" not in BUILTIN_REGISTRY
    (pytester.path / "conftest.py").unlink()
    again = pytester.runpytest_inprocess(*ARGS, plugins=[spy])
    assert again.ret == pytest.ExitCode.USAGE_ERROR
    assert "unknown metric 'queue_ms'" in again.stderr.str()
    first, second = spy.seen
    assert first["queue_ms"] == Metric("queue_ms", "time", "ms", "lower", "queue wait", "")
    assert set(first) - set(second) == {"queue_ms"}
    assert dict(second) == before  # the second run: the built-ins only
    assert dict(BUILTIN_METRICS) == before


def test_config_may_name_a_declared_metric_before_the_budgets_start(
    pytester: pytest.Pytester,
) -> None:
    """The start-up check of [tool.llmcore] (no test needs the budgets yet) knows the
    metrics the hooks declare: it once knew the built-ins only, and refused this run."""
    pytester.makeconftest(
        "def pytest_llmcore_add_metrics():\n    return [{'name': 'queue_ms', 'kind': 'time'}]\n"
    )
    pytester.makefile(".toml", pyproject='[tool.llmcore]\ncompare-metrics = ["queue_ms"]\n')
    pytester.makepyfile("def test_plain():\n    pass\n")
    pytester.runpytest_inprocess(*ARGS).assert_outcomes(passed=1)
    (pytester.path / "conftest.py").unlink()
    res = pytester.runpytest_inprocess(*ARGS)
    assert res.ret == pytest.ExitCode.USAGE_ERROR
    assert "compare-metrics: unknown metric 'queue_ms' (known: e2e_ms, " in res.stderr.str()


def test_the_built_in_metrics_cannot_be_changed() -> None:
    latency = BUILTIN_METRICS["latency_ms"]
    with pytest.raises(TypeError):
        BUILTIN_METRICS["queue_ms"] = latency  # type: ignore[index]
    with pytest.raises(TypeError):
        del BUILTIN_METRICS["latency_ms"]  # type: ignore[attr-defined]
    added = BUILTIN_REGISTRY.adding([{"name": "queue_ms", "kind": "time"}])
    assert "queue_ms" in added and "queue_ms" not in BUILTIN_REGISTRY
    assert "queue_ms" not in BUILTIN_METRICS and added["latency_ms"] is latency
    with pytest.raises(TypeError):
        added["other"] = latency  # type: ignore[index]
    with pytest.raises(UnitError, match=r"^unknown metric 'queue_ms' \(known: e2e_ms, "):
        BUILTIN_REGISTRY.lookup("queue_ms")


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
