-- Every line with a settled exam outcome (material or not) that is in fct_entry_lines.
create or replace temp table risk_examined as
select distinct
    x.entry_number,
    x.line_number
from marts.fct_exams as x
semi join marts.fct_entry_lines using (entry_number, line_number)
where x.is_material is not null
