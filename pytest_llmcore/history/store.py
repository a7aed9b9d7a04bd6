"""The history store: one schema on SQLite (default, stdlib) or PostgreSQL (psycopg 3).

No ORM: six statements and a migration list are plainer than a mapping layer. SQLite runs
in WAL mode with writes in ``BEGIN IMMEDIATE`` transactions and a long busy timeout, so
concurrent CI jobs on one machine queue instead of failing; PostgreSQL serialises schema
migrations with an advisory lock. A run and its results are written in one transaction:
an interrupted run leaves nothing half-written.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core.errors import InputError
from .model import ResultRecord, RunRecord

__all__ = ["SCHEMA_VERSION", "Point", "RunRow", "Store", "db_errors", "open_store", "redact"]

_RUNS = """CREATE TABLE runs (
    id {id},
    run_key TEXT NOT NULL UNIQUE,
    time TEXT NOT NULL,
    commit_sha TEXT,
    branch TEXT,
    machine_key TEXT NOT NULL,
    profile TEXT NOT NULL,
    facts TEXT NOT NULL
)"""
_RESULTS = """CREATE TABLE results (
    run_id BIGINT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    nodeid TEXT NOT NULL,
    metric TEXT NOT NULL,
    unit TEXT NOT NULL,
    stat TEXT NOT NULL,
    value DOUBLE PRECISION NOT NULL,
    verdict TEXT,
    budget DOUBLE PRECISION,
    samples TEXT NOT NULL,
    PRIMARY KEY (run_id, nodeid, metric)
)"""
#: (version, statements). Append only: a store at version N runs N+1.. in one transaction.
MIGRATIONS: tuple[tuple[int, tuple[str, ...]], ...] = (
    (1, (_RUNS, _RESULTS)),
    (
        2,
        (
            "CREATE INDEX runs_machine_branch_time ON runs (machine_key, branch, time)",
            "CREATE INDEX results_series ON results (nodeid, metric)",
        ),
    ),
)
SCHEMA_VERSION = MIGRATIONS[-1][0]
_INSERT_RUN = (
    "INSERT INTO runs (run_key, time, commit_sha, branch, machine_key, profile, facts)"
    " VALUES (?, ?, ?, ?, ?, ?, ?)"
)
_INSERT_RESULT = (
    "INSERT INTO results (run_id, nodeid, metric, unit, stat, value, verdict, budget, samples)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


@dataclass(frozen=True)
class Point:
    """One stored result with its run's facts: a point of a (test, metric, machine) series."""

    time: str
    commit: str | None
    branch: str | None
    machine_key: str
    profile: str
    nodeid: str
    metric: str
    unit: str
    stat: str
    value: float
    verdict: str | None
    budget: float | None
    samples: tuple[float, ...]
    run_key: str = ""


@dataclass(frozen=True)
class RunRow:
    """One stored run's facts (no results)."""

    id: int
    time: str
    commit: str | None
    branch: str | None
    machine_key: str
    profile: str
    facts: dict[str, Any]


class Store:
    """A connection to a history store; ``with open_store(..) as store:`` closes it."""

    def __init__(self, conn: Any, postgres: bool, where: str) -> None:
        self._conn = conn
        self._pg = postgres
        self.where = where
        self._migrate()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._conn.close()

    def _sql(self, text: str) -> str:
        return text.replace("?", "%s") if self._pg else text

    @contextmanager
    def _write(self) -> Iterator[Any]:
        if self._pg:
            with self._conn.transaction(), self._conn.cursor() as cur:
                yield cur
            return
        cur = self._conn.cursor()
        cur.execute("BEGIN IMMEDIATE")  # take the write lock now: no upgrade deadlock later
        try:
            yield cur
        except BaseException:
            cur.execute("ROLLBACK")
            raise
        cur.execute("COMMIT")

    def version(self) -> int:
        cur = self._conn.cursor()
        cur.execute("SELECT value FROM llmcore_meta WHERE key = 'schema_version'")
        row = cur.fetchone()
        return int(row[0]) if row else 0

    def _migrate(self) -> None:
        ident = "BIGSERIAL PRIMARY KEY" if self._pg else "INTEGER PRIMARY KEY AUTOINCREMENT"
        with self._write() as cur:
            if self._pg:
                cur.execute("SELECT pg_advisory_xact_lock(726172)")  # one migrator at a time
            cur.execute(
                "CREATE TABLE IF NOT EXISTS llmcore_meta (key TEXT PRIMARY KEY, value TEXT)"
            )
            cur.execute("SELECT value FROM llmcore_meta WHERE key = 'schema_version'")
            row = cur.fetchone()
            current = int(row[0]) if row else 0
            if current > SCHEMA_VERSION:
                raise InputError(
                    f"history store has schema version {current}; this pytest-llmcore knows "
                    f"up to {SCHEMA_VERSION}",
                    self.where,
                    fix="upgrade pytest-llmcore",
                )
            for version, statements in MIGRATIONS:
                if version > current:
                    for statement in statements:
                        cur.execute(statement.format(id=ident))
            if current < SCHEMA_VERSION:
                cur.execute(self._sql("DELETE FROM llmcore_meta WHERE key = 'schema_version'"))
                cur.execute(
                    self._sql("INSERT INTO llmcore_meta (key, value) VALUES ('schema_version', ?)"),
                    (str(SCHEMA_VERSION),),
                )

    def append(self, run: RunRecord, results: Sequence[ResultRecord]) -> bool:
        """Store a run and its results; False when this run (same report) is already stored."""
        with self._write() as cur:
            cur.execute(self._sql("SELECT id FROM runs WHERE run_key = ?"), (run.run_key,))
            if cur.fetchone() is not None:
                return False
            facts = json.dumps(dict(run.facts), sort_keys=True, default=str)
            cur.execute(
                self._sql(_INSERT_RUN),
                (
                    run.run_key,
                    run.time,
                    run.commit,
                    run.branch,
                    run.machine_key,
                    run.profile,
                    facts,
                ),
            )
            cur.execute(self._sql("SELECT id FROM runs WHERE run_key = ?"), (run.run_key,))
            run_id = cur.fetchone()[0]
            for r in results:
                cur.execute(
                    self._sql(_INSERT_RESULT),
                    (
                        run_id,
                        r.nodeid,
                        r.metric,
                        r.unit,
                        r.stat,
                        r.value,
                        r.verdict,
                        r.budget,
                        json.dumps(list(r.samples)),
                    ),
                )
        return True

    def run_count(self) -> int:
        cur = self._conn.cursor()
        cur.execute("SELECT COUNT(*) FROM runs")
        return int(cur.fetchone()[0])

    def points(
        self,
        nodeid: str | None = None,
        metric: str | None = None,
        machine: str | None = None,
        branch: str | None = None,
    ) -> list[Point]:
        """Every matching result, oldest run first (ties: insertion order)."""
        where, args = [], []
        for column, value in (
            ("r.nodeid", nodeid),
            ("r.metric", metric),
            ("u.machine_key", machine),
            ("u.branch", branch),
        ):
            if value is not None:
                where.append(f"{column} = ?")
                args.append(value)
        sql = (
            "SELECT u.time, u.commit_sha, u.branch, u.machine_key, u.profile, r.nodeid,"
            " r.metric, r.unit, r.stat, r.value, r.verdict, r.budget, r.samples, u.run_key"
            " FROM results r JOIN runs u ON u.id = r.run_id"
            + (" WHERE " + " AND ".join(where) if where else "")
            + " ORDER BY u.time, u.id"
        )
        cur = self._conn.cursor()
        cur.execute(self._sql(sql), tuple(args))
        return [_point(row) for row in cur.fetchall()]

    def runs(self, branch: str, profile: str) -> list[RunRow]:
        """The runs on ``branch`` with ``profile``, newest first (ties: last stored first)."""
        sql = (
            "SELECT id, time, commit_sha, branch, machine_key, profile, facts FROM runs"
            " WHERE branch = ? AND profile = ? ORDER BY time DESC, id DESC"
        )
        cur = self._conn.cursor()
        cur.execute(self._sql(sql), (branch, profile))
        out = []
        for row in cur.fetchall():
            facts = json.loads(row[6])
            out.append(RunRow(int(row[0]), str(row[1]), row[2], row[3], row[4], row[5], facts))
        return out

    def samples(self, run_ids: Sequence[int]) -> list[tuple[int, str, str, tuple[float, ...]]]:
        """(run id, node id, metric, samples) of every result of these runs."""
        if not run_ids:
            return []
        marks = ", ".join("?" for _ in run_ids)
        sql = f"SELECT run_id, nodeid, metric, samples FROM results WHERE run_id IN ({marks})"
        cur = self._conn.cursor()
        cur.execute(self._sql(sql), tuple(run_ids))
        return [
            (int(r[0]), r[1], r[2], tuple(float(x) for x in json.loads(r[3])))
            for r in cur.fetchall()
        ]


def _point(row: Sequence[Any]) -> Point:
    time, commit, branch, machine, profile, nodeid, metric, unit, stat, value, verdict = row[:11]
    budget, raw, run_key = row[11:]
    return Point(
        time=str(time),
        commit=commit,
        branch=branch,
        machine_key=machine,
        profile=profile,
        nodeid=nodeid,
        metric=metric,
        unit=unit,
        stat=stat,
        value=float(value),
        verdict=verdict,
        budget=None if budget is None else float(budget),
        samples=tuple(float(x) for x in json.loads(raw)),
        run_key=str(run_key),
    )


def _open_sqlite(path: Path, create: bool) -> Store:
    if not create and not path.exists():
        raise InputError(
            "no history store here", path, fix="append runs to it with --llmcore-history first"
        )
    if path.is_dir():
        raise InputError("history path is a directory", path, fix="name a file, e.g. perf.db")
    if not path.parent.is_dir():
        raise InputError("history folder does not exist", path.parent)
    try:
        conn = sqlite3.connect(str(path), timeout=120, isolation_level=None)
    except sqlite3.DatabaseError as exc:
        raise InputError(f"not a usable SQLite history store ({exc})", path) from None
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA foreign_keys=ON")
        return Store(conn, postgres=False, where=str(path))
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise InputError(f"not a usable SQLite history store ({exc})", path) from None
    except BaseException:
        conn.close()  # a refused store (a newer schema) leaves no connection open
        raise


def _open_postgres(url: str) -> Store:
    try:
        import psycopg
    except ImportError:
        raise InputError(
            "a PostgreSQL history needs psycopg 3",
            redact(url),
            fix="pip install 'pytest-llmcore[postgres]'",
        ) from None
    try:
        conn = psycopg.connect(url, autocommit=True, connect_timeout=30)
    except psycopg.Error as exc:
        raise _pg_error(exc, url) from None
    try:
        return Store(conn, postgres=True, where=redact(url))
    except BaseException as exc:
        conn.close()  # a refused store (a newer schema) leaves no connection open
        if isinstance(exc, psycopg.Error):
            raise _pg_error(exc, url) from None
        raise


def _pg_error(exc: Exception, url: str) -> InputError:
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return InputError(f"cannot use the PostgreSQL history: {first}", redact(url))


def redact(url: str) -> str:
    """The URL without its password, for messages (a file path comes back as it is)."""
    head, sep, tail = url.partition("@")
    if "://" not in head or not sep or ":" not in head.split("//", 1)[-1]:
        return url
    scheme, _, cred = head.partition("//")
    return f"{scheme}//{cred.split(':', 1)[0]}:***@{tail}"


def db_errors() -> tuple[type[Exception], ...]:
    """What a query on an open store may raise: a lock timeout, a lost connection, I/O."""
    found: list[type[Exception]] = [OSError, sqlite3.Error]
    psycopg = sys.modules.get("psycopg")  # loaded only when a PostgreSQL store was opened
    if psycopg is not None:
        found.append(psycopg.Error)
    return tuple(found)


def open_store(target: str | Path, create: bool = True) -> Store:
    """``postgresql://…`` / ``postgres://…`` opens PostgreSQL; anything else is a SQLite file.

    ``create=False`` (readers): a SQLite file that does not exist is an error, not a new store.
    """
    text = str(target)
    if text.startswith(("postgresql://", "postgres://")):
        return _open_postgres(text)
    if text.startswith("sqlite:///"):
        text = text[len("sqlite:///") - 1 :]
    return _open_sqlite(Path(text).expanduser(), create)
