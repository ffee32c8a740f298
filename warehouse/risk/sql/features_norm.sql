-- A norm's daily sums per key and filing day: the lines and the sum of the measured value (running_totals.sql
-- accumulates them into the running norm).
select
    {{ norm_key }} as norm_key,
    filed_date as norm_day,
    count(*) as n,
    sum({{ norm_value }}) as s
from marts.fct_entry_lines
where {{ norm_filter }}
group by all
