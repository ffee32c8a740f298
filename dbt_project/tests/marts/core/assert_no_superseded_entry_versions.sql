-- fct_entry_lines holds only the current version of each entry: no line whose entry has a higher version in the
-- raw history (the incremental post-hook must have removed lines a correction dropped). Returns stale lines.
with

entry_lines as (

    select * from {{ ref('fct_entry_lines') }}

),

raw_entries as (

    select * from {{ source('raw', 'entries') }}

),

latest_versions as (

    select
        entry_number,
        max(entry_version) as latest_entry_version
    from raw_entries
    group by entry_number

)

select
    entry_lines.entry_number,
    entry_lines.line_number,
    entry_lines.entry_version,
    latest_versions.latest_entry_version
from entry_lines
inner join latest_versions on entry_lines.entry_number = latest_versions.entry_number
where entry_lines.entry_version <> latest_versions.latest_entry_version
