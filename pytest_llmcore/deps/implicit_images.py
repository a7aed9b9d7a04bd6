"""Requirements files that build another image, and the code the project sends there.

A Dockerfile that copies a requirements file into its image and installs it there (NeMo-Skills'
Dockerfile.sandbox: ``COPY requirements/code_execution.txt /app/requirements.txt`` then ``pip
install -r /app/requirements.txt``) declares that image's environment. What runs there is
often not an import of the project: Python source the project holds in a string and sends
to the image to run (a sandbox's evaluation prelude, ``eval_prefix = \"\"\"\\nimport h5py``).
For a distribution such a file declares, an import statement at the start of a line inside
a string that is assigned, passed or returned (never a docstring, never a comment) is a use,
with the string's line and the Dockerfile's as evidence. Everything else about the entry is
judged as usual: an entry nothing imports, here or in such a string, stays unused.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from .lazyre import lazy_compile

if TYPE_CHECKING:
    from .toolfiles import ToolFileSet

__all__ = ["code_string_imports", "image_requirement_files", "image_requirements"]

#: ``COPY``/``ADD`` and their arguments (one logical line: continuations joined)
_COPY = lazy_compile(r"^[ \t]*(?:COPY|ADD)[ \t]+(.+)$", re.I)
#: ``-r FILE`` / ``--requirement FILE`` of an install in a ``RUN`` line
_INSTALLS = lazy_compile(r"(?:^|[\s\"'])(?:-r|--requirement)[ \t=]*[\"']?([^\s\"';&|]+)")
_REQUIREMENTS_FILE = lazy_compile(r"\.(?:txt|in)$")


def _logical(text: str) -> Iterator[tuple[int, str]]:
    """(first line number, text) of each Dockerfile instruction, continuations joined."""
    buf: list[str] = []
    first = 0
    for i, raw in enumerate(text.splitlines(), start=1):
        if not buf:
            first = i
        if raw.rstrip().endswith("\\"):
            buf.append(raw.rstrip()[:-1])
            continue
        yield first, " ".join([*buf, raw])
        buf = []
    if buf:
        yield first, " ".join(buf)


def _copies(text: str) -> Iterator[tuple[int, list[str], str]]:
    """(line, sources, destination) of each COPY/ADD of the build context (not ``--from``)."""
    for line, instruction in _logical(text):
        m = _COPY.match(instruction)
        if m is None:
            continue
        args = m.group(1).strip()
        if args.startswith("["):  # the JSON form: ["src", "dest"]
            words = re.findall(r"\"([^\"]*)\"", args)
        else:
            try:
                words = shlex.split(args)
            except ValueError:
                continue
        if any(w.startswith("--from") for w in words):
            continue  # from another stage or image: not the project's file
        words = [w for w in words if not w.startswith("--")]
        if len(words) >= 2:
            yield line, words[:-1], words[-1]


def image_requirement_files(root: Path, files: ToolFileSet) -> dict[str, str]:
    """Requirements file (relative path) -> ``Dockerfile:line`` of the COPY that puts it
    in an image whose ``pip install -r`` installs it (by its destination path or name)."""
    found: dict[str, str] = {}
    for rel in files.of("docker"):
        text = files.read(rel)
        if not text or "-r" not in text:
            continue
        installed = {posixpath.basename(p) for p in _INSTALLS.findall(text)}
        installed |= {p.rstrip("/") for p in _INSTALLS.findall(text)}
        for line, sources, dest in _copies(text):
            for src in sources:
                if not _REQUIREMENTS_FILE.search(src) or "*" in src or "$" in src:
                    continue
                into = posixpath.join(dest, posixpath.basename(src)) if dest.endswith("/") else dest
                if not ({into, posixpath.basename(into)} & installed):
                    continue
                path = posixpath.normpath(src)
                if not path.startswith("../") and (root / path).is_file():
                    found.setdefault(path, f"{rel}:{line}")
    return found


def image_requirements(root: Path, files: ToolFileSet) -> dict[str, str]:
    """Canonical distribution -> where an image installs the requirements file declaring
    it (``requirements/code_execution.txt, installed by dockerfiles/Dockerfile.sandbox:62``)."""
    from .declarations_req import requirement_names
    from .safeio import read_text

    out: dict[str, str] = {}
    for path, where in image_requirement_files(root, files).items():
        try:
            text = read_text(root / path)
        except OSError:
            continue
        for key in requirement_names(text):
            out.setdefault(key, f"{path}, installed in the image of {where}")
    return out


#: an import statement at the start of a line (inside a string, when the import scan did
#: not see it: the distribution is still pending)
_IMPORT_LINE = r"^[ \t]*(?:import[ \t]+({mods})\b|from[ \t]+({mods})(?:\.\w+)*[ \t]+import\b)"
#: what a code string's opening follows: an assignment, a call's argument, an element, an
#: operand, a dict value, a return
_CODE_OPENER = lazy_compile(r"(?:[=(,\[+{:]|\breturn)\s*[rRbBfFuU]{0,2}$")


def code_string_imports(
    text: str, module_owner: Mapping[str, str]
) -> Iterator[tuple[str, str, int]]:
    """``(owner, import line, line)``: a module of ``module_owner`` imported by a line of
    Python held in a triple-quoted string that is assigned, passed or returned."""
    if "import" not in text or not any(m in text for m in module_owner):
        return
    mods = "|".join(map(re.escape, sorted(module_owner, key=len, reverse=True)))
    for m in re.finditer(_IMPORT_LINE.format(mods=mods), text, re.M):
        opening = _string_opening(text, m.start())
        if opening is None:
            continue
        before = text[text.rfind("\n", 0, opening) + 1 : opening]
        if _CODE_OPENER.search(before.rstrip()) is None:
            continue  # a docstring, or a string that is an expression statement
        mod = m.group(1) or m.group(2)
        yield module_owner[mod], m.group(0).strip(), text.count("\n", 0, m.start()) + 1


def _string_opening(text: str, at: int) -> int | None:
    """Where the triple-quoted string holding ``at`` opens, or None outside one (an odd
    number of triple quotes before it: the last one opened it)."""
    quotes = [q.start() for q in re.finditer(r"\"\"\"|'''", text[:at])]
    return quotes[-1] if len(quotes) % 2 == 1 else None
