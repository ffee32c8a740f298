-- The JSONL lines that are not a JSON object, as malformed records.
insert into _tw_malformed
select
    _row_number,
    null as column_name,
    case when j is null then 'not valid JSON' else 'a JSON ' || lower(json_type(j)) || ', not an object' end as message,
    null as detail,
    line as record
from _tw_lines
where j is null or json_type(j) <> 'OBJECT'
