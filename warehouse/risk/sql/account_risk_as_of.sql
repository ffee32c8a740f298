-- The as-of date of the scores: the latest day any of their inputs has seen.
select
    greatest(
        (select max(filed_date) from marts.fct_entry_lines),
        (select max(exam_date) from marts.fct_exams),
        (select max(opened_on) from marts.fct_penalties),
        (select max(seized_on) from marts.fct_seizures),
        (select max(coalesce(closed_on, opened_on)) from marts.fct_audits)
    ) as as_of
