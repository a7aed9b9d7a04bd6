"""Stash keys of the budgets (``INVALID_KEY`` is core's: other layers add reasons to it)."""

from __future__ import annotations

import pytest

from ..core.stash import INVALID_KEY
from .metrics import MetricRegistry
from .recorder import PerfRecorder
from .spec import ItemBudgets

__all__ = ["BUDGETS_KEY", "INVALID_KEY", "METRICS_KEY", "PROPS_KEY", "RECORDER_KEY"]

#: The test's budgets for the active profile; set only for a test that has some.
BUDGETS_KEY = pytest.StashKey[ItemBudgets]()
#: The test's ``llmcore_perf`` recorder, set when the fixture is used.
RECORDER_KEY = pytest.StashKey[PerfRecorder]()
#: The JUnit properties this plugin added to the item (removed again when a test reruns).
PROPS_KEY = pytest.StashKey[list[tuple[str, object]]]()
#: This run's metrics: the built-ins and those its ``pytest_llmcore_add_metrics`` hooks
#: declared (built once, when the budgets start: ``context.run_metrics``).
METRICS_KEY = pytest.StashKey[MetricRegistry]()
