"""The kinds of finding and their codes: the one list every option, config key and message
takes its names from (kept apart from :mod:`.model` so that the option parsers, imported
at pytest start-up, load only an enum)."""

from __future__ import annotations

from enum import Enum

__all__ = ["CODES", "CODE_RANGE", "KIND_NAMES", "Kind"]


class Kind(str, Enum):
    """What is wrong with a dependency. The value is the kind used in JSON and config."""

    MISSING = "missing"
    UNUSED = "unused"
    TRANSITIVE = "transitive"
    MISPLACED_DEV = "misplaced-dev"
    #: declared, its import name was guessed, and a project import plausibly belongs to it
    UNMAPPED = "unmapped"
    #: declared, never used directly, and a companion of a used dependency with no trigger found
    COMPANION = "unused-companion"
    #: declared with an environment marker that no supported Python satisfies
    UNREACHABLE = "unreachable"


#: Stable finding codes. Numbers follow deptry's (DEP001..DEP004) so users can map them.
CODES: dict[Kind, str] = {
    Kind.MISSING: "LLMD001",
    Kind.UNUSED: "LLMD002",
    Kind.TRANSITIVE: "LLMD003",
    Kind.MISPLACED_DEV: "LLMD004",
    Kind.UNMAPPED: "LLMD005",
    Kind.COMPANION: "LLMD006",
    Kind.UNREACHABLE: "LLMD007",
}

#: The kinds as listed to users: the default (``unused``) first, then the others in order.
KIND_NAMES: tuple[str, ...] = (Kind.UNUSED.value, *(k.value for k in Kind if k is not Kind.UNUSED))
#: The codes as listed to users: ``LLMD001-LLMD007``.
CODE_RANGE = f"{min(CODES.values())}-{max(CODES.values())}"
