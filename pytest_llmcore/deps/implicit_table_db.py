"""SQLAlchemy URLs: the dialect and the driver a URL names select distributions.

A URL is ``dialect[+driver]://``. An included dialect (postgresql, mysql, ...) ships with
SQLAlchemy, but its driver is a separate DBAPI distribution; an external dialect (``db2``,
``snowflake``, ...) is a distribution of its own, registered by entry point, and a bare
``dialect://`` loads the dialect's default driver. Sources: SQLAlchemy's "Dialects" page
(its DBAPI sections and the "External Dialects" table) and each dialect's own registry.
Merged into :data:`.implicit_table.TRIGGERS`; same row shape (distributions, regex, what).
"""

from __future__ import annotations

__all__ = ["DB_DIALECTS", "DB_DIALECT_TRIGGERS", "DB_DRIVERS"]

#: SQLAlchemy URL driver (``postgresql+psycopg2://``) -> distributions.
DB_DRIVERS: dict[str, tuple[str, ...]] = {
    # the DBAPIs of SQLAlchemy's included dialects
    "psycopg2": ("psycopg2", "psycopg2-binary"),
    "psycopg": ("psycopg", "psycopg-binary"),
    "psycopg_async": ("psycopg", "psycopg-binary"),
    "psycopg2cffi": ("psycopg2cffi",),
    "asyncpg": ("asyncpg",),
    "pg8000": ("pg8000",),
    "pymysql": ("pymysql",),
    "mysqldb": ("mysqlclient",),
    "mysqlconnector": ("mysql-connector-python",),
    "mariadbconnector": ("mariadb",),
    "cymysql": ("cymysql",),
    "aiomysql": ("aiomysql",),
    "asyncmy": ("asyncmy",),
    "aiosqlite": ("aiosqlite",),
    "pysqlcipher": ("sqlcipher3", "sqlcipher3-binary"),
    "cx_oracle": ("cx-oracle",),
    "oracledb": ("oracledb",),
    "oracledb_async": ("oracledb",),
    "pyodbc": ("pyodbc",),
    "aioodbc": ("aioodbc",),
    "pymssql": ("pymssql",),
    # the DBAPIs of external dialects
    "ibm_db": ("ibm-db",),  # ibm_db_sa's db2+ibm_db
    "hdbcli": ("hdbcli",),  # sqlalchemy-hana's hana+hdbcli
    "redshift_connector": ("redshift-connector",),  # sqlalchemy-redshift
    "pytds": ("python-tds",),  # sqlalchemy-pytds's mssql+pytds
    "vertica_python": ("vertica-python",),  # sqlalchemy-vertica-python
}

#: an external dialect's URL name -> (its distributions, its default driver's
#: distributions: what a bare ``dialect://`` loads, () when the dialect is its own DBAPI)
DB_DIALECTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "db2": (("ibm-db-sa",), ("ibm-db",)),
    "ibm_db_sa": (("ibm-db-sa",), ("ibm-db",)),
    "access": (("sqlalchemy-access",), ("pyodbc",)),
    "databricks": (("databricks-sqlalchemy", "databricks-sql-connector"), ()),
    "trino": (("trino",), ()),
    "hive": (("pyhive",), ()),
    "presto": (("pyhive",), ()),
    "teradatasql": (("teradatasqlalchemy",), ("teradatasql",)),
    "hana": (("sqlalchemy-hana",), ("hdbcli",)),
    "cockroachdb": (("sqlalchemy-cockroachdb",), ("psycopg2", "psycopg2-binary")),
    "crate": (("sqlalchemy-cratedb", "crate"), ()),
    "redshift": (("sqlalchemy-redshift",), ("psycopg2", "psycopg2-binary")),
    "awsathena": (("pyathena",), ()),
    "drill": (("sqlalchemy-drill",), ()),
    "druid": (("pydruid",), ()),
    "firebird": (("sqlalchemy-firebird",), ()),
    "spanner": (("sqlalchemy-spanner",), ()),
    "monetdb": (("sqlalchemy-monetdb",), ("pymonetdb",)),
    "vertica": (("sqlalchemy-vertica-python",), ("vertica-python",)),
}


def _dialect_rows() -> list[tuple[tuple[str, ...], str, str]]:
    rows: list[tuple[tuple[str, ...], str, str]] = []
    for name, (dists, default) in DB_DIALECTS.items():
        # a scheme, not the tail of another word (``mydb2://``) or a path (``x/db2://``)
        scheme = rf"(?<![\w.+/-]){name}"
        rows.append((dists, rf"{scheme}(?:\+\w+)?://", f"the {name} SQLAlchemy dialect"))
        if default:
            rows.append((default, rf"{scheme}://", f"the {name} dialect's default driver"))
    return rows


#: one row per external dialect (any driver) and one per default driver (a bare URL)
DB_DIALECT_TRIGGERS: list[tuple[tuple[str, ...], str, str]] = _dialect_rows()
