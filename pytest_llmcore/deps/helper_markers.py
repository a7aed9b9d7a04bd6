"""Which files may define the project's own import or requirement-check helpers, read from
a file's bytes while it is scanned (cached with its imports), so that looking for helpers
later reads only those files.

An import helper calls ``import_module``/``find_spec``/``__import__`` (:mod:`.loaders`); a
check helper calls one of :data:`.check_helpers._WRAPPED`, each of which ends in one of
:data:`_CHECK_SUFFIXES` (``require_version``, ``is_package_available``).
"""

from __future__ import annotations

import re

__all__ = [
    "CHECK_SUFFIX_BYTES",
    "HINT_CHECK",
    "HINT_IMPORTER",
    "IMPORTER_MARKERS",
    "calls_a_check",
    "helper_hints",
]

HINT_IMPORTER = 1
HINT_CHECK = 2
IMPORTER_MARKERS = (b"import_module", b"find_spec", b"__import__")
_CHECK_SUFFIXES = (
    "version",
    "require",
    "distribution",
    "metadata",
    "package_available",
    "lazy_load_kernel",
    "RequirementCache",
    "Requirement",  # packaging's Requirement("x>=1") (a check, though no helper wraps it)
)
CHECK_SUFFIX_BYTES = tuple(s.encode() for s in _CHECK_SUFFIXES)


def helper_hints(data: bytes) -> int:
    """``HINT_IMPORTER | HINT_CHECK`` bits for what ``data`` may define. Plain substring
    tests (a regex with alternatives cost 20 ns a byte: a second on torch's sources)."""
    hints = HINT_IMPORTER if any(m in data for m in IMPORTER_MARKERS) else 0
    if calls_a_check(data):
        hints |= HINT_CHECK
    return hints


def calls_a_check(data: bytes) -> bool:
    """``require_version(``, ``version (``, ``Requirement(``...: a call of a name ending in
    one of the check words, with any white space before the ``(``. One search per word
    present (most files hold none, or one), each occurrence's next non-space byte looked
    at. Whatever the requirement-check pattern (:data:`.implicit_rules._CHECKS`) finds,
    this finds too."""
    for word in CHECK_SUFFIX_BYTES:
        at = data.find(word)
        while at >= 0:
            end = at + len(word)
            rest = data[end : end + 64].lstrip(_SPACE)
            if rest[:1] == b"(":
                return True
            if not rest and end + 64 < len(data) and re.match(rb"\s*\(", data[end:]):
                return True  # more white space than a glance shows
            at = data.find(word, end)
    return False


_SPACE = b" \t\n\r\f\v"
