"""Connections to the warehouse file and publication of the analysts' read-only copy.

DuckDB allows one writing process per file, and on 2.0 an open reader also blocks the writer. Analysts therefore
never open the warehouse itself: after each successful run the whole database is copied to a new file that then
replaces the analyst copy atomically (`os.replace`), so a query running on the old copy keeps its inode.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from warehouse.config import analyst_path
from warehouse.contract.identifiers import install_macros


def connect(path: Path | str, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the warehouse with the platform's session settings (UTC, no progress bar, contract macros)."""
    path = Path(path)
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path), read_only=read_only)
    # The progress bar floods logs of long loads; times are stored and compared in UTC.
    con.execute("set enable_progress_bar = false")
    con.execute("set TimeZone = 'UTC'")
    if not read_only:
        install_macros(con)
    return con


def _publish_staging(warehouse: Path) -> Path:
    target = analyst_path(warehouse)
    return target.with_name(target.name + ".new")


def remove_interrupted_publish(warehouse: Path) -> list[Path]:
    """Delete what a publish killed half-way left behind (the `.new` copy and its write-ahead log); returns them.
    The WAL matters most: DuckDB would replay a stale one into the next fresh copy."""
    staging = _publish_staging(warehouse)
    found = [p for p in (staging, staging.with_name(staging.name + ".wal")) if p.exists()]
    for path in found:
        path.unlink()
    return found


def publish_analyst_copy(warehouse: Path) -> Path:
    """Copy the warehouse to `<name>.analyst.duckdb` atomically; returns the published path."""
    target = analyst_path(warehouse)
    staging = _publish_staging(warehouse)
    remove_interrupted_publish(warehouse)
    con = connect(warehouse)
    try:
        source = con.execute("select current_database()").fetchone()[0]  # the file's stem, not "main"
        con.execute("attach ? as publish", [str(staging)])
        con.execute(f'copy from database "{source}" to publish')
        con.execute("detach publish")
    finally:
        con.close()
    staging.replace(target)
    return target
