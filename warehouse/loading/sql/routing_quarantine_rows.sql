-- The batch's rows with errors (`_tw_verdicts`) of the files `$file_ids`, into quarantine with their values as
-- delivered: `raw_values` is the JSON of the file's columns, `reason` and `detail` the routing module's bounded
-- sentences over `c._errors`.
insert into ops.quarantine (
    file_sha256, feed, delivery_date, file_path, row_number, column_name, rule, reason, violations,
    raw_values, quarantined_at, detail
)
select
    f.file_sha256,
    $feed_name as feed,
    f.delivery_date,
    f.path as file_path,
    c._row_number as row_number,
    c._errors[1].column_name as column_name,
    c._errors[1].rule as rule,
    {{ reason }} as reason,
    c._errors as violations,
    {{ raw_values }} as raw_values,
    now() as quarantined_at,
    {{ detail }} as detail
from _tw_verdicts as c
inner join _tw_batch_stage as s using (_file_id, _row_number)
inner join _tw_batch_files as f using (_file_id)
where c._errors is not null and c._file_id in (select unnest($file_ids))
