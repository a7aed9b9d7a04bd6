"""zensical.toml, the configuration of Zensical (the successor of mkdocs-material's mkdocs).

``zensical build`` reads ``zensical.toml`` (its ``[project]`` table, else the top level) and,
like mkdocs, loads what ``markdown_extensions`` names through Python-Markdown and the
``mkdocstrings`` plugin's handlers; it also imports the functions some extension options
name by a dotted string (``format = "pymdownx.superfences.fence_code_format"``), which
mkdocs.yml writes as ``!!python/name:``. The same evidence as mkdocs.yml follows, with
Zensical's own rules (its python/zensical/config.py):

- ``[project.markdown_extensions.pymdownx.betterem]``: TOML splits the dotted name, so the
  ``pymdownx`` and ``zensical`` tables are hoisted one level (``blocks`` and
  ``extensions`` two) back into extension names;
- without a ``markdown_extensions`` table Zensical loads its own defaults, and ``toc`` and
  ``tables`` always: Zensical requires Markdown and pymdown-extensions, so those are its
  uses, never the project's;
- ``theme`` names no distribution: Zensical renders with its own templates;
- plugins: only ``mkdocstrings`` loads another distribution (Zensical's compat layer
  imports mkdocstrings); ``search``, ``offline``, ``blog``... are Zensical's own.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from .doctools import DocUse, markdown_extension_use, mkdocstrings_uses
from .toolfiles import yaml

__all__ = ["read_zensical", "zensical_mkdocstrings_dir"]

#: a TOML table header (``[a.b]`` or ``[[a.b]]``) and the parts of a dotted key
_HEADER = re.compile(r"^\s*\[\[?([^\[\]]+)\]\]?\s*(?:#.*)?$")
_KEY_PART = re.compile(r"\"([^\"]*)\"|'([^']*)'|([A-Za-z0-9_-]+)")
#: extension options whose dotted string value Zensical imports (its ``_resolve``)
_RESOLVED = frozenset({"emoji_index", "emoji_generator", "format", "object"})


def _parts(key: str) -> tuple[str, ...]:
    return tuple(next(g for g in m.groups() if g is not None) for m in _KEY_PART.finditer(key))


class _Lines:
    """Where a key path of a TOML file is written (TOML parsers keep no positions)."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.headers: list[tuple[int, tuple[str, ...]]] = []
        for number, line in enumerate(self.lines, 1):
            m = _HEADER.match(line)
            if m is not None:
                self.headers.append((number, _parts(m.group(1))))

    def of(self, path: tuple[str, ...]) -> int | None:
        """The header of ``path``, else of its first sub-table, else the first line after
        its deepest written parent table that names its last part (a key, or a string of
        a list)."""
        if path in (parts for _, parts in self.headers):
            return next(number for number, parts in self.headers if parts == path)
        start, depth = 0, 0
        for number, parts in self.headers:
            if parts[: len(path)] == path:
                return number
            if len(parts) > depth and path[: len(parts)] == parts:
                start, depth = number, len(parts)
        word = re.escape(path[-1])
        found = re.compile(rf"(?<![\w.-])[\"']?{word}[\"']?\s*[=.]|[\"']{word}[\"']")
        for number in range(start + 1, len(self.lines) + 1):
            if found.search(self.lines[number - 1]):
                return number
        return start or None


def _project(text: str, rel: str) -> tuple[dict[str, Any], tuple[str, ...]]:
    """The table Zensical reads, and its key path. Raises InputError when not TOML."""
    from ..core.config import parse_toml_data

    data = parse_toml_data(text, Path(rel))
    project = data.get("project")
    if isinstance(project, dict):
        return project, ("project",)
    return data, ()


def _extensions(value: Any, base: tuple[str, ...]) -> Iterator[tuple[str, Any, tuple[str, ...]]]:
    """(extension name, its options, the key path it is written at)."""
    if isinstance(value, list):  # ["abbr", {"toc": {...}}]
        for item in value:
            if isinstance(item, str):
                yield item, {}, (*base, item)
            elif isinstance(item, dict):
                for name, options in item.items():
                    yield str(name), options, (*base, str(name))
        return
    if not isinstance(value, dict):
        return
    for name, options in value.items():
        deeper = {"pymdownx": "blocks", "zensical": "extensions"}.get(name)
        if deeper is None or not isinstance(options, dict):
            yield str(name), options, (*base, str(name))
            continue
        for ext, inner in options.items():  # hoisted: pymdownx.betterem
            if ext == deeper and isinstance(inner, dict):
                for sub, cfg in inner.items():
                    yield f"{name}.{ext}.{sub}", cfg, (*base, name, ext, str(sub))
            else:
                yield f"{name}.{ext}", inner, (*base, name, str(ext))


def _resolved(options: Any, path: tuple[str, ...]) -> Iterator[tuple[str, tuple[str, ...]]]:
    """The dotted names Zensical imports from an extension's options (``emoji_index``,
    ``slugify.object``, ``custom_fences[].format``), with their key paths."""
    stack: list[tuple[Any, tuple[str, ...]]] = [(options, path)]
    while stack:
        node, at = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if key in _RESOLVED and isinstance(value, str) and "." in value:
                    yield value, (*at, str(key))
                else:
                    stack.append((value, (*at, str(key))))
        elif isinstance(node, list):
            stack.extend((item, at) for item in node)


def _as_node(value: Any, path: tuple[str, ...], lines: _Lines) -> yaml.Node:
    """A TOML value as the YAML node tree the mkdocs readers walk, marked with its line."""
    line = (lines.of(path) if path else None) or 1
    mark = yaml.Mark("zensical.toml", 0, line - 1, 0, "", 0)
    if isinstance(value, dict):
        pairs = [
            (yaml.ScalarNode("tag:yaml.org,2002:str", str(k), mark, mark),
             _as_node(v, (*path, str(k)), lines))
            for k, v in value.items()
        ]  # fmt: skip
        return yaml.MappingNode("tag:yaml.org,2002:map", pairs, mark, mark)
    if isinstance(value, list):
        items = [_as_node(v, path, lines) for v in value]
        return yaml.SequenceNode("tag:yaml.org,2002:seq", items, mark, mark)
    text = str(value).lower() if isinstance(value, bool) else str(value)
    return yaml.ScalarNode("tag:yaml.org,2002:str", text, mark, mark)


def _plugins(value: Any) -> Mapping[str, Any]:
    if isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for item in value if isinstance(value, list) else ():
        if isinstance(item, str):
            out[item] = {}
        elif isinstance(item, dict):
            out.update(item)
    return out


def read_zensical(text: str, rel: str) -> list[DocUse]:
    """What a zensical.toml loads. Raises InputError when it is not TOML."""
    project, base = _project(text, rel)
    lines = _Lines(text)
    out = [DocUse(f"configured by {rel}", rel, None, ("zensical",))]
    md_base = (*base, "markdown_extensions")
    for name, options, path in _extensions(project.get("markdown_extensions"), md_base):
        out.append(markdown_extension_use(name, rel, lines.of(path)))
        for target, at in _resolved(options, path):
            out.append(DocUse(f"{rel} resolves {target!r}", rel, lines.of(at), (), (target,)))
    config = _plugins(project.get("plugins")).get("mkdocstrings")
    if config is not None:
        path = (*base, "plugins", "mkdocstrings")
        line = lines.of(path) or 1
        out.append(DocUse(f"{rel} plugin 'mkdocstrings'", rel, line, ("mkdocstrings",)))
        node = _as_node(config if isinstance(config, dict) else {}, path, lines)
        out += mkdocstrings_uses(node, rel, line)
    return out


def zensical_mkdocstrings_dir(rel: str, text: str) -> str | None:
    """The ``docs_dir`` (relative to the project, ending in ``/``) whose pages mkdocstrings
    renders with the python handler, else None (also when the file is not TOML)."""
    from ..core.errors import InputError

    try:
        project, _ = _project(text, rel)
    except InputError:
        return None
    config = _plugins(project.get("plugins")).get("mkdocstrings")
    if config is None:
        return None
    default = config.get("default_handler") if isinstance(config, dict) else None
    if default not in (None, "python"):
        return None
    docs_dir = project.get("docs_dir")
    docs_dir = docs_dir if isinstance(docs_dir, str) and docs_dir else "docs"
    path = posixpath.normpath(posixpath.join(posixpath.dirname(rel), docs_dir))
    return "" if path == "." else path + "/"
