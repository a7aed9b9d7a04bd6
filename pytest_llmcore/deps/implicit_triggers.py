"""Implicit-use triggers: the built-in table's rows and a hook's, as :class:`Trigger` objects.

Split from :mod:`.implicit` (the scan): what to look for, validated where a hook's rows enter.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any

from ..core.errors import InputError
from .implicit_table import DB_DRIVERS, ENGINES, NEEDLES, TRIGGERS
from .implicit_table_broker import BROKER_CONTEXT, BROKER_TRIGGERS
from .implicit_table_stores import STORE_TRIGGERS
from .records import canonical_name

__all__ = ["Trigger", "builtin_triggers", "hook_triggers"]


@dataclass(frozen=True)
class Trigger:
    """Source text that proves distributions used."""

    dists: tuple[str, ...]
    pattern: str
    what: str
    #: substrings one of which every match holds: a fast test before the regex
    needles: tuple[str, ...] = ()
    #: a regex the same file must also match (the library that reads a broker URL)
    context: str | None = None

    @cached_property
    def regex(self) -> re.Pattern[str]:
        # compiled on first search: a run needs only the triggers of its pending dependencies
        return re.compile(self.pattern)


@lru_cache(maxsize=1)
def builtin_triggers() -> tuple[Trigger, ...]:
    rows = [
        Trigger(tuple(map(canonical_name, d)), p, w, NEEDLES.get(w, ())) for d, p, w in TRIGGERS
    ]
    for engine, dists in ENGINES.items():
        pattern = rf"\b(?:engine|flavor)\s*=\s*[\"']{re.escape(engine)}[\"']"
        rows.append(Trigger(dists, pattern, f'engine="{engine}"'))
    for driver, dists in DB_DRIVERS.items():
        rows.append(Trigger(dists, rf"\+{re.escape(driver)}://", f"{driver} URL"))
    for d, p, w in BROKER_TRIGGERS:
        rows.append(
            Trigger(tuple(map(canonical_name, d)), p, w, (p[p.index(")") + 1 :],), BROKER_CONTEXT)
        )
    rows += [Trigger(d, p, w, (n,), c) for d, p, w, c, n in STORE_TRIGGERS]
    return tuple(rows)


def hook_triggers(results: Iterable[Any]) -> tuple[list[Trigger], dict[str, tuple[str, ...]]]:
    """Validate what ``pytest_llmcore_deps_implicit_triggers`` implementations returned."""
    hook = "pytest_llmcore_deps_implicit_triggers"
    triggers: list[Trigger] = []
    parents: dict[str, tuple[str, ...]] = {}
    for rows in results:
        for row in rows or ():
            if not isinstance(row, Mapping) or not isinstance(row.get("dist"), str):
                raise InputError(
                    f"{hook} returned {row!r}",
                    fix='return dicts like {"dist": "h2", "pattern": "http2=True"}',
                )
            dist = canonical_name(row["dist"])
            pattern = row.get("pattern")
            if pattern is not None:
                try:
                    re.compile(str(pattern))  # validated here, where the hook's value enters
                except re.error as exc:
                    raise InputError(
                        f"{hook}: pattern {pattern!r} for {dist} is not a regular expression "
                        f"({exc})",
                        fix="escape it with re.escape() for a literal",
                    ) from exc
                what = str(row.get("what") or "a project trigger")
                triggers.append(Trigger((dist,), str(pattern), what))
            companions_of = row.get("parents") or ()
            if isinstance(companions_of, str) or not all(isinstance(p, str) for p in companions_of):
                raise InputError(f"{hook}: parents for {dist} must be a list of names")
            if companions_of:
                parents[dist] = tuple(map(canonical_name, companions_of))
    return triggers, parents
