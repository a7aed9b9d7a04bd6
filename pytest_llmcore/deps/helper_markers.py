"""Which files may define the project's own import or requirement-check helpers, read from
a file's bytes while it is scanned (cached with its imports), so that looking for helpers
later reads only those files.

An import helper calls ``import_module``/``find_spec``/``__import__`` (:mod:`.loaders`); a
check helper calls one of :data:`.check_helpers._WRAPPED`, each of which ends in one of
:data:`_CHECK_SUFFIXES` (``require_version(``, ``is_package_available (``).
"""

from __future__ import annotations

import re

__all__ = ["HINT_CHECK", "HINT_IMPORTER", "IMPORTER_MARKERS", "helper_hints"]

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
)
_MARKER: list[re.Pattern[bytes]] = []  # compiled on first use (start-up time)


def helper_hints(data: bytes) -> int:
    """``HINT_IMPORTER | HINT_CHECK`` bits for what ``data`` may define: one pass over the
    bytes for both kinds (several ``in`` tests cost twice as much)."""
    if not _MARKER:
        suffixes = "|".join(_CHECK_SUFFIXES).encode()
        _MARKER.append(
            re.compile(rb"(" + b"|".join(IMPORTER_MARKERS) + rb")|(?:" + suffixes + rb") ?\(")
        )
    hints = 0
    for m in _MARKER[0].finditer(data):
        hints |= HINT_IMPORTER if m.group(1) else HINT_CHECK
        if hints == HINT_IMPORTER | HINT_CHECK:
            break
    return hints
