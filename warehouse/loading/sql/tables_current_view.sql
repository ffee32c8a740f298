-- The latest version of each key of a feed: the first row of each key in the given order.
create or replace view raw.{{ feed }}_current as
select * from raw.{{ feed }}
qualify row_number() over (partition by {{ feed_key }} order by {{ order_by }}) = 1
