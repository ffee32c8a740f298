-- A running norm: per key and filing day, the lines and the sum of the measured value on every day up to it.
create or replace temp table {{ norm_table }} as
select
    d.norm_key,
    d.norm_day,
    sum(d.n) over w as n,
    sum(d.s) over w as s
from (
    select
        {{ norm_key }} as norm_key,
        filed_date as norm_day,
        count(*) as n,
        sum({{ norm_value }}) as s
    from marts.fct_entry_lines
    where {{ norm_filter }}
    group by all
) as d
window w as (partition by d.norm_key order by d.norm_day rows between unbounded preceding and current row)
