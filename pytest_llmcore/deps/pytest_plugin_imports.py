"""Libraries that pytest plugins import when pytest loads them, without requiring them.

pytest loads every installed plugin's ``pytest11`` entry point, so a library that module
imports must be installed wherever the plugin is: without it pytest cannot start. Where
the plugin is used (:mod:`.pytest_plugins` decides), the library is used too. Kept apart
from the plugin machinery (``ast``, ``importlib``) so the evidence chain asks it for free.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .records import Evidence

__all__ = ["PLUGIN_IMPORTS", "plugin_import_evidence"]

#: library -> (plugin, where the plugin imports it). Checked against the wheels:
#: pytest-twisted 1.14.3 requires greenlet, pytest and decorator only; pytest-qt 4.4.0
#: requires pytest and pluggy and, at configure time, imports the first Qt binding it
#: finds (any declared one serves). pytest-tornasync is no row: it requires tornado.
PLUGIN_IMPORTS: dict[str, tuple[tuple[str, str], ...]] = {
    "twisted": (("pytest-twisted", "pytest_twisted/__init__.py:13 from twisted.internet"),),
    **{
        binding: (("pytest-qt", "pytestqt/qt_compat.py:76 imports the Qt binding it finds"),)
        for binding in ("pyside6", "pyside2", "pyqt6", "pyqt5")
    },
}


def plugin_import_evidence(
    key: str,
    declared: Mapping[str, tuple[str, Any]],
    plugin_use: Callable[[str], Evidence | None],
) -> Evidence | None:
    """``key`` is imported at load by a declared pytest plugin that does not require it:
    used where ``plugin_use`` finds that plugin used. ``declared``: key -> (distribution
    as declared, ...)."""
    for plugin, where in PLUGIN_IMPORTS.get(key, ()):
        if plugin not in declared:
            continue
        found = plugin_use(declared[plugin][0])
        if found is not None:
            why = f"imported by the pytest plugin {plugin}, which does not require it ({where})"
            return Evidence(f"{why}; {plugin} is used: {found.text}", found.file, found.line)
    return None
