-- The records DuckDB rejected while reading a file (its reject table `_tw_rejects`), one row per record numbered as
-- the data records are (`$header_lines` lines before the first), with one short phrase per kind of error and what
-- DuckDB said. `$header` names the file's columns by position (DuckDB names the positional `cN`). A record with too
-- many fields gets one reject row per extra field (10,000 for a 10,000-field line), a short one a row per missing
-- field: they are collapsed per kind, and the full wording goes to `detail`; `found` / `expected` are the field
-- counts DuckDB's messages carry.
create temp table _tw_malformed as
with positioned as (
    select
        *,
        try_cast(substr(column_name, 2) as integer) as field_position
    from _tw_rejects
),

rejects as (
    select
        line,
        error_type,
        error_message,
        csv_line,
        field_position,
        list_extract($header::varchar[], field_position + 1) as column_name,
        try_cast(regexp_extract(error_message, 'Found: (\d+)', 1) as bigint) as found,
        try_cast(regexp_extract(error_message, 'Expected Number of Columns: (\d+)', 1) as bigint) as expected
    from positioned
),

kinds as (
    -- the first column concerned: the first missing one of a short record
    select
        line,
        error_type,
        min_by(column_name, field_position) as column_name,
        min(csv_line) as record,
        case error_type
            when 'MISSING COLUMNS' then format('too few fields: {} where the header has {}', min(found), max(expected))
            when 'TOO MANY COLUMNS'
                then format('too many fields: {} where the header has {}', max(found), max(expected))
            when 'INVALID ENCODING' then 'not UTF-8 text (a byte of another encoding, such as Latin-1)'
            when 'UNQUOTED VALUE' then 'broken quoting (a quote inside an unquoted value or after a closing quote)'
            when 'LINE SIZE OVER MAXIMUM' then 'the record is longer than the maximum line size'
            else lower(error_type) || ': ' || left(min(error_message), 120)
        end as phrase,
        error_type || ': ' || min_by(error_message, coalesce(found, 0))
        || case
            when count(*) > 1
                then format(
                        ' (and {} more like it, up to: {})', count(*) - 1, max_by(error_message, coalesce(found, 0))
                    )
            else ''
        end as detail
    from rejects
    group by line, error_type
)

select
    line - $header_lines as _row_number,
    min(column_name) as column_name,
    string_agg(phrase, '; ' order by error_type) as message,
    string_agg(detail, '; ' order by error_type) as detail,
    min(record) as record
from kinds
group by line
