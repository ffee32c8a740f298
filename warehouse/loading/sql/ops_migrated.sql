-- One cheap catalog query: do the ops tables have every migrated column (ops_tables.MIGRATIONS)?
select count(*) = 2 as migrated
from duckdb_columns()
where
    database_name = current_database()
    and schema_name = 'ops'
    and (
        (table_name = 'quarantine' and column_name = 'detail')
        or (table_name = 'load_log' and column_name = 'delivery_date' and is_nullable)
    )
