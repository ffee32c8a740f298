{#
    Layers land in schemas named after the layer (staging, intermediate, marts) instead of dbt's default
    `<target schema>_<custom schema>`: analysts query `marts.fct_entry_lines`, whatever the target.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
