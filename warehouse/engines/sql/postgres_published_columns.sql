-- sqlfluff:dialect:postgres
-- The relations the analysts' copies are built from (warehouse/engines/postgres_publish.py): everything in the
-- published schemas and the named ops tables, with their columns in order, each type as PostgreSQL spells it.
-- Partitions are read through their parent; a view or materialized view is listed so the publisher can name it.
select
    n.nspname as table_schema,
    c.relname as table_name,
    c.relkind as kind,
    a.attname as column_name,
    format_type(a.atttypid, a.atttypmod) as data_type,
    not a.attnotnull as is_nullable
from pg_catalog.pg_class as c
inner join pg_catalog.pg_namespace as n on c.relnamespace = n.oid
inner join pg_catalog.pg_attribute as a on c.oid = a.attrelid
where
    c.relkind in ('r', 'p', 'v', 'm')
    and not c.relispartition
    and a.attnum > 0
    and not a.attisdropped
    and (
        n.nspname = any($schemas)
        or (n.nspname = 'ops' and c.relname = any($ops_tables))
    )
order by n.nspname, c.relname, a.attnum
