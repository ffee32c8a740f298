-- One row per completed exam of a known line, with the line's profile keys.
create or replace temp table {{ outcomes_table }} as
select
    {{ line_keys }},
    -- An outcome is known from the day after the exam ends, and never before its own line was filed (a pre-entry
    -- exam may end first): a line never sees its own exam.
    greatest(cast(x.completed_at as date), l.filed_date) as outcome_date,
    cast(x.is_material as integer) as material,
    -- Decimal, not double: sums of decimals are exact in any order, so profiles do not depend on how DuckDB
    -- parallelises an aggregate (the model id hashes the features).
    coalesce(x.correct_duty_usd - x.declared_duty_usd, 0) as revenue
from marts.fct_exams as x
inner join marts.fct_entry_lines as l using (entry_number, line_number)
where x.completed_at is not null and x.is_material is not null
