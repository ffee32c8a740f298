"""Connections to the warehouse: the loader's (`connect`) and the analysts' (`open_analyst_copy`).

DuckDB allows one writing process per file, and on 2.0 an open reader also blocks the writer. So only the loader
opens the warehouse itself; everything that reads opens a published copy (warehouse/access/publish.py), sealed and
read-only:

    from warehouse.db import open_analyst_copy
    with open_analyst_copy("data/warehouse.duckdb") as con:
        con.execute("select count(*) from marts.fct_entries").fetchall()
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from warehouse.config import analyst_path, entitled_path, memory_limit, temp_directory
from warehouse.contract.identifiers import install_macros


class AnalystCopyMissing(RuntimeError):
    """No published copy yet."""


class NotEntitled(PermissionError):
    """The entitled copy exists but this account may not read it."""


def connect(path: Path | str, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the warehouse with the platform's session settings (UTC, no progress bar, contract macros).
    For the loader and the pipeline only: a reader holding the live file makes the next load fail."""
    path = Path(path)
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path), read_only=read_only)
    # The progress bar floods logs of long loads; times are stored and compared in UTC.
    con.execute("set enable_progress_bar = false")
    con.execute("set TimeZone = 'UTC'")
    con.execute("set memory_limit = ?", [memory_limit()])
    con.execute("set temp_directory = ?", [str(temp_directory(path.absolute()))])
    if not read_only:
        install_macros(con)
    return con


def open_analyst_copy(warehouse: Path | str, entitled: bool = False):
    """The published copy of `warehouse` (the masked default one, or with `entitled` the clear one), read-only and
    sealed: no files, no extensions, no settings, no attach (warehouse/access/sealed.py)."""
    from warehouse.access.sealed import open_sealed

    warehouse = Path(warehouse)
    path = entitled_path(warehouse) if entitled else analyst_path(warehouse)
    if not path.exists():
        raise AnalystCopyMissing(f"no analyst copy at {path}: run `tradewh run` (or `tradewh demo`) first")
    if not os.access(path, os.R_OK):
        raise NotEntitled(_not_entitled(path))
    return open_sealed(path, entitled)


def _not_entitled(path: Path) -> str:
    import grp

    info = path.stat()
    group = grp.getgrgid(info.st_gid).gr_name
    mode = f"{info.st_mode & 0o777:04o}"
    return f"not entitled to {path} (mode {mode}, group {group}): only members of group {group} may read it"


def table_exists(con, schema: str, table: str) -> bool:
    """Whether `schema.table` exists (a table or a view) on this connection."""
    found = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?", [schema, table]
    ).fetchone()[0]
    return bool(found)
