-- Daily cumulative outcome counts per key of a dimension: the state of its profile at the end of each day.
create or replace temp table {{ cumulative_table }} as
select
    d.cum_key,
    d.cum_day,
    sum(d.n) over w as n,
    sum(d.pos) over w as pos,
    sum(d.rev) over w as rev
from (
    select
        {{ dimension_key }} as cum_key,
        outcome_date as cum_day,
        count(*) as n,
        sum(material) as pos,
        sum(revenue) as rev
    from {{ outcomes_table }}
    group by all
) as d
window w as (partition by d.cum_key order by d.cum_day rows between unbounded preceding and current row)
