"""Read declared dependencies from every format a Python project uses, with file and line.

Formats: PEP 621 (``dependencies``, ``optional-dependencies``), PEP 735
``[dependency-groups]``, Poetry (main, legacy dev and ``group.*``), PDM and uv
dev-dependencies, Hatch environments, Pixi (``pixi.toml``, ``[tool.pixi]``),
``requirements*.txt``/``*.in`` (following ``-r``; in subfolders up to three levels down,
or wherever CI or a docs build installs from), setup.cfg, setup.py (read statically, never
run) and conda ``environment.yml``. Each reader lives in its own module; this one combines them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .declarations_conda import ENVIRONMENT_FILES, read_environment_yml
from .declarations_req import (
    DeclaredSink,
    is_lockfile,
    parse_requirement_name,
    parse_suppression,
    read_requirements,
    referenced_requirement_files,
    requirement_files,
    unreachable_reason,
)
from .declarations_toml import is_project_pyproject, read_pixi_toml, read_pyproject
from .records import Declared
from .safeio import read_text

__all__ = [
    "ProjectDeclarations",
    "is_lockfile",
    "is_project_dir",
    "is_project_pyproject",
    "parse_requirement_name",
    "parse_suppression",
    "read_declarations",
    "requirement_files",
]


@dataclass
class ProjectDeclarations(DeclaredSink):
    """All declarations of one project, and facts about the project itself."""

    project_name: str | None = None
    requires_python: str | None = None
    scripts: dict[str, str] = field(default_factory=dict)
    """``[project.scripts]``/``gui-scripts``/entry points: name -> ``module:attr``."""
    pyproject: Mapping[str, Any] | None = None
    setup_packages: list[str] = field(default_factory=list)
    """``packages=[...]`` of setup.py / setup.cfg (first-party names)."""
    setup_shipping: dict[str, Any] | None = None
    """What setup.cfg / setup.py say the wheel ships (:mod:`.setup_shipping`)."""


def is_project_dir(d: Path) -> bool:
    """Is ``d`` a Python project of its own (a nested project, not scanned with its parent)?

    setup.py only when it is a build script (:func:`_is_build_script`: a package module
    named setup.py, like a CLI's ``setup`` command, makes no project); pyproject.toml only
    with more than ``[tool.*]`` tables (a folder's ruff or mypy settings make no project);
    setup.cfg only with ``[metadata]`` or ``[options]`` (not a flake8 or pytest section alone).
    """
    if (d / "setup.py").is_file() and _is_build_script(d / "setup.py"):
        return True
    if (d / "pyproject.toml").is_file() and is_project_pyproject(d / "pyproject.toml"):
        return True
    cfg = d / "setup.cfg"
    if cfg.is_file():
        try:
            text = read_text(cfg)
        except OSError:
            return False
        return re.search(r"^\s*\[(metadata|options)[\].]", text, re.M) is not None
    return False


# a call of setup(...), not its definition: `def setup(` is a command or a test hook
_SETUP_CALL = re.compile(r"(\bdef\s+)?\bsetup\s*\(")
# the libraries a build script takes setup() from (setuptools, distutils, numpy.distutils,
# scikit-build)
_BUILD_LIBRARY = re.compile(r"\b(?:setuptools|distutils|skbuild)\b")


def _is_build_script(path: Path) -> bool:
    """Is this setup.py a build script (plain text test, never parsed)?

    It must call ``setup(``; beside an ``__init__.py`` (a module of a package) it must
    also name setuptools/distutils/skbuild, since a package's own ``setup()`` call is no
    build. An unreadable file counts, as before this test existed.
    """
    try:
        text = read_text(path)
    except OSError:
        return True
    if not any(m.group(1) is None for m in _SETUP_CALL.finditer(text)):
        return False
    return not (path.parent / "__init__.py").is_file() or bool(_BUILD_LIBRARY.search(text))


def _read_project_files(out: ProjectDeclarations) -> None:
    root = out.root
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        facts = read_pyproject(pyproject, "pyproject.toml", out)
        out.pyproject = facts.doc
        out.project_name = facts.project_name
        out.requires_python = facts.requires_python
        out.scripts.update(facts.scripts)
    for name in ("setup.cfg", "setup.py"):
        if (root / name).is_file():
            # loaded only for setuptools projects (ast, configparser: start-up time)
            from .declarations_setup import read_setup_cfg, read_setup_py

            reader = read_setup_cfg if name == "setup.cfg" else read_setup_py
            got = reader(root / name, out)
            out.project_name = out.project_name or got.project_name
            out.requires_python = out.requires_python or got.requires_python
            out.setup_packages.extend(got.packages)
            out.setup_shipping = out.setup_shipping or got.shipping
    if (root / "pixi.toml").is_file():
        read_pixi_toml(root / "pixi.toml", "pixi.toml", out)
    for name in ENVIRONMENT_FILES:
        if (root / name).is_file():
            read_environment_yml(root / name, out)


#: how deep below the root requirements files are looked for (bounded: one walk of the top)
SUBFOLDER_DEPTH = 3


def subfolder_requirement_files(root: Path, depth: int = SUBFOLDER_DEPTH) -> list[Path]:
    """Requirements files in subfolders (``subdir/requirements.txt``, ``examples/x/...``),
    as FawltyDeps reads them: an import they declare is not missing. Hidden folders,
    environments, excluded names and nested projects (their files are theirs) are left out."""
    from .walk import DEFAULT_EXCLUDES, PROJECT_FILES

    found: list[Path] = []
    todo = [(str(root), 0)]
    while todo:
        folder, level = todo.pop()
        try:
            with os.scandir(folder) as it:
                entries = list(it)
        except OSError:
            continue
        names = {e.name for e in entries}
        if level and (
            "pyvenv.cfg" in names
            or "conda-meta" in names
            or (any(n in names for n in PROJECT_FILES) and is_project_dir(Path(folder)))
        ):
            continue
        for e in entries:
            if e.name[0] == "." or e.name in DEFAULT_EXCLUDES:
                continue
            try:
                if level < depth and e.is_dir(follow_symlinks=False):
                    todo.append((e.path, level + 1))
                elif level and _REQ_NAME.match(e.name) and e.is_file(follow_symlinks=False):
                    found.append(Path(e.path))
            except OSError:
                continue
    return sorted(found)


_REQ_NAME = re.compile(r"(requirements.*\.(txt|in)|.+[-_]requirements\.txt)$")


def _read_incidental(root: Path, out: ProjectDeclarations, seen: set[Path]) -> None:
    """Subfolder requirements no config, CI or task runner names: their entries declare
    (an import they list is not missing) but never fail as unused on their own."""
    for p in subfolder_requirement_files(root):
        start = len(out.declared)
        read_requirements(p, out, None, seen)
        top = p.relative_to(root).as_posix()
        out.declared[start:] = [
            replace(d, incidental=f"declared only in {d.file} (from {top}), a subfolder's "
                    "requirements that no config, CI or task runner installs from")
            if d.file != top else
            replace(d, incidental=f"declared only in {top}, a subfolder's requirements that "
                    "no config, CI or task runner installs from")
            for d in out.declared[start:]
        ]  # fmt: skip


#: sections that declare an extra: the extra's name follows the prefix
_EXTRA_SECTIONS = (
    "project.optional-dependencies.",
    "setup.extras_require.",
    "options.extras_require.",
)


def _mark_plugin_extras(declared: list[Declared], project: str) -> list[Declared]:
    """An extra that only installs the project's own plugins (optimum's ``amd =
    "optimum-amd"``, documented as ``pip install optimum[amd]``) is an install alias for
    users: its ``<project>-*`` entries never fail as unused on their own."""
    by_extra: dict[tuple[str, str], list[Declared]] = {}
    for d in declared:
        if d.section.startswith(_EXTRA_SECTIONS):
            by_extra.setdefault((d.file, d.section), []).append(d)
    alias: dict[int, str] = {}
    for (_, section), entries in by_extra.items():
        plugins = [d for d in entries if d.key.startswith(project + "-")]
        if plugins and all(d.key == project or d in plugins for d in entries):
            extra = section.rsplit(".", 1)[1]
            for d in plugins:
                alias[id(d)] = (
                    f"the extra {extra!r} only installs the project's own plugin {d.name} "
                    f"(`pip install {project}[{extra}]`): an install alias for users"
                )
    return [replace(d, incidental=alias[id(d)]) if id(d) in alias else d for d in declared]


def _mark_transport_extras(declared: list[Declared], project: str | None) -> list[Declared]:
    """An extra named after a kombu transport or Celery backend (celery's ``slmq``, from
    requirements/extras/slmq.txt) installs the library kombu imports for that URL scheme:
    an install alias for users of a project that declares (or is) celery or kombu. So does
    an entry beside a declared ``celery[sqs]``/``kombu[sqs]``, which selects the transport."""
    from .implicit_table_broker import KOMBU_SCHEMES

    if not ({"celery", "kombu"} & ({d.key for d in declared} | {project or ""})):
        return declared
    chosen: dict[str, str] = {}  # scheme -> the declaration that selects it
    for d in declared:
        m = _BROKER_EXTRAS.match(d.requirement)
        if m is None:
            continue
        for extra in (x.strip() for x in m.group(2).split(",")):
            chosen.setdefault(extra.lower(), f"{m.group(1)}[{extra}] at {d.location}")
    out: list[Declared] = []
    for d in declared:
        extra = _extra_name(d)
        why = None
        if extra in KOMBU_SCHEMES and d.key in KOMBU_SCHEMES[extra]:
            why = f"the extra {extra!r} installs what kombu imports for `{extra}://` URLs"
        else:
            hit = next((x for x in chosen if d.key in KOMBU_SCHEMES.get(x, ())), None)
            if hit is not None:
                why = f"{chosen[hit]} selects kombu's {hit} transport, which imports it"
        out.append(replace(d, incidental=why) if why and not d.incidental else d)
    return out


#: ``celery[sqs,redis]`` / ``kombu[sqs]``: the transports a requirement's extras select
_BROKER_EXTRAS = re.compile(r"^\s*(celery|kombu)\s*\[([^\]]*)\]", re.I)


def _extra_name(d: Declared) -> str | None:
    """The extra ``d`` belongs to: its section's, or its file's stem in an ``extras`` folder."""
    if d.section.startswith(_EXTRA_SECTIONS):
        return d.section.rsplit(".", 1)[1]
    parts = d.file.rsplit("/", 2)
    if len(parts) >= 2 and parts[-2] == "extras":
        return parts[-1].rsplit(".", 1)[0]
    return None


def read_declarations(
    root: Path, requirements: Iterable[str] | None = None, dev_requirements: Iterable[str] = ()
) -> ProjectDeclarations:
    """Everything ``root`` declares. Raises :class:`InputError` for a malformed pyproject.toml."""
    out = ProjectDeclarations(root=root)
    _read_project_files(out)
    seen: set[Path] = set()
    if requirements is None:
        for p in requirement_files(root):
            read_requirements(p, out, None, seen)
        for p in referenced_requirement_files(root):
            read_requirements(p, out, None, seen)
        _read_incidental(root, out, seen)
    else:
        for name in requirements:
            p = root / name
            if p.exists():  # a FIFO or device gets a note from read_requirements
                read_requirements(p, out, False, seen)
            else:
                out.notes.append(f"{name}: configured requirements file does not exist")
    for name in dev_requirements:
        p = root / name
        if p.exists():
            read_requirements(p, out, True, seen)
        else:
            out.notes.append(f"{name}: configured requirements file does not exist")
    out.declared = _mark_transport_extras(out.declared, out.project_name)
    if out.project_name:
        out.declared = _mark_plugin_extras(out.declared, out.project_name)
        out.declared = [d for d in out.declared if d.key != out.project_name]
    out.declared = [
        replace(d, unreachable=unreachable_reason(d.requirement, out.requires_python))
        if ";" in d.requirement
        else d
        for d in out.declared
    ]
    return out
