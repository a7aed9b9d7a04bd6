"""flake8 plugins by use: a plugin is used when flake8 runs with it and reports its codes.

What a plugin provides comes from its installed ``flake8.extension`` entry points (their
names are its code prefixes: ``D``, ``A00``) and ``flake8.report`` ones (``--format``
values), plus the built-in table in :mod:`.flake8_plugin_table`. What the project asks of
flake8 comes from its ``[flake8]`` configuration (the first of setup.cfg, tox.ini and
.flake8 with that section, as flake8 picks it; else pyproject.toml's ``[tool.flake8]``)
and the options of the flake8 command lines it runs. A plugin whose every code prefix is
ignored (``ignore = D``) changes no result: flake8 running it is no use of it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from .flake8_plugin_table import FLAKE8_PLUGINS, NOT_PLUGINS, Flake8Plugin
from .records import Evidence, Memo, canonical_name

if TYPE_CHECKING:
    from .invocation import Invocation

__all__ = [
    "FLAKE8_MODULES",
    "FLAKE8_PROGRAMS",
    "Flake8Config",
    "Flake8Project",
    "flake8_evidence",
    "flake8_runs",
    "installed_flake8_plugin",
    "plugin_from_json",
    "plugin_info",
    "plugin_to_json",
    "read_flake8_config",
]

#: programs that run flake8 with the plugins installed beside it
FLAKE8_PROGRAMS = frozenset({"flake8", "pflake8", "flake8p", "flakeheaven", "flakehell"})
FLAKE8_MODULES = frozenset({"flake8", "pflake8", "flake8p", "flakeheaven", "flakehell"})
#: flake8's own rule for a plugin code (an entry point name that is none names no code)
_CODE = re.compile(r"^[A-Z]{1,3}[0-9]{0,3}$")
_CONFIG_FILES = ("setup.cfg", "tox.ini", ".flake8")
_CODE_OPTIONS = ("ignore", "extend-ignore", "select", "extend-select", "enable-extensions")


class Setting(NamedTuple):
    value: str
    at: str
    """``file:line`` where it is set."""


class Flake8Config(NamedTuple):
    """flake8's options as one run sees them: option name (dashes) -> setting."""

    settings: dict[str, Setting]

    def codes(self, option: str) -> list[str]:
        found = self.settings.get(option)
        return [c for c in re.split(r"[,\s]+", found.value) if _CODE.match(c)] if found else []

    def with_args(self, args: Sequence[str], at: str) -> Flake8Config:
        """These settings with a command line's ``--option=value`` words on top."""
        out = dict(self.settings)
        for i, word in enumerate(args):
            if not word.startswith("--") or len(word) < 3:
                continue
            name, eq, value = word[2:].partition("=")
            if not eq and i + 1 < len(args) and not args[i + 1].startswith("-"):
                value = args[i + 1] if name in _CODE_OPTIONS or name == "format" else ""
            out[name.replace("_", "-").lower()] = Setting(value, at)
        return Flake8Config(out)


def _ini_section(text: str, rel: str) -> dict[str, Setting] | None:
    """The ``[flake8]`` section's options with their lines, or None without one. Full-line
    comments inside a multi-line value are skipped, as configparser does."""
    out: dict[str, Setting] = {}
    found, inside, key = False, False, ""
    for n, raw in enumerate(text.splitlines(), 1):
        stripped = raw.strip()
        if stripped.startswith("["):
            inside = stripped.lower() == "[flake8]"
            found, key = found or inside, ""
            continue
        if not inside or not stripped or stripped[0] in "#;":
            continue
        value = re.split(r"\s#", stripped, maxsplit=1)[0]
        if raw[0] in " \t" and key:
            out[key] = Setting(f"{out[key].value}\n{value}", out[key].at)
            continue
        m = re.match(r"([\w.-]+)\s*[=:]\s*(.*)", value)
        if m is None:
            key = ""
            continue
        key = m.group(1).replace("_", "-").lower()
        out[key] = Setting(m.group(2), f"{rel}:{n}")
    return out if found else None


def _toml_section(pyproject: Mapping[str, Any] | None) -> dict[str, Setting] | None:
    table = ((pyproject or {}).get("tool") or {}).get("flake8")
    if not isinstance(table, Mapping):
        return None
    out: dict[str, Setting] = {}
    for key, value in table.items():
        text = ",".join(map(str, value)) if isinstance(value, list) else str(value)
        out[str(key).replace("_", "-").lower()] = Setting(text, "pyproject.toml [tool.flake8]")
    return out


def read_flake8_config(
    read: Callable[[str], str | None], pyproject: Mapping[str, Any] | None
) -> Flake8Config:
    """The project's flake8 configuration (empty when it has none)."""
    for rel in _CONFIG_FILES:
        text = read(rel)
        section = _ini_section(text, rel) if text is not None else None
        if section is not None:
            return Flake8Config(section)
    return Flake8Config(_toml_section(pyproject) or {})


# -- what a plugin provides ----------------------------------------------------------------


def installed_flake8_plugin(
    entry_points: Iterable[tuple[str, str, str]],
) -> Flake8Plugin | None:
    """What an installed distribution's entry points make of it as a flake8 plugin; None
    when it has none."""
    codes, formats, any_ep = set(), set(), False
    for group, name, _ in entry_points:
        if group == "flake8.extension":
            any_ep = True
            if _CODE.match(name):
                codes.add(name)
        elif group == "flake8.report":
            any_ep = True
            formats.add(name)
    if not any_ep:
        return None
    return Flake8Plugin(codes=frozenset(codes), formats=frozenset(formats))


def plugin_to_json(plugin: Flake8Plugin | None) -> dict[str, Any] | None:
    if plugin is None:
        return None
    return {"codes": sorted(plugin.codes), "formats": sorted(plugin.formats)}


def plugin_from_json(data: Any) -> Flake8Plugin | None:
    if not isinstance(data, dict):
        return None
    return Flake8Plugin(
        codes=frozenset(str(c) for c in data.get("codes") or ()),
        formats=frozenset(str(f) for f in data.get("formats") or ()),
    )


def plugin_info(
    dist: str, installed: Callable[[str], Flake8Plugin | None]
) -> tuple[Flake8Plugin | None, str]:
    """(what the plugin provides, where that came from), or (None, "") for no plugin; a
    ``flake8-*`` name neither installed nor in the table provides nothing known.

    ``installed`` reads an installed plugin's entry points (a caller may remember them)."""
    key = canonical_name(dist)
    if key in NOT_PLUGINS:
        return None, ""
    table = FLAKE8_PLUGINS.get(key)
    found = installed(dist)
    if found is not None:
        if table is not None:
            # the table's codes only where the entry points name none (``logging-format``)
            codes = found.codes or table.codes
            formats = found.formats | table.formats
            found = Flake8Plugin(codes, table.options, formats, table.off_by_default)
        if found.codes or found.formats:
            return found, "its flake8 entry points"
        return None, ""
    if table is not None:
        return table, "the built-in flake8 plugin table"
    if key.startswith("flake8-"):  # what it reports cannot be known: any run counts
        return Flake8Plugin(), ""
    return None, ""


# -- is it used ----------------------------------------------------------------------------


def _overlaps(entry: str, prefix: str) -> bool:
    return entry.startswith(prefix) or prefix.startswith(entry)


def active_codes(plugin: Flake8Plugin, config: Flake8Config) -> list[str]:
    """The plugin's code prefixes flake8 still reports under ``config``, after flake8's
    decision rule: a code selected by default (no explicit ``select``) is off once an
    ``ignore``/``extend-ignore`` entry matches it; one selected explicitly (``select``,
    ``extend-select``) stays on when that entry is longer than the ignoring one. An
    off-by-default plugin is selected by default only when enabled (``enable-extensions``)
    or, for mccabe, once its option is set (``max-complexity``)."""
    explicit = "select" in config.settings
    chosen = [*config.codes("extend-select"), *(config.codes("select") if explicit else ())]
    enabled = config.codes("enable-extensions")
    ignored = [*config.codes("ignore"), *config.codes("extend-ignore")]
    by_option = _own_option(plugin, config) is not None
    out = []
    for prefix in sorted(plugin.codes):
        sel = max((len(s) for s in chosen if _overlaps(s, prefix)), default=0)
        ign = max((len(i) for i in ignored if prefix.startswith(i)), default=0)
        default = not explicit and (
            not plugin.off_by_default or by_option or any(_overlaps(e, prefix) for e in enabled)
        )
        if (sel and sel > ign) or (default and not ign):
            out.append(prefix)
    return out


def _own_option(plugin: Flake8Plugin, config: Flake8Config) -> tuple[str, Setting] | None:
    return next(
        ((o, config.settings[o]) for o in sorted(plugin.options) if o in config.settings), None
    )


def hook_requirements(text: str, line: int | None) -> frozenset[str]:
    """The distributions (canonical) a pre-commit hook whose ``id`` is at ``line`` installs
    beside its tool (``additional_dependencies``)."""
    from .declarations_req import parse_requirement_name
    from .toolfiles import yaml, yaml_get, yaml_nodes, yaml_scalars, yaml_walk

    try:
        docs = yaml_nodes(text)
    except yaml.YAMLError:
        return frozenset()
    for doc in docs:
        for key, node in yaml_walk(doc):
            if key != "hooks" or not isinstance(node, yaml.SequenceNode):
                continue
            for hook in node.value:
                hook_id = yaml_get(hook, "id")
                if hook_id is None or hook_id.start_mark.line + 1 != line:
                    continue
                names = map(
                    parse_requirement_name,
                    (s.value for s in yaml_scalars(yaml_get(hook, "additional_dependencies"))),
                )
                return frozenset(canonical_name(n) for n in names if n)
    return frozenset()


class Flake8Run(NamedTuple):
    """One flake8 command the project runs: its arguments, where, and how."""

    args: tuple[str, ...]
    at: str
    """Where it runs, in words (``Makefile:95``)."""
    file: str | None = None
    line: int | None = None
    via: str = ""
    """A pre-commit hook's own environment, holding these distributions (canonical)."""
    hook_deps: frozenset[str] = frozenset()


def flake8_runs(
    invocations: Iterable[Invocation], read: Callable[[str], str | None]
) -> list[Flake8Run]:
    """The flake8 commands among ``invocations`` (the project's environment first, as
    they come); ``read`` gives a pre-commit config's text for its hooks' requirements."""
    out = []
    for inv in invocations:
        run = inv.run
        if (run.module or "").split(".")[0] in FLAKE8_MODULES or (
            not run.module and run.command in FLAKE8_PROGRAMS
        ):
            at = f"{inv.file}:{inv.line}" if inv.line else inv.file
            at = f"{at} (a developer doc's command)" if inv.source else at
            text = read(inv.file) if inv.via else None
            deps = hook_requirements(text, inv.line) if text else frozenset()
            out.append(Flake8Run(run.args, at, inv.file, inv.line, inv.via, deps))
    return out


def flake8_evidence(
    dist: str,
    plugin: Flake8Plugin,
    source: str,
    config: Flake8Config,
    runs: Sequence[Flake8Run],
) -> Evidence | None:
    """A flake8 run that reports the plugin's codes (or uses its report format), else its
    own option set or codes selected in the configuration; None when every code of it is
    ignored or nothing asks for it. A pre-commit hook's run counts when the hook installs
    the plugin (``additional_dependencies``)."""
    key = canonical_name(dist)
    src = f"; {source}" if source else ""
    for run in runs:
        if run.via and key not in run.hook_deps:
            continue
        seen = config.with_args(run.args, run.at)
        how = f"the flake8 pre-commit hook at {run.at} installs it" if run.via else ""
        what = _what_it_does(plugin, seen)
        if what is not None:
            ran = how or f"flake8 runs at {run.at}"
            return Evidence(f"flake8 plugin: {ran} ({what}{src})", run.file, run.line)
    if not active_codes(plugin, config) and not _format_used(plugin, config):
        return None
    own = _own_option(plugin, config)
    if own is not None:
        return Evidence(f"flake8 plugin: its option `{own[0]}` is set at {own[1].at}{src}")
    for option in ("select", "extend-select", "enable-extensions"):
        hit = [c for c in config.codes(option) for p in plugin.codes if _overlaps(c, p)]
        if hit:
            at = config.settings[option].at
            return Evidence(f"flake8 plugin: its codes {hit[0]} selected at {at} ({option})")
    return None


def _format_used(plugin: Flake8Plugin, config: Flake8Config) -> Setting | None:
    found = config.settings.get("format")
    return found if found is not None and found.value.strip() in plugin.formats else None


def _what_it_does(plugin: Flake8Plugin, config: Flake8Config) -> str | None:
    """What flake8 does with the plugin under ``config``, in words, or None."""
    if not plugin.codes and not plugin.formats:
        return "a flake8-* name, neither installed nor in the built-in table: assumed active"
    fmt = _format_used(plugin, config)
    if fmt is not None:
        return f"report format {fmt.value.strip()!r} set at {fmt.at}"
    codes = active_codes(plugin, config)
    if not codes:
        return None
    own = _own_option(plugin, config)
    extra = f"; its option `{own[0]}` set at {own[1].at}" if own else ""
    return f"codes {', '.join(codes)} active{extra}"


def _remembered(dist: str, memo: Memo) -> Flake8Plugin | None:
    """What an installed distribution's entry points make of it (None: no plugin, or not
    installed), remembered across runs."""
    from .configured import entry_points

    key = canonical_name(dist)
    return plugin_from_json(
        memo("flake8", key, lambda: plugin_to_json(installed_flake8_plugin(entry_points(dist))))
    )


class Flake8Project:
    """One project's flake8 configuration and runs, read once, when a plugin is asked
    about: :meth:`evidence` for each declared distribution."""

    def __init__(
        self,
        read: Callable[[str], str | None],
        pyproject: Mapping[str, Any] | None,
        invocations: Callable[[], Iterable[Invocation]],
    ) -> None:
        self._read = read
        self._pyproject = pyproject
        self._invocations = invocations

    @functools.cached_property
    def config(self) -> Flake8Config:
        return read_flake8_config(self._read, self._pyproject)

    @functools.cached_property
    def runs(self) -> list[Flake8Run]:
        return flake8_runs(self._invocations(), self._read)

    def evidence(self, dist: str, memo: Memo) -> Evidence | None:
        """:func:`flake8_evidence` for a declared distribution, if it is a flake8 plugin:
        a ``flake8*`` name or a row of the table, else an installed one (its entry
        points). The configuration and runs are read only for a plugin."""
        key = canonical_name(dist)
        named = key.startswith("flake8") or key in FLAKE8_PLUGINS
        if not named and _remembered(dist, memo) is None:
            return None
        plugin, source = plugin_info(dist, lambda name: _remembered(name, memo))
        if plugin is None:
            return None
        return flake8_evidence(dist, plugin, source, self.config, self.runs)
