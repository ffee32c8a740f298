-- Columns, types and comments of every relation in the warehouse, and each table's and view's own comment (column 0).
select
    schema_name,
    table_name,
    column_index,
    column_name,
    data_type,
    comment
from duckdb_columns()
where database_name = current_database()
union all
select
    schema_name,
    table_name,
    0 as column_index,
    null as column_name,
    'table' as data_type,
    comment
from duckdb_tables()
where database_name = current_database()
union all
select
    schema_name,
    view_name as table_name,
    0 as column_index,
    null as column_name,
    'view' as data_type,
    comment
from duckdb_views()
where database_name = current_database() and not internal
order by all
