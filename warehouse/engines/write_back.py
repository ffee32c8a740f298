"""The platform's own tables written back to an external engine after a run, so the engine holds the whole
warehouse analysts query: the risk scores, the performance measures, and the load and quality records.

- PostgreSQL: each table is dropped, created and filled by `COPY` in one transaction (an analyst never reads these
  tables directly: they read the published schemas, warehouse/engines/postgres_publish.py). Lists of text become
  `text[]`; other nested values (the quarantine's violations) and JSON become text holding JSON.
- Spark: each table is one Parquet file under `<spark dir>/published/<schema>/<table>/`, written under a dot-name
  and renamed into place, then registered as an external table in Spark's metastore by a child process (the
  metastore admits one JVM at a time: dbt's is gone by now).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb

from warehouse.engines.column_types import POSTGRES as POSTGRES_TYPES
from warehouse.engines.column_types import engine_type
from warehouse.engines.postgres import copy_in, table_name
from warehouse.engines.settings import POSTGRES, SPARK, Engine
from warehouse.engines.shipping import Table
from warehouse.loading.quoting import ident, literal
from warehouse.sql_files import query

# Whole schemas the downstream assets write, and the ops tables analysts read beside them (the same as the DuckDB
# analyst copy's: warehouse/engines/postgres_publish.py publishes these).
SCHEMAS = ("risk", "metrics")
OPS_TABLES = ("files", "load_log", "quality_results", "row_warnings", "quarantine")
PUBLISHED_FOLDER = "published"
# Registering costs a JVM start: allow for a slow one on a loaded machine.
REGISTER_TIMEOUT_SECONDS = 600

Columns = list[tuple[str, str]]  # (name, DuckDB type)


def written_back_tables(con: duckdb.DuckDBPyConnection) -> dict[str, Columns]:
    """`schema.table` -> its columns, for every table the engine receives."""
    rows = con.execute(
        query(__package__, "written_back_columns"), {"schemas": list(SCHEMAS), "ops": list(OPS_TABLES)}
    ).fetchall()
    tables: dict[str, Columns] = {}
    for schema, table, column, kind in rows:
        tables.setdefault(f"{schema}.{table}", []).append((column, kind))
    return tables


def write_back(engine: Engine, con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Replace the engine's copy of every written-back table by the warehouse's rows; rows per table."""
    tables = written_back_tables(con)
    if engine.name == POSTGRES:
        return _to_postgres(engine.postgres_url, con, tables)
    if engine.name == SPARK:
        return _to_spark(engine, con, tables)
    raise ValueError(f"{engine.name} is the warehouse itself: nothing to write back")


def _postgres_column(name: str, kind: str, table: str) -> tuple[str, str]:
    """The DuckDB expression that writes a column as PostgreSQL's CSV reads it, and its PostgreSQL type."""
    column = ident(name)
    if kind == "VARCHAR[]":
        # PostgreSQL's array literal: {"a","b"}, each element quoted with \ and " escaped, NULL bare.
        element = (
            "case when x is null then 'NULL' else '\"' || replace(replace(x, '\\', '\\\\'), '\"', '\\\"') || '\"' end"
        )
        return f"'{{' || array_to_string(list_transform({column}, lambda x: {element}), ',') || '}}'", "text[]"
    if kind.endswith("]") or kind.startswith(("STRUCT", "MAP", "UNION")):
        return f"cast(to_json({column}) as varchar)", "text"
    return column, engine_type(kind, POSTGRES_TYPES, table, name)


def _to_postgres(url: str, con: duckdb.DuckDBPyConnection, tables: dict[str, Columns]) -> dict[str, int]:
    import psycopg2

    counts: dict[str, int] = {}
    pg = psycopg2.connect(url)
    try:
        _copy_tables(pg, con, tables, counts)
    finally:
        pg.close()
    return counts


def _copy_tables(pg, con: duckdb.DuckDBPyConnection, tables: dict[str, Columns], counts: dict[str, int]) -> None:
    """Each table in its own transaction: dropped, created and filled by COPY."""
    from psycopg2 import sql

    with tempfile.TemporaryDirectory(prefix="tradewh-write-back-") as scratch:
        for qualified, columns in tables.items():
            schema, table = qualified.split(".")
            written = [(name, *_postgres_column(name, kind, qualified)) for name, kind in columns]
            path = Path(scratch) / f"{qualified}.csv"
            select = ", ".join(f"{expression} as {ident(name)}" for name, expression, _ in written)
            con.execute(
                f"copy (select {select} from {ident(schema)}.{ident(table)}) to {literal(str(path))} "
                "(format csv, header false, force_quote *)"
            )
            target = Table(schema, table, tuple(columns))
            definition = sql.SQL(", ").join(
                sql.SQL("{} {}").format(sql.Identifier(column), sql.SQL(pg_type)) for column, _, pg_type in written
            )
            with pg, pg.cursor() as cur:
                cur.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(schema)))
                cur.execute(sql.SQL("drop table if exists {}").format(table_name(target)))
                cur.execute(sql.SQL("create table {} ({})").format(table_name(target), definition))
                copy_in(cur, target, path)
                counts[qualified] = cur.rowcount


def _spark_select(columns: Columns) -> str:
    """Columns as Spark reads them from Parquet: JSON as text, unsigned 64-bit integers as decimals."""
    parts = []
    for name, kind in columns:
        if kind == "JSON":
            parts.append(f"cast({ident(name)} as varchar) as {ident(name)}")
        elif kind == "UBIGINT":
            parts.append(f"cast({ident(name)} as decimal(20, 0)) as {ident(name)}")
        else:
            parts.append(ident(name))
    return ", ".join(parts)


def published_folder(engine: Engine, qualified: str) -> Path:
    assert engine.spark_dir is not None
    schema, table = qualified.split(".")
    return engine.spark_dir / PUBLISHED_FOLDER / schema / table


def _to_spark(engine: Engine, con: duckdb.DuckDBPyConnection, tables: dict[str, Columns]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for qualified, columns in tables.items():
        schema, table = qualified.split(".")
        folder = published_folder(engine, qualified)
        folder.mkdir(parents=True, exist_ok=True)
        temporary, final = folder / ".data.parquet", folder / "data.parquet"
        con.execute(
            f"copy (select {_spark_select(columns)} from {ident(schema)}.{ident(table)}) to {literal(str(temporary))} "
            "(format parquet)"
        )
        temporary.replace(final)
        counts[qualified] = con.execute(f"select count(*) from {ident(schema)}.{ident(table)}").fetchall()[0][0]
    register_spark_tables(engine, {qualified: str(published_folder(engine, qualified)) for qualified in tables})
    return counts


def register_spark_tables(engine: Engine, tables: dict[str, str]) -> None:
    """Register each `schema.table` as an external Parquet table over its folder, in a child process."""
    assert engine.spark_dir is not None
    command = [sys.executable, "-m", "warehouse.engines.spark_session", "register", str(engine.spark_dir)]
    done = subprocess.run(
        command, input=json.dumps(tables), text=True, capture_output=True, timeout=REGISTER_TIMEOUT_SECONDS
    )
    if done.returncode != 0:
        last = "\n".join(done.stderr.strip().splitlines()[-5:])
        raise RuntimeError(f"registering {len(tables)} tables in Spark's metastore failed:\n{last}")
