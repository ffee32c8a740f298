"""Reading the warehouse for the report: read-only, and from the analysts' copy when a writer holds the file."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from warehouse.config import analyst_path
from warehouse.db import connect


class WarehouseUnavailable(RuntimeError):
    """Neither the warehouse nor its analyst copy can be opened."""


@dataclass(frozen=True)
class Opened:
    con: duckdb.DuckDBPyConnection
    path: Path
    is_analyst_copy: bool


@contextmanager
def open_for_reading(warehouse: Path) -> Iterator[Opened]:
    """The warehouse read-only; when a writer holds its lock (DuckDB allows no reader beside a writer in another
    process), the analysts' copy, which the platform republishes after every successful run."""
    warehouse = Path(warehouse)
    copy = analyst_path(warehouse)
    if not warehouse.exists() and not copy.exists():
        raise WarehouseUnavailable(f"no warehouse at {warehouse}")
    try:
        con = connect(warehouse, read_only=True)
        opened = Opened(con, warehouse, False)
    except duckdb.IOException as error:
        if not copy.exists():
            raise WarehouseUnavailable(f"{warehouse} is locked by a writer and there is no analyst copy") from error
        opened = Opened(connect(copy, read_only=True), copy, True)
    try:
        yield opened
    finally:
        opened.con.close()


def tables_in(con, schema: str) -> list[str]:
    rows = con.execute(
        "select table_name from information_schema.tables where table_schema = ? order by table_name", [schema]
    ).fetchall()
    return [r[0] for r in rows]


def has_table(con, schema: str, table: str) -> bool:
    return table in tables_in(con, schema)


def read_table(con, schema: str, table: str) -> pd.DataFrame:
    """The whole table in a stable order (metric tables are small: one row per estimate)."""
    return con.execute(f'select * from "{schema}"."{table}" order by all').df()
