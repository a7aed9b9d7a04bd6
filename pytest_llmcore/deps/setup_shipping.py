"""What a setup.py or setup.cfg says the wheel ships, as the equivalent ``[tool.setuptools]``
table (``packages``, ``packages.find``, ``package-dir``, ``py-modules``) that
:func:`.packaged.packaged_matcher` reads. Only explicit, statically known values count:
anything computed leaves the set unknown (None), and nothing is called development code.
"""

from __future__ import annotations

import configparser
from collections.abc import Mapping
from typing import Any

__all__ = ["cfg_shipping", "py_shipping"]

Table = dict[str, Any]


def _strs(value: Any) -> list[str] | None:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    return None


def py_shipping(values: Mapping[str, Any]) -> Table | None:
    """setup.py's ``packages`` (a list, or ``find_packages(...)`` read as ``{"find": ...}``),
    ``package_dir`` and ``py_modules``, each already plain data (None: computed)."""
    packages = values.get("packages")
    if not (isinstance(packages, dict) or _strs(packages) is not None):
        return None
    pdir = values.get("package_dir")
    mods = _strs(values.get("py_modules"))
    if ("package_dir" in values and not isinstance(pdir, dict)) or (
        "py_modules" in values and mods is None
    ):
        return None  # a computed layout: where the packages are is unknown
    return {"packages": packages, "package-dir": pdir or {}, "py-modules": mods or []}


def _lines(cp: configparser.ConfigParser, section: str, key: str) -> list[str]:
    if not cp.has_option(section, key):
        return []
    raw = cp.get(section, key).replace(",", "\n")
    return [p.split("#", 1)[0].strip() for p in raw.splitlines() if p.split("#", 1)[0].strip()]


def cfg_shipping(cp: configparser.ConfigParser) -> Table | None:
    """``[options] packages`` (a list, ``find:`` with ``[options.packages.find]``),
    ``package_dir`` and ``py_modules`` of a setup.cfg."""
    packages = _lines(cp, "options", "packages")
    if not packages:
        return None
    table: Table = {"py-modules": _lines(cp, "options", "py_modules")}
    if packages[0] in ("find:", "find_namespace:"):
        find = {k: _lines(cp, "options.packages.find", k) for k in ("where", "include")}
        table["packages"] = {"find": {k: v for k, v in find.items() if v}}
    else:
        table["packages"] = packages
    pdir: dict[str, str] = {}
    for entry in _lines(cp, "options", "package_dir"):
        name, sep, folder = entry.partition("=")
        if not sep:
            return None
        pdir[name.strip()] = folder.strip()
    table["package-dir"] = pdir
    return table
