-- Per importer with a first enforcement event (of each type, and of any type) and exam data on both sides of it:
-- its examined and materially discrepant lines in the window of window_days days before and after the event, all
-- exams and the compliance-measurement random ones, and the same for its comparison importers (no event, same size
-- band and HS section; same band only when no such importer exists): deterrence.py turns them into rates.
with bounds as (
    select
        min(exam_date) as lo,
        max(exam_date) as hi
    from marts.fct_exams
),

events as (
    select
        importer_number,
        'penalty' as event_type,
        assessed_on as d
    from marts.fct_penalties
    where importer_number is not null and assessed_on is not null
    union all
    select
        importer_number,
        'seizure' as event_type,
        seized_on as d
    from marts.fct_seizures
    where importer_number is not null
    union all
    select
        importer_number,
        'audit_finding' as event_type,
        closed_on as d
    from marts.fct_audits
    where has_findings and closed_on is not null
),

first_events as (
    select
        event_type,
        importer_number,
        min(d) as d
    from events
    group by all
    union all
    select
        'any' as event_type,
        importer_number,
        min(d) as d
    from events
    group by all
),

windows as (
    select
        f.event_type,
        f.importer_number,
        greatest(f.d - $window_days, b.lo) as b_from,
        f.d - 1 as b_to,
        f.d + 1 as a_from,
        least(f.d + $window_days, b.hi) as a_to
    from first_events as f, bounds as b
    where f.d - 1 >= b.lo and f.d + 1 <= b.hi
),

lines as (
    select
        f.importer_number,
        x.exam_date as exam_day,
        count(*) as n_all,
        count(*) filter (where x.is_material) as d_all,
        count(*) filter (where x.is_cm_sample) as n_cm,
        count(*) filter (where x.is_cm_sample and x.is_material) as d_cm
    from marts.fct_exams as x inner join marts.fct_entries as f using (entry_number)
    group by all
),

section_value as (
    select
        l.importer_number,
        c.hs_section,
        sum(l.entered_value_usd) as v
    from marts.fct_entry_lines as l left join marts.dim_commodities as c using (hts_code)
    group by all
),

profile as (
    select
        importer_number,
        ntile(5) over (order by sum(v), importer_number) as band,
        arg_max(coalesce(hs_section, '?'), v) as section
    from section_value
    group by importer_number
),

comparables as (
    select p.* from profile as p
    where p.importer_number not in (select e.importer_number from events as e)
),

treated as (
    select
        w.*,
        p.band,
        p.section,
        exists(
            select 1 from comparables as c
            where c.band = p.band and c.section = p.section
        ) as exact
    from windows as w inner join profile as p using (importer_number)
),

-- Whose exam lines count in a treated importer's windows: its own, and those of its comparison importers (same band
-- and section, or same band only when no importer matches exactly): one set of window sums serves both sides.
members as (
    select
        t.*,
        'own' as side,
        t.importer_number as member_number
    from treated as t
    union all
    select
        t.*,
        'comparison' as side,
        c.importer_number as member_number
    from treated as t
    inner join comparables as c on t.band = c.band and (not t.exact or t.section = c.section)
),

window_sums as (
    select
        m.event_type,
        m.importer_number,
        m.side,
        bool_or(m.exact) as exact_match,
        coalesce(sum(l.n_all) filter (where l.exam_day between m.b_from and m.b_to), 0) as n_b_all,
        coalesce(sum(l.d_all) filter (where l.exam_day between m.b_from and m.b_to), 0) as d_b_all,
        coalesce(sum(l.n_all) filter (where l.exam_day between m.a_from and m.a_to), 0) as n_a_all,
        coalesce(sum(l.d_all) filter (where l.exam_day between m.a_from and m.a_to), 0) as d_a_all,
        coalesce(sum(l.n_cm) filter (where l.exam_day between m.b_from and m.b_to), 0) as n_b_cm,
        coalesce(sum(l.d_cm) filter (where l.exam_day between m.b_from and m.b_to), 0) as d_b_cm,
        coalesce(sum(l.n_cm) filter (where l.exam_day between m.a_from and m.a_to), 0) as n_a_cm,
        coalesce(sum(l.d_cm) filter (where l.exam_day between m.a_from and m.a_to), 0) as d_a_cm
    from members as m left join lines as l on m.member_number = l.importer_number
    group by all
)

-- The comparison's sums beside the importer's own, prefixed c (deterrence.py reads them by name).
select
    o.* exclude (o.side, o.exact_match),
    c.exact_match,
    c.n_b_all as cn_b_all,
    c.d_b_all as cd_b_all,
    c.n_a_all as cn_a_all,
    c.d_a_all as cd_a_all,
    c.n_b_cm as cn_b_cm,
    c.d_b_cm as cd_b_cm,
    c.n_a_cm as cn_a_cm,
    c.d_a_cm as cd_a_cm
from window_sums as o
left join window_sums as c
    on o.event_type = c.event_type and o.importer_number = c.importer_number and c.side = 'comparison'
where o.side = 'own'
order by o.event_type, o.importer_number
