-- The filing date below which the given share of the examined lines was filed.
select quantile_disc(l.filed_date, $share) as filed_date
from marts.fct_entry_lines as l
semi join marts.fct_exams using (entry_number, line_number)
