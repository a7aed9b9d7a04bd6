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
    one of the check words, with any white space before the ``(`` (the call tests run only
    for the words present: most files hold none, or one). Whatever the requirement-check
    pattern (:data:`.implicit_rules._CHECKS`) finds, this finds too."""
    for word in CHECK_SUFFIX_BYTES:
        if word not in data:
            continue
        if word + b"(" in data or word + b" (" in data:
            return True
        if re.search(re.escape(word) + rb"\s*\(", data):  # a rarer layout
            return True
    return False
