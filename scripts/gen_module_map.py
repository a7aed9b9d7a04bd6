#!/usr/bin/env python3
"""Regenerate ``pytest_llmcore/deps/module_map.tsv``: distributions whose import name differs.

Where the data comes from: the metadata of real wheels and installed distributions, never a
registry query. Each argument is a folder holding ``*.whl`` files (searched recursively, e.g.
a pip cache or a wheelhouse) or a ``site-packages`` folder (``*.dist-info``/``*.egg-info``).
For every distribution the importable modules are read from its RECORD (descending into
namespace packages, so google-cloud-pubsub gives ``google.cloud.pubsub_v1``) with the same
parser the gate uses for installed metadata (``deps.mapping.modules_from_files``), or from
``top_level.txt`` when there is no RECORD. A distribution is kept when its modules are not
exactly its normalised name (``pyqt5`` -> ``PyQt5``, ``absl-py`` -> ``absl``).

The table shipped was generated on the project's build machine with::

    PYTHONPATH=. python scripts/gen_module_map.py --merge \\
        /opt/pypi/files /opt/pypi-more/files /opt/wheels ~/.cache/pip ~/.cache/virtualenv \\
        ~/.pyenv/versions/*/lib/python*/site-packages .venv/lib/python3.11/site-packages \\
        /usr/lib/google-cloud-sdk/platform/bundledpythonunix/lib/python3.12/site-packages \\
        /tmp/*/lib/python3.*/site-packages   # other virtual environments on that machine

(975 wheels and 399 installed distributions: 162 entries.) It was widened by merging every
other local source on the build machine, no registry queried (s-gate, issue 10)::

    SITES=$(find / -xdev \\( -path /proc -o -path /sys -o -path /work/corpus \\) -prune \\
        -o -type d \\( -name site-packages -o -name dist-packages \\) -print | sort -u)
    PYTHONPATH=. python scripts/gen_module_map.py --merge /opt/pypi/files \\
        /opt/pypi-more/files /opt/wheels /usr/share/python-wheels $SITES

(36 site-/dist-packages folders: the pyenv Pythons 2.7-3.13, /usr/lib/python3/dist-packages,
/usr/local/lib/python3.11/dist-packages, the gcloud SDK's bundled Python, /work/main/.venv*
and the virtual environments under /tmp; 977 wheels and 810 installed distributions, 900
distinct: 167 entries.) The table is only as wide as the metadata on the machine that
generates it; point the script at a larger wheelhouse to widen it.

``--merge`` keeps the entries already in the table and adds or widens them (a larger
wheelhouse only ever adds knowledge). Entries are sorted, one per line:
``distribution<TAB>module[,module...]``; the header comment says how many wheels and
installed distributions were read.
"""

from __future__ import annotations

import argparse
import re
import sys
import zipfile
from collections.abc import Iterable, Iterator
from email.parser import HeaderParser
from pathlib import Path

from pytest_llmcore.deps.mapping import MAP_FILE, modules_from_files
from pytest_llmcore.deps.model import canonical_name

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
}


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


def read_table(path: Path) -> dict[str, tuple[str, ...]]:
    table: dict[str, tuple[str, ...]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            dist, mods = line.split("\t")
            table[dist] = tuple(mods.split(","))
    return table


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folders", nargs="+", type=Path, help="wheel folders or site-packages")
    ap.add_argument("--out", type=Path, default=MAP_FILE)
    ap.add_argument("--merge", action="store_true", help="keep the entries already in --out")
    args = ap.parse_args(argv)
    seen: dict[str, set[str]] = {}
    counts = {"wheel": 0, "installed": 0}
    for name, mods, kind in collect(args.folders):
        counts[kind] += 1
        if mods:
            seen.setdefault(canonical_name(name), set()).update(mods)
    old = read_table(args.out) if args.merge and args.out.is_file() else {}
    table: dict[str, tuple[str, ...]] = {}
    for key in sorted(set(old) | set(seen)):
        # old entries pass the same filter again: a junk name fixed here leaves the table
        mods = set(_useful([*old.get(key, ()), *seen.get(key, ())]))
        if mods and sorted(mods) != [key.replace("-", "_")]:
            table[key] = tuple(sorted(mods))
    lines = [
        "# distribution<TAB>modules it provides, where they differ from its normalised name.",
        "# Generated by scripts/gen_module_map.py from wheel and installed metadata "
        f"({counts['wheel']} wheels, {counts['installed']} installed distributions "
        "in the last run); do not edit by hand: add to [tool.llmcore.deps] map instead.",
        *(f"{k}\t{','.join(v)}" for k, v in sorted(table.items())),
    ]
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(table)} entries written to {args.out} ({len(seen)} distributions read)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
