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
    `relation` with every column of it (on engines without `qualify`, plus the rank column `_latest_rank`).
#}
{% macro latest_row_per_key(relation, key, newest_first=none) -%}
    {{ return(adapter.dispatch('latest_row_per_key', 'trade_warehouse')(relation, key, newest_first)) }}
{%- endmacro %}

{% macro latest_row_order(key, newest_first) -%}
    row_number() over (
        partition by {{ key | join(', ') }}
        order by {% if newest_first %}{{ newest_first }} desc, {% endif %}{{ latest_delivery_order() }}
    )
{%- endmacro %}

{% macro duckdb__latest_row_per_key(relation, key, newest_first) -%}
    select *
    from {{ relation }}
    qualify {{ latest_row_order(key, newest_first) }} = 1
{%- endmacro %}

{# PostgreSQL and Spark have no `qualify`: rank in a subquery and keep the first. #}
{% macro default__latest_row_per_key(relation, key, newest_first) -%}
    select *
    from (
        select
            {{ relation }}.*,
            {{ latest_row_order(key, newest_first) }} as _latest_rank
        from {{ relation }}
    ) as ranked
    where _latest_rank = 1
{%- endmacro %}


{#
    The rows of `relation` (raw entries) that are each line's latest delivery within its entry's current version
    (`current_versions`: entry_number, entry_version). Renders a complete select of every column of `relation`
    (plus `_latest_rank` on engines other than DuckDB).
#}
{% macro latest_line_deliveries(relation, current_versions) -%}
    {{ return(adapter.dispatch('latest_line_deliveries', 'trade_warehouse')(relation, current_versions)) }}
{%- endmacro %}

{#
    On DuckDB the delivery order is one comparable value (a struct, compared field by field), for the largest table:
    the latest delivery of a line is then a `max()` in a hash aggregate and a join back, not a window that sorts every
    row of the raw table with all its columns (3x faster on a full read, and a filter on the raw rows, such as the
    incremental facts' load-time watermark, reaches the scan of the rows joined back).
#}
{% macro duckdb__latest_line_deliveries(relation, current_versions) -%}
    {%- set delivery_key -%}
        ({{ relation }}._delivery_date, {{ relation }}._loaded_at, {{ relation }}._file_sha256, {{ relation }}._row_number)
    {%- endset -%}
    select {{ relation }}.*
    from {{ relation }}
    inner join (
        select
            {{ relation }}.entry_number,
            {{ relation }}.line_number,
            max({{ delivery_key }}) as delivery_key
        from {{ relation }}
        inner join {{ current_versions }}
            on
                {{ relation }}.entry_number = {{ current_versions }}.entry_number
                and {{ relation }}.entry_version = {{ current_versions }}.entry_version
        group by {{ relation }}.entry_number, {{ relation }}.line_number
    ) as latest_deliveries
        on
            {{ relation }}.entry_number = latest_deliveries.entry_number
            and {{ relation }}.line_number = latest_deliveries.line_number
            and {{ delivery_key }} is not distinct from latest_deliveries.delivery_key
{%- endmacro %}

{# Elsewhere (no comparable row values in max()): rank the current version's deliveries of each line. #}
{% macro default__latest_line_deliveries(relation, current_versions) -%}
    select *
    from (
        select
            {{ relation }}.*,
            row_number() over (
                partition by {{ relation }}.entry_number, {{ relation }}.line_number
                order by {{ latest_delivery_order() }}
            ) as _latest_rank
        from {{ relation }}
        inner join {{ current_versions }}
            on
                {{ relation }}.entry_number = {{ current_versions }}.entry_number
                and {{ relation }}.entry_version = {{ current_versions }}.entry_version
    ) as ranked
    where _latest_rank = 1
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
    {#- Spark rewrites every filing date holding a line of a changed entry, so no line is left to delete. -#}
    {%- if is_incremental() and target.type != 'spark' -%}
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


{#
    The incremental model config of the facts: delete+insert by key where the engine can delete rows; on Spark
    (Parquet tables: no delete, no merge) insert_overwrite of whole partitions by `partition_column`, the model then
    selecting every current row of each partition it touches (spark_partitions_to_rewrite).
#}
{% macro incremental_fact_config(unique_key, partition_column) -%}
    {%- if target.type == 'spark' -%}
        {{ return({'incremental_strategy': 'insert_overwrite', 'partition_by': [partition_column], 'file_format': 'parquet'}) }}
    {%- else -%}
        {{ return({'incremental_strategy': 'delete+insert', 'unique_key': unique_key}) }}
    {%- endif -%}
{%- endmacro %}


{#
    The rows of `relation` (the fact's prepared model) an incremental fact writes: on a full build all of them; on an
    incremental one the rows loaded since the last run (delete+insert replaces them by key), or on Spark whole
    partitions (spark_partitions_to_rewrite).
#}
{% macro incremental_fact_rows(relation, partition_column, entity_key) -%}
    {%- if is_incremental() and target.type == 'spark' -%}
        {{ spark_partitions_to_rewrite(relation, partition_column, entity_key) }}
    {%- else -%}
        select * from {{ relation }}
        {%- if is_incremental() %}
        where {{ loaded_since_last_run('loaded_at') }}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}


{#
    The rows of `relation` a Spark incremental run writes: every row of each partition (`partition_column` value)
    that holds a row loaded since the last run, or that holds in the table a row of the same `entity_key` (the old
    partition of an entity that moved, the lines a correction dropped). Insert-overwrite replaces exactly those
    partitions. A partition left with no current row at all is not rewritten: a full refresh clears it
    (docs/scale-out.md).
#}
{% macro spark_partitions_to_rewrite(relation, partition_column, entity_key) -%}
    select *
    from {{ relation }}
    where {{ partition_column }} in (
        select {{ partition_column }} from {{ relation }}
        where {{ loaded_since_last_run('loaded_at') }}
        union
        select {{ partition_column }} from {{ this }}
        where {{ entity_key }} in (
            select {{ entity_key }} from {{ relation }}
            where {{ loaded_since_last_run('loaded_at') }}
        )
    )
{%- endmacro %}
