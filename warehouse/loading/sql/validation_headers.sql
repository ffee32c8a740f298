-- The rows of a group (`keys`: the file and the feed's group key; `in_group`: the key is set) whose header columns
-- disagree, with the disagreeing columns (`names`: a CASE per header column naming it when it disagrees). One hash
-- of the header (`header`) per row finds the disagreeing groups cheaply; only for those are the columns worked out.
-- `needed`: the file, the group key and the header columns.
create temp table _tw_headers as
with group_rows as (
    select
        _row_number,
        {{ needed }},
        hash({{ header }}) as h__hash
    from _tw_typed
    where {{ in_group }}
),

bad as (
    select {{ keys }}
    from group_rows
    group by {{ keys }}
    having min(h__hash) <> max(h__hash)
),

named as (
    select
        {{ keys }},
        list_filter([{{ names }}], lambda x: x is not null) as h__columns  -- noqa: RF02
    from group_rows
    semi join bad using ({{ keys }})
    group by {{ keys }}
)

select
    group_rows._file_id,
    group_rows._row_number,
    named.h__columns
from group_rows
inner join named using ({{ keys }})
