"""pytest entry point (``pytest11``): options only, until ``--llmcore`` turns features on.

Kept thin on purpose: no heavy module (torch, numba, llama_cpp, pynvml) and no feature
module is imported unless the plugin is enabled.
"""

from __future__ import annotations

import pytest

from .options import add_deps_options


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("llmcore", "pytest-llmcore: dependency gate, GPU, budgets")
    group.addoption(
        "--llmcore",
        action="store_true",
        default=None,
        help="enable pytest-llmcore's checks (default: the llmcore_enable ini setting)",
    )
    add_deps_options(group.addoption, "--llmcore-deps-")
    parser.addini(
        "llmcore_enable",
        type="bool",
        default=False,
        help="enable pytest-llmcore's checks without --llmcore",
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
    if not _enabled(config):
        return
    from .deps.pytest_items import DepsPlugin

    config.pluginmanager.register(DepsPlugin(config), "llmcore-deps")
