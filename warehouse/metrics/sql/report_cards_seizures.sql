-- Seizures per fiscal period (both kinds) and value of the report card's column: the count and the domestic value.
-- seizure_rows: period_rows.sql over marts.fct_seizures, the column counted by its domain value.
with seizures as (
    {{ seizure_rows }}
)

select
    period_kind,
    period,
    domain_value::varchar as v,
    count(*) as n,
    coalesce(sum(domestic_value_usd), 0)::double as value_usd
from seizures
where domain_value is not null
group by all
