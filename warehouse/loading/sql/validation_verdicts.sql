-- For each candidate row only (`candidates`: flagged in `_tw_typed` or found by a check across rows), the lists of
-- its violations (`error_list`, `warning_list`: NULL when none) from its checks' flags (`flags`), evaluated on the
-- row's text and typed values (`texts_and_typed`) joined to the checks across rows (`joins`; `carried` selects the
-- row and their columns). `scanned` is false when there is no candidate: the table is then created empty without
-- scanning the stage.
create temp table _tw_verdicts as
with candidates as ({{ candidates }}),

candidate_rows as (
    select {{ texts_and_typed }}
    from _tw_batch_stage as s
    semi join candidates using (_file_id, _row_number)
    where {{ scanned }}
),

flagged as (
    select
        {{ carried }},
        {{ flags }}
    from candidate_rows as t
    {{ joins }}
),

verdicts as (
    select
        _file_id,
        _row_number,
        {{ error_list }} as _errors,
        {{ warning_list }} as _warnings
    from flagged
)

select *
from verdicts
where _errors is not null or _warnings is not null
