-- A temp table of running totals: per key and day of the daily sums (daily_sums: a select of the key column, the day
-- column and the sums), each sum over every day of the key up to and including that day, under its own name.
create or replace temp table {{ running_table }} as
select
    d.{{ running_key }},
    d.{{ running_day }},
    sum(columns(d.* exclude ({{ running_key }}, {{ running_day }}))) over w
from ({{ daily_sums }}) as d
window w as (
    partition by d.{{ running_key }} order by d.{{ running_day }} rows between unbounded preceding and current row
)
