-- Material lines filed before the cutoff whose exam was completed before it: the positives a model could learn.
select count(distinct row(x.entry_number, x.line_number)) as positives
from marts.fct_exams as x
inner join marts.fct_entry_lines as l using (entry_number, line_number)
where x.is_material and cast(x.completed_at as date) < $cutoff and l.filed_date < $cutoff
