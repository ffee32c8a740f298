-- One row per exam of those lines, with its outcome.
select
    x.entry_number,
    x.line_number,
    cast(x.completed_at as date) as completed_date,
    x.is_material as material,
    cast(coalesce(x.correct_duty_usd - x.declared_duty_usd, 0) as double) as revenue
from marts.fct_exams as x
semi join risk_examined using (entry_number, line_number)
