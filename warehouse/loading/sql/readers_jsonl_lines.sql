-- The numbered JSONL lines (`numbered_read`, readers._numbered_read), each parsed once: try_cast leaves NULL for
-- text that is not JSON. Blank lines are no record and are not counted.
create temp table _tw_lines as
select
    _row_number,
    line,
    try_cast(line as json) as j
from {{ numbered_read }}
where line is not null and not regexp_full_match(line, '\s*')
order by _row_number
