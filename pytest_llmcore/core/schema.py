"""Declared configuration keys: each capability lists its ``[tool.llmcore]`` keys in a
:class:`Table` (name, type, range or choices, default, one line of documentation).

The same tables refuse unknown keys (with the closest known name) where a capability
validates its part of the configuration, and generate the configuration reference
(``docs/config.md``), so a key can't be read without being documented.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError

__all__ = ["Key", "Table", "unknown_keys_error"]


@dataclass(frozen=True)
class Key:
    """One configuration key, as the reference documents it."""

    name: str
    type: str
    """How the value is written: ``true/false``, ``list of strings``, ``duration``..."""
    default: str
    """The default as the reference shows it ("" when there is none)."""
    doc: str
    """One line: what the key does."""
    choices: tuple[str, ...] = ()
    range: str = ""
    """The values accepted, when not every value of the type is (``at least 1``)."""


@dataclass(frozen=True)
class Table:
    """The keys of one TOML table, e.g. ``tool.llmcore.deps``."""

    name: str
    doc: str
    keys: tuple[Key, ...]
    owner: str
    """The capability (or wiring module) that reads the table."""

    @property
    def names(self) -> frozenset[str]:
        return frozenset(k.name for k in self.keys)

    def key(self, name: str) -> Key:
        for k in self.keys:
            if k.name == name:
                return k
        raise KeyError(name)

    def check_known(self, table: Mapping[str, object], path: Path | str | None = None) -> None:
        """Refuse keys this table does not declare: one line naming each, with the
        closest known name."""
        unknown = sorted(set(table) - self.names, key=str)
        if unknown:
            raise unknown_keys_error(self.name, unknown, self.names, path)


def _suggestion(key: str, known: Iterable[str]) -> str | None:
    # "fail_on" and "FAIL-ON" are the usual slips: compare in the canonical spelling first
    canon = {k.lower().replace("_", "-"): k for k in known}
    if key.lower().replace("_", "-") in canon:
        return canon[key.lower().replace("_", "-")]
    import difflib  # only for an unknown key (start-up time)

    close = difflib.get_close_matches(key, sorted(canon.values()), n=1, cutoff=0.6)
    return close[0] if close else None


def unknown_keys_error(
    table: str, unknown: Iterable[str], known: Iterable[str], path: Path | str | None = None
) -> InputError:
    """``unknown key in [tool.llmcore.deps]: 'fail_on' (did you mean 'fail-on'?)``."""
    known = sorted(known)
    parts: list[str] = []
    unmatched = False
    for key in unknown:
        near = _suggestion(str(key), known)
        unmatched |= near is None
        parts.append(f"{key!r}" + (f" (did you mean {near!r}?)" if near else ""))
    noun = "key" if len(parts) == 1 else "keys"
    fix = f"known keys: {', '.join(known)}" if unmatched else None
    return InputError(f"unknown {noun} in [{table}]: {', '.join(parts)}", path, fix=fix)
