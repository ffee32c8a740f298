"""Everything the loader writes to, created on demand: raw tables, ops tables, reference data."""

from __future__ import annotations

from warehouse.loading.ops_tables import create_ops_tables
from warehouse.loading.tables import create_raw_tables
from warehouse.reference import TABLES, load_reference


def _reference_loaded(con) -> bool:
    present = con.execute(
        "select count(*) from information_schema.tables where table_schema = 'reference' and table_name in "
        "(select unnest(?))",
        [list(TABLES)],
    ).fetchone()[0]
    if present < len(TABLES):
        return False
    return con.execute("select count(*) from reference.ports").fetchone()[0] > 0


def ensure_schema(con) -> None:
    """Create raw.*, ops.* and (when missing or empty) reference.* — safe to call before every load."""
    if not _reference_loaded(con):
        load_reference(con)
    create_raw_tables(con)
    create_ops_tables(con)
