"""Settings of the dependency gate: ``[tool.llmcore.deps]`` and their command-line overrides."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..core.config import load_tool_table
from ..core.errors import InputError
from .ignore import exclude_patterns
from .records import CODES, Kind, canonical_name
from .schema import DEFAULT_DEV_PATHS, DEPS_TABLE

__all__ = [
    "DepsSettings",
    "load_settings",
    "parse_code",
    "parse_kinds",
    "settings_for_run",
    "settings_from_table",
]


_BY_CODE = {code.lower(): kind for kind, code in CODES.items()}


@dataclass(frozen=True)
class DepsSettings:
    fail_on: frozenset[Kind] = frozenset({Kind.UNUSED})
    ignore: Mapping[str, str] = field(default_factory=dict)
    """canonical dist name -> reason."""
    ignore_rules: Mapping[str, str] = field(default_factory=dict)
    """finding code (``LLMD006``) -> reason: the whole rule is ignored."""
    per_rule_ignores: Mapping[str, frozenset[str]] = field(default_factory=dict)
    """finding code -> canonical dist (or module) names ignored for that rule only."""
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


def parse_code(value: str) -> Kind | None:
    """A finding kind from its name (``unused``) or code (``LLMD002``, any case)."""
    v = value.strip().lower()
    if v in _BY_CODE:
        return _BY_CODE[v]
    try:
        return Kind(v)
    except ValueError:
        return None


def _kinds_help() -> str:
    return ", ".join(f"{k.value} ({CODES[k]})" for k in Kind)


def parse_kinds(values: Iterable[str], where: str) -> frozenset[Kind]:
    """Finding kinds named by kind or code; ``all`` and ``none`` too."""
    kinds = set()
    for v in values:
        v = v.strip()
        if not v:
            continue
        if v == "all":
            return frozenset(Kind)
        if v == "none":
            continue
        kind = parse_code(v)
        if kind is None:
            raise InputError(
                f"unknown finding kind {v!r} in {where}", fix=f"use {_kinds_help()}, all or none"
            )
        kinds.add(kind)
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


def _dotted(table: str, key: str) -> str:
    """``table.key`` as TOML would write it (quoted when the key is not a bare key)."""
    return (
        f"{table}.{key}" if re.fullmatch(r"[A-Za-z0-9_-]+", key) else f"{table}.{json.dumps(key)}"
    )


def _ignores(value: Any, path: Path) -> tuple[dict[str, str], dict[str, str]]:
    """``ignore = { dist = "reason", LLMD006 = "reason" }``: per dependency, or a whole rule."""
    example = 'e.g. ignore = { torchvision = "loaded by a plugin at run time" }'
    if not isinstance(value, dict):
        raise InputError(f"[tool.llmcore.deps] ignore must be a table, {example}", path)
    deps: dict[str, str] = {}
    rules: dict[str, str] = {}
    for k, reason in value.items():
        if not isinstance(reason, str) or not reason.strip():
            raise InputError(
                f"[tool.llmcore.deps] {_dotted('ignore', k)} must be a non-empty reason string, "
                f"{example}",
                path,
            )
        if k.upper().startswith("LLMD"):
            kind = parse_code(k)
            if kind is None:
                raise InputError(
                    f"[tool.llmcore.deps] {_dotted('ignore', k)}: unknown finding code",
                    path,
                    fix=f"use one of {_kinds_help()}",
                )
            rules[CODES[kind]] = reason
        else:
            deps[canonical_name(k)] = reason
    return deps, rules


def _per_rule(value: Any, path: Path) -> dict[str, frozenset[str]]:
    """``per-rule-ignores = { LLMD002 = ["torchvision"], missing = ["mylocal"] }``."""
    example = 'e.g. [tool.llmcore.deps.per-rule-ignores] LLMD002 = ["torchvision"]'
    if not isinstance(value, dict):
        raise InputError(f"[tool.llmcore.deps] per-rule-ignores must be a table, {example}", path)
    out: dict[str, frozenset[str]] = {}
    for k, names in value.items():
        kind = parse_code(k)
        if kind is None:
            raise InputError(
                f"[tool.llmcore.deps] {_dotted('per-rule-ignores', k)}: unknown finding code "
                "or kind",
                path,
                fix=f"use one of {_kinds_help()}",
            )
        if isinstance(names, str) or not (
            isinstance(names, list) and all(isinstance(n, str) for n in names)
        ):
            raise InputError(
                f"[tool.llmcore.deps] {_dotted('per-rule-ignores', k)} must be a list of "
                f"dependency names, {example}",
                path,
            )
        out[CODES[kind]] = out.get(CODES[kind], frozenset()) | {canonical_name(n) for n in names}
    return out


def _module_map(value: Any, path: Path) -> dict[str, tuple[str, ...]]:
    """``map = { acme-sdk = ["acme"] }``: canonical distribution name -> modules."""
    if not isinstance(value, dict):
        raise InputError("[tool.llmcore.deps] map must be a table of dist = [modules]", path)
    clean: dict[str, tuple[str, ...]] = {}
    for k, v in value.items():
        mods = [v] if isinstance(v, str) else v
        if not isinstance(mods, list) or not all(isinstance(m, str) for m in mods):
            raise InputError(
                f"[tool.llmcore.deps] {_dotted('map', k)} must be a module name or a list of them",
                path,
            )
        clean[canonical_name(k)] = tuple(mods)
    return clean


def _plain_values(table: Mapping[str, Any], path: Path) -> dict[str, Any]:
    """The lists of strings, the switches and max-file-size."""
    kw: dict[str, Any] = {}
    for key in ("exclude", "first-party", "requirements", "dev-requirements", "dev-paths"):
        val = _str_list(table, key, path)
        if val is not None:
            kw[key.replace("-", "_")] = val
    if "exclude" in kw:  # a bad pattern is found here, with the file named, not mid-scan
        try:
            exclude_patterns(kw["exclude"])
        except InputError as exc:
            raise InputError(exc.reason, path, fix=exc.fix) from None
    for key in ("gitignore", "cache"):
        if key in table:
            if not isinstance(table[key], bool):
                raise InputError(f"[tool.llmcore.deps] {key} must be true or false", path)
            kw[key] = table[key]
    if "max-file-size" in table:
        size = table["max-file-size"]
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise InputError(
                f"[tool.llmcore.deps] max-file-size must be a positive number of bytes, "
                f"not {size!r}",
                path,
                fix="e.g. max-file-size = 5000000",
            )
        kw["max_file_size"] = size
    return kw


def settings_from_table(table: object, path: Path) -> DepsSettings:
    """Validate ``[tool.llmcore.deps]`` (plain Python values) of the file ``path``."""
    if not isinstance(table, dict):
        raise InputError("[tool.llmcore.deps] must be a table", path)
    DEPS_TABLE.check_known(table, path)
    kw: dict[str, Any] = {}
    fail_on = _str_list(table, "fail-on", path)
    if fail_on is not None:
        kw["fail_on"] = parse_kinds(fail_on, f"{path} [tool.llmcore.deps] fail-on")
    kw["ignore"], kw["ignore_rules"] = _ignores(table.get("ignore", {}), path)
    kw["per_rule_ignores"] = _per_rule(table.get("per-rule-ignores", {}), path)
    kw["module_map"] = _module_map(table.get("map", {}), path)
    kw.update(_plain_values(table, path))
    return replace(DepsSettings(), **kw)


def load_settings(root: Path) -> DepsSettings:
    """Settings from ``root/pyproject.toml`` ([tool.llmcore.deps]); defaults when absent."""
    from .workspace import member_module_map

    path = root / "pyproject.toml"
    settings = settings_from_table(load_tool_table(path).get("deps", {}), path)
    # workspace members the root declares map to their own packages; the user's map wins
    return replace(settings, module_map={**member_module_map(root), **settings.module_map})


def settings_for_run(root: Path, fail_on: Iterable[str] | None, option: str) -> DepsSettings:
    """The project's settings with the command line's fail-on (``option`` names it in an
    error) over them: the one place the CLI and the pytest item build them."""
    settings = load_settings(root)
    if fail_on is not None:
        settings = settings.with_overrides(fail_on=parse_kinds(fail_on, option))
    return settings
