{#
    Incremental by load time, delete+insert on the grain (entry_number, line_number):
    - new run, nothing loaded since: the filter selects only the boundary rows, re-inserted unchanged;
    - a correction (higher entry_version): its lines are newer than the watermark, so they replace the old lines
      with the same key; the post-hook then deletes the lines the correction dropped (they keep the old version);
    - a full rebuild selects the same current lines from staging, so it equals the incremental result.
    On Spark (no delete on Parquet tables) an incremental run rewrites whole filing dates instead: every current line
    of each date touched by the new rows or holding a line of a changed entry (macros/versioning.sql).
#}
{{
    config(
        materialized='incremental',
        on_schema_change='fail',
        post_hook="{{ delete_superseded_entry_lines() }}",
        **incremental_fact_config(['entry_number', 'line_number'], 'filed_date')
    )
}}

with

entry_lines as (

    {{ incremental_fact_rows(ref('int_entry_lines__prepared'), 'filed_date', 'entry_number') }}

)

-- The contract in the yml fixes this table's column names and types; the upstream model has exactly those
-- columns, so they are not listed a second time (a column added upstream fails the contract check).
select * from entry_lines
