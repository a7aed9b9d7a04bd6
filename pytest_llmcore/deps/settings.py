"""Settings of the dependency gate: ``[tool.llmcore.deps]`` and their command-line overrides."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..core.config import load_tool_table
from ..core.errors import InputError
from .model import Kind, canonical_name

__all__ = ["DepsSettings", "load_settings", "parse_kinds"]

DEFAULT_DEV_PATHS: tuple[str, ...] = (
    "tests",
    "test",
    "testing",
    "docs",
    "doc",
    "benchmarks",
    "bench",
    "examples",
    "scripts",
    "tools",
    "notebooks",
    "conftest.py",
    "test_*.py",
    "*_test.py",
    "noxfile.py",
    "setup.py",
)

_KEYS = {
    "fail-on",
    "ignore",
    "map",
    "exclude",
    "first-party",
    "requirements",
    "dev-requirements",
    "dev-paths",
    "gitignore",
    "cache",
    "max-file-size",
}


@dataclass(frozen=True)
class DepsSettings:
    fail_on: frozenset[Kind] = frozenset({Kind.UNUSED})
    ignore: Mapping[str, str] = field(default_factory=dict)
    """canonical dist name -> reason."""
    module_map: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    exclude: tuple[str, ...] = ()
    first_party: tuple[str, ...] = ()
    requirements: tuple[str, ...] | None = None
    dev_requirements: tuple[str, ...] = ()
    dev_paths: tuple[str, ...] = DEFAULT_DEV_PATHS
    gitignore: bool = True
    cache: bool = True
    max_file_size: int = 5_000_000

    def with_overrides(self, **kw: Any) -> DepsSettings:
        return replace(self, **{k: v for k, v in kw.items() if v is not None})


def parse_kinds(values: Iterable[str], where: str) -> frozenset[Kind]:
    kinds = set()
    for v in values:
        v = v.strip()
        if not v:
            continue
        if v == "all":
            return frozenset(Kind)
        if v == "none":
            continue
        try:
            kinds.add(Kind(v))
        except ValueError:
            names = ", ".join(k.value for k in Kind)
            raise InputError(
                f"unknown finding kind {v!r} in {where}", fix=f"use {names}, all or none"
            ) from None
    return frozenset(kinds)


def _str_list(table: Mapping[str, Any], key: str, path: Path) -> tuple[str, ...] | None:
    if key not in table:
        return None
    v = table[key]
    if isinstance(v, str):
        v = [v]
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise InputError(f"[tool.llmcore.deps] {key} must be a list of strings", path)
    return tuple(v)


def load_settings(root: Path) -> DepsSettings:
    """Settings from ``root/pyproject.toml`` ([tool.llmcore.deps]); defaults when absent."""
    path = root / "pyproject.toml"
    table = load_tool_table(path).get("deps", {})
    if not isinstance(table, dict):
        raise InputError("[tool.llmcore.deps] must be a table", path)
    unknown = set(table) - _KEYS
    if unknown:
        raise InputError(
            f"unknown key(s) in [tool.llmcore.deps]: {', '.join(sorted(unknown))}",
            path,
            fix=f"known keys: {', '.join(sorted(_KEYS))}",
        )
    s = DepsSettings()
    kw: dict[str, Any] = {}
    fail_on = _str_list(table, "fail-on", path)
    if fail_on is not None:
        kw["fail_on"] = parse_kinds(fail_on, f"{path} [tool.llmcore.deps] fail-on")
    ignore = table.get("ignore", {})
    if not isinstance(ignore, dict) or not all(
        isinstance(r, str) and r.strip() for r in ignore.values()
    ):
        raise InputError(
            "[tool.llmcore.deps] ignore must map each dependency to a reason, "
            'e.g. ignore = { torchvision = "loaded by a plugin at run time" }',
            path,
        )
    kw["ignore"] = {canonical_name(k): v for k, v in ignore.items()}
    mmap = table.get("map", {})
    if not isinstance(mmap, dict):
        raise InputError("[tool.llmcore.deps] map must be a table of dist = [modules]", path)
    clean: dict[str, tuple[str, ...]] = {}
    for k, v in mmap.items():
        mods = [v] if isinstance(v, str) else v
        if not isinstance(mods, list) or not all(isinstance(m, str) for m in mods):
            raise InputError(
                f"[tool.llmcore.deps] map.{k} must be a module name or a list of them", path
            )
        clean[canonical_name(k)] = tuple(mods)
    kw["module_map"] = clean
    for key, attr in (
        ("exclude", "exclude"),
        ("first-party", "first_party"),
        ("requirements", "requirements"),
        ("dev-requirements", "dev_requirements"),
        ("dev-paths", "dev_paths"),
    ):
        val = _str_list(table, key, path)
        if val is not None:
            kw[attr] = val
    for key, attr in (("gitignore", "gitignore"), ("cache", "cache")):
        if key in table:
            if not isinstance(table[key], bool):
                raise InputError(f"[tool.llmcore.deps] {key} must be true or false", path)
            kw[attr] = table[key]
    if "max-file-size" in table:
        size = table["max-file-size"]
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise InputError(
                f"[tool.llmcore.deps] max-file-size must be a positive number of bytes, "
                f"not {size!r}",
                path,
                fix="e.g. max-file-size = 5000000",
            )
        kw["max_file_size"] = table["max-file-size"]
    return replace(s, **kw)
