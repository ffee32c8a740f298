"""PostgreSQL as the engine: connections from a libpq URL, and the shipment target (warehouse/engines/shipping.py).

Rows travel as CSV through `COPY ... FROM STDIN`: DuckDB writes the file (every string quoted, so an empty string
stays distinct from a null, which is left unquoted and empty: PostgreSQL's CSV default), PostgreSQL reads it in one
statement. Each table's change, its rows and its record in `ops.shipped_files`, commits as one transaction."""

from __future__ import annotations

import tempfile
from pathlib import Path

import duckdb
import psycopg2
from psycopg2 import sql

from warehouse.engines.column_types import POSTGRES, engine_type
from warehouse.engines.shipping import FILE_COLUMN, Table
from warehouse.sql_files import query


def connect(url: str):
    """A connection to the server at `url` (libpq form: postgresql://user@host:port/db)."""
    return psycopg2.connect(url)


class PostgresTarget:
    def __init__(self, url: str):
        self.con = connect(url)
        with self.con, self.con.cursor() as cur:
            cur.execute(query(__package__, "postgres_bookkeeping"))

    def close(self) -> None:
        self.con.close()

    def _one(self, statement: str, *args):
        with self.con, self.con.cursor() as cur:
            cur.execute(statement, args)
            row = cur.fetchone()
        return row[0] if row else None

    def signature(self, table: Table) -> str | None:
        return self._one("select signature from ops.shipped_tables where table_name = %s", table.qualified)

    def content(self, table: Table) -> str | None:
        return self._one("select content_hash from ops.shipped_tables where table_name = %s", table.qualified)

    def create(self, con: duckdb.DuckDBPyConnection, table: Table) -> None:
        columns = sql.SQL(", ").join(
            sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(engine_type(kind, POSTGRES, table.qualified, name)))
            for name, kind in table.columns
        )
        with self.con, self.con.cursor() as cur:
            cur.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(table.schema)))
            cur.execute(sql.SQL("drop table if exists {} cascade").format(table_name(table)))
            cur.execute(sql.SQL("create table {} ({})").format(table_name(table), columns))
            if table.by_file:
                cur.execute(sql.SQL("create index on {} ({})").format(table_name(table), sql.Identifier(FILE_COLUMN)))
            cur.execute("delete from ops.shipped_files where table_name = %s", (table.qualified,))
            cur.execute(
                "insert into ops.shipped_tables values (%s, %s, null, now()) on conflict (table_name) "
                "do update set signature = excluded.signature, content_hash = null, shipped_at = now()",
                (table.qualified, table.signature),
            )

    def shipped_files(self, table: Table) -> set[str]:
        with self.con, self.con.cursor() as cur:
            cur.execute("select file_sha256 from ops.shipped_files where table_name = %s", (table.qualified,))
            return {sha for (sha,) in cur.fetchall()}

    def apply(self, con: duckdb.DuckDBPyConnection, table: Table, files: dict[str, int], removed: set[str]) -> None:
        with self.con, self.con.cursor() as cur, tempfile.TemporaryDirectory(prefix="tradewh-ship-") as folder:
            if removed:
                cur.execute(
                    sql.SQL("delete from {} where {} = any(%s)").format(table_name(table), sql.Identifier(FILE_COLUMN)),
                    (sorted(removed),),
                )
                cur.execute(
                    "delete from ops.shipped_files where table_name = %s and file_sha256 = any(%s)",
                    (table.qualified, sorted(removed)),
                )
            if files:
                copy_in(cur, table, _export(con, table, set(files), Path(folder)))
            for sha, count in files.items():
                cur.execute("insert into ops.shipped_files values (%s, %s, %s, now())", (table.qualified, sha, count))

    def replace(self, con: duckdb.DuckDBPyConnection, table: Table, content: str) -> None:
        with self.con, self.con.cursor() as cur, tempfile.TemporaryDirectory(prefix="tradewh-ship-") as folder:
            cur.execute(sql.SQL("truncate {}").format(table_name(table)))
            copy_in(cur, table, _export(con, table, None, Path(folder)))
            cur.execute(
                "update ops.shipped_tables set content_hash = %s, shipped_at = now() where table_name = %s",
                (content, table.qualified),
            )


def table_name(table: Table) -> sql.Composed:
    return sql.SQL("{}.{}").format(sql.Identifier(table.schema), sql.Identifier(table.name))


def copy_in(cur, table: Table, rows: Path) -> None:
    statement = sql.SQL("copy {} ({}) from stdin with (format csv)").format(
        table_name(table), sql.SQL(", ").join(sql.Identifier(name) for name, _ in table.columns)
    )
    with rows.open("rb") as handle:
        cur.copy_expert(statement.as_string(cur), handle)


def _export(con: duckdb.DuckDBPyConnection, table: Table, files: set[str] | None, folder: Path) -> Path:
    """The warehouse's rows of `table` (of `files` only, when given) as a CSV file in `folder`."""
    path = folder / f"{table.schema}.{table.name}.csv"
    columns = ", ".join(f'"{name}"' for name, _ in table.columns)
    where = f" where {FILE_COLUMN} in (select unnest($files))" if files is not None else ""
    con.execute(
        f"copy (select {columns} from {table.qualified}{where}) to '{path}' (format csv, header false, force_quote *)",
        {"files": sorted(files)} if files is not None else {},
    )
    return path


def dbt_env(url: str) -> dict[str, str]:
    """The variables dbt's `postgres` target reads (dbt_project/profiles.yml), from a libpq URL."""
    from urllib.parse import unquote, urlsplit

    parts = urlsplit(url)
    return {
        "TRADEWH_PG_HOST": parts.hostname or "127.0.0.1",
        "TRADEWH_PG_PORT": str(parts.port or 5432),
        "TRADEWH_PG_USER": unquote(parts.username or "postgres"),
        "TRADEWH_PG_PASSWORD": unquote(parts.password or ""),
        "TRADEWH_PG_DBNAME": parts.path.lstrip("/") or "tradewh",
    }


def sqlalchemy_url(url: str) -> str:
    """A libpq URL (postgresql://...) as SQLAlchemy names the psycopg2 driver (Great Expectations connects so)."""
    scheme, _, rest = url.partition("://")
    if scheme not in ("postgres", "postgresql"):
        raise ValueError(f"not a PostgreSQL URL: {scheme}://...")
    return f"postgresql+psycopg2://{rest}"
