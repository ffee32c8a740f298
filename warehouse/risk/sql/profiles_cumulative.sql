-- A dimension's daily outcome counts per key and outcome day (running_totals.sql accumulates them into the state of
-- its profile at the end of each day).
select
    {{ dimension_key }} as cum_key,
    outcome_date as cum_day,
    count(*) as n,
    sum(material) as pos,
    sum(revenue) as rev
from {{ outcomes_table }}
group by all
