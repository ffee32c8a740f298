-- Port-shopping alerts (warehouse/risk/port_shopping.py says what an alert is): one per adverse action, goods and
-- second port, with the first move and the lines and value moved within the window of days as evidence.
create or replace table risk.port_shopping_alerts as
with entity as (
    select
        importer_number,
        entity_id
    from risk.importer_entities
),

lines as (
    select
        l.entry_number,
        l.line_number,
        l.importer_number,
        coalesce(e.entity_id, 'IMP-' || l.importer_number) as entity_id,
        l.port_code,
        l.hs_subheading as hs6,
        l.manufacturer_id,
        l.filed_date,
        l.filed_at,
        l.entered_value_usd
    from marts.fct_entry_lines as l
    left join entity as e using (importer_number)
    where l.hs_subheading is not null and l.manufacturer_id is not null and l.filed_at is not null
),

actions as (
    -- moves_from: an exam's start is known to the minute; a seizure or case only by date, so from the next day.
    select
        'exam_discrepancy' as adverse_action,
        x.exam_id as adverse_reference,
        x.exam_date as adverse_on,
        x.started_at as moves_from,
        x.port_code as first_port,
        l.entry_number,
        l.importer_number,
        l.entity_id,
        l.hs6,
        l.manufacturer_id
    from marts.fct_exams as x
    inner join lines as l on x.entry_number = l.entry_number and x.line_number = l.line_number
    where x.is_discrepancy and x.is_material and x.started_at is not null
    union all
    select
        'seizure' as adverse_action,
        s.seizure_id as adverse_reference,
        s.seized_on as adverse_on,
        (s.seized_on + 1)::timestamptz as moves_from,
        s.port_code as first_port,
        l.entry_number,
        l.importer_number,
        l.entity_id,
        l.hs6,
        l.manufacturer_id
    from marts.fct_seizures as s
    inner join lines as l on s.entry_number = l.entry_number
    where s.seized_on is not null
    union all
    select
        'penalty' as adverse_action,
        p.penalty_case_number as adverse_reference,
        p.opened_on as adverse_on,
        (p.opened_on + 1)::timestamptz as moves_from,
        l.port_code as first_port,
        l.entry_number,
        l.importer_number,
        l.entity_id,
        l.hs6,
        l.manufacturer_id
    from marts.fct_penalties as p
    inner join lines as l on p.entry_number = l.entry_number
    where p.opened_on is not null
),

adverse_entries as (
    select
        entry_number,
        min(filed_date) as adverse_entry_filed_on
    from lines
    group by all
),

goods_actions as (
    -- One action per reference and goods (an entry can hold several lines of the same goods).
    select distinct
        a.*,
        f.adverse_entry_filed_on
    from actions as a
    inner join adverse_entries as f using (entry_number)
),

moves as (
    select
        a.*,
        m.port_code as second_port,
        m.importer_number as moved_importer_number,
        m.entry_number as moved_entry,
        m.filed_date as moved_on,
        m.entered_value_usd
    from goods_actions as a
    inner join lines as m
        on a.entity_id = m.entity_id and a.hs6 = m.hs6 and a.manufacturer_id = m.manufacturer_id
            and a.first_port <> m.port_code
            and a.moves_from < m.filed_at and m.filed_date <= a.adverse_on + $window_days
),

grouped as (
    select
        adverse_action,
        adverse_reference,
        adverse_on,
        moves_from,
        first_port,
        entry_number as adverse_entry_number,
        adverse_entry_filed_on,
        importer_number,
        entity_id,
        hs6,
        manufacturer_id,
        second_port,
        min(moved_on) as moved_on,
        arg_min(moved_entry, (moved_on, moved_entry)) as first_moved_entry_number,
        arg_min(moved_importer_number, (moved_on, moved_entry)) as moved_importer_number,
        count(*) as lines,
        count(distinct moved_entry) as entries,
        sum(entered_value_usd) as entered_value_usd
    from moves
    group by all
)

select
    'PS-' || substr(md5(concat_ws(
        '|', g.adverse_action, g.adverse_reference, g.hs6, g.manufacturer_id,
        g.second_port
    )), 1, 16) as alert_id,
    g.importer_number,
    g.entity_id,
    g.hs6 as hs,
    g.manufacturer_id,
    g.first_port,
    g.adverse_action,
    g.adverse_reference,
    g.adverse_entry_number,
    g.adverse_entry_filed_on,
    g.adverse_on,
    g.moves_from,
    g.second_port,
    g.moved_on,
    g.moved_on - g.adverse_on as days_after,
    g.moved_importer_number,
    g.first_moved_entry_number,
    g.entries,
    g.lines,
    g.entered_value_usd,
    exists(
        select 1 from lines as b
        where b.entity_id = g.entity_id and b.hs6 = g.hs6 and b.manufacturer_id = g.manufacturer_id
            and b.port_code = g.second_port
            and b.filed_date < g.adverse_entry_filed_on and b.filed_date >= g.adverse_entry_filed_on - $prior_use_days
    ) as second_port_used_before,
    $window_days as window_days
from grouped as g
order by g.adverse_on, g.adverse_action, g.adverse_reference, g.hs6, g.manufacturer_id, g.second_port
