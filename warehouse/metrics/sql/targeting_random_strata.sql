-- Per period, domain value and cm_stratum: the sums the weighted material rate and its variance need.
-- exam_rows: period_rows.sql over marts.fct_exams.
with exam_rows as (
    {{ exam_rows }}
),

sample_lines as (
    select
        *,
        cm_weight::double as w,
        is_material::int::double as y
    from exam_rows
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
