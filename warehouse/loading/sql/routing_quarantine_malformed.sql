-- The batch's malformed records (`_tw_batch_malformed`) into quarantine under the rule `$malformed_rule`, the
-- record's text as its raw value (cut past `$raw_chars` characters, saying how long it was). `errors` is the
-- record's one violation as a list, `reason` and `detail` the routing module's bounded sentences.
insert into ops.quarantine (
    file_sha256, feed, delivery_date, file_path, row_number, column_name, rule, reason, violations,
    raw_values, quarantined_at, detail
)
select
    f.file_sha256,
    $feed_name as feed,
    f.delivery_date,
    f.path as file_path,
    m._row_number as row_number,
    m.column_name,
    $malformed_rule as rule,
    {{ reason }} as reason,
    {{ errors }} as violations,
    case
        when length(m.record) <= $raw_chars then json_object('record', m.record)
        else json_object('record', left(m.record, $raw_chars) || '…', 'record_characters', length(m.record))
    end as raw_values,
    now() as quarantined_at,
    {{ detail }} as detail
from _tw_batch_malformed as m
inner join _tw_batch_files as f using (_file_id)
