-- Penalty cases opened per fiscal period (both kinds) and priority trade issue.
-- penalty_rows: period_rows.sql over marts.fct_penalties, its issue (pti) the domain value.
with penalties as (
    {{ penalty_rows }}
)

select
    period_kind,
    period,
    domain_value as pti,
    count(*) as n
from penalties
where domain_value is not null
group by all
