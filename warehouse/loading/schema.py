"""Everything the loader writes to, created on demand: raw tables, ops tables, reference data."""

from __future__ import annotations

from warehouse.contract import FEEDS
from warehouse.loading.ops_tables import create_ops_tables, ops_migrated
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


_OPS_TABLES = ("files", "load_log", "quarantine", "row_warnings")


def schema_present(con) -> bool:
    """One cheap query: do the raw, ops and reference tables exist (and is the reference loaded)?"""
    expected = [("raw", name) for name in FEEDS] + [("ops", name) for name in _OPS_TABLES]
    expected += [("reference", name) for name in TABLES]
    present = con.execute(
        "select count(*) from duckdb_tables() t semi join (select unnest(?) as s, unnest(?) as n) e "
        "on t.schema_name = e.s and t.table_name = e.n where t.database_name = current_database()",
        [[s for s, _ in expected], [t for _, t in expected]],
    ).fetchone()[0]
    return present == len(expected) and ops_migrated(con) and _reference_loaded(con)


def ensure_schema(con) -> None:
    """Create raw.*, ops.* and (when missing or empty) reference.* — safe to call before every load."""
    if not _reference_loaded(con):
        load_reference(con)
    create_raw_tables(con)
    create_ops_tables(con)
