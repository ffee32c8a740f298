-- Per fiscal period and programme (and all programmes), the two partnership proportions' counts (partnership.py
-- defines them): trusted members verified more than once, and the top importers by value enrolled.
with periods as ({{ periods_query }}),

active as (
    select
        p.period_kind,
        p.period,
        e.importer_number,
        sum(e.entered_value_usd) as entered_value
    from marts.fct_entries as e inner join periods as p on e.filed_date between p.period_start and p.period_end
    group by all
),

membership as (
    select
        p.period_kind,
        p.period,
        m.importer_number,
        m.program
    from marts.dim_programs as m inner join periods as p
        on m.enrolled_on <= p.period_end and (m.left_on is null or m.left_on > p.period_start)
    group by all
),

member_rows as (
    select
        period_kind,
        period,
        importer_number,
        program
    from membership
    union all
    select distinct
        period_kind,
        period,
        importer_number,
        'all' as program
    from membership
),

verifications as (
    select
        period_kind,
        period,
        importer_number,
        count(*) as n
    from (
        select
            p.period_kind,
            p.period,
            f.importer_number,
            x.exam_id as id
        from (
            select distinct
                exam_id,
                entry_number,
                exam_date
            from marts.fct_exams
        ) as x
        inner join marts.fct_entries as f using (entry_number)
        inner join periods as p on x.exam_date between p.period_start and p.period_end
        group by all
        union all
        select
            p.period_kind,
            p.period,
            a.importer_number,
            a.audit_id as id
        from marts.fct_audits as a inner join periods as p on a.opened_on between p.period_start and p.period_end
    ) as verified
    group by all
),

trusted as (
    select
        m.period_kind,
        m.period,
        m.program,
        count(*) as n,
        count(*) filter (where coalesce(v.n, 0) >= 2) as k
    from member_rows as m
    inner join active using (period_kind, period, importer_number)
    left join verifications as v using (period_kind, period, importer_number)
    group by all
),

prioritised as (
    select * from active
    qualify row_number() over (partition by period_kind, period order by entered_value desc, importer_number asc)
        <= $top_n
),

programs as (
    select distinct program from marts.dim_programs
    union all
    select 'all'
),

enrolled as (
    select
        p.period_kind,
        p.period,
        g.program,
        count(*) as n,
        count(m.importer_number) as k
    from prioritised as p cross join programs as g
    left join member_rows as m
        on p.period_kind = m.period_kind and p.period = m.period and p.importer_number = m.importer_number
            and g.program = m.program
    group by all
)

select
    'trusted_verified_more_than_once_rate' as measure,
    *
from trusted
union all
select
    'prioritised_enrolled_rate' as measure,
    *
from enrolled
order by measure, period_kind, period, program
