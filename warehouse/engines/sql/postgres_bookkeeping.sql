-- sqlfluff:dialect:postgres
-- What a PostgreSQL engine has received (warehouse/engines/postgres.py): each shipped table's column signature and,
-- for reference tables, its content hash; each delivered file whose rows it holds.
create schema if not exists ops;

create table if not exists ops.shipped_tables (
    table_name text primary key,
    signature text not null,
    content_hash text,
    shipped_at timestamptz not null
);

create table if not exists ops.shipped_files (
    table_name text not null,
    file_sha256 text not null,
    row_count bigint not null,
    shipped_at timestamptz not null,
    primary key (table_name, file_sha256)
);
