"""Chains of requirement edges from a used dependency to a pinned one.

An entry nothing imports is a version pin when a USED declared dependency reaches it
through requirement edges, not only one step away: lightllm's all-``==`` environment
snapshot pins ``cffi`` because librosa (imported) requires soundfile, which requires cffi,
and ``mpmath`` because torch requires sympy, which requires mpmath. The edges come from
installed metadata, the project's lock files and the built-in table
(:data:`.implicit_pins.REQUIRES`, :data:`.implicit_pins.PINNED_REQUIREMENTS`). A chain
must start at a used dependency: six, which only unused botocore's python-dateutil needs,
stays unused.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from .records import canonical_name

__all__ = ["MAX_HOPS", "PinChain", "find_chain", "requirement_edges"]

#: The longest chain followed (pycparser <- cffi <- soundfile <- librosa is 3): beyond
#: that, an installed environment's closure reaches nearly everything.
MAX_HOPS = 4


@dataclass(frozen=True)
class PinChain:
    """``root`` (a used declared distribution) requires ``via[0]``, which requires
    ``via[1]``... which requires the pinned distribution."""

    root: str
    via: tuple[str, ...] = ()
    how: str = "used"  # or "declared": one step from a declared dependency, used or not

    def describe(self, target: str = "it") -> str:
        """``librosa (used) requires soundfile, which requires it``."""
        steps = "".join(f"{step}, which requires " for step in self.via)
        return f"{self.root} ({self.how}) requires {steps}{target}"


@lru_cache(maxsize=4096)
def _installed_requires(key: str, path: tuple[str, ...]) -> tuple[str, ...]:
    """What the installed distribution ``key`` requires (no extra asked; every marker
    of Python version or platform counts), or nothing when it is not installed."""
    del path  # the cache key only: another sys.path is another environment
    from .installed import installed
    from .requires import required_name

    found = installed(key)
    if found is None:
        return ()
    names = (required_name(text, evaluate_marker=False) for text in found.requires())
    return tuple(canonical_name(n) for n in names if n is not None)


@lru_cache(maxsize=1)
def _table() -> dict[str, frozenset[str]]:
    """The built-in edges, requirer -> requirements."""
    from .implicit_pins import PINNED_REQUIREMENTS, REQUIRES

    edges: dict[str, set[str]] = {k: set(v) for k, v in REQUIRES.items()}
    for requirement, requirers in PINNED_REQUIREMENTS.items():
        for requirer in requirers:
            edges.setdefault(requirer, set()).add(requirement)
    return {k: frozenset(v) for k, v in edges.items()}


def requirement_edges(
    lock_graph: Mapping[str, Collection[str]],
) -> Callable[[str], Iterable[str]]:
    """Node -> what it requires, per the lock graph, installed metadata and the table."""
    path = tuple(sys.path)

    def edges(node: str) -> Iterable[str]:
        found = set(lock_graph.get(node, ()))
        found.update(_installed_requires(node, path))
        found.update(_table().get(node, ()))
        return sorted(found)

    return edges


def find_chain(
    target: str,
    roots: Iterable[str],
    edges: Callable[[str], Iterable[str]],
    max_hops: int = MAX_HOPS,
) -> PinChain | None:
    """The shortest chain from one of ``roots`` to ``target`` (canonical names), the
    first root in sorted order among equals; None when none is ``max_hops`` or shorter."""
    key = canonical_name(target)
    start = sorted({canonical_name(r) for r in roots} - {key})
    came: dict[str, str | None] = dict.fromkeys(start)
    frontier = start
    for _ in range(max_hops):
        nxt: list[str] = []
        for node in frontier:
            for req in edges(node):
                if req in came:
                    continue
                came[req] = node
                if req == key:
                    return _chain(came, key)
                nxt.append(req)
        frontier = nxt
    return None


def _chain(came: Mapping[str, str | None], key: str) -> PinChain:
    path: list[str] = []
    node = came[key]
    while node is not None:
        path.append(node)
        node = came[node]
    path.reverse()
    return PinChain(path[0], tuple(path[1:]))
