#!/usr/bin/env python3
"""Regenerate ``pytest_llmcore/deps/module_map.tsv``: distributions whose import name differs.

Where the data comes from: the metadata of real wheels and installed distributions. Each
positional argument is a folder holding ``*.whl`` files (searched recursively, e.g. a pip
cache or a wheelhouse) or a ``site-packages`` folder (``*.dist-info``/``*.egg-info``);
``--pypi NAMES`` also reads the newest wheel on PyPI of each listed name (only the zip's
directory, over HTTP range requests: see ``_pypi_wheels.py``). For every distribution the
importable modules are read from its file list (descending into namespace packages, so
google-cloud-pubsub gives ``google.cloud.pubsub_v1``) with the same parser the gate uses for
installed metadata (``deps.mapping.modules_from_files``), or from ``top_level.txt`` when
there is no RECORD. A distribution is kept when its modules are not exactly its normalised
name (``pyqt5`` -> ``PyQt5``, ``absl-py`` -> ``absl``).

The table shipped was generated in two steps. First from every local source on the build
machine, no registry queried (977 wheels and 810 installed distributions: 167 entries)::

    SITES=$(find / -xdev \\( -path /proc -o -path /sys -o -path /work/corpus \\) -prune \\
        -o -type d \\( -name site-packages -o -name dist-packages \\) -print | sort -u)
    PYTHONPATH=. python scripts/gen_module_map.py --merge /opt/pypi/files \\
        /opt/pypi-more/files /opt/wheels /usr/share/python-wheels $SITES

then widened with the newest wheel of the 15,000 most downloaded projects on PyPI
(``top-pypi-packages.csv`` of github.com/hugovk/top-pypi-packages, snapshot 2026-04-06;
14,264 had a wheel; about 25 minutes; 4,342 entries)::

    PYTHONPATH=. python scripts/gen_module_map.py --merge --pypi top-pypi-packages.csv

``--merge`` keeps the entries already in the table and adds or widens them (a larger
wheelhouse only ever adds knowledge). Entries are sorted, one per line:
``distribution<TAB>module[,module...]``; the header comment says how many wheels and
installed distributions were read.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
import zipfile
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from email.parser import HeaderParser
from pathlib import Path

from pytest_llmcore.deps.mapping import MAP_FILE, modules_from_files
from pytest_llmcore.deps.records import canonical_name

#: top-level names some wheels ship by mistake; no project imports them from a dependency
_JUNK = {
    "test",
    "tests",
    "testing",
    "doc",
    "docs",
    "example",
    "examples",
    "benchmark",
    "benchmarks",
    "scripts",
    "tools",
    "build",
    "src",
    "lib",
    "conftest",
    "setup",
    "debian",  # Debian's repackaged setuptools lists its own packaging helper
    "typings",  # type stubs for other projects bundled by some wheels (bokeh)
}

#: the most modules an entry lists; a namespace distribution with more (ansible's
#: collections, generated protobuf modules) is listed by its namespace folders instead
_MOST = 24


def _collapse(mods: Iterable[str]) -> tuple[str, ...]:
    """At most :data:`_MOST` names: the deepest names give way to their parent folder."""
    names = set(mods)
    while len(names) > _MOST:
        depth = max(n.count(".") for n in names)
        if depth == 0:
            break
        names = {n.rsplit(".", 1)[0] if n.count(".") == depth else n for n in names}
        names = {n for n in names if not any(n.startswith(o + ".") for o in names)}
    return tuple(sorted(names))


def _useful(modules: Iterable[str]) -> tuple[str, ...]:
    """Importable names only: no junk top levels, ``-stubs`` folders or mypyc helpers."""
    mods = {
        m
        for m in modules
        if m.split(".")[0] not in _JUNK
        and all(p.isidentifier() for p in m.split("."))
        and not m.endswith("__mypyc")
        and not m.startswith("__editable__")  # an editable install's path finder
    }
    public = {m for m in mods if not m.split(".")[-1].startswith("_")}
    return tuple(sorted(public or mods))


def _from_wheel(path: Path) -> tuple[str, tuple[str, ...]] | None:
    try:
        with zipfile.ZipFile(path) as z:
            names = z.namelist()
            info = next((n for n in names if re.match(r"^[^/]+\.dist-info/METADATA$", n)), None)
            if info is None:
                return None
            meta = HeaderParser().parsestr(z.read(info).decode("utf-8", "replace"))
            name = meta.get("Name")
            if not name:
                return None
            return str(name), _useful(modules_from_files(names))
    except (OSError, zipfile.BadZipFile, KeyError, UnicodeDecodeError):
        return None


def _from_installed(meta_dir: Path) -> tuple[str, tuple[str, ...]] | None:
    meta_file = meta_dir / ("METADATA" if meta_dir.suffix == ".dist-info" else "PKG-INFO")
    try:
        meta = HeaderParser().parsestr(meta_file.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return None
    name = meta.get("Name")
    if not name:
        return None
    site = meta_dir.parent
    for listing in ("RECORD", "installed-files.txt"):
        p = meta_dir / listing
        if p.is_file():
            files = [ln.split(",", 1)[0] for ln in p.read_text(errors="replace").splitlines()]
            if listing == "installed-files.txt":  # relative to the egg-info folder
                files = [
                    (meta_dir / f).resolve().relative_to(site.resolve()).as_posix()
                    for f in files
                    if (meta_dir / f).resolve().is_relative_to(site.resolve())
                ]
            mods = _useful(modules_from_files(files))
            if mods:
                return str(name), mods
    top = meta_dir / "top_level.txt"
    if top.is_file():
        return str(name), _useful(ln.strip() for ln in top.read_text().splitlines() if ln.strip())
    return None


def collect(folders: Iterable[Path]) -> Iterator[tuple[str, tuple[str, ...], str]]:
    """(distribution, modules, kind) for every wheel and installed distribution found."""
    for folder in folders:
        if not folder.is_dir():
            print(f"skipped {folder}: not a folder", file=sys.stderr)
            continue
        for whl in sorted(folder.rglob("*.whl")):
            got = _from_wheel(whl)
            if got:
                yield (*got, "wheel")
        for meta in sorted([*folder.glob("*.dist-info"), *folder.glob("*.egg-info")]):
            if meta.is_dir():
                got = _from_installed(meta)
                if got:
                    yield (*got, "installed")


def read_names(path: Path, top: int) -> list[str]:
    """Distribution names from a text file (one per line) or a CSV with a ``project`` column
    (hugovk/top-pypi-packages' ``top-pypi-packages.csv``), the first ``top`` of them."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".csv":
        names = [row["project"] for row in csv.DictReader(text.splitlines())]
    else:
        names = [ln.strip() for ln in text.splitlines() if ln.strip() and ln[0] != "#"]
    return names[:top]


def collect_pypi(names: list[str], jobs: int) -> Iterator[tuple[str, tuple[str, ...], str]]:
    """(distribution, modules, "pypi") from the newest wheel of each name on PyPI."""
    import _pypi_wheels  # sibling module: only this source needs the network

    def one(name: str) -> tuple[str, tuple[str, ...], str] | None:
        try:
            got = _pypi_wheels.wheel_files(name)
        except Exception as exc:
            print(f"skipped {name}: {type(exc).__name__}: {exc}", file=sys.stderr)
            return None
        return None if got is None else (name, _useful(modules_from_files(got[1])), "pypi")

    with ThreadPoolExecutor(jobs) as pool:
        for done, got in enumerate(pool.map(one, names), 1):
            if done % 500 == 0:
                print(f"{done}/{len(names)} names read", file=sys.stderr, flush=True)
            if got is not None:
                yield got


def read_table(path: Path) -> dict[str, tuple[str, ...]]:
    table: dict[str, tuple[str, ...]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            dist, mods = line.split("\t")
            table[dist] = tuple(mods.split(","))
    return table


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folders", nargs="*", type=Path, help="wheel folders or site-packages")
    ap.add_argument("--out", type=Path, default=MAP_FILE)
    ap.add_argument("--merge", action="store_true", help="keep the entries already in --out")
    ap.add_argument("--pypi", type=Path, help="also read the newest wheel of each name listed")
    ap.add_argument("--top", type=int, default=15000, help="the first N names of --pypi")
    ap.add_argument("--jobs", type=int, default=16, help="parallel PyPI requests")
    args = ap.parse_args(argv)
    seen: dict[str, set[str]] = {}
    counts = {"wheel": 0, "installed": 0, "pypi": 0}
    sources = [collect(args.folders)]
    if args.pypi:
        sources.append(collect_pypi(read_names(args.pypi, args.top), args.jobs))
    for name, mods, kind in (item for source in sources for item in source):
        counts[kind] += 1
        if mods:
            seen.setdefault(canonical_name(name), set()).update(mods)
    old = read_table(args.out) if args.merge and args.out.is_file() else {}
    table: dict[str, tuple[str, ...]] = {}
    for key in sorted(set(old) | set(seen)):
        # old entries pass the same filter again: a junk name fixed here leaves the table
        mods = set(_collapse(_useful([*old.get(key, ()), *seen.get(key, ())])))
        if mods and sorted(mods) != [key.replace("-", "_")]:
            table[key] = tuple(sorted(mods))
    lines = [
        "# distribution<TAB>modules it provides, where they differ from its normalised name.",
        "# Generated by scripts/gen_module_map.py from wheel and installed metadata "
        f"({counts['wheel']} local wheels, {counts['installed']} installed distributions, "
        f"{counts['pypi']} newest wheels on PyPI in the last run"
        f"{', merged with the table before it' if args.merge else ''}); do not edit by hand: "
        "add to [tool.llmcore.deps] map instead.",
        *(f"{k}\t{','.join(v)}" for k, v in sorted(table.items())),
    ]
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(table)} entries written to {args.out} ({len(seen)} distributions read)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
