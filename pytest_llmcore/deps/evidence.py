"""Uses of a dependency that are not imports, combined in one place: :class:`EvidenceFinder`.

In order: an import in a workspace member or a hidden folder; a type-stub package whose module is
imported; a tool's configuration; pytest itself; a pytest plugin whose fixtures, markers,
options or ini keys are used; a flake8 plugin whose codes a flake8 run reports; a command
the project runs (workflows, Makefiles, tox, nox, pre-commit, task runners, Dockerfiles...);
something a docs build loads (mkdocs theme/plugins/extensions, Sphinx extensions/theme);
an implicit use (a trigger in the source, or a module named in a string). Every file
is read lazily, at most once per run, and only when an import did not already decide.
Which command belongs to a distribution is :mod:`.runindex`'s job; what the project uses of
pytest plugins, :func:`.pytest_usage.project_usage`'s.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .configured import (
    build_requirements,
    config_evidence,
    console_scripts,
    declared_pins,
    entry_points,
    stub_target,
)
from .coverage_config import coverage_plugin_evidence, coverage_plugins
from .projectfacts import ProjectFacts
from .pytest_plugin_imports import plugin_import_evidence
from .records import Evidence, GateResult, Kind, Memo, canonical_name, no_memo
from .runindex import RunIndex, command_names, matches_any, where
from .source_marks import source_evidence

if TYPE_CHECKING:  # the parsers load only when an import did not decide (start-up time)
    from .doctools import DocUse
    from .implicit import ImplicitScan
    from .invocations import Invocation
    from .pytest_plugin_table import PluginSurface
    from .pytest_usage import PytestUsage
    from .tool_plugins import ToolPlugins
    from .toolfiles import ToolFileSet
    from .workspace import AuxiliaryImports

__all__ = [
    "EvidenceFinder",
    "config_evidence",
    "console_scripts",
    "stub_target",
]


class EvidenceFinder:
    """Every non-import use of the declared dependencies of one project, found lazily."""

    def __init__(
        self,
        root: Path,
        *,
        pyproject: Mapping[str, Any] | None,
        sources: Iterable[tuple[str, Path]],
        imported: Iterable[tuple[str, str]],
        declared: Mapping[str, tuple[str, tuple[str, ...]]],
        provides: Callable[[str], tuple[str, ...]],
        has_tests: bool,
        config: Any = None,
        cache_dir: Path | None = None,
        memo: Memo = no_memo,
        facts: ProjectFacts | None = None,
        hints: Mapping[str, int] | None = None,
    ) -> None:
        """``sources``: (relative path, path) of the scanned files; ``imported``: the
        modules whose import is used; ``declared``: canonical name -> (name as written,
        modules it provides); ``provides``: modules of any distribution (for stubs);
        ``cache_dir``: where the implicit-use scan keeps per-file results (None: nowhere);
        ``memo``: remembers what installed metadata says, across runs; ``facts``: the
        project's tool files and commands, maybe read already; ``hints``: scan hints."""
        self.root = root
        self.pyproject = pyproject
        self.sources = sources
        self.import_files: dict[str, list[str]] = {}
        for module, file in imported:
            self.import_files.setdefault(module, []).append(file)
        self.imported = set(self.import_files)
        self._explain: dict[str, Evidence] = {}
        self.declared = declared
        self.provides = provides
        self.has_tests = has_tests
        self.config = config
        self.cache_dir = cache_dir
        self.memo = memo
        tool = (pyproject or {}).get("tool")
        self.tool_tables = {str(k) for k in tool} if isinstance(tool, Mapping) else set()
        self.notes: list[str] = []
        self.facts = facts if facts is not None else ProjectFacts(root, pyproject)
        self.hints = hints or {}
        self._read_commands = False
        self._runs: RunIndex | None = None
        self._docs: list[DocUse] | None = None
        self._pytest: PytestUsage | None = None
        self._cheap: dict[str, Evidence | None] = {}
        self._implicit: ImplicitScan | None = None
        self._extra_parents: dict[str, tuple[str, ...]] = {}
        self._members: AuxiliaryImports | None = None

    # -- lazily read project facts -----------------------------------------------------

    @property
    def files(self) -> ToolFileSet:
        return self.facts.files

    @property
    def invocations(self) -> list[Invocation]:
        self._read_commands = True  # their notes are reported only when they were asked for
        return self.facts.invocations

    @property
    def docs(self) -> list[DocUse]:
        if self._docs is None:
            self._read_commands = True  # the docs' mkdocs configuration comes from them
            self._docs, notes = self.facts.docs()
            self.notes.extend(notes)
        return self._docs

    def pytest_usage(self, names: frozenset[str]) -> PytestUsage:
        """What the project uses of pytest plugins, read once: the fixtures and markers
        asked for by ``names`` and by every declared plugin that is not imported."""
        if self._pytest is None:
            from .pytest_usage import project_usage

            wanted = set(names)
            for dist, modules in self.declared.values():
                if self.imported_any(modules):
                    continue  # imported: never asked about as a plugin
                surface, _ = self._surface(dist)
                if surface is not None:
                    wanted |= surface.words
            read = self.facts.source_usage  # by a scan worker, for a superset of words?
            self._pytest = project_usage(
                self.root,
                self.pyproject,
                self.invocations,
                self.files,
                self.sources,
                frozenset(wanted),
                read[1] if read is not None and wanted <= read[0] else None,
            )
        return self._pytest

    # -- installed metadata, remembered across runs ---------------------------------------

    def _commands(self, dist: str) -> set[str]:
        key = canonical_name(dist)
        scripts = self.memo("scripts", key, lambda: list(console_scripts(dist)))
        return command_names(key, scripts, taken=self.declared.keys() - {key})

    def _surface(self, dist: str) -> tuple[PluginSurface | None, str]:
        """:func:`.pytest_plugins.plugin_surface`, an installed plugin's part remembered."""
        from .pytest_plugins import (
            installed_surface,
            plugin_surface,
            surface_from_json,
            surface_to_json,
        )

        def remembered(name: str) -> PluginSurface | None:
            key = canonical_name(name)
            found = self.memo("pytest11", key, lambda: surface_to_json(installed_surface(name)))
            return surface_from_json(found)

        return plugin_surface(dist, remembered)

    # -- evidence kinds ------------------------------------------------------------------

    def _stub(self, dist: str) -> Evidence | None:
        target = stub_target(dist)
        if target is None:
            return None
        from .typecheck import StubSite, mypy_scope, stub_evidence

        base = self.provides(target)
        hit = sorted(m for m in self.imported if matches_any(m, base))
        sites = [StubSite(m, f) for m in hit for f in self.import_files[m]]
        aux = self.auxiliary
        sites += [  # a workspace member's import: the root's type checker may check it
            StubSite(m, rel, line, member)
            for m, rel, line in aux.sites(base, self._aux_pending())
            if (member := aux.member_of(rel)) is not None
        ]
        if not sites:
            return None
        scope = mypy_scope(self.root, self.pyproject or {}, self.invocations)
        found, why_not = stub_evidence(target, sites, scope)
        if why_not is not None:
            self._explain[canonical_name(dist)] = why_not
        return found

    def _may_be_plugin(self, dist: str) -> bool:
        """A ``pytest-*`` name, a row of the plugin table, or an installed distribution with
        a pytest11 entry point: for any other the plugin machinery is not even imported."""
        key = canonical_name(dist)
        if key.startswith("pytest"):
            return True
        from .pytest_plugin_table import PLUGINS

        if key in PLUGINS:
            return True
        return bool(
            self.memo(
                "has-pytest11",
                key,
                lambda: any(group == "pytest11" for group, _, _ in entry_points(dist)),
            )
        )

    def _plugin(self, dist: str) -> Evidence | None:
        if not self._may_be_plugin(dist):
            return None
        from .pytest_plugins import plugin_evidence

        surface, source = self._surface(dist)
        if surface is None:
            return None
        if surface.always and not self.has_tests:
            return None
        return plugin_evidence(surface, self.pytest_usage(surface.words), source)

    @functools.cached_property
    def _tool_plugins(self) -> ToolPlugins:
        from .tool_plugins import ToolPlugins  # flake8's, and entry-point plugin families

        return ToolPlugins(self.files.read, self.pyproject, lambda: self.invocations)

    def _command(self, dist: str, modules: tuple[str, ...]) -> Evidence | None:
        if self._runs is None:
            self._runs = RunIndex(self.invocations)
        return self._runs.evidence(self._commands(dist), modules)

    def _doc(self, key: str, modules: tuple[str, ...]) -> Evidence | None:
        from .evidence_tables import DOCS_MODULES

        for use in self.docs:
            # DOCS_MODULES decides its modules: `material` is mkdocs-material's even when
            # a PyPI project called "material" is declared too
            hit = key in use.dists or any(
                DOCS_MODULES[m.split(".")[0]] == key
                if m.split(".")[0] in DOCS_MODULES
                else matches_any(m, modules)
                for m in use.modules
            )
            if hit:
                at = f" ({where(use.file, use.line)})" if use.line else ""
                return Evidence(f"loaded by the docs build: {use.what}{at}", use.file, use.line)
        return None

    @property
    def auxiliary(self) -> AuxiliaryImports:
        """Workspace members and hidden folders: their uses count, they are not scanned."""
        if self._members is None:
            from .workspace import AuxiliaryImports, hidden_entries, member_dirs

            members = member_dirs(self.root, self.pyproject)
            self._members = AuxiliaryImports(self.root, members, hidden_entries(self.root))
        return self._members

    def _aux_pending(self) -> Iterator[str]:
        """Modules looked for in members and hidden folders (read only when there are
        some): declared ones the root does not import, and what declared stubs type."""
        for dist, ms in self.declared.values():
            if not self.imported_any(ms):
                yield from ms
            target = stub_target(dist)
            if target is not None:
                yield from self.provides(target)

    def _member_import(self, modules: tuple[str, ...]) -> Evidence | None:
        return self.auxiliary.find(modules, self._aux_pending())

    def imported_any(self, modules: Iterable[str]) -> bool:
        return any(matches_any(i, modules) for i in self.imported)

    def _cheap_evidence(self, dist: str, key: str, modules: tuple[str, ...]) -> Evidence | None:
        if key not in self._cheap:
            found = (
                self._member_import(modules)
                or self._stub(dist)
                or config_evidence(self.root, key, self.tool_tables)
                or self._build_requirements.get(key)
                or coverage_plugin_evidence(self._coverage_plugins, modules)
                or (
                    Evidence("the test runner (the project has tests)")
                    if key == "pytest" and self.has_tests
                    else None
                )
                or self._plugin(dist)
                or plugin_import_evidence(key, self.declared, self._plugin)
                or self._tool_plugins.evidence(dist, self.memo)
                or source_evidence(key, self.sources)
                or self._command(dist, modules)
                or self._doc(key, modules)
            )
            self._cheap[key] = found
        return self._cheap[key]

    def _implicit_scan(self) -> ImplicitScan:
        if self._implicit is None:
            from .implicit import ImplicitScan, builtin_triggers, hook_triggers
            from .implicit_rules import scan_config_files

            triggers = list(builtin_triggers())
            if self.config is not None:
                hook = getattr(self.config.hook, "pytest_llmcore_deps_implicit_triggers", None)
                if hook is not None:
                    extra, self._extra_parents = hook_triggers(
                        hook(config=self.config, root=str(self.root))
                    )
                    triggers = extra + triggers
            pending = {
                key: modules
                for key, (dist, modules) in self.declared.items()
                if not self.imported_any(modules)
                and self._cheap_evidence(dist, key, modules) is None
            }
            commands = {
                name: key
                for key, modules in pending.items()
                for name in self._commands(self.declared[key][0])
            }
            scan = ImplicitScan(pending, triggers, commands)
            from .implicit_cache import ScanCache

            path = self.cache_dir / "implicit.json" if self.cache_dir is not None else None
            sources = [*self.sources, *self.auxiliary.sources()]
            scan.learn_helpers(self.sources, self.hints)
            scan.learn_images(self.root, self.files)  # requirements an image installs
            cache = ScanCache(path, scan.looked_for())
            scan.scan_files(sources, cache)
            for dep, loaders in scan.remote_code_parents().items():
                self._extra_parents[dep] = (*self._extra_parents.get(dep, ()), *loaders)
            cache.save({rel for rel, _ in sources})
            scan.scan_invocations(self.invocations)
            # triggers in the files that configure and start the application
            kinds = ("docker", "compose", "procfile", "make", "workflow", "ci-script", "shell")
            for rel in [*(r for k in kinds for r in self.files.of(k)), "alembic.ini"]:
                text = self.files.read(rel)
                if text is not None:
                    scan.scan_source(rel, text, strings=False)
            scan_config_files(scan, self.files)  # optimizer: x, path: x.jsonl.zst
            for rel in self.files.of("cmake"):
                scan.scan_cmake(rel, self.files.read(rel) or "")
            markdown = self.files.of("markdown")
            # only with Markdown files: asking pytest's options reads every test source
            runner = self._markdown_runner() if markdown else None
            if runner:
                for rel in markdown:
                    scan.scan_markdown(rel, self.files.read(rel) or "", runner)
            self._implicit = scan
        return self._implicit

    def _markdown_runner(self) -> str | None:
        """The tool that runs the Python code blocks of Markdown files, if the project has one."""
        from .evidence_tables import MARKDOWN_RUNNERS

        declared = next((key for key in MARKDOWN_RUNNERS if key in self.declared), None)
        options = self.pytest_usage(frozenset()).options if declared is None else {}
        opt = next(
            (o for o in ("--markdown-docs", "--doctest-glob", "--codeblocks") if o in options), None
        )
        return declared or (f"pytest {opt}" if opt else None)

    @functools.cached_property
    def _coverage_plugins(self) -> dict[str, Evidence]:
        return coverage_plugins(self.root, self.pyproject)

    @functools.cached_property
    def _build_requirements(self) -> dict[str, Evidence]:
        return build_requirements(self.pyproject or {})

    @functools.cached_property
    def _pinned(self) -> dict[str, str]:
        return declared_pins(self.memo, ((k, name) for k, (name, _) in self.declared.items()))

    # -- the two calls the gate makes ----------------------------------------------------

    def evidence(self, dist: str, modules: tuple[str, ...]) -> Evidence | None:
        """Why ``dist`` is used though no used import of it was found, or None."""
        key = canonical_name(dist)
        found = self._cheap_evidence(dist, key, modules)
        if found is None:
            found = self._implicit_scan().found.get(key)
        return found

    def reclassify_companions(self, result: GateResult) -> None:
        """An unused companion of a used dependency (see :mod:`.companions`) becomes
        ``unused-companion`` (LLMD006)."""
        from .companions import companion_text, declaration_comments, pinned_parent
        from .implicit_table import companion_parents
        from .nodeps import no_deps_files, no_deps_text

        no_deps = functools.cache(lambda: no_deps_files(self.root))

        used = {canonical_name(d) for d in result.used_by}
        unused = [d for f in result.findings if f.kind is Kind.UNUSED for d in f.declared]
        comments = declaration_comments(self.root, unused)
        lock = functools.cache(lambda: self.facts.lock_requirers(result.declared))
        sections: dict[str, set[str]] = {}
        for d in result.declared:
            if d.incidental is None:  # a stray subfolder list installs nothing beside a pin
                sections.setdefault(d.key, set()).add(d.section)
        for i, f in enumerate(result.findings):
            if f.kind is not Kind.UNUSED:
                continue
            key = canonical_name(f.dependency)
            parents = companion_parents(key, self._extra_parents)
            pinned = pinned_parent(f, self._pinned, self.declared, lock, used, sections)
            text = companion_text(
                f, used, parents, pinned, comments, self._imported_undeclared(parents, used), lock
            ) or no_deps_text(f, no_deps(), result.declared, self._pinned.get(key))
            if text is not None:
                result.findings[i] = dataclasses.replace(
                    f, kind=Kind.COMPANION, evidence=(*f.evidence, Evidence(text))
                )
            elif key in self._explain:
                result.findings[i] = dataclasses.replace(
                    f, evidence=(*f.evidence, self._explain[key])
                )
        # the commands may have been read ahead (while workers scanned): the same notes
        # whatever the number of processes, so only when judging asked for them
        notes = dict.fromkeys([*(self.facts.notes if self._read_commands else ()), *self.notes])
        result.notes.extend(n for n in notes if n not in result.notes)

    def _imported_undeclared(self, parents: Iterable[str], used: set[str]) -> set[str]:
        """The companion ``parents`` that the project imports (a used import) without
        declaring them: they arrive through another dependency, and their companion
        serves them all the same. Their modules: installed metadata, else the built-in
        table, else the name itself."""
        return {
            p
            for p in parents
            if p not in used and p not in self.declared and self.imported_any(self.provides(p))
        }
