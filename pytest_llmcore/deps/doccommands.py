"""Commands a developer doc tells the project's developers to run.

Only developer docs count (``CONTRIBUTING*``, ``DEVELOPMENT*``, ``HACKING*`` anywhere, a
``README*`` under a ``tests``/``test`` directory, a ``docs/`` page whose name says
contributing or developing), and in them only shell code: a fenced Markdown block or an
reStructuredText ``code-block`` labelled ``bash``/``sh``/``shell``/``zsh``, and the ``$ ``
prompt lines of a ``console``/``shell-session`` block. The project's README and user
docs show how to *install and use* the project, so their commands are never uses; prose
and other code blocks are never read.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from .lazyre import lazy_compile

if TYPE_CHECKING:  # the readers load only when a developer doc is there
    from .invocation import Invocation
    from .toolfiles import ToolFileSet

__all__ = [
    "DOC_COMMAND",
    "RECORDED_DATA_OPTIONS",
    "developer_docs",
    "is_developer_doc",
    "read_doc_commands",
]

#: ``Invocation.source`` of a command read from a developer doc (weaker evidence).
DOC_COMMAND = "doc-command"

#: pytest options that only regenerate what a plugin's fixture or marker records
#: (snapshots, cassettes, regression data): in a developer doc they say how to refresh
#: that data, not that the tests use the plugin (a stale doc outlives the fixture), so
#: only a test's use of the fixture/marker, or a real run, counts.
RECORDED_DATA_OPTIONS = lazy_compile(
    r"^--(?:snapshot-|allow-snapshot-|inline-snapshot|record-mode|vcr-record|force-regen"
    r"|regen-all)"
)

_SCRIPT_LANGS = frozenset({"bash", "sh", "shell", "zsh"})
_PROMPT_LANGS = frozenset({"console", "shell-session", "shellsession"})
_DEV_NAME = lazy_compile(r"^(?:contributing|development|developing|hacking)\b", re.IGNORECASE)
_DOCS_DEV_NAME = lazy_compile(r"contribut|develop", re.IGNORECASE)
_FENCE = lazy_compile(r"^([ \t]*)(`{3,}|~{3,})[ \t]*\{?([\w+-]*)\}?")
_RST_CODE = lazy_compile(r"^([ \t]*)\.\.[ \t]+(?:code-block|code|sourcecode)::[ \t]*([\w+-]*)")


def is_developer_doc(rel: str) -> bool:
    """Whether a Markdown/reStructuredText page at ``rel`` is written for developers."""
    parts = rel.lower().split("/")
    name = parts[-1]
    if _DEV_NAME.match(name):
        return True
    if name.startswith("readme") and any(p in ("tests", "test") for p in parts[:-1]):
        return True
    return parts[0] in ("docs", "doc") and bool(_DOCS_DEV_NAME.search(name))


def developer_docs(files: ToolFileSet) -> list[str]:
    return [rel for kind in ("markdown", "rst") for rel in files.of(kind) if is_developer_doc(rel)]


def _markdown_blocks(text: str) -> Iterator[tuple[str, int, list[str]]]:
    """(language, first body line, body lines) of each fenced block."""
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        i += 1
        if m is None:
            continue
        fence, body, start = m.group(2), [], i + 1
        while i < len(lines) and not (
            lines[i].strip().startswith(fence) and not lines[i].strip().strip(fence[0])
        ):
            body.append(lines[i])
            i += 1
        i += 1
        yield m.group(3).lower(), start, body


def _rst_blocks(text: str) -> Iterator[tuple[str, int, list[str]]]:
    """(language, first body line, body lines) of each ``code-block`` directive."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        m = _RST_CODE.match(line)
        if m is None:
            continue
        indent, j = len(m.group(1)), i + 1
        while j < len(lines) and lines[j].strip().startswith(":"):  # :linenos: options
            j += 1
        start, body = j + 1, []
        while j < len(lines) and (
            not lines[j].strip() or len(lines[j]) - len(lines[j].lstrip()) > indent
        ):
            body.append(lines[j])
            j += 1
        yield m.group(2).lower(), start, body


def _script_lines(lang: str, body: list[str]) -> list[str]:
    """The block's shell lines (blank for the rest, so line numbers hold)."""
    if lang in _SCRIPT_LANGS:
        return list(body)
    if lang in _PROMPT_LANGS:
        return [ln.strip()[2:] if ln.strip().startswith("$ ") else "" for ln in body]
    return []


def doc_commands(text: str, rel: str) -> list[Invocation]:
    """Every command in the page's shell code blocks, as a doc-command invocation."""
    from .invocation import Invocation
    from .shell import runs_in_script

    blocks = _rst_blocks(text) if rel.lower().endswith(".rst") else _markdown_blocks(text)
    out: list[Invocation] = []
    for lang, start, body in blocks:
        script = _script_lines(lang, body)
        if not any(ln.strip() for ln in script):
            continue
        dedent = min(len(ln) - len(ln.lstrip()) for ln in script if ln.strip())
        for run in runs_in_script("\n".join(ln[dedent:] for ln in script)):
            out.append(Invocation(run, rel, start + run.line, source=DOC_COMMAND))
    return out


def read_doc_commands(files: ToolFileSet) -> list[Invocation]:
    """The commands of every developer doc of the project."""
    out: list[Invocation] = []
    for rel in developer_docs(files):
        out += doc_commands(files.read(rel) or "", rel)
    return out
