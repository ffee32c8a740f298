-- The ops schema: the loader's memory (ops_tables.py says what each table is for). Every statement is idempotent.
create schema if not exists ops;

create sequence if not exists ops.load_log_id_seq;

create table if not exists ops.files (
    file_sha256 varchar primary key,
    feed varchar not null,
    delivery_date date not null,
    path varchar not null,
    format varchar not null,
    rows_read bigint not null,
    loaded_at timestamptz not null
);

create table if not exists ops.load_log (
    load_id bigint primary key default nextval('ops.load_log_id_seq'),
    file_sha256 varchar not null,
    feed varchar not null,
    -- NULL only for a file in a folder that is not a YYYY-MM-DD date (status `rejected`; `path` names the folder)
    delivery_date date,
    path varchar not null,
    format varchar,
    status varchar not null,
    rows_read bigint not null,
    rows_loaded bigint not null,
    rows_quarantined bigint not null,
    rows_warned bigint not null,
    extra_columns json,
    started_at timestamptz not null,
    finished_at timestamptz not null,
    message varchar
);

create table if not exists ops.quarantine (
    file_sha256 varchar not null,
    feed varchar not null,
    delivery_date date not null,
    file_path varchar not null,
    row_number bigint not null,
    column_name varchar,
    rule varchar not null,
    reason varchar not null,
    violations {{ violation_type }}[] not null,
    raw_values json,
    quarantined_at timestamptz not null,
    detail varchar,
    primary key (file_sha256, row_number)
);

create table if not exists ops.row_warnings (
    file_sha256 varchar not null,
    feed varchar not null,
    delivery_date date not null,
    row_number bigint not null,
    column_name varchar,
    rule varchar not null,
    message varchar not null,
    warned_at timestamptz not null
);
