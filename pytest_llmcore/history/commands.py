"""``llmcore history show|import|changes``: the history store from the command line."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable, Sequence
from itertools import groupby
from pathlib import Path

from ..core.config import load_tool_table
from ..core.errors import InputError
from ..core.fsutil import atomic_write_bytes, read_regular
from .changes import Change, detect
from .html import history_html
from .model import from_report
from .store import Point, Store, open_store

__all__ = ["add_history_parser", "run_history"]

_SeriesKey = tuple[str, str, str]


def add_history_parser(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    parents: Sequence[argparse.ArgumentParser] = (),
) -> None:
    p = sub.add_parser(
        "history",
        parents=list(parents),
        help="performance history: import reports, show trends, find change points",
        description="Read and write the history store (a SQLite file, or postgresql://… for "
        "a fleet). Default store: 'history' in [tool.llmcore] of ./pyproject.toml.",
    )
    hsub = p.add_subparsers(dest="history_command", metavar="SUBCOMMAND", required=True)
    show = hsub.add_parser(
        "show", parents=list(parents), help="trend table per test, metric and machine"
    )
    show.add_argument("test", nargs="?", default=None, help="a test's node id (default: all)")
    changes = hsub.add_parser(
        "changes", parents=list(parents), help="change points per test, metric and machine"
    )
    for q in (show, changes):
        q.add_argument("--json", action="store_true", help="print JSON")
    show.add_argument("--last", type=_positive, default=10, help="runs per series (default 10)")
    page = hsub.add_parser(
        "html", parents=list(parents), help="trend charts per machine, and across machines"
    )
    page.add_argument("out", type=Path, help="the HTML file to write")
    for q in (show, changes, page):
        q.add_argument("--metric", default=None, help="only this metric")
        q.add_argument("--machine", default=None, help="only this machine key")
        q.add_argument("--branch", default=None, help="only runs on this branch")
    imp = hsub.add_parser(
        "import", parents=list(parents), help="add --llmcore-json reports (idempotent)"
    )
    imp.add_argument("reports", nargs="+", type=Path, help="JSON report files")
    for q in (show, changes, page, imp):
        q.add_argument("--history", default=None, metavar="PATH_OR_URL", help="the store")


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not a positive whole number")
    return number


def _store_target(args: argparse.Namespace) -> str:
    if args.history:
        return str(args.history)
    table = load_tool_table(Path("pyproject.toml"))
    target = table.get("history")
    if isinstance(target, str) and target:
        return target
    raise InputError(
        "no history store given", fix="pass --history PATH_OR_URL or set history in [tool.llmcore]"
    )


def run_history(args: argparse.Namespace) -> int:
    """Run one history subcommand; exit status 0, or 2 on bad input."""
    with open_store(_store_target(args)) as store:
        if args.history_command == "import":
            return _import(store, args.reports)
        points = store.points(getattr(args, "test", None), args.metric, args.machine, args.branch)
        if args.history_command == "show":
            print(_show(points, args.last, args.json))
        elif args.history_command == "html":
            _write_html(args.out, points)
        else:
            print(_changes(points, args.json))
    return 0


def _write_html(out: Path, points: Sequence[Point]) -> None:
    if out.is_dir() or not out.parent.is_dir():
        raise InputError("cannot write the page here", out, fix="name a file in an existing folder")
    try:
        atomic_write_bytes(out, history_html(points).encode("utf-8"))
    except OSError as exc:
        raise InputError(f"cannot write the page ({exc.strerror})", out) from None
    print(f"wrote {out}")


def _import(store: Store, reports: Sequence[Path]) -> int:
    loaded = []
    for path in reports:  # read and check every report before storing any
        try:
            data = json.loads(read_regular(path).decode("utf-8"))  # a FIFO never blocks
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise InputError(f"cannot read the report ({exc})", path) from None
        loaded.append((path, *from_report(data, str(path))))
    for path, run, results in loaded:
        added = store.append(run, results)
        what = f"{len(results)} results" if added else "already in the history"
        print(f"{path}: {what}")
    return 0


def _series(points: Iterable[Point]) -> list[tuple[_SeriesKey, list[Point]]]:
    def key(p: Point) -> _SeriesKey:
        return (p.nodeid, p.metric, p.machine_key)

    ordered = sorted(points, key=key)  # sorted() is stable: time order kept within a series
    return [(k, list(g)) for k, g in groupby(ordered, key=key)]


def _fmt(value: float, unit: str) -> str:
    return f"{value:.4g} {unit}".rstrip()


def _show(points: Iterable[Point], last: int, as_json: bool) -> str:
    series = [(k, pts[-last:]) for k, pts in _series(points)]
    if as_json:
        return json.dumps(
            [
                {
                    "test": k[0],
                    "metric": k[1],
                    "machine": k[2],
                    "points": [_point_json(p) for p in pts],
                }
                for k, pts in series
            ],
            indent=2,
        )
    if not series:
        return "llmcore history: no results match"
    lines: list[str] = []
    for (nodeid, metric, machine), pts in series:
        lines.append(f"{nodeid}  {metric} {pts[-1].stat}  [{machine}]")
        prev: float | None = None
        for p in pts:
            change = f"{(p.value - prev) / prev:+.1%}" if prev else ""
            lines.append(
                f"  {p.time:<25} {(p.commit or '-')[:10]:<10} {(p.branch or '-'):<16} "
                f"{_fmt(p.value, p.unit):>14} {change:>8}  n={len(p.samples):<4} {p.verdict or ''}"
            )
            prev = p.value
    return "\n".join(lines)


def _point_json(p: Point) -> dict[str, object]:
    return {
        "time": p.time,
        "commit": p.commit,
        "branch": p.branch,
        "stat": p.stat,
        "value": p.value,
        "unit": p.unit,
        "n": len(p.samples),
        "verdict": p.verdict,
    }


def _changes(points: Iterable[Point], as_json: bool) -> str:
    found: list[tuple[Change, Point, Point]] = []  # (step, last point before, first after)
    for _key, pts in _series(points):
        found += [(c, pts[c.index - 1], pts[c.index]) for c in detect([p.value for p in pts])]
    if as_json:
        return json.dumps(
            [
                {
                    "test": a.nodeid,
                    "metric": a.metric,
                    "machine": a.machine_key,
                    "stat": a.stat,
                    "unit": a.unit,
                    "commit": a.commit,
                    "time": a.time,
                    "previous_commit": b.commit,
                    "before": c.before,
                    "after": c.after,
                    "change": c.relative,
                    "confidence": c.confidence,
                }
                for c, b, a in found
            ],
            indent=2,
        )
    if not found:
        return "llmcore history: no change points"
    return "\n".join(
        f"{a.nodeid}  {a.metric} {a.stat}  [{a.machine_key}]: {_fmt(c.before, a.unit)} -> "
        f"{_fmt(c.after, a.unit)} ({c.relative:+.1%}) first at commit {a.commit or '?'} "
        f"({a.time}; previous {b.commit or '?'}), confidence {c.confidence:.1%}"
        for c, b, a in found
    )
