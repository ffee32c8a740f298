-- The base tables (not the raw.*_current views) of the schemas the dbt project reads, with their columns.
select
    c.table_schema,
    c.table_name,
    c.column_name,
    c.data_type
from information_schema.columns as c
inner join information_schema.tables as t
    on c.table_schema = t.table_schema and c.table_name = t.table_name
where
    t.table_type = 'BASE TABLE'
    and c.table_schema in ('raw', 'reference')
order by c.table_schema, c.table_name, c.ordinal_position
