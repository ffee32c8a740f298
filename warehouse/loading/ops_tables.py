"""DDL of the `ops` schema: the load log, the file registry, quarantined rows and row warnings.

These tables are the loader's memory. `ops.files` holds one row per file content ever loaded, which is what makes a
re-delivery (same bytes, any name, any day) a no-op; its primary key also stops two loads of the same file from
both committing. `ops.load_log` records every attempt, successful or not.
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
    delivery_date DATE not null,
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


def create_ops_tables(con) -> None:
    """Create the ops schema and its tables (idempotent)."""
    for statement in OPS_DDL:
        con.execute(statement)
