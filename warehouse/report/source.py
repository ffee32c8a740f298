"""Reading the warehouse for the report: the pipeline's report asset reads the warehouse itself (it runs in the
writer pool, right after the measures); `tradewh report` reads the published analyst copy, so it never holds a lock
a load needs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from warehouse.access.sealed import AnalystConnection
from warehouse.db import AnalystCopyMissing, connect, open_analyst_copy


class WarehouseUnavailable(RuntimeError):
    """The file the report reads cannot be opened."""


@dataclass(frozen=True)
class Opened:
    con: duckdb.DuckDBPyConnection | AnalystConnection  # the live warehouse, or the sealed analyst copy
    path: Path
    is_analyst_copy: bool


@contextmanager
def open_for_reading(warehouse: Path, live: bool = False) -> Iterator[Opened]:
    """The published analyst copy (the default); with `live`, the warehouse itself read-only, for the pipeline."""
    warehouse = Path(warehouse)
    if live:
        if not warehouse.exists():
            raise WarehouseUnavailable(f"no warehouse at {warehouse}")
        opened = Opened(connect(warehouse, read_only=True), warehouse, False)
    else:
        try:
            con = open_analyst_copy(warehouse)
        except AnalystCopyMissing as error:
            raise WarehouseUnavailable(str(error)) from None
        opened = Opened(con, con.path, True)
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
