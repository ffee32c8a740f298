-- Every schema, table and column name the shell completes.
select
    schema_name,
    table_name,
    column_name
from duckdb_columns()
where schema_name not in ('information_schema', 'pg_catalog') and database_name = current_database()
