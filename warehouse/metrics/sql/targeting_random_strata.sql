-- Per period, domain value and cm_stratum: the sums the weighted material rate and its variance need.
with exam_periods as (
    select
        *,
        -- One row per period kind: unnest spreads the struct into period_kind and period (no alias to give).
        unnest({{ exam_periods }}, recursive := true)  -- noqa: AL03
    from marts.fct_exams
),

sample_lines as (
    select
        *,
        {{ exam_domain }} as domain_value,
        cm_weight::double as w,
        is_material::int::double as y
    from exam_periods
    where is_cm_sample
)

select
    period_kind,
    period,
    domain_value::varchar as domain_value,
    cm_stratum,
    count(*) as n,
    sum(w) as s_w,
    sum(w * y) as s_wy,
    sum(w * w) as s_w2,
    sum(w * w * y) as s_w2y
from sample_lines
group by all
