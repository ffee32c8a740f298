-- The columns of the tables written back to an external engine (warehouse/engines/write_back.py): whole schemas,
-- and the named ops tables.
select
    table_schema,
    table_name,
    column_name,
    data_type
from information_schema.columns
where
    table_schema in (select unnest($schemas))
    or (table_schema = 'ops' and table_name in (select unnest($ops)))
order by table_schema, table_name, ordinal_position
