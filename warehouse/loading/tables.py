"""DDL of the raw layer: one table per feed holding every delivered row, every version, typed per the contract.

Each raw row carries where it came from: the file's content hash, its delivery date, its 1-based row number in the
file and when it was loaded; unknown extra columns of the file are kept in `_extra` (a JSON object), not lost.
`raw.<feed>_current` views give the latest version of each key as the contract defines it.
"""

from __future__ import annotations

from warehouse.contract import FEEDS
from warehouse.contract.schema import Feed
from warehouse.sql_files import query

LINEAGE_COLUMNS = (
    ("_file_sha256", "VARCHAR"),
    ("_delivery_date", "DATE"),
    ("_row_number", "BIGINT"),
    ("_loaded_at", "TIMESTAMPTZ"),
    ("_extra", "JSON"),
)


def raw_table_ddl(feed: Feed) -> str:
    columns = [f"{c.name} {c.sql_type}" for c in feed.columns]
    columns += [f"{name} {sql_type}" for name, sql_type in LINEAGE_COLUMNS]
    return f"create table if not exists raw.{feed.name} (\n    " + ",\n    ".join(columns) + "\n)"


def current_view_ddl(feed: Feed) -> str:
    """The latest version of each key. Ties (the same version delivered twice) go to the latest delivery date, then
    the latest load: several delivery dates loaded in one batch share one `_loaded_at`."""
    key = ", ".join(feed.key)
    by_load = "_delivery_date desc, _loaded_at desc, _file_sha256 desc, _row_number desc"
    fragments = {"feed": feed.name, "feed_key": key}
    if feed.versioning == "entry":
        return query(__package__, "tables_current_view_by_entry", **fragments, order_by=by_load)
    order = f"{feed.version_column} desc, {by_load}" if feed.versioning == "latest" else by_load
    return query(__package__, "tables_current_view", **fragments, order_by=order)


def create_raw_tables(con) -> None:
    """Create the raw schema, a table and a current view per feed (idempotent)."""
    con.execute("create schema if not exists raw")
    for feed in FEEDS.values():
        con.execute(raw_table_ddl(feed))
        con.execute(current_view_ddl(feed))
