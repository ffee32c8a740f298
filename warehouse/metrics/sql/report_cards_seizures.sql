-- Seizures per fiscal period (both kinds) and value of `domain_column`: the count and the domestic value.
with seizures as (
    select
        *,
        -- One row per period kind: unnest spreads the struct into period_kind and period (no alias to give).
        unnest({{ seizure_periods }}, recursive := true)  -- noqa: AL03
    from marts.fct_seizures
)

select
    period_kind,
    period,
    {{ domain_column }}::varchar as v,
    count(*) as n,
    coalesce(sum(domestic_value_usd), 0)::double as value_usd
from seizures
where {{ domain_column }} is not null
group by all
