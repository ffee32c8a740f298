-- The warnings of the batch's rows that load (no error), one row per warning (its column_name, rule, message).
insert into ops.row_warnings
select
    f.file_sha256,
    $feed_name as feed,
    f.delivery_date,
    v._row_number as row_number,
    v.column_name,
    v.rule,
    v.message,
    now() as warned_at
from (
    select
        _file_id,
        _row_number,
        unnest(_warnings, recursive := true)  -- noqa: AL03
    from _tw_verdicts
    where _errors is null and _warnings is not null
) as v
inner join _tw_batch_files as f using (_file_id)
