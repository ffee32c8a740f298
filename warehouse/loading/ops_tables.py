"""DDL of the `ops` schema: the load log, the file registry, quarantined rows and row warnings.

These tables are the loader's memory. `ops.files` holds one row per file content ever loaded, which is what makes a
re-delivery (same bytes, any name, any day) a no-op; its primary key also stops two loads of the same file from
both committing. `ops.load_log` records every attempt, successful or not.

Warehouses created before a column was added are migrated in place by `MIGRATIONS` (idempotent statements run after
the `create ... if not exists`), so an existing warehouse keeps its history and gains the new columns.
"""

from __future__ import annotations

# The type of one violation found in a row; a quarantined row keeps the list of all of them.
VIOLATION_TYPE = "STRUCT(column_name VARCHAR, rule VARCHAR, message VARCHAR)"

OPS_DDL = (
    "create schema if not exists ops",
    "create sequence if not exists ops.load_log_id_seq",
    """create table if not exists ops.files (
    file_sha256 VARCHAR primary key,
    feed VARCHAR not null,
    delivery_date DATE not null,
    path VARCHAR not null,
    format VARCHAR not null,
    rows_read BIGINT not null,
    loaded_at TIMESTAMPTZ not null
)""",
    """create table if not exists ops.load_log (
    load_id BIGINT primary key default nextval('ops.load_log_id_seq'),
    file_sha256 VARCHAR not null,
    feed VARCHAR not null,
    -- NULL only for a file in a folder that is not a YYYY-MM-DD date (status `rejected`; `path` names the folder)
    delivery_date DATE,
    path VARCHAR not null,
    format VARCHAR,
    status VARCHAR not null,
    rows_read BIGINT not null,
    rows_loaded BIGINT not null,
    rows_quarantined BIGINT not null,
    rows_warned BIGINT not null,
    extra_columns JSON,
    started_at TIMESTAMPTZ not null,
    finished_at TIMESTAMPTZ not null,
    message VARCHAR
)""",
    f"""create table if not exists ops.quarantine (
    file_sha256 VARCHAR not null,
    feed VARCHAR not null,
    delivery_date DATE not null,
    file_path VARCHAR not null,
    row_number BIGINT not null,
    column_name VARCHAR,
    rule VARCHAR not null,
    reason VARCHAR not null,
    violations {VIOLATION_TYPE}[] not null,
    raw_values JSON,
    quarantined_at TIMESTAMPTZ not null,
    detail VARCHAR,
    primary key (file_sha256, row_number)
)""",
    """create table if not exists ops.row_warnings (
    file_sha256 VARCHAR not null,
    feed VARCHAR not null,
    delivery_date DATE not null,
    row_number BIGINT not null,
    column_name VARCHAR,
    rule VARCHAR not null,
    message VARCHAR not null,
    warned_at TIMESTAMPTZ not null
)""",
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
    return con.execute(
        """select count(*) = 2 from duckdb_columns() where database_name = current_database()
        and schema_name = 'ops' and ((table_name = 'quarantine' and column_name = 'detail')
            or (table_name = 'load_log' and column_name = 'delivery_date' and is_nullable))"""
    ).fetchone()[0]
