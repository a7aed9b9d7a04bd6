"""The budgets plugin, registered only for runs that can use it (wiring, like plugin.py).

``pytest --llmcore`` on a suite without budgets must cost about what plain pytest costs:
the budgets plugin's set-up (machine facts, profile, baseline), its modules and its hooks
that run for every test are left out until a collected test carries ``@pytest.mark.budget``
or uses ``llmcore_perf``. Whatever needs the plugin before the tests are known registers
it at start-up: [tool.llmcore.budgets], the run's outputs (--llmcore-json/-html, baselines),
a listener of ``pytest_llmcore_session_results`` (--llmcore-history), the xdist controller
(its workers collect, it never does), and a profile or threshold given on the command line.
"""

from __future__ import annotations

from typing import Any

import pytest

from .core.errors import InputError
from .core.markers import carrying, using_fixtures

__all__ = ["BudgetsOnDemand", "budgets_needed_at_start", "history_wanted", "register_budgets"]

#: options that only the budgets plugin reads: given, they mean the run wants it
_RUN_OPTIONS = (
    "llmcore_json",
    "llmcore_html",
    "llmcore_save_baseline",
    "llmcore_compare",
    "llmcore_profile",
    "llmcore_fail_regression",
)
#: what makes one test need the budgets plugin
BUDGET_MARKER = "budget"
BUDGET_FIXTURES = ("llmcore_perf",)


def _xdist_controller(config: pytest.Config) -> bool:
    if hasattr(config, "workerinput"):
        return False
    return getattr(config.option, "dist", "no") not in ("no", None)


_TABLE = pytest.StashKey[dict[str, Any]]()


def tool_table(config: pytest.Config) -> dict[str, Any]:
    """``[tool.llmcore]``, parsed once for the decisions below."""
    if _TABLE not in config.stash:
        from .core.config import load_tool_table

        try:
            config.stash[_TABLE] = load_tool_table(config.rootpath / "pyproject.toml")
        except InputError as exc:
            raise pytest.UsageError(f"llmcore: {exc}") from None
    return config.stash[_TABLE]


def history_wanted(config: pytest.Config) -> bool:
    """``--llmcore-history`` or ``history`` in ``[tool.llmcore]`` (checked without importing
    the history modules; they validate the value)."""
    return bool(config.getoption("llmcore_history", None)) or "history" in tool_table(config)


def budgets_needed_at_start(config: pytest.Config) -> bool:
    """Whether the budgets plugin must be registered before collection.

    Otherwise ``[tool.llmcore]`` is still validated now (an error there is a start-up error
    whether or not any test has budgets), by the budgets' own loader.
    """
    if _xdist_controller(config):
        return True
    if any(config.getoption(name, None) is not None for name in _RUN_OPTIONS):
        return True
    if history_wanted(config) or config.hook.pytest_llmcore_session_results.get_hookimpls():
        return True  # someone receives the run's report, with or without budgets
    table = tool_table(config)
    if "budgets" in table:
        return True  # config budgets: the check for keys that match no test sees every item
    if "profile" in table:
        return True  # a profile that does not exist is a start-up error, budgets or not
    if table:
        from .budgets.context import load_settings

        load_settings(config)
    return False


def register_budgets(config: pytest.Config) -> Any:
    """The budgets plugin of this run, registered now if it was not yet."""
    from .budgets.plugin import PLUGIN_NAME, BudgetsPlugin

    plugin = config.pluginmanager.get_plugin(PLUGIN_NAME)
    if plugin is None:
        plugin = BudgetsPlugin(config)
        config.pluginmanager.register(plugin, PLUGIN_NAME)
    return plugin


class BudgetsOnDemand:
    """Registers the budgets plugin when a collected test needs it; nothing per test."""

    name = "llmcore-budgets-on-demand"

    # tryfirst, as the budgets plugin's own hook: before -k/-m deselect
    @pytest.hookimpl(tryfirst=True)
    def pytest_collection_modifyitems(
        self, session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
    ) -> None:
        if not (carrying(items, (BUDGET_MARKER,)) or using_fixtures(items, BUDGET_FIXTURES)):
            return
        plugin = register_budgets(config)
        # registered during this hook's call, its implementation is not part of the call
        kwargs: dict[str, Any] = {"session": session, "config": config, "items": items}
        for impl in config.hook.pytest_collection_modifyitems.get_hookimpls():
            if impl.plugin is plugin:
                impl.function(*(kwargs[name] for name in impl.argnames))
