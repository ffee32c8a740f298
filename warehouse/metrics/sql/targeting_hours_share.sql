-- Per period and domain value, over exam lines and audits together: the sums the hours-weighted share of hours on
-- the priority trade issues and its variance need.
with exam_periods as (
    select
        *,
        -- One row per period kind: unnest spreads the struct into period_kind and period (no alias to give).
        unnest({{ exam_periods }}, recursive := true)  -- noqa: AL03
    from marts.fct_exams
),

audit_periods as (
    select
        *,
        unnest({{ audit_periods }}, recursive := true)  -- noqa: AL03
    from marts.fct_audits
),

units as (
    select
        period_kind,
        period,
        {{ exam_domain }}::varchar as domain_value,
        coalesce(officer_hours, 0)::double as h,
        (pti in (select unnest($priority_ptis)))::int::double as p
    from exam_periods
    union all
    select
        period_kind,
        period,
        {{ audit_domain }}::varchar as domain_value,
        coalesce(audit_hours, 0)::double as h,
        (coalesce(pti, '') in (select unnest($priority_ptis)))::int::double as p
    from audit_periods
)

select
    period_kind,
    period,
    domain_value,
    count(*) as n,
    sum(h) as s_h,
    sum(h * p) as s_hp,
    sum(h * h) as s_h2,
    sum(h * h * p) as s_h2p
from units
group by all
