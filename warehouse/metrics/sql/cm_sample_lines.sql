-- The CM sample as the estimators read it: one row per cm_random exam line with its design, outcome, amounts,
-- fiscal periods and breakout (domain) values (cm_sample.py).
with programs as (
    select
        l.entry_number,
        l.line_number,
        list(distinct p.program order by p.program) as programs
    from marts.fct_exams as x
    inner join marts.fct_entry_lines as l on x.entry_number = l.entry_number and x.line_number = l.line_number
    inner join marts.dim_programs as p
        on l.importer_number = p.importer_number
            and l.filed_date >= p.enrolled_on and (p.left_on is null or l.filed_date < p.left_on)
    where x.is_cm_sample
    group by all
)

select
    x.exam_id,
    x.entry_number,
    x.line_number,
    x.cm_stratum,
    cast(x.cm_weight as double) as cm_weight,
    coalesce(x.is_material, false) as is_material,
    cast(l.entered_value_usd as double) as value_usd,
    cast(x.declared_duty_usd as double) as declared_duty_usd,
    cast(x.correct_duty_usd as double) as correct_duty_usd,
    {{ period_columns }},
    'all' as overall,
    coalesce(pr.programs, ['none']) as program,
    c.hs_section,
    l.hs_chapter,
    l.country_of_origin,
    l.port_code as port,
    case when coalesce(c.pti_tags, '') = '' then ['none'] else string_split(c.pti_tags, ',') end as pti
from marts.fct_exams as x
inner join marts.fct_entry_lines as l on x.entry_number = l.entry_number and x.line_number = l.line_number
inner join marts.dim_dates as d on l.filed_date = d.date_day
left join marts.dim_commodities as c on l.hts_code = c.hts_code
left join programs as pr on x.entry_number = pr.entry_number and x.line_number = pr.line_number
where x.is_cm_sample
order by x.exam_id, x.entry_number, x.line_number
