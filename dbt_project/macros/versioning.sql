{#
    How the raw layer breaks ties between deliveries of the same key and version: the latest delivery date wins
    (several dates loaded in one batch share one _loaded_at), then the latest load of that date, then the file hash
    and the row number make the choice deterministic (the same order as raw.<feed>_current).
#}
{% macro latest_delivery_order() -%}
    _delivery_date desc, _loaded_at desc, _file_sha256 desc, _row_number desc
{%- endmacro %}


{#
    The staging scaffold of every feed without an entry_version: one row per key, the latest version of it. `key` is
    the list of key columns; `newest_first`, when given, is a version column of the row itself (updated_at) that
    ranks before the delivery order, so a later delivery of an OLDER state loses. Renders a complete select over
    `relation` with every column of it.
#}
{% macro latest_row_per_key(relation, key, newest_first=none) -%}
    select *
    from {{ relation }}
    qualify row_number() over (
        partition by {{ key | join(', ') }}
        order by {% if newest_first %}{{ newest_first }} desc, {% endif %}{{ latest_delivery_order() }}
    ) = 1
{%- endmacro %}


{#
    The same order as one comparable value (a DuckDB struct, compared field by field), for the largest tables: the
    latest delivery of a key is then a `max()` in a hash aggregate and a join back, not a window that sorts every
    row of the raw table with all its columns (3x faster on a full read, and a filter on the raw rows, such as the
    incremental facts' load-time watermark, reaches the scan of the rows joined back).
#}
{% macro latest_delivery_key(relation) -%}
    ({{ relation }}._delivery_date, {{ relation }}._loaded_at, {{ relation }}._file_sha256, {{ relation }}._row_number)
{%- endmacro %}


{#
    Incremental filter shared by the incremental facts: rows whose chosen raw version was loaded at or after the
    newest row already in the target. `>=` rather than `>` re-processes the boundary rows, which delete+insert makes
    harmless, so two loads with the same timestamp are never skipped.
#}
{% macro loaded_since_last_run(column='loaded_at') -%}
    {{ column }} >= (
        select coalesce(max({{ column }}), {{ dbt.cast("'1900-01-01'", api.Column.translate_type('timestamp')) }})
        from {{ this }}
    )
{%- endmacro %}


{#
    Post-hook of fct_entry_lines. delete+insert on (entry_number, line_number) replaces the lines a correction
    re-delivers, but a higher entry_version may also DROP lines (contract: "a post-summary correction may also remove
    lines"). Those lines still carry the older entry_version; delete every line of an entry that has a newer version
    in the table. Runs inside the model's transaction, after the insert; a no-op on a full rebuild.
#}
{% macro delete_superseded_entry_lines() -%}
    {%- if is_incremental() -%}
        delete from {{ this }} as superseded
        where exists (
            select 1
            from {{ this }} as newer
            where newer.entry_number = superseded.entry_number
              and newer.entry_version > superseded.entry_version
        )
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}
