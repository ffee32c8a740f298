-- One row per staged file of the batch (`_tw_batch_files`), from its columns as four lists, in one statement.
create temp table _tw_batch_files as
select
    unnest($file_ids)::integer as _file_id,
    unnest($shas)::varchar as file_sha256,
    unnest($dates)::date as delivery_date,
    unnest($paths)::varchar as path
