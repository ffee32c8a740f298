-- The batch's rows without an error, typed (`_tw_typed`), into the feed's raw table with their lineage.
-- `columns` and `typed_columns` list the feed's contract columns (the second prefixed `t.`).
insert into raw.{{ feed }} ({{ columns }}, _file_sha256, _delivery_date, _row_number, _loaded_at, _extra)
with rejected as (
    select
        _file_id,
        _row_number
    from _tw_verdicts
    where _errors is not null
)

select
    {{ typed_columns }},
    f.file_sha256,
    f.delivery_date,
    t._row_number,
    now() as _loaded_at,
    t._extra
from _tw_typed as t
inner join _tw_batch_files as f using (_file_id)
anti join rejected as v on t._file_id = v._file_id and t._row_number = v._row_number
