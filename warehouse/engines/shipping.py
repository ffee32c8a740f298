"""Ship the loader's rows from the DuckDB warehouse to another engine, idempotently.

The loader, quarantine and load log stay on DuckDB (the loader's home); the engine receives the tables dbt reads:
every `raw.<feed>` table and every `reference.<table>`. A raw row belongs to the file it came from
(`_file_sha256`), so a shipment is a difference of file sets: the files the warehouse holds that the engine has not
received are appended, and the files the engine holds that the warehouse no longer does (a load rolled back, a file
replaced) are deleted there. The engine records each file it received in `ops.shipped_files`, in the same
transaction as the rows, so a shipment cut short is redone whole and a repeated one ships nothing. Reference
tables are small and replaced whenever their content differs.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Protocol

import duckdb

from warehouse.sql_files import query

# The schemas the dbt project reads as sources (dbt_project/models/staging/*/_*__sources.yml).
SHIPPED_SCHEMAS = ("raw", "reference")
FILE_COLUMN = "_file_sha256"


@dataclass(frozen=True)
class Table:
    schema: str
    name: str
    columns: tuple[tuple[str, str], ...]  # (name, DuckDB type)

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"

    @property
    def by_file(self) -> bool:
        return any(name == FILE_COLUMN for name, _ in self.columns)

    @property
    def signature(self) -> str:
        """The columns and their types: a table whose signature changed is shipped again whole."""
        return hashlib.sha256(repr(self.columns).encode()).hexdigest()[:16]


@dataclass
class Shipment:
    files_added: dict[str, int] = field(default_factory=dict)  # table -> files appended
    rows_added: dict[str, int] = field(default_factory=dict)
    files_removed: dict[str, int] = field(default_factory=dict)
    tables_replaced: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.files_added or self.files_removed or self.tables_replaced)


class Target(Protocol):
    """What an engine does for a shipment; one transaction per table where the engine has them."""

    def signature(self, table: Table) -> str | None:
        """The signature the engine's copy of `table` was created with, None when it has none."""

    def create(self, con: duckdb.DuckDBPyConnection, table: Table) -> None:
        """(Re)create the table empty with its columns, forgetting the files shipped into it."""

    def shipped_files(self, table: Table) -> set[str]: ...

    def apply(self, con: duckdb.DuckDBPyConnection, table: Table, files: dict[str, int], removed: set[str]) -> None:
        """Append the warehouse's rows of `files` (sha -> row count) and delete the engine's rows of `removed`,
        then record the table's file set; all at once where the engine can."""

    def replace(self, con: duckdb.DuckDBPyConnection, table: Table, content: str) -> None:
        """Replace a table without files (reference data) by the warehouse's rows, remembering its content hash."""

    def content(self, table: Table) -> str | None: ...


def shipped_tables(con: duckdb.DuckDBPyConnection) -> list[Table]:
    """The base tables of the shipped schemas with their columns, in a stable order."""
    columns: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for schema, name, column, data_type in con.execute(query(__package__, "shipped_columns")).fetchall():
        columns.setdefault((schema, name), []).append((column, data_type))
    return [Table(schema, name, tuple(cols)) for (schema, name), cols in sorted(columns.items())]


def ship(con: duckdb.DuckDBPyConnection, target: Target) -> Shipment:
    """Bring the engine's copy of every shipped table level with the warehouse (see the module docstring)."""
    shipment = Shipment()
    for table in shipped_tables(con):
        if target.signature(table) != table.signature:
            target.create(con, table)
        if table.by_file:
            _ship_by_file(con, table, target, shipment)
        else:
            content = _content_hash(con, table)
            if target.content(table) != content:
                target.replace(con, table, content)
                shipment.tables_replaced.append(table.qualified)
    return shipment


def _ship_by_file(con, table: Table, target: Target, shipment: Shipment) -> None:
    held = dict(con.execute(query(__package__, "file_rows", table=table.qualified)).fetchall())
    shipped = target.shipped_files(table)
    new = {sha: rows for sha, rows in held.items() if sha not in shipped}
    gone = shipped - held.keys()
    if not new and not gone:
        return
    target.apply(con, table, new, gone)
    if new:
        shipment.files_added[table.qualified] = len(new)
        shipment.rows_added[table.qualified] = sum(new.values())
    if gone:
        shipment.files_removed[table.qualified] = len(gone)


def _content_hash(con, table: Table) -> str:
    """An order-independent hash of every row, so a reference table is replaced only when its content changed."""
    (value,) = con.execute(query(__package__, "content_hash", table=table.qualified)).fetchall()[0]
    return f"{table.signature}:{value}"


def ship_to(engine, con: duckdb.DuckDBPyConnection) -> Shipment:
    """Ship to the engine `engine` (warehouse/engines/settings.py) names; its targets import this module, hence
    imported here."""
    from warehouse.engines.settings import POSTGRES, SPARK

    if engine.name == POSTGRES:
        from warehouse.engines.postgres import PostgresTarget

        target = PostgresTarget(engine.postgres_url)
        try:
            return ship(con, target)
        finally:
            target.close()
    if engine.name == SPARK:
        from warehouse.engines.spark import SparkFilesTarget

        return ship(con, SparkFilesTarget(engine.spark_dir))
    raise ValueError(f"{engine.name} is the warehouse itself: nothing to ship")
