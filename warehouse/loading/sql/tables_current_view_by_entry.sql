-- The latest version of each key of a feed versioned by entry: a higher entry_version replaces every line of the
-- entry, including lines it no longer has; then the first row of each key in the given order.
create or replace view raw.{{ feed }}_current as
select * exclude (_version_rank)
from (
    select
        *,
        dense_rank() over (partition by entry_number order by entry_version desc) as _version_rank
    from raw.{{ feed }}
) as versions
where _version_rank = 1
qualify row_number() over (partition by {{ feed_key }} order by {{ order_by }}) = 1
