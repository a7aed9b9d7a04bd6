"""pytest entry point (``pytest11``): options only, until ``--llmcore`` turns features on.

Kept thin on purpose: no heavy module (torch, numba, llama_cpp, pynvml) and no feature
module is imported unless the plugin is enabled or a test asks for one of its fixtures.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from .options import add_budget_options, add_deps_options

if TYPE_CHECKING:
    from .budgets.recorder import PerfRecorder


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("llmcore", "pytest-llmcore: dependency gate, GPU, budgets")
    group.addoption(
        "--llmcore",
        action="store_true",
        default=None,
        help="enable pytest-llmcore's checks (default: the llmcore_enable ini setting)",
    )
    add_deps_options(group.addoption, "--llmcore-deps-")
    add_budget_options(group.addoption)
    parser.addini(
        "llmcore_enable", type="bool", default=False, help="enable pytest-llmcore without --llmcore"
    )


def _enabled(config: pytest.Config) -> bool:
    opt = config.getoption("llmcore")
    if opt is not None:
        return bool(opt)
    return bool(config.getini("llmcore_enable"))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "llmcore_deps: the dependency gate's check of a project (pytest-llmcore)"
    )
    config.addinivalue_line(
        "markers",
        "budget(profile=None, tolerance=None, **metrics): performance budgets checked by "
        "pytest --llmcore, e.g. budget(tpot_ms=30, vram_peak='12GiB', "
        "ttft_ms={'p99': '500ms'})",
    )
    if not _enabled(config):
        return
    from .budgets.plugin import PLUGIN_NAME, BudgetsPlugin
    from .deps.pytest_items import DepsPlugin

    config.pluginmanager.register(DepsPlugin(config), "llmcore-deps")
    config.pluginmanager.register(BudgetsPlugin(config), PLUGIN_NAME)


@pytest.fixture
def llmcore_perf(request: pytest.FixtureRequest) -> PerfRecorder:
    """Time work and record metrics for this test's budgets.

    ``llmcore_perf.measure("latency_ms", fn, warmup=3, repeats=20)`` returns statistics;
    ``with llmcore_perf.timer("ttft_ms"): ...`` times a block; ``llmcore_perf.record(
    "kv_bytes", "38.25MiB")`` records a value measured elsewhere. With ``pytest --llmcore``
    the test's ``@pytest.mark.budget`` and ``[tool.llmcore.budgets]`` are checked after it.
    """
    from .budgets.plugin import recorder_for

    return recorder_for(request)
