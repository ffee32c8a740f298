-- The tables and views an analyst sees (\dt and \d), with row counts of the tables and descriptions.
select
    t.schema_name as schema,
    t.table_name as name,
    'table' as kind,
    t.estimated_size as rows,
    t.comment
from duckdb_tables() as t
where not t.temporary
union all
select
    v.schema_name as schema,
    v.view_name as name,
    'view' as kind,
    null as rows,
    v.comment
from duckdb_views() as v
where not v.internal and v.schema_name not in ('information_schema', 'pg_catalog')
