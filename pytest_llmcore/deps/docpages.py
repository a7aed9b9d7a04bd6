"""Modules a docs build imports to render API pages from directives in them.

mkdocstrings renders ``::: package.module`` in the pages of an mkdocs ``docs_dir``;
Sphinx autodoc renders ``.. automodule:: package.module`` (and ``autoclass``...) in the
reStructuredText (and MyST Markdown) pages beside ``conf.py``. Either imports the module:
the distribution that provides it is used by the docs build. A directive inside a fenced
code block is an example, and a module in ``autodoc_mock_imports`` is never imported.
"""

from __future__ import annotations

import ast
import posixpath
import re
from collections.abc import Iterable, Iterator

from .doctools import DocUse, named_items, read_sphinx_conf
from .toolfiles import ToolFileSet, scalar, yaml, yaml_get, yaml_nodes

__all__ = ["read_autodoc_pages"]

#: A mkdocstrings autodoc directive: ``::: package.module`` (after an optional heading).
_MKDOCSTRINGS = re.compile(r"^[ \t]*(?:#{1,6} *)?::: ?([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)[ \t]*$")
#: Sphinx directives that import their argument's module (``.. autoclass:: pkg.mod.Cls``),
#: in reStructuredText or MyST (```` ```{automodule} pkg.mod ````), and the ones that
#: name the module later directives are relative to.
_AUTODOC = frozenset(
    {
        "automodule",
        "autoclass",
        "autoexception",
        "autofunction",
        "autodata",
        "automethod",
        "autoattribute",
        "autodecorator",
        "autoproperty",
    }
)
_SPHINX = re.compile(
    r"^[ \t]*(?:\.\.[ \t]+(?:py:)?(\w+)::|(?:`{3,}|:{3,})\{(?:py:)?(\w+)\})"
    r"[ \t]+([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)[ \t]*$"
)
_CURRENT = frozenset({"currentmodule", "module"})
#: Directives only one Sphinx extension provides -> the extension's module: a page that
#: uses ``.. click::`` needs sphinx-click loaded, however conf.py names it.
DIRECTIVE_EXTENSIONS: dict[str, str] = {
    "click": "sphinx_click",
    "argparse": "sphinxarg.ext",
    "mermaid": "sphinxcontrib.mermaid",
    "autoprogram": "sphinxcontrib.autoprogram",
    "program-output": "sphinxcontrib.programoutput",
    "command-output": "sphinxcontrib.programoutput",
    "bibliography": "sphinxcontrib.bibtex",
    "jupyter-execute": "jupyter_sphinx",
    "typer": "sphinxcontrib.typer",
    "autopydantic_model": "sphinxcontrib.autodoc_pydantic",
    "autopydantic_settings": "sphinxcontrib.autodoc_pydantic",
    "tab-set": "sphinx_design",
    "grid-item-card": "sphinx_design",
    "doxygenfunction": "breathe",
    "doxygenclass": "breathe",
    "openapi": "sphinxcontrib.openapi",
}
#: any directive: ``.. name::`` (reStructuredText) or ```` ```{name} ```` (MyST)
_DIRECTIVE = re.compile(r"^[ \t]*(?:\.\.[ \t]+([\w-]+)::|(?:`{3,}|:{3,})\{([\w-]+)\})")
_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})")
#: What starts an indented reStructuredText literal block: a code directive, or a
#: paragraph ending in ``::`` (never another directive such as ``.. note::``).
_RST_LITERAL = re.compile(
    r"^([ \t]*)(?:\.\.[ \t]+(?:code-block|code|sourcecode|highlight|doctest)::|(?!\.\.).*::[ \t]*$)"
)


def _markdown_lines(text: str) -> Iterator[tuple[int, str]]:
    """(1-based line, text) of each line outside fenced code blocks (examples); a MyST
    directive fence (```` ```{automodule} x ````) is not code."""
    fence, code = "", False
    for number, line in enumerate(text.splitlines(), 1):
        m = _FENCE.match(line)
        if m is not None and not fence:
            fence, code = m.group(1), not line[m.end() :].lstrip().startswith("{")
        elif m is not None and m.group(1).startswith(fence) and line.strip() == m.group(1):
            fence, code = "", False
            continue
        if not code:
            yield number, line


def _rst_lines(text: str) -> Iterator[tuple[int, str]]:
    """(1-based line, text) of each line outside reStructuredText literal blocks."""
    literal: int | None = None  # the indentation of the line that opened one
    for number, line in enumerate(text.splitlines(), 1):
        indent = len(line) - len(line.lstrip())
        if literal is not None and (not line.strip() or indent > literal):
            continue
        literal = None
        m = _RST_LITERAL.match(line)
        if m is not None:
            literal = len(m.group(1))
        yield number, line


def _mkdocstrings_names(text: str) -> Iterator[tuple[int, str]]:
    for number, line in _markdown_lines(text):
        m = _MKDOCSTRINGS.match(line) if ":::" in line else None
        if m is not None:
            yield number, m.group(1)


def _autodoc_names(text: str, rst: bool) -> Iterator[tuple[int, str]]:
    """Modules autodoc imports: an ``automodule`` argument, a dotted ``autoclass``...
    argument, and the current module of an ``autoclass`` written relative to it."""
    current = ""
    for number, line in _rst_lines(text) if rst else _markdown_lines(text):
        m = _SPHINX.match(line) if "auto" in line or "module" in line else None
        if m is None:
            continue
        directive, name = m.group(1) or m.group(2), m.group(3)
        if directive in _CURRENT:
            current = "" if name == "None" else name  # `.. currentmodule:: None` resets
        elif directive in _AUTODOC:
            if directive == "automodule" or "." in name:
                yield number, name
            if current and directive != "automodule":
                yield number, current


def _mkdocstrings_dir(rel: str, text: str) -> str | None:
    """The ``docs_dir`` (relative to the project, ending in ``/``) of a config whose
    mkdocstrings renders with the python handler, else None."""
    if rel.endswith(".toml"):
        from .doczensical import zensical_mkdocstrings_dir

        return zensical_mkdocstrings_dir(rel, text)
    python, docs_dir = False, "docs"
    for doc in yaml_nodes(text):
        for plugin, config in named_items(yaml_get(doc, "plugins")):
            if plugin.value == "mkdocstrings":
                default = scalar(yaml_get(config, "default_handler"))
                python = python or default is None or default.value == "python"
        found = scalar(yaml_get(doc, "docs_dir"))
        docs_dir = found.value if found is not None and found.value else docs_dir
    path = posixpath.normpath(posixpath.join(posixpath.dirname(rel), docs_dir))
    return ("" if path == "." else path + "/") if python else None


def _mocked(text: str) -> tuple[str, ...]:
    """The modules a Sphinx ``conf.py`` mocks (``autodoc_mock_imports = ["torch"]``,
    ``+=``, ``.append``/``.extend``)."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return ()
    out: list[str] = []
    for node in tree.body:
        value: ast.AST | None = None
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets, value = [node.target], node.value
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            func = node.value.func
            targets = [func.value] if isinstance(func, ast.Attribute) else []
            value = node.value
        else:
            continue
        if value is not None and any(
            isinstance(t, ast.Name) and t.id == "autodoc_mock_imports" for t in targets
        ):
            out += [
                n.value
                for n in ast.walk(value)
                if isinstance(n, ast.Constant) and isinstance(n.value, str)
            ]
    return tuple(out)


def _directive_uses(text: str, rst: bool) -> Iterator[tuple[int, str, str]]:
    """(line, directive, extension module) of each directive of
    :data:`DIRECTIVE_EXTENSIONS` used outside literal blocks and code fences."""
    for number, line in _rst_lines(text) if rst else _markdown_lines(text):
        m = _DIRECTIVE.match(line) if ("::" in line or "{" in line) else None
        name = None if m is None else m.group(1) or m.group(2)
        if name is not None and name in DIRECTIVE_EXTENSIONS:
            yield number, name, DIRECTIVE_EXTENSIONS[name]


def _sphinx_sources(files: ToolFileSet) -> Iterator[tuple[str, tuple[str, ...], bool, bool]]:
    """(source dir ending in ``/``, mocked modules, reads MyST, loads autodoc) of each
    Sphinx ``conf.py``."""
    for rel in files.of("sphinx"):
        text = files.read(rel)
        if text is None:
            continue
        extensions = {m for use in read_sphinx_conf(text, rel) for m in use.modules}
        src = posixpath.dirname(rel)
        autodoc = "sphinx.ext.autodoc" in extensions
        yield (src + "/" if src else ""), _mocked(text), "myst_parser" in extensions, autodoc


def read_autodoc_pages(files: ToolFileSet, configs: Iterable[tuple[str, str]]) -> list[DocUse]:
    """The modules the docs build imports for its API pages, the first page per top-level
    module; ``configs``: the project's mkdocs configs as (path, text)."""
    out: dict[str, DocUse] = {}

    def add(
        page: str, found: Iterable[tuple[int, str]], tool: str, mocked: tuple[str, ...]
    ) -> None:
        for line, name in found:
            if not any(name == m or name.startswith(m + ".") for m in mocked):
                what = f"{tool} renders `{name}`"
                out.setdefault(name.split(".")[0], DocUse(what, page, line, (), (name,)))

    dirs: list[str] = []
    for rel, text in configs:
        try:
            docs_dir = _mkdocstrings_dir(rel, text)
        except yaml.YAMLError:
            continue  # read_mkdocs has noted it
        if docs_dir is not None:
            dirs.append(docs_dir)
    for page in files.of("markdown") if dirs else ():
        body = files.read(page) if page.startswith(tuple(dirs)) else None
        if body and ":::" in body:
            add(page, _mkdocstrings_names(body), "mkdocstrings", ())
    directives: dict[str, DocUse] = {}
    for src, mocked, myst, autodoc in _sphinx_sources(files):
        pages = [*files.of("rst"), *(files.of("markdown") if myst else ())]
        for page in pages:
            body = files.read(page) if page.startswith(src) else None
            if body and autodoc and "auto" in body:
                names = _autodoc_names(body, page.endswith(".rst"))
                add(page, names, "Sphinx autodoc", mocked)
            for line, name, module in _directive_uses(body or "", page.endswith(".rst")):
                what = f"Sphinx directive `{name}` (extension {module})"
                directives.setdefault(module, DocUse(what, page, line, (), (module,)))
    return [*out.values(), *directives.values()]
