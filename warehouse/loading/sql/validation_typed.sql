-- One pass over the batch's text rows (`texts_and_typed`: each value as text and typed): the typed rows, with two
-- flags, TRUE when some error check (`any_error`) or warning rule (`any_warning`) is TRUE for the row.
create temp table _tw_typed as
with texts as (
    select
        {{ texts_and_typed }},
        s._extra
    from _tw_batch_stage as s
)

select
    _file_id,
    _row_number,
    {{ typed_names }},
    _extra,
    {{ any_error }} as _tw_error,
    {{ any_warning }} as _tw_warning
from texts
