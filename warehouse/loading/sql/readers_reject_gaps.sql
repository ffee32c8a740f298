-- The gaps the rejected records leave in the good records' numbering: for each run of rejected records, g (the
-- record number minus its rank among the rejected) and i (how many were rejected up to the run's end), for the
-- ASOF join that numbers the good records (readers._numbered_read).
create temp table _tw_reject_gaps as
select
    g,
    max(i) as i
from (
    select
        _row_number - row_number() over (order by _row_number) as g,
        row_number() over (order by _row_number) as i
    from _tw_malformed
) as runs
group by g
