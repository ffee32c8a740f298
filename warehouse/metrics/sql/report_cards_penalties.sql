-- Penalty cases opened per fiscal period (both kinds) and priority trade issue.
with penalties as (
    select
        *,
        -- One row per period kind: unnest spreads the struct into period_kind and period (no alias to give).
        unnest({{ penalty_periods }}, recursive := true)  -- noqa: AL03
    from marts.fct_penalties
)

select
    period_kind,
    period,
    pti,
    count(*) as n
from penalties
where pti is not null
group by all
