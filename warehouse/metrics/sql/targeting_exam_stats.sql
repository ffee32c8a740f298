-- Per period and domain value: census sums, the targeted lines' hits, and the sums over targeted exams the clustered
-- variance of the hit rate needs (exams; sum h^2, h m, m^2 of each exam's hits h and lines m).
-- exam_rows: period_rows.sql over marts.fct_exams.
with lines as (
    {{ exam_rows }}
),

targeted_lines as (
    select * replace (domain_value::varchar as domain_value)
    from lines
    where not is_cm_sample
),

-- exam_clusters: exam_clusters.sql over targeted_lines by (period_kind, period, domain_value).
clusters as (
    {{ exam_clusters }}
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
    coalesce(c.exams, 0) as targeted_exams,
    coalesce(c.s_hh, 0) as s_hh,
    coalesce(c.s_hm, 0) as s_hm,
    coalesce(c.s_mm, 0) as s_mm
from totals as t
left join clusters as c using (period_kind, period, domain_value)
