"""The project's own requirement checks: ``def check_version(requirement): ...
require_version(requirement, hint)``.

A function of the project that hands its first parameter to a known requirement or
version check (transformers' ``require_version``, ``pkg_resources.require``,
``importlib.metadata.version``, ``is_package_available``...) checks the requirement its
caller names, so ``check_version("aqlm>=1.1.0", mandatory=True)`` anywhere in the project
is evidence for aqlm just as ``require_version("aqlm>=1.1.0")`` is. A name is a check only
through such a definition: ``check_version`` by itself proves nothing. Read from text like
:mod:`.loaders` (the import helpers), in the same pass over the files.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Iterator, Mapping
from functools import lru_cache
from pathlib import Path

from .helper_markers import HINT_CHECK, HINT_IMPORTER, IMPORTER_MARKERS, calls_a_check
from .implicit_rules import REQUIREMENT_ARG, in_comment_or_docstring, line_at
from .lazyre import lazy_compile, word_starts_at
from .loaders import file_helpers, functions_handing_on
from .records import canonical_name
from .safeio import read_bytes

__all__ = ["check_helpers", "helper_checks", "project_helpers"]

#: The checks a wrapper may hand its parameter to (``Requirement(x)`` only parses it).
_WRAPPED = (
    "RequirementCache",
    "require_version",
    "require",
    "version",
    "distribution",
    "get_distribution",
    "metadata",
    "is_package_available",
    "package_available",
    "lazy_load_kernel",
)
#: A bare name handed to a check: ``require_version(requirement, hint)``. No lookbehind
#: for the word boundary: it keeps the regex engine from skipping ahead to a literal, which
#: made the search three times slower; :func:`_handed` checks the boundary instead.
_HANDED = lazy_compile(
    r"(?:" + "|".join(_WRAPPED) + r")\s*\(\s*(?:\w+\s*=\s*)?([A-Za-z_]\w*)\s*[,)]"
)


def _handed(text: str) -> set[str]:
    """The bare names ``text`` hands to a check (``my_require_version(x)`` is no check)."""
    return {m.group(1) for m in _HANDED.finditer(text) if word_starts_at(text, m.start())}


def check_helpers(text: str, rel: str) -> dict[str, str]:
    """Function name -> ``rel:line`` of its def, for the functions defined in ``text``
    that hand their first parameter to a requirement check."""
    return {
        name: f"{rel}:{line_at(text, at)}"
        for name, _, at in functions_handing_on(text, _handed, skip=_WRAPPED)
    }


def project_helpers(
    files: Iterable[tuple[str, Path]],
    imports: bool,
    checks: bool,
    hints: Mapping[str, int] | None = None,
) -> tuple[dict[str, str], dict[str, str]]:
    """The project's import helpers (:func:`.loaders.file_helpers`, when ``imports``) and
    requirement-check helpers (when ``checks``), each file read once; a file whose scan
    ``hints`` rule out what is looked for is not read at all."""
    found_imports: dict[str, str] = {}
    found_checks: dict[str, str] = {}
    if not (imports or checks):
        return found_imports, found_checks
    wanted = (HINT_IMPORTER if imports else 0) | (HINT_CHECK if checks else 0)
    for rel, path in files:
        if not rel.endswith(".py"):
            continue
        hint = (hints or {}).get(rel, -1)
        if hint >= 0 and not hint & wanted:
            continue  # its bytes call neither kind of helper (read while it was scanned)
        try:
            data = read_bytes(path)
        except (OSError, ValueError):
            continue
        text: str | None = None
        if imports and any(m in data for m in IMPORTER_MARKERS):  # most files call no importer
            text = data.decode("utf-8", "replace")
            for name, param in file_helpers(text).items():
                found_imports.setdefault(name, param)
        if checks and calls_a_check(data):
            text = data.decode("utf-8", "replace") if text is None else text
            for name, where in check_helpers(text, rel).items():
                found_checks.setdefault(name, where)
    return found_imports, found_checks


@lru_cache(maxsize=8)
def _helper_pattern(names: tuple[str, ...]) -> re.Pattern[str]:
    alts = "|".join(re.escape(n) for n in names)
    return re.compile(rf"(?<![\w])(?:{alts})\s*\(\s*(?:\w+\s*=\s*)?" + REQUIREMENT_ARG)


def helper_checks(
    text: str, pending: Collection[str], helpers: Mapping[str, str]
) -> Iterator[tuple[str, str, int, str]]:
    """``(distribution, snippet, line, helper)``: a pending distribution's requirement
    string handed to one of the project's check helpers."""
    if not pending or not helpers or not any(h in text for h in helpers):
        return
    for m in _helper_pattern(tuple(sorted(helpers))).finditer(text):
        key = canonical_name(m.group(2))
        if key in pending and not in_comment_or_docstring(text, m.start()):
            helper = m.group(0).split("(", 1)[0].strip()
            yield key, m.group(0), line_at(text, m.start()), helper
