-- The rows that repeat an earlier row's identity within their file (`partition`: the file and the identity columns;
-- `present`: every identity column is set). The window numbering the occurrences only runs over the identities
-- that occur more than once (a hash aggregate finds them; usually there are none), instead of sorting every row.
create temp table _tw_duplicates as
with repeated as (
    select {{ partition }}
    from _tw_typed
    where {{ present }}
    group by {{ partition }}
    having count(*) > 1
),

occurrences as (
    select
        t._file_id,
        t._row_number,
        row_number() over (partition by {{ partition }} order by t._row_number) as occurrence
    from _tw_typed as t
    semi join repeated using ({{ partition }})
)

select
    _file_id,
    _row_number
from occurrences
where occurrence > 1
