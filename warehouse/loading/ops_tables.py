"""DDL of the `ops` schema: the load log, the file registry, quarantined rows and row warnings.

These tables are the loader's memory. `ops.files` holds one row per file content ever loaded, which is what makes a
re-delivery (same bytes, any name, any day) a no-op; its primary key also stops two loads of the same file from
both committing. `ops.load_log` records every attempt, successful or not.

Warehouses created before a column was added are migrated in place by `MIGRATIONS` (idempotent statements run after
the `create ... if not exists`), so an existing warehouse keeps its history and gains the new columns.
"""

from __future__ import annotations

from warehouse.sql_files import query

# The type of one violation found in a row; a quarantined row keeps the list of all of them.
VIOLATION_TYPE = "STRUCT(column_name VARCHAR, rule VARCHAR, message VARCHAR)"

# The statements of sql/ops_tables.sql, one by one (a test builds an older schema from them). The file holds no ";"
# before a line end but those that end its statements.
OPS_DDL = tuple(
    statement.strip()
    for statement in query(__package__, "ops_tables", violation_type=VIOLATION_TYPE).split(";\n")
    if statement.strip()
)


# Warehouses made by earlier versions: `detail` (the bounded full story of a quarantined row; `reason` is one short
# sentence) is added, and `ops.load_log.delivery_date` may be NULL (files of a folder that is not a date). Both
# statements are no-ops on a current warehouse. `detail` is the last column, so inserts name their columns.
MIGRATIONS = (
    "alter table ops.quarantine add column if not exists detail VARCHAR",
    "alter table ops.load_log alter column delivery_date drop not null",
)


def create_ops_tables(con) -> None:
    """Create the ops schema and its tables, and migrate older ones (idempotent)."""
    for statement in (*OPS_DDL, *MIGRATIONS):
        con.execute(statement)


def ops_migrated(con) -> bool:
    """One cheap catalog query: do the ops tables have every migrated column (see `MIGRATIONS`)?"""
    return con.execute(query(__package__, "ops_migrated")).fetchone()[0]
