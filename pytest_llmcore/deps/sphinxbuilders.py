"""Sphinx builders the project's commands name, and the distributions that provide them.

A builder is named by ``sphinx-build -b NAME`` / ``-M NAME`` (or ``python -m sphinx``), or
by a make target that a Sphinx Makefile's catch-all rule (``%: Makefile`` /
``$(SPHINXBUILD) -M $@ ...``, what ``sphinx-quickstart`` writes) hands to sphinx-build:
``make -C docs spelling``, ``make -f docs/Makefile spelling``, ``cd docs && make spelling``.
A builder is found through the ``sphinx.builders`` entry point of the distribution that
provides it, never through conf.py's ``extensions`` (django-debug-toolbar's
sphinxcontrib-spelling), so such a command is that distribution's use. Sphinx's own
builders need nothing more than Sphinx.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator, Sequence
from functools import cache

from .doctools import DocUse
from .invocation import Invocation
from .records import canonical_name
from .toolfiles import ToolFileSet

__all__ = ["BUILTIN_BUILDERS", "SPHINX_BUILDERS", "builder_uses"]

#: Sphinx's own builders (with those of the sphinxcontrib-*help and -serializinghtml
#: distributions Sphinx requires) and ``sphinx-build -M``'s make-mode targets
BUILTIN_BUILDERS = frozenset(
    [
        "html",
        "dirhtml",
        "singlehtml",
        "pickle",
        "json",
        "htmlhelp",
        "qthelp",
        "devhelp",
        "applehelp",
        "epub",
        "epub3",
        "latex",
        "latexpdf",
        "latexpdfja",
        "info",
        "texinfo",
        "text",
        "man",
        "xml",
        "pseudoxml",
        "linkcheck",
        "changes",
        "doctest",
        "coverage",
        "gettext",
        "dummy",
        "help",
        "clean",
    ]
)

#: builder -> the distribution that registers it (``sphinx.builders`` entry points or its
#: extension's ``app.add_builder``); installed metadata answers for any other name
SPHINX_BUILDERS: dict[str, str] = {
    "spelling": "sphinxcontrib-spelling",
    "confluence": "sphinxcontrib-confluencebuilder",
    "singleconfluence": "sphinxcontrib-confluencebuilder",
    "rinoh": "rinohtype",
    "markdown": "sphinx-markdown-builder",
    "revealjs": "sphinx-revealjs",
}

_NAME = re.compile(r"^[A-Za-z][\w-]*$")
#: a rule line's targets (not a variable assignment)
_RULE = re.compile(r"^([^\s:#=][^:#=]*?)\s*::?(?!=)", re.MULTILINE)
#: the Sphinx Makefile's catch-all: a ``%:`` rule whose recipe hands ``$@`` to -M or -b
_CATCH_ALL = re.compile(
    r"^%\s*::?(?!=)[^\n]*\n(?:\t[^\n]*\n)*?\t[^\n]*-[Mb]\s+[\"']?\$@", re.MULTILINE
)


def _option_builder(args: Sequence[str]) -> tuple[str, str] | None:
    """The builder of sphinx-build's arguments, and the option as written: ``-b NAME``,
    ``-bNAME``, ``--builder[=]NAME``, ``-M NAME`` (make mode)."""
    for i, arg in enumerate(args):
        if arg in ("-b", "-M", "--builder") and i + 1 < len(args):
            value, shown = args[i + 1], f"{arg} {args[i + 1]}"
        elif arg.startswith("--builder="):
            value, shown = arg.split("=", 1)[1], arg
        elif arg[:2] == "-b" and len(arg) > 2:
            value, shown = arg[2:], arg
        else:
            continue
        return (value, shown) if _NAME.match(value) else None
    return None


def _make_call(args: Sequence[str]) -> tuple[str | None, str | None, list[str]]:
    """``make``'s directory (``-C``), Makefile (``-f``) and targets (no ``VAR=value``)."""
    directory = makefile = None
    targets: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        for short, long in (("-C", "--directory"), ("-f", "--file")):
            value = None
            if arg in (short, long) and i + 1 < len(args):
                value, i = args[i + 1], i + 1
            elif arg.startswith(long + "="):
                value = arg.split("=", 1)[1]
            elif arg.startswith(short) and len(arg) > 2:
                value = arg[2:]
            if value is not None:
                directory, makefile = (value, makefile) if short == "-C" else (directory, value)
                break
        else:
            if not arg.startswith("-") and "=" not in arg and _NAME.match(arg):
                targets.append(arg)
        i += 1
    return directory, makefile, targets


def _catch_all_line(text: str, target: str) -> int | None:
    """The line of the Makefile's Sphinx catch-all rule that makes ``target``; None when
    there is none, or when ``target`` has a rule of its own."""
    found = _CATCH_ALL.search(text)
    if found is None:
        return None
    for rule in _RULE.finditer(text):
        if target in rule.group(1).split():
            return None
    return text.count("\n", 0, found.start()) + 1


@cache
def _installed_builders() -> dict[str, str]:
    """Installed ``sphinx.builders`` entry point name -> distribution."""
    from .installed import all_installed

    owners: dict[str, str] = {}
    for dist in all_installed():
        for group, name, _ in dist.entry_points():
            if group == "sphinx.builders":
                owners.setdefault(name, canonical_name(dist.name() or ""))
    return owners


def builder_dists(name: str) -> tuple[str, ...]:
    """The distributions that may provide builder ``name`` (any one of them): the table,
    installed entry points, else the usual names of a builder's distribution."""
    found = SPHINX_BUILDERS.get(name) or _installed_builders().get(name)
    if found:
        return (found,)
    key = canonical_name(name)
    return (f"sphinxcontrib-{key}", f"sphinx-{key}", f"sphinx-{key}-builder")


def _makefile(cwd: str, directory: str | None, makefile: str | None) -> str:
    """The Makefile ``make`` reads, relative to the project root."""
    base = posixpath.join(cwd, directory) if directory else cwd
    return posixpath.normpath(posixpath.join(base, makefile or "Makefile"))


def _named(
    invocations: Sequence[Invocation], files: ToolFileSet
) -> Iterator[tuple[str, str, Invocation]]:
    """(builder, how it is named, invocation) for each builder a command names."""
    makefiles = set(files.of("make"))
    cwd_of: dict[tuple[str, int | None], str] = {}  # a `cd DIR` earlier on the same line
    for inv in invocations:
        run = inv.run
        where = (inv.file, inv.line)
        if run.command == "cd" and len(run.args) == 1:
            cwd_of[where] = posixpath.normpath(posixpath.join(cwd_of.get(where, ""), run.args[0]))
            continue
        if run.command == "sphinx-build" or run.module in ("sphinx", "sphinx.cmd.build"):
            named = _option_builder(run.args)
            if named is not None:
                prog = "python -m sphinx" if run.module else "sphinx-build"
                yield named[0], f"`{prog} {named[1]}`", inv
            continue
        if run.command not in ("make", "gmake"):
            continue
        directory, makefile, targets = _make_call(run.args)
        cwd = cwd_of.get(where) or (posixpath.dirname(inv.file) if inv.file in makefiles else "")
        rel = _makefile(cwd, directory, makefile)
        text = files.read(rel) if rel in makefiles else None
        for target in targets if text else ():
            line = _catch_all_line(text or "", target)
            if line is not None:
                how = f"`make {' '.join(run.args)}` ({rel}:{line} runs sphinx-build -M $@)"
                yield target, how, inv


def builder_uses(invocations: Sequence[Invocation], files: ToolFileSet) -> list[DocUse]:
    """A :class:`DocUse` for each builder not Sphinx's own that a command names."""
    out: list[DocUse] = []
    for name, how, inv in _named(invocations, files):
        if name in BUILTIN_BUILDERS:
            continue
        use = DocUse(f"Sphinx builder {name!r} of {how}", inv.file, inv.line, builder_dists(name))
        if use not in out:
            out.append(use)
    return out
