"""Implicit-use rules that read a file for names the pending set can't list in advance.

A module family loaded by prefix (``import_module(f"tree_sitter_{name}")``), a requirement
string a version check receives (``RequirementCache("litlogger>=0.1.7")``), a build
requirement a CMake file finds (``find_package(pybind11)``). Each yields hits; the
:class:`.implicit.ImplicitScan` turns them into evidence.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Mapping
from typing import TYPE_CHECKING

from .implicit_table import ENV_SETTINGS
from .implicit_table_ml import CONFIG_VALUES
from .implicit_table_recipes import RECIPE_TRIGGERS
from .lazyre import lazy_compile
from .literalbind import bound_loads, bound_prefixes
from .records import canonical_name

if TYPE_CHECKING:
    from .implicit import ImplicitScan
    from .toolfiles import ToolFileSet

__all__ = [
    "REQUIREMENT_ARG",
    "bound_name_loads",
    "cmake_finds",
    "in_comment_or_docstring",
    "line_at",
    "looped_checks",
    "prefix_loads",
    "requirement_checks",
    "scan_config_files",
]

#: A loader handed a module name built on a literal prefix: ``f"tree_sitter_{name}"``,
#: ``"tree_sitter_" + name``, ``"tree_sitter_%s" % name``, ``"tree_sitter_{}".format(name)``.
_PREFIX_LOAD = lazy_compile(
    r"\b(?:import_module|__import__|importorskip|find_spec)\s*\(\s*(?:(?:mod)?name\s*=\s*)?"
    r"(?:(?:[rR]?[fF]|[fF][rR])([\"'])(?P<f>[A-Za-z_][\w.]*)\{(?!\{)"
    r"|([\"'])(?P<plus>[A-Za-z_][\w.]*)\3\s*\+"
    r"|([\"'])(?P<fmt>[A-Za-z_][\w.]*)(?:%s|\{\w*\})[^\"'\n]*\5\s*(?:%|\.format\s*\())"
)


def bound_name_loads(
    text: str, module_owner: Mapping[str, str]
) -> Iterator[tuple[str, str, int, str]]:
    """``(owner, module, line, variable)``: a pending module a loader receives through a
    variable bound only to string literals (``name = "x"; __import__(name)``, ``for p in
    ["x", "y"]: find_spec(p)``; :mod:`.literalbind`)."""
    if not any(m in text for m in module_owner):
        return  # the literal would spell a pending module: none is in the text (no parse)
    for mod, line, variable in bound_loads(text):
        parts = mod.split(".")
        for i in range(len(parts), 0, -1):
            owner = module_owner.get(".".join(parts[:i]))
            if owner is not None:
                yield owner, mod, line, variable
                break


#: A requirement string handed to a requirement or version check:
#: ``RequirementCache("litlogger>=0.1.7")``, ``version("antlr4-python3-runtime")``; or a
#: distribution's name handed to a loader that imports it when installed (transformers'
#: ``lazy_load_kernel("causal-conv1d")`` imports ``causal_conv1d``).
_CHECKS = (
    r"\b(?:RequirementCache|require_version|require|Requirement|version|distribution"
    r"|get_distribution|metadata|is_package_available|package_available|lazy_load_kernel)"
)
#: the tail of a requirement check's call: a quoted requirement string (its name, group 2)
REQUIREMENT_ARG = (
    r"([\"'])([A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9]|[A-Za-z0-9])\s*(?:\[[\w,\s-]*\]\s*)?"
    r"(?:[<>=!~;@](?:(?!\1)[^\n])*)?\1(?:\s*\))?"
)
_REQUIREMENT_CHECK = lazy_compile(_CHECKS + r"\s*\(\s*" + REQUIREMENT_ARG)
#: ``find_package(NAME`` at the start of a CMake line (commands are case-insensitive).
_FIND_PACKAGE = lazy_compile(r"^[ \t]*find_package\s*\(\s*([A-Za-z][\w.-]*)", re.I | re.M)


def _meaningful_prefix(prefix: str) -> bool:
    """A prefix that names a family of modules: a word of 3+ characters ending in ``_`` or
    ``.`` (``tree_sitter_``, ``transformers.models.``); never empty, never ``a_``."""
    return len(prefix) >= 4 and prefix[-1] in "_." and prefix[-2] not in "_."


def in_comment_or_docstring(text: str, at: int) -> bool:
    """A ``#`` before ``at`` on its line, or an odd number of triple quotes before it:
    an example written in a comment or a docstring is not code that runs."""
    start = text.rfind("\n", 0, at) + 1
    if "#" in text[start:at]:
        return True
    return (text.count('"""', 0, at) + text.count("'''", 0, at)) % 2 == 1


def line_at(text: str, at: int) -> int:
    return text.count("\n", 0, at) + 1


def prefix_loads(text: str, module_owner: Mapping[str, str]) -> Iterator[tuple[str, str, int, str]]:
    """``(owner, snippet, line, prefix)`` for every module of ``module_owner`` that a loader
    call's literal prefix starts (tree_sitter_css for ``tree_sitter_``), or whose package
    the prefix lies in (transformers for ``transformers.models.``)."""
    for m in _PREFIX_LOAD.finditer(text):
        prefix = m.group("f") or m.group("plus") or m.group("fmt")
        if not _meaningful_prefix(prefix) or in_comment_or_docstring(text, m.start()):
            continue
        for mod, owner in module_owner.items():
            if mod.startswith(prefix) or prefix.startswith(mod + "."):
                yield owner, m.group(0), line_at(text, m.start()), prefix
    # the same, the built name reaching the loader through a variable or a method's result
    for prefix, line, via in bound_prefixes(text):
        if _meaningful_prefix(prefix):
            for mod, owner in module_owner.items():
                if mod.startswith(prefix) or prefix.startswith(mod + "."):
                    yield owner, f"{via} = {prefix}...", line, prefix


#: where a call opens on a string, and the check's name just before it: the full pattern
#: runs only there (scanning every word boundary for the names cost the most of a cold run)
_CALL_ON_STRING = lazy_compile(r"\(\s*[\"']")
_CHECK_NAME = lazy_compile(_CHECKS + r"\s*$")


def may_name(text: str, keys: Collection[str]) -> bool:
    """Could ``text`` spell one of the distributions ``keys`` (PEP 503 names) in any case
    and with any separators (``Typing_Extensions``)? A cheap test before the searches
    that look for a requirement string; never false where one of them would find one."""
    lowered = text.lower()
    return any(all(part in lowered for part in key.split("-")) for key in keys)


def requirement_checks(text: str, pending: Collection[str]) -> Iterator[tuple[str, str, int]]:
    """``(distribution, snippet, line)``: a pending distribution's requirement string
    handed to a requirement or version check."""
    if pending and may_name(text, pending):  # most files name none of them
        yield from _checks_naming(text, pending)
        yield from looped_checks(text, pending)


def _checks_naming(text: str, pending: Collection[str]) -> Iterator[tuple[str, str, int]]:
    for call in _CALL_ON_STRING.finditer(text):
        name = _CHECK_NAME.search(text, max(0, call.start() - 64), call.start())
        m = None if name is None else _REQUIREMENT_CHECK.match(text, name.start())
        if m is None:
            continue
        key = canonical_name(m.group(2))
        if key in pending and not in_comment_or_docstring(text, m.start()):
            yield key, m.group(0), line_at(text, m.start())


#: a loop over names: ``for pkg in NAMES:`` and its indented body
_LOOP = lazy_compile(
    r"^([ \t]*)for[ \t]+([A-Za-z_]\w*)[ \t]+in[ \t]+([^\n:]+):[ \t]*\n"
    r"((?:\1[ \t]+[^\n]*\n|[ \t]*\n)*)",
    re.M,
)
#: names a loop may iterate: ``"a b c".split()`` or a list/tuple display of literals
_WORDS = re.compile(r"([\"'])([\w .-]*)\1\.split\(\s*\)")
_DISPLAY = re.compile(r"[\[(]\s*(?:([\"'])[\w.-]+\1\s*,?\s*)+[\])]")


def _names_of(expr: str) -> list[str] | None:
    """The literal names an iterable spells, or None when it is no literal."""
    expr = expr.strip()
    m = _WORDS.fullmatch(expr)
    if m:
        return m.group(2).split()
    if _DISPLAY.fullmatch(expr):
        return [q[1] for q in re.findall(r"([\"'])([\w.-]+)\1", expr)]
    return None


def looped_checks(text: str, pending: Collection[str]) -> Iterator[tuple[str, str, int]]:
    """``(distribution, snippet, line)``: a name in a literal list a loop hands to a
    requirement check, directly or as a table's key (diffusers' dependency_versions_check:
    ``pkgs = "python requests filelock numpy".split()`` / ``for pkg in pkgs:`` /
    ``require_version_core(deps[pkg])``)."""
    if "for " not in text:
        return
    for m in _LOOP.finditer(text):
        var, iterable = m.group(2), m.group(3).strip()
        call = re.search(_CHECKS + r"(?:_core)?\s*\(\s*(?:\w+\s*\[\s*)?" + var + r"\b", m.group(4))
        if call is None or in_comment_or_docstring(text, m.start()):
            continue
        names, at = _names_of(iterable), m.start()
        if names is None and re.fullmatch(r"[A-Za-z_]\w*", iterable):
            bound = re.search(rf"^{iterable}[ \t]*=[ \t]*([^\n]+)$", text[: m.start()], re.M)
            if bound is not None:
                names, at = _names_of(bound.group(1)), bound.start()
        for name in names or ():
            key = canonical_name(name)
            if key in pending:
                yield key, f"{iterable} ... {call.group(0)}", line_at(text, at)


def cmake_finds(text: str, pending: Collection[str]) -> Iterator[tuple[str, str, int]]:
    """``(distribution, snippet, line)``: ``find_package(pybind11 CONFIG)`` in a CMake
    file, a build requirement found in the Python environment (pybind11, nanobind, Torch)."""
    for m in _FIND_PACKAGE.finditer(text):
        key = canonical_name(m.group(1))
        if key in pending:
            yield key, m.group(0), line_at(text, m.start())


def scan_config_files(scan: ImplicitScan, files: ToolFileSet) -> None:
    """The project's other YAML files (training configs: ``optimizer: schedule_free_adamw``,
    ``- pretrain/x.jsonl.zst``), searched only by the rows that name a config value
    (:data:`.implicit_table_ml.CONFIG_VALUES`) or a recipe key
    (:data:`.implicit_table_recipes.RECIPE_TRIGGERS`), and only while one is pending: any
    other row's text (``reload=True``) in a config file is no use. The rows that match an
    environment variable's setting (:data:`.implicit_table.ENV_SETTINGS`) run on tox.ini,
    tox.toml and pyproject.toml (``setenv``/``set_env``)."""
    rows = [t for t in scan.triggers if t.what in CONFIG_VALUES]
    # training-recipe keys (``use_peft: true``): only in configs, each behind its reader's keys
    rows += [t for t in RECIPE_TRIGGERS if any(d in scan.pending for d in t.dists)]
    for rel in files.of("yaml") if rows else ():
        text = files.read(rel)
        if text is not None:
            scan.scan_source(rel, text, strings=False, rows=rows)
    # an environment variable set for the test runs (tox ``setenv``/``set_env``)
    rows = [t for t in scan.triggers if t.what in ENV_SETTINGS]
    for rel in dict.fromkeys([*files.of("tox"), "tox.toml", "pyproject.toml"]) if rows else ():
        text = files.read(rel)
        if text is not None:
            scan.scan_source(rel, text, strings=False, rows=rows)
