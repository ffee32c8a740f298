-- Per period and domain value, over exam lines and audits together: the sums the hours-weighted share of hours on
-- the priority trade issues and its variance need.
-- exam_rows, audit_rows: period_rows.sql over marts.fct_exams and marts.fct_audits.
with exam_rows as (
    {{ exam_rows }}
),

audit_rows as (
    {{ audit_rows }}
),

units as (
    select
        period_kind,
        period,
        domain_value::varchar as domain_value,
        coalesce(officer_hours, 0)::double as h,
        (pti in (select unnest($priority_ptis)))::int::double as p
    from exam_rows
    union all
    select
        period_kind,
        period,
        domain_value::varchar as domain_value,
        coalesce(audit_hours, 0)::double as h,
        (coalesce(pti, '') in (select unnest($priority_ptis)))::int::double as p
    from audit_rows
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
