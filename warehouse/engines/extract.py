"""The marts an external engine built, read back into the DuckDB warehouse's `marts` schema.

Risk scoring and the performance measures are DuckDB SQL and Python over the marts (ASOF joins, list functions,
pandas round trips, survey estimators); on PostgreSQL or Spark they read the marts the engine built through this
extract and write their tables back (warehouse/engines/write_back.py). The extract takes every column of every
mart in its contract type (the dbt yml's `data_type`, as DuckDB names it), in the yml's column order, so a mart
extracted from an engine is the table a DuckDB build would have made: the same columns, types and rows (the
cross-engine test compares them).

- PostgreSQL: `COPY (select ...) TO STDOUT` as CSV, in UTC, read by DuckDB with the contract's types.
- Spark: DuckDB reads the Parquet files of Spark's tables directly (`<spark dir>/tables/marts.db/<table>/`),
  partition folders included; no JVM is started.

All marts change in one DuckDB transaction: a reader of the warehouse never sees half an extract.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import duckdb

from warehouse.engines.settings import POSTGRES, SPARK, Engine
from warehouse.loading.quoting import ident, literal

SCHEMA = "marts"
Columns = list[tuple[str, str]]  # (name, DuckDB type), in the contract's order


def extract_marts(engine: Engine, con: duckdb.DuckDBPyConnection, marts: dict[str, Columns]) -> dict[str, int]:
    """Replace `marts.<table>` in the warehouse by the engine's rows of each mart in `marts`; rows per table."""
    if engine.name not in (POSTGRES, SPARK):
        raise ValueError(f"{engine.name} builds in the warehouse itself: nothing to extract")
    counts: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="tradewh-extract-") as scratch:
        sources = (
            _postgres_files(engine.postgres_url, marts, Path(scratch))
            if engine.name == POSTGRES
            else {table: _spark_source(engine, table, columns) for table, columns in marts.items()}
        )
        con.execute("begin transaction")
        try:
            con.execute(f"create schema if not exists {SCHEMA}")
            for table, columns in marts.items():
                counts[table] = _replace(con, table, columns, sources[table])
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
    return counts


def _replace(con: duckdb.DuckDBPyConnection, table: str, columns: Columns, source: str | None) -> int:
    target = f"{SCHEMA}.{ident(table)}"
    if source is None:  # the engine holds no file of it yet (an empty partitioned table has none)
        con.execute(f"create or replace table {target} ({', '.join(f'{ident(n)} {t}' for n, t in columns)})")
        return 0
    select = ", ".join(f"cast({ident(name)} as {kind}) as {ident(name)}" for name, kind in columns)
    con.execute(f"create or replace table {target} as select {select} from {source}")
    return con.execute(f"select count(*) from {target}").fetchall()[0][0]


def _postgres_files(url: str, marts: dict[str, Columns], folder: Path) -> dict[str, str | None]:
    """Each mart as a CSV file written by the server, and the DuckDB `read_csv` that reads it back typed."""
    import psycopg2

    sources: dict[str, str | None] = {}
    with psycopg2.connect(url) as pg, pg.cursor() as cur:
        # One snapshot for every mart (a build cannot commit between two of them), times written in UTC.
        cur.execute("set transaction isolation level repeatable read, read only")
        cur.execute("set local timezone = 'UTC'")
        for table, columns in marts.items():
            path = folder / f"{table}.csv"
            names = ", ".join(f'"{name}"' for name, _ in columns)
            with path.open("wb") as handle:
                cur.copy_expert(f'copy (select {names} from marts."{table}") to stdout with (format csv)', handle)
            # As text first: PostgreSQL writes booleans as t/f, which the cast in _replace reads.
            types = ", ".join(f"{literal(name)}: 'VARCHAR'" for name, _ in columns)
            # A quoted empty field is an empty string, an unquoted one a null: PostgreSQL's CSV convention.
            sources[table] = (
                f"read_csv({literal(str(path))}, columns = {{{types}}}, auto_detect = false, header = false, "
                "delim = ',', quote = '\"', escape = '\"', allow_quoted_nulls = false)"
            )
    return sources


def spark_table_folder(engine: Engine, schema: str, table: str) -> Path:
    """Where Spark keeps a managed table of `schema`: `<schema>.db/<table>` in the warehouse folder the profile sets."""
    from warehouse.engines.spark_session import spark_settings

    assert engine.spark_dir is not None
    return Path(spark_settings(engine.spark_dir)["spark.sql.warehouse.dir"]) / f"{schema}.db" / table


def _spark_source(engine: Engine, table: str, columns: Columns) -> str | None:
    folder = spark_table_folder(engine, SCHEMA, table)
    if not any(folder.rglob("*.parquet")):
        return None
    # Partitioned tables (the incremental facts, by filing or exam date) keep their partition column in folder names.
    pattern = literal(str(folder / "**" / "*.parquet"))
    return f"read_parquet({pattern}, hive_partitioning = true)"
