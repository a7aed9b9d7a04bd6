"""Every declared ``[tool.llmcore]`` table, assembled from the capabilities' own tables.

The top-level table holds keys of several capabilities (budgets, the LLM harness,
history) and the names of their sub-tables, so it is assembled here, in the wiring layer;
each sub-table is its capability's (``deps/schema.py``, ``gpu/schema.py``...).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from .budgets.schema import BUDGET_KEYS, PROFILE_TABLE
from .core.schema import Key, Table
from .deps.schema import DEPS_TABLE
from .gpu.schema import GPU_TABLE
from .llm.schema import LLM_KEYS

__all__ = ["TABLES", "TOOL_TABLE", "check_tool_table"]

#: read by history/plugin.py and history/commands.py (declared here while history/ is
#: being rewritten; it belongs in a history/schema.py)
HISTORY_KEYS: tuple[Key, ...] = (
    Key(
        "history",
        "path or postgresql:// URL",
        "(none: no history is kept)",
        "append each run's results to this store, a SQLite file or a server "
        "(--llmcore-history wins); see [history](history.md)",
    ),
)

_SUBTABLES: tuple[Key, ...] = (
    Key("deps", "table", "{}", "the dependency gate: [tool.llmcore.deps] (keys below)"),
    Key(
        "gpu", "table", "{}", "GPU markers, fixtures and samplers: [tool.llmcore.gpu] (keys below)"
    ),
)

TOOL_TABLE = Table(
    "tool.llmcore",
    "Settings of the whole plugin: budgets, the LLM harness, history, and the sub-tables.",
    (*BUDGET_KEYS, *LLM_KEYS, *HISTORY_KEYS, *_SUBTABLES),
    owner="plugin.py",
)

#: in the order of the reference page
TABLES: tuple[Table, ...] = (TOOL_TABLE, PROFILE_TABLE, DEPS_TABLE, GPU_TABLE)


def check_tool_table(table: Mapping[str, object], path: Path | str | None = None) -> None:
    """Refuse an unknown key of ``[tool.llmcore]`` (each sub-table is checked by its owner)."""
    TOOL_TABLE.check_known(table, path)
