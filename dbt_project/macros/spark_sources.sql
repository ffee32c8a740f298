{#
    On Spark the raw and reference tables are folders of Parquet files that the platform ships from the DuckDB
    warehouse (warehouse/engines/spark.py): register each source as an external table over its folder before the
    build, and refresh it so files added or deleted since the last build are seen. A no-op on other engines.
#}
{% macro register_shipped_sources() -%}
    {%- if target.type == 'spark' and execute -%}
        {%- set root = var('spark_warehouse', env_var('TRADEWH_SPARK_WAREHOUSE', '')) ~ '/shipped' -%}
        {%- for source in graph.sources.values() if source.source_name in ('raw', 'reference') -%}
            {%- do run_query('create database if not exists ' ~ source.schema) -%}
            {%- do run_query(
                'create table if not exists ' ~ source.schema ~ '.' ~ source.identifier
                ~ " using parquet location '" ~ root ~ '/' ~ source.schema ~ '/' ~ source.identifier ~ "'"
            ) -%}
            {%- do run_query('refresh table ' ~ source.schema ~ '.' ~ source.identifier) -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
