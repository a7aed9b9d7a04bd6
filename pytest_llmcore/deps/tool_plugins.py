"""Plugins a tool loads by entry point: used whenever the project runs that tool.

Some tools load every installed distribution that registers in their entry-point groups,
on every run: mdformat's parser extensions and code formatters change what ``mdformat
--check`` accepts, tox 4's plugins (``tox-uv``) change how every env is built. A declared
plugin of such a tool is used where the project runs the tool (a workflow step, a tox env,
a Makefile recipe...): the evidence is that run's ``file:line``. pytest and flake8 plugins
are judged by what of them is used (:mod:`.pytest_plugins`, :mod:`.flake8_plugins`); the
families here act by being loaded, so a run is enough.

Whether a distribution is a plugin comes from its installed entry points in the family's
groups; when it is not installed, from :data:`FAMILIES`: its known plugins, and for a
family whose plugins are named after it (``mdformat-*``), the name. A run in an
environment of its own (a pre-commit hook, ``uvx``, ``pipx run``) loads only what that
environment installs (``additional_dependencies``, ``uvx --with``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from .records import Evidence, Memo, canonical_name

if TYPE_CHECKING:
    from .invocation import Invocation

__all__ = ["FAMILIES", "PluginFamily", "ToolPlugins", "family_of", "tool_plugin_evidence"]


class PluginFamily(NamedTuple):
    """A tool that loads every installed plugin of its entry-point groups on each run."""

    tool: str
    groups: frozenset[str]
    programs: frozenset[str]
    """Commands (and ``python -m`` modules) that run the tool."""
    prefix: str = ""
    """The name its plugins are published under (``mdformat-``); "" when they have none."""
    known: frozenset[str] = frozenset()
    """Plugins (canonical names) named otherwise."""
    not_plugins: frozenset[str] = frozenset()
    """Distributions named with the prefix that are no plugin (a program of their own)."""


def _s(*names: str) -> frozenset[str]:
    return frozenset(names)


#: Tools that load all their installed plugins on every run (flake8 and pytest are judged
#: by what is used of a plugin: see :mod:`.flake8_plugins`, :mod:`.pytest_plugins`). Tools
#: that load a plugin only where the configuration names it (mkdocs, Sphinx, mypy,
#: coverage, hatch's version sources) are read from that configuration instead.
FAMILIES: tuple[PluginFamily, ...] = (
    PluginFamily(
        "mdformat",
        _s("mdformat.parser_extension", "mdformat.codeformatter"),
        _s("mdformat"),
        "mdformat-",
        _s("mdformat-plugins"),
    ),
    PluginFamily(
        "tox",
        _s("tox"),
        _s("tox"),
        "tox-",
        not_plugins=_s("tox-ini-fmt", "tox-toml-fmt", "tox-to-nox"),
    ),
    PluginFamily("datasette", _s("datasette"), _s("datasette"), "datasette-"),
    PluginFamily("sqlfluff", _s("sqlfluff"), _s("sqlfluff"), "sqlfluff-"),
    # simonw's `llm` CLI: plugins add models and commands (no naming rule: llm-foundry,
    # llm-guard are no plugins of it)
    PluginFamily(
        "llm",
        _s("llm"),
        _s("llm"),
        known=_s("llm-gpt4all", "llm-ollama", "llm-anthropic", "llm-gemini", "llm-mistral")
        | _s("llm-llama-cpp", "llm-mlx", "llm-sentence-transformers", "llm-clip", "llm-cmd"),
    ),
    PluginFamily("bandit", _s("bandit.plugins"), _s("bandit")),  # its tests run by default
    PluginFamily(
        "pyinstaller",
        _s("pyinstaller40"),
        _s("pyinstaller", "PyInstaller"),
        known=_s("pyinstaller-hooks-contrib"),
    ),
)

_GROUPS = frozenset(g for f in FAMILIES for g in f.groups)
#: programs that run a tool in an environment of its own, and their options that add a
#: distribution to it
_ISOLATING = {"uvx": ("--with",), "pipx": ("--spec",), "uv": ("--with",)}


def family_of(dist: str, installed: Mapping[str, Any] | None) -> tuple[PluginFamily, str] | None:
    """(the family ``dist`` is a plugin of, how that is known), or None.

    ``installed``: what its installed metadata says (``{"groups": [...]}``), None when it
    is not installed; installed metadata decides over the name."""
    key = canonical_name(dist)
    for family in FAMILIES:
        if key == family.tool:
            return None
        if installed is not None:
            hit = sorted(family.groups & set(installed.get("groups") or ()))
            if hit:
                return family, f"its {hit[0]} entry point"
        elif key in family.known:
            return family, "the built-in plugin family table"
        elif family.prefix and key.startswith(family.prefix) and key not in family.not_plugins:
            return family, f"named {family.prefix}*, the built-in plugin family table"
    return None


def _runs_tool(inv: Invocation, family: PluginFamily) -> bool:
    run = inv.run
    if run.module:
        return run.module.split(".")[0] in family.programs
    return run.command in family.programs


def _isolated_with(inv: Invocation, same_line: Sequence[Invocation]) -> frozenset[str] | None:
    """What an isolating runner on the same line (``uvx --with X tool``) adds to the tool's
    own environment; None when the tool runs in the project's environment."""
    from .declarations_req import parse_requirement_name

    for other in same_line:
        options = _ISOLATING.get(other.run.command)
        args = other.run.args
        if options is None or other is inv or inv.run.command not in args:
            continue
        if other.run.command == "uv" and args[:2] != ("tool", "run"):
            continue
        if other.run.command == "pipx" and args[:1] != ("run",):
            continue
        added: set[str] = set()
        for i, word in enumerate(args[: args.index(inv.run.command)]):
            name, eq, value = word.partition("=")
            if name in options:
                value = value if eq else (args[i + 1] if i + 1 < len(args) else "")
                added.update(parse_requirement_name(v) or "" for v in value.split(","))
        return frozenset(canonical_name(a) for a in added if a)
    return None


def tool_plugin_evidence(
    dist: str,
    family: PluginFamily,
    source: str,
    invocations: Sequence[Invocation],
    hook_deps: Callable[[Invocation], frozenset[str]],
) -> Evidence | None:
    """The first run of the family's tool that loads ``dist``: one in the project's
    environment, or in an environment of its own that installs it (a pre-commit hook's
    ``additional_dependencies``, given by ``hook_deps``; ``uvx --with``)."""
    key = canonical_name(dist)
    by_line: dict[tuple[str, int | None], list[Invocation]] = {}
    for inv in invocations:
        by_line.setdefault((inv.file, inv.line), []).append(inv)
    for inv in invocations:
        if not _runs_tool(inv, family):
            continue
        at = f"{inv.file}:{inv.line}" if inv.line else inv.file
        doc = " (a developer doc's command)" if inv.source else ""
        if inv.via:
            if key not in hook_deps(inv):
                continue
            ran = f"the {family.tool} pre-commit hook at {at} installs it"
        else:
            isolated = _isolated_with(inv, by_line[(inv.file, inv.line)])
            if isolated is not None and key not in isolated:
                continue
            how = "runs with it" if isolated is not None else "runs"
            ran = f"{family.tool} {how} at {at}{doc} and loads every installed plugin"
        return Evidence(f"{family.tool} plugin: {ran} ({source})", inv.file, inv.line)
    return None


def _installed_groups(dist: str) -> dict[str, Any] | None:
    """The family groups an installed distribution registers in; None when not installed."""
    from .configured import entry_points
    from .installed import installed

    if installed(dist) is None:
        return None
    return {"groups": sorted({g for g, _, _ in entry_points(dist) if g in _GROUPS})}


class ToolPlugins:
    """One project's plugins of tools it runs: flake8's (:mod:`.flake8_plugins`) and the
    entry-point families of :data:`FAMILIES`, read once, when a plugin is asked about."""

    def __init__(
        self,
        read: Callable[[str], str | None],
        pyproject: Mapping[str, Any] | None,
        invocations: Callable[[], Iterable[Invocation]],
    ) -> None:
        from .flake8_plugins import Flake8Project

        self._read = read
        self._invocations = invocations
        self.flake8 = Flake8Project(read, pyproject, invocations)

    @functools.cached_property
    def runs(self) -> list[Invocation]:
        return list(self._invocations())

    @functools.cached_property
    def running(self) -> frozenset[str]:
        """The tools of :data:`FAMILIES` the project runs anywhere."""
        return frozenset(f.tool for f in FAMILIES for inv in self.runs if _runs_tool(inv, f))

    def _hook_deps(self, inv: Invocation) -> frozenset[str]:
        from .flake8_plugins import hook_requirements

        text = self._read(inv.file)
        return hook_requirements(text, inv.line) if text else frozenset()

    def evidence(self, dist: str, memo: Memo) -> Evidence | None:
        """A flake8 plugin's evidence, else a run of the tool whose plugin ``dist`` is."""
        found = self.flake8.evidence(dist, memo)
        if found is not None:
            return found
        if not self.running:  # no such tool runs: no installed metadata is read
            return None
        key = canonical_name(dist)
        metadata = memo("tool-plugin", key, lambda: _installed_groups(dist))
        family = family_of(dist, metadata if isinstance(metadata, Mapping) else None)
        if family is None or family[0].tool not in self.running:
            return None
        return tool_plugin_evidence(dist, family[0], family[1], self.runs, self._hook_deps)
