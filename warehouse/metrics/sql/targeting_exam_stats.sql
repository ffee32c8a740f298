-- Per period and domain value: census sums, the targeted lines' hits, and the sums over targeted exams the clustered
-- variance of the hit rate needs (exams; sum h^2, h m, m^2 of each exam's hits h and lines m).
-- exam_rows: period_rows.sql over marts.fct_exams.
with lines as (
    {{ exam_rows }}
),

by_exam as (
    select
        period_kind,
        period,
        domain_value::varchar as domain_value,
        exam_id,
        count(*) filter (where is_material)::double as h,
        count(*)::double as m
    from lines
    where not is_cm_sample
    group by all
),

clusters as (
    select
        period_kind,
        period,
        domain_value,
        count(*) as targeted_exams,
        sum(h * h) as s_hh,
        sum(h * m) as s_hm,
        sum(m * m) as s_mm
    from by_exam
    group by all
),

totals as (
    select
        period_kind,
        period,
        domain_value::varchar as domain_value,
        count(*) as exam_lines,
        count(*) filter (where not is_cm_sample) as targeted_lines,
        count(*) filter (where not is_cm_sample and is_material) as targeted_hits,
        coalesce(sum(officer_hours), 0)::double as officer_hours,
        coalesce(sum(duty_difference_usd), 0)::double as revenue_found_usd
    from lines
    group by all
)

select
    t.*,
    coalesce(c.targeted_exams, 0) as targeted_exams,
    coalesce(c.s_hh, 0) as s_hh,
    coalesce(c.s_hm, 0) as s_hm,
    coalesce(c.s_mm, 0) as s_mm
from totals as t
left join clusters as c using (period_kind, period, domain_value)
