-- Per group of examined lines (cluster_keys, a column list, over the relation cluster_lines): the exams and the sums
-- over them that the clustered variance of a hit rate needs (sum h^2, h m, m^2 of each exam's hits h and lines m).
-- An exam examines a whole entry, so the exam, not the line, is the unit of selection (targeting.clustered_rate).
with by_exam as (
    select
        {{ cluster_keys }},
        exam_id,
        count(*) filter (where is_material)::double as h,
        count(*)::double as m
    from {{ cluster_lines }}
    group by all
)

select
    {{ cluster_keys }},
    count(*) as exams,
    sum(h * h) as s_hh,
    sum(h * m) as s_hm,
    sum(m * m) as s_mm
from by_exam
group by all
