"""The project's own import helpers: ``def lazy_import(name): ... find_spec(name)``.

A function of the project that hands its first parameter to ``importlib.import_module``,
``importlib.util.find_spec`` or ``__import__`` imports the module its caller names, so
``lazy_import("screeninfo")`` anywhere in the project loads screeninfo just as
``import_module("screeninfo")`` does. Read from text, never parsed: a substring test skips
every file that calls none of the three, and only the body of a function whose first
parameter is handed to one is read (its lines down to the next line as little indented).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Iterator
from pathlib import Path

from .helper_markers import IMPORTER_MARKERS
from .lazyre import lazy_compile
from .safeio import read_bytes

__all__ = ["TOO_COMMON", "file_helpers", "functions_handing_on", "helper_call", "import_helpers"]

#: A bare name handed to an importer: ``find_spec(name)``, ``import_module(name=name)``.
_HANDED = lazy_compile(
    r"\b(?:import_module|find_spec|__import__)\s*\(\s*(?:name\s*=\s*)?([A-Za-z_]\w*)\s*[,)]"
)
#: A function and its first parameter (after ``self``/``cls``), with the def's indentation.
_DEF = lazy_compile(
    r"^([ \t]*)(?:async[ \t]+)?def[ \t]+(\w+)\s*\(\s*(?:(?:self|cls)\s*(?::[^,)]*)?,\s*)?"
    r"([A-Za-z_]\w*)",
    re.M,
)
#: Names too common to tell a helper's call from any other call of that name.
TOO_COMMON = frozenset(
    {"get", "load", "run", "main", "call", "find", "check", "wrapper", "import_module"}
)


def _body_end(text: str, start: int, indent: str) -> int:
    """Where the function whose ``def`` line starts at ``start`` ends: the next statement
    line indented no deeper than the def (a closing ``)`` of the signature aside)."""
    pattern = re.compile(rf"^(?!{re.escape(indent)}[ \t]|{re.escape(indent)}[)\]#])[ \t]*\S", re.M)
    nl = text.find("\n", start)
    if nl < 0:
        return len(text)
    m = pattern.search(text, nl + 1)
    return m.start() if m else len(text)


def functions_handing_on(
    text: str, handed: Callable[[str], Collection[str]], skip: Collection[str] = ()
) -> Iterator[tuple[str, str, int]]:
    """(name, first parameter, where the name starts) of each function defined in ``text``
    whose body hands its first parameter on, as ``handed(body)`` says (``handed(text)``
    first: a parameter never handed anywhere in the file rules its function out)."""
    anywhere = handed(text)
    if not anywhere:
        return
    seen: set[str] = set()
    for m in _DEF.finditer(text):
        indent, name, param = m.groups()
        if param not in anywhere or name in TOO_COMMON or name in seen or name in skip:
            continue
        body = text[m.end() : _body_end(text, m.start(), indent)]
        if param in handed(body):
            seen.add(name)
            yield name, param, m.start(2)


def file_helpers(text: str) -> dict[str, str]:
    """Function name -> the parameter it imports, for the functions defined in ``text``."""
    return {name: param for name, param, _ in functions_handing_on(text, _handed)}


def _handed(text: str) -> set[str]:
    return set(_HANDED.findall(text))


def import_helpers(files: Iterable[tuple[str, Path]]) -> dict[str, str]:
    """The project's import helpers: function name -> the parameter naming the module."""
    found: dict[str, str] = {}
    for rel, path in files:
        if not rel.endswith(".py"):
            continue
        try:
            data = read_bytes(path)
        except (OSError, ValueError):
            continue
        if any(m in data for m in IMPORTER_MARKERS):  # most files call no importer at all
            for name, param in file_helpers(data.decode("utf-8", "replace")).items():
                found.setdefault(name, param)
    return found


def helper_call(helpers: dict[str, str]) -> re.Pattern[str] | None:
    """Text ending where a helper's module argument starts: ``lazy_import(`` or
    ``lazy_import(name=``."""
    if not helpers:
        return None
    alts = "|".join(
        rf"{re.escape(f)}\s*\(\s*(?:{re.escape(p)}\s*=\s*)?" for f, p in sorted(helpers.items())
    )
    return re.compile(rf"(?<!\w)(?:{alts})$")
