"""Docs toolchains: what mkdocs.yml, Sphinx conf.py and .readthedocs.yaml load
(zensical.toml: :mod:`.doczensical`).

mkdocs loads its ``theme:``, ``plugins:`` and ``markdown_extensions:`` by name, and
Sphinx its ``extensions`` and ``html_theme``: none of them is imported by the project's
code, and removing one breaks the docs build. conf.py is read with ``ast``, never run.
"""

from __future__ import annotations

import ast
import posixpath
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import cache
from typing import TYPE_CHECKING, NamedTuple

from ..core.errors import InputError
from .evidence_tables import (
    MARKDOWN_BUILTIN,
    MARKDOWN_EXTENSIONS,
    MKDOCS_PLUGIN_NEEDS,
    MKDOCS_PLUGINS,
    MKDOCS_THEMES,
    MKDOCSTRINGS_HANDLERS,
    SPHINX_THEMES,
)
from .lazyre import lazy_compile
from .records import canonical_name
from .toolfiles import ToolFileSet, YamlScalar, scalar, yaml, yaml_get, yaml_nodes, yaml_walk

if TYPE_CHECKING:
    from .invocation import Invocation

__all__ = [
    "DocUse",
    "markdown_extension_use",
    "mkdocs_config_args",
    "mkdocstrings_uses",
    "named_items",
    "read_doc_uses",
]

_PY_NAME_TAG = "tag:yaml.org,2002:python/name:"
#: commands that may name a Sphinx builder (and ``python -m sphinx``)
_BUILDER_COMMANDS = frozenset({"sphinx-build", "make", "gmake"})
_INHERIT = lazy_compile(r"^INHERIT:[ \t]*[\"']?([^\"'\s#]+)", re.M)


class DocUse(NamedTuple):
    """Something a docs build loads: by distribution name, or by module."""

    what: str
    """For the evidence: ``mkdocs.yml theme 'material'``."""
    file: str
    line: int | None
    dists: tuple[str, ...] = ()
    """Canonical distribution names this use proves (any one of them)."""
    modules: tuple[str, ...] = ()
    """Dotted module names loaded; the distribution that provides one is used."""


@cache
def _entry_point_owners(group: str) -> dict[str, str]:
    """Installed ``mkdocs.plugins`` / ``mkdocs.themes`` entry point name -> distribution."""
    from .installed import all_installed

    owners: dict[str, str] = {}
    for dist in all_installed():
        for ep_group, ep_name, _ in dist.entry_points():
            if ep_group == group:
                owners.setdefault(ep_name, canonical_name(dist.name() or ""))
    return owners


def _mkdocs_dists(name: str, table: dict[str, str], group: str, suffix: str) -> tuple[str, ...]:
    if "/" in name:  # namespaced plugins: material/social
        ns = name.split("/", 1)[0]
        return (MKDOCS_THEMES.get(ns, f"mkdocs-{ns}"),)
    found = table.get(name) or _entry_point_owners(group).get(name)
    if found:
        return (found,)
    key = canonical_name(name)
    return (key, f"mkdocs-{key}", f"mkdocs-{key}-{suffix}")


def _markdown_entry_point(name: str) -> tuple[str, ...]:
    """The distribution of a ``markdown.extensions`` entry point named ``name`` (the table,
    then installed metadata; a name with ``-``, which is no module, is taken as its
    distribution's), or () for a module name."""
    found = MARKDOWN_EXTENSIONS.get(name) or _entry_point_owners("markdown.extensions").get(name)
    if found:
        return (found,)
    return (canonical_name(name),) if "-" in name and "." not in name else ()


def named_items(node: yaml.Node | None) -> Iterator[tuple[YamlScalar, yaml.Node | None]]:
    """``- name`` / ``- name: {config}`` / ``{name: config}`` entries, with their config."""
    if isinstance(node, yaml.SequenceNode):
        for item in node.value:
            s = scalar(item)
            if s is not None:
                yield s, None
            elif isinstance(item, yaml.MappingNode):
                for k, v in item.value:
                    ks = scalar(k)
                    if ks is not None:
                        yield ks, v
    elif isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            ks = scalar(k)
            if ks is not None:
                yield ks, v


def mkdocstrings_uses(config: yaml.Node | None, rel: str, line: int) -> Iterator[DocUse]:
    """The handlers (and their formatter, griffe extensions) a mkdocstrings config loads."""
    handlers = [h.value for h, _ in named_items(yaml_get(config, "handlers"))]
    default = scalar(yaml_get(config, "default_handler"))
    for h in {*handlers, default.value if default else "python"}:
        dist = MKDOCSTRINGS_HANDLERS.get(h, f"mkdocstrings-{canonical_name(h)}")
        yield DocUse(f"mkdocstrings handler {h!r}", rel, line, (dist,))
    for key, value in yaml_walk(config) if config is not None else ():
        flag = scalar(value)
        if key == "separate_signature" and flag is not None and flag.value.lower() == "true":
            # mkdocstrings-python formats a separate signature with Ruff, else Black
            what = "mkdocstrings option 'separate_signature' formats with black or ruff"
            yield DocUse(what, rel, flag.line, ("black", "ruff"))
        if key == "extensions":
            for ext, _ in named_items(value):
                if not ext.value.endswith(".py") and "/" not in ext.value:
                    mod = ext.value.split(":", 1)[0]
                    yield DocUse(f"griffe extension {mod!r}", rel, ext.line, (), (mod,))


def markdown_extension_use(name: str, rel: str, line: int | None) -> DocUse:
    """A Python-Markdown extension a docs config names: Markdown's own, an entry point's
    distribution, or the module it loads."""
    mod = name.removeprefix("markdown.extensions.")
    what = f"{rel} markdown extension {name!r}"
    if mod in MARKDOWN_BUILTIN:
        return DocUse(what, rel, line, ("markdown",))
    if _markdown_entry_point(mod):
        return DocUse(what, rel, line, _markdown_entry_point(mod))
    return DocUse(what, rel, line, (), (mod,))


def read_mkdocs(text: str, rel: str) -> list[DocUse]:
    out: list[DocUse] = []
    for doc in yaml_nodes(text):
        out.append(DocUse(f"configured by {rel}", rel, None, ("mkdocs",)))
        theme = yaml_get(doc, "theme")
        name = scalar(theme) or scalar(yaml_get(theme, "name"))
        if name is not None and name.value:
            dists = _mkdocs_dists(name.value, MKDOCS_THEMES, "mkdocs.themes", "theme")
            # a known theme names its distribution; its module name may belong to another
            # (PyPI "material" is not mkdocs-material)
            mods = () if name.value in MKDOCS_THEMES else (name.value,)
            out.append(DocUse(f"{rel} theme {name.value!r}", rel, name.line, dists, mods))
        for plugin, config in named_items(yaml_get(doc, "plugins")):
            dists = _mkdocs_dists(plugin.value, MKDOCS_PLUGINS, "mkdocs.plugins", "plugin")
            out.append(DocUse(f"{rel} plugin {plugin.value!r}", rel, plugin.line, dists))
            needs = MKDOCS_PLUGIN_NEEDS.get(plugin.value, ())
            if needs:
                what = f"{rel} plugin {plugin.value!r} needs {', '.join(needs)}"
                out.append(DocUse(what, rel, plugin.line, needs))
            if plugin.value == "mkdocstrings":
                out += mkdocstrings_uses(config, rel, plugin.line)
        for ext, _ in named_items(yaml_get(doc, "markdown_extensions")):
            out.append(markdown_extension_use(ext.value, rel, ext.line))
        stack: list[yaml.Node] = [doc]
        while stack:  # !!python/name:pymdownx.superfences.fence_code_format
            node = stack.pop()
            if isinstance(node, yaml.ScalarNode) and node.tag.startswith(_PY_NAME_TAG):
                target = node.tag[len(_PY_NAME_TAG) :] or str(node.value)
                out.append(
                    DocUse(
                        f"{rel} !!python/name:{target}",
                        rel,
                        node.start_mark.line + 1,
                        (),
                        (target,),
                    )
                )
            elif isinstance(node, yaml.MappingNode):
                stack.extend(v for pair in node.value for v in pair)
            elif isinstance(node, yaml.SequenceNode):
                stack.extend(node.value)
    return out


def _strings(node: ast.AST) -> Iterator[ast.Constant]:
    for n in ast.walk(node):
        if isinstance(n, ast.Constant) and isinstance(n.value, str):
            yield n


def _conf_statements(body: Sequence[ast.stmt]) -> Iterator[ast.stmt]:
    """The statements a conf.py runs at import: top-level ones and those inside ``if``,
    ``try`` and ``with`` blocks (``if tabs: extensions += [...]``), never a function's."""
    for node in body:
        yield node
        if isinstance(node, ast.If):
            yield from _conf_statements([*node.body, *node.orelse])
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            yield from _conf_statements(node.body)
        elif isinstance(node, ast.Try) or type(node).__name__ == "TryStar":  # try/except*
            blocks: list[list[ast.stmt]] = [getattr(node, "body", [])]
            blocks += [h.body for h in getattr(node, "handlers", ())]
            blocks += [getattr(node, "orelse", []), getattr(node, "finalbody", [])]
            yield from _conf_statements([s for b in blocks for s in b])


def _keyword_extensions(stmt: ast.stmt, rel: str) -> list[DocUse]:
    """Extensions handed to a config builder: ``conf.build_config(...,
    extra_extensions=['sphinx_click'])`` (sphinx_celery), any keyword whose name ends in
    ``extensions`` of a call the statement runs (a lambda's or a nested def's aside)."""
    out: list[DocUse] = []
    stack: list[ast.AST] = [stmt]
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue  # run later, if at all
        if isinstance(node, ast.Call):
            for kw in node.keywords:
                listed = isinstance(kw.value, (ast.List, ast.Tuple, ast.Set))
                if listed and kw.arg is not None and kw.arg.endswith("extensions"):
                    for const in _strings(kw.value):
                        what = f"Sphinx extension {const.value!r} in {rel}"
                        out.append(DocUse(what, rel, const.lineno, (), (str(const.value),)))
        if not isinstance(node, (ast.If, ast.With, ast.AsyncWith, ast.Try)) and (
            type(node).__name__ != "TryStar"
        ):
            stack.extend(ast.iter_child_nodes(node))  # their blocks are statements of their own
        elif isinstance(node, ast.If):
            stack.append(node.test)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            stack.extend(node.items)
    return out


def read_sphinx_conf(text: str, rel: str) -> list[DocUse]:
    """``extensions`` (assigned, ``+=``, ``.append``/``.extend``), any call's keyword
    ending in ``extensions`` and ``html_theme``."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return []
    out: list[DocUse] = []
    for node in _conf_statements(tree.body):
        target: str | None = None
        value: ast.AST | None = None
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = [t.id for t in targets if isinstance(t, ast.Name)]
            target = next((n for n in names if n in ("extensions", "html_theme")), None)
            value = node.value
        elif (
            isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Attribute)
            and isinstance(node.value.func.value, ast.Name)
            and node.value.func.value.id == "extensions"
        ):
            target, value = "extensions", node.value
        out += _keyword_extensions(node, rel)
        if target is None or value is None:
            continue
        for const in _strings(value):
            name = str(const.value)
            if target == "extensions":
                what = f"Sphinx extension {name!r} in {rel}"
                out.append(DocUse(what, rel, const.lineno, (), (name,)))
            else:
                dist = SPHINX_THEMES.get(name)
                what = f"Sphinx html_theme {name!r} in {rel}"
                dists = (dist,) if dist else (canonical_name(name),)
                out.append(DocUse(what, rel, const.lineno, dists, (name,)))
    out += _setup_extensions(tree, rel)
    if out:
        out.append(DocUse(f"configured by {rel}", rel, None, ("sphinx",)))
    return out


def _setup_extensions(tree: ast.Module, rel: str) -> Iterator[DocUse]:
    """``app.setup_extension("sphinx_click")``: in ``def setup(app)``, which Sphinx calls
    with the application when it loads conf.py."""
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "setup_extension"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            name = node.args[0].value
            what = f"Sphinx extension {name!r} in {rel}"
            yield DocUse(what, rel, node.args[0].lineno, (), (name,))


#: Keys only a Jupyter Book ``_config.yml`` has (Jekyll uses the same file name).
_JUPYTER_BOOK_KEYS = ("execute", "sphinx", "launch_buttons", "bibtex_bibfiles", "parse")


def read_jupyter_book(text: str, rel: str) -> list[DocUse]:
    """A Jupyter Book ``_config.yml``: jupyter-book, and ``sphinx: extra_extensions``."""
    out: list[DocUse] = []
    for doc in yaml_nodes(text):
        if not any(yaml_get(doc, k) is not None for k in _JUPYTER_BOOK_KEYS):
            continue
        out.append(DocUse(f"configured by {rel}", rel, None, ("jupyter-book",)))
        for ext, _ in named_items(yaml_get(doc, "sphinx", "extra_extensions")):
            what = f"Sphinx extension {ext.value!r} in {rel}"
            out.append(DocUse(what, rel, ext.line, (), (ext.value,)))
        theme = scalar(yaml_get(doc, "sphinx", "config", "html_theme"))
        if theme is not None:
            dists = (SPHINX_THEMES.get(theme.value) or canonical_name(theme.value),)
            what = f"Sphinx html_theme {theme.value!r} in {rel}"
            out.append(DocUse(what, rel, theme.line, dists, (theme.value,)))
    return out


def read_readthedocs(text: str, rel: str) -> list[DocUse]:
    out: list[DocUse] = []
    for doc in yaml_nodes(text):
        for tool in ("sphinx", "mkdocs"):
            node = yaml_get(doc, tool)
            if node is not None:
                out.append(DocUse(f"{rel} builds with {tool}", rel, node.start_mark.line, (tool,)))
    return out


def mkdocs_config_args(args: Sequence[str]) -> list[str]:
    """The config file a ``mkdocs build -f X`` / ``--config-file=X`` run reads."""
    out: list[str] = []
    for i, word in enumerate(args):
        if word in ("-f", "--config-file") and i + 1 < len(args):
            out.append(args[i + 1])
        elif word.startswith("--config-file="):
            out.append(word.split("=", 1)[1])
    return out


def _inherited(text: str, rel: str) -> str | None:
    """The config an mkdocs ``INHERIT: base.yml`` line names, relative to the project."""
    m = _INHERIT.search(text)
    if m is None:
        return None
    return posixpath.normpath(posixpath.join(posixpath.dirname(rel), m.group(1)))


def _mkdocs_configs(files: ToolFileSet, named: Iterable[str]) -> Iterator[tuple[str, str]]:
    """Every mkdocs config: found by name, run with ``--config-file``, or INHERITed."""
    todo = [*files.of("mkdocs"), *(posixpath.normpath(c) for c in named)]
    seen: set[str] = set()
    while todo:
        rel = todo.pop(0)
        if rel in seen or rel.startswith(("../", "/")) or rel == "..":
            continue
        seen.add(rel)
        text = files.read(rel)
        if text is None:
            continue
        yield rel, text
        base = _inherited(text, rel)
        if base is not None:
            todo.append(base)


def read_doc_uses(
    files: ToolFileSet,
    notes: list[str],
    mkdocs_configs: Iterable[str] = (),
    invocations: Sequence[Invocation] = (),
) -> list[DocUse]:
    """Every docs-toolchain use in the project; ``mkdocs_configs``: configs that the
    project's ``mkdocs`` command lines name (``--config-file mkdocs-online.yml``);
    ``invocations``: its commands, for the Sphinx builders they name (:mod:`.sphinxbuilders`)."""
    out: list[DocUse] = []
    if any(
        inv.run.command in _BUILDER_COMMANDS or inv.run.module in ("sphinx", "sphinx.cmd.build")
        for inv in invocations
    ):
        from .sphinxbuilders import builder_uses  # it imports this module

        out += builder_uses(invocations, files)
    Reader = Callable[[str, str], list[DocUse]]
    configs = list(_mkdocs_configs(files, mkdocs_configs))
    jobs: list[tuple[Reader, str, str]] = [(read_mkdocs, rel, text) for rel, text in configs]
    others: tuple[tuple[str, Reader], ...] = (
        ("sphinx", read_sphinx_conf),
        ("readthedocs", read_readthedocs),
        ("jupyter-book", read_jupyter_book),
    )
    for kind, reader in others:
        for rel in files.of(kind):
            text = files.read(rel)
            if text is not None:
                jobs.append((reader, rel, text))
    zensical = [(rel, text) for rel in files.of("zensical") if (text := files.read(rel))]
    if zensical:
        from .doczensical import read_zensical  # it imports this module

        jobs += [(read_zensical, rel, text) for rel, text in zensical]
    for reader, rel, text in jobs:
        try:
            out += reader(text, rel)
        except yaml.YAMLError:
            notes.append(f"{rel}: not valid YAML; the docs tools it names are not counted")
        except InputError:  # zensical.toml
            notes.append(f"{rel}: not valid TOML; the docs tools it names are not counted")
    if not configs and not zensical and not files.of("sphinx"):
        return out  # no docs build: no API pages to read (and their reader stays unloaded)
    from .docpages import read_autodoc_pages  # it imports this module

    return out + read_autodoc_pages(files, [*configs, *zensical])
