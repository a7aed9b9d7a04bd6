"""Which collected items carry a marker or use a fixture: one pass, parents read once.

``item.get_closest_marker`` walks the whole parent chain for every item; on a suite of
thousands of unmarked tests that walk is most of what a plugin costs at collection. Here
each parent (module, class) is looked at once, so the cost per item is one set lookup.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import pytest

__all__ = ["carrying", "using_fixtures"]


def _chain_has(node: Any, names: frozenset[str], seen: dict[int, bool]) -> bool:
    """Whether ``node`` or one of its parents has a marker in ``names`` (cached by id)."""
    key = id(node)
    found = seen.get(key)
    if found is None:
        own = any(m.name in names for m in getattr(node, "own_markers", ()))
        parent = getattr(node, "parent", None)
        found = own or (parent is not None and _chain_has(parent, names, seen))
        seen[key] = found
    return found


def carrying(items: Sequence[pytest.Item], names: Iterable[str]) -> list[pytest.Item]:
    """The items that carry a marker named in ``names`` (their own or a parent's)."""
    wanted = frozenset(names)
    seen: dict[int, bool] = {}  # parents only: items are visited once each
    found = []
    for item in items:
        parent = item.parent
        if any(m.name in wanted for m in item.own_markers) or (
            parent is not None and _chain_has(parent, wanted, seen)
        ):
            found.append(item)
    return found


def using_fixtures(items: Sequence[pytest.Item], names: Iterable[str]) -> list[pytest.Item]:
    """The items whose fixture closure (autouse included) contains one of ``names``."""
    wanted = frozenset(names)
    return [i for i in items if not wanted.isdisjoint(getattr(i, "fixturenames", ()))]
