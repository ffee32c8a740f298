-- Per targeting rule, the (chapter, origin) criteria a line must meet (parsed from its description, else its
-- footprint in the exams before the cutoff) and its strength: its hit rate before the cutoff, smoothed toward the
-- rate of all rule exams with a prior worth prior_exams exams.
create or replace temp table risk_rule_criteria as
with history as (
    select
        x.rule_id,
        x.is_material,
        l.hs_chapter,
        l.country_of_origin
    from marts.fct_exams as x
    inner join marts.fct_entry_lines as l using (entry_number, line_number)
    where
        x.selection_reason = 'targeting_rule' and x.rule_id is not null
        and x.completed_at is not null and cast(x.completed_at as date) < $cutoff
),

base as (select coalesce(avg(cast(history.is_material as double)), 0) as rate from history),

strength as (
    select
        r.rule_id,
        (count(h.is_material) filter (where h.is_material) + $prior_exams * base.rate)
        / (count(h.is_material) + $prior_exams) as strength
    from marts.dim_rules as r
    cross join base
    left join history as h using (rule_id)
    group by r.rule_id, base.rate
),

footprint as (
    select distinct
        h.rule_id,
        h.hs_chapter,
        h.country_of_origin
    from history as h
    anti join risk_parsed_rules using (rule_id)
)

select
    c.rule_id,
    c.hs_chapter,
    c.country_of_origin,
    r.created_on,
    r.retired_on,
    s.strength
from (
    select * from risk_parsed_rules
    union all
    select * from footprint
) as c
inner join marts.dim_rules as r using (rule_id)
inner join strength as s using (rule_id)
