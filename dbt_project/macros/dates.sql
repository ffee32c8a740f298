{#
    Federal fiscal year: October to September, named after the calendar year it ends in (1 Oct 2012 is FY2013).
    Plain `extract` and `case` so the same SQL runs on DuckDB, PostgreSQL, Spark and Trino.
#}
{% macro fiscal_year(date_expr) -%}
    cast(extract(year from {{ date_expr }}) + case when extract(month from {{ date_expr }}) >= 10 then 1 else 0 end as integer)
{%- endmacro %}


{# Fiscal quarter 1 = Oct-Dec, 2 = Jan-Mar, 3 = Apr-Jun, 4 = Jul-Sep. #}
{% macro fiscal_quarter(date_expr) -%}
    cast(case
        when extract(month from {{ date_expr }}) >= 10 then 1
        when extract(month from {{ date_expr }}) <= 3 then 2
        when extract(month from {{ date_expr }}) <= 6 then 3
        else 4
    end as integer)
{%- endmacro %}


{# ISO day of week (1 = Monday .. 7 = Sunday): the one date part whose spelling differs between engines. #}
{% macro day_of_week_iso(date_expr) -%}
    {{ return(adapter.dispatch('day_of_week_iso', 'trade_warehouse')(date_expr)) }}
{%- endmacro %}

{% macro default__day_of_week_iso(date_expr) -%}
    cast(extract(isodow from {{ date_expr }}) as integer)
{%- endmacro %}

{% macro spark__day_of_week_iso(date_expr) -%}
    cast(((dayofweek({{ date_expr }}) + 5) % 7) + 1 as integer)
{%- endmacro %}

{% macro trino__day_of_week_iso(date_expr) -%}
    cast(day_of_week({{ date_expr }}) as integer)
{%- endmacro %}


{#
    Elapsed hours between two timestamps, as a decimal rounded half away from zero, the same on every engine. dbt's
    cross-database datediff counts boundaries crossed, so it is taken in seconds. The rounding is done on whole
    hundredths of an hour (36 seconds each) with integer arithmetic: `seconds / 3600.0` is a DOUBLE on DuckDB and
    an exact decimal on PostgreSQL and Spark, and their casts to two places disagreed by 0.01 on about one value in
    a thousand. Null when either end is null.
#}
{% macro hours_between(start_expr, end_expr) -%}
    {%- set seconds = dbt.datediff(start_expr, end_expr, 'second') -%}
    cast(cast(sign({{ seconds }}) * floor((abs({{ seconds }}) + 18) / 36) as decimal(18, 2)) * 0.01 as decimal(18, 2))
{%- endmacro %}


{#
    The account period of an activity: 'FY2013' for its fiscal year, or 'all_time' for the copy that feeds the
    all-time row of the account views.
#}
{% macro account_period(fiscal_year_column, all_time) -%}
    {%- if all_time -%}
        'all_time'
    {%- else -%}
        'FY' || cast({{ fiscal_year_column }} as {{ dbt.type_string() }})
    {%- endif -%}
{%- endmacro %}


{# The last day (30 September) of a fiscal year given as an integer expression. #}
{% macro fiscal_year_end(fiscal_year_expr) -%}
    cast(cast({{ fiscal_year_expr }} as {{ dbt.type_string() }}) || '-09-30' as date)
{%- endmacro %}


{# A date as the timestamp of its midnight (UTC: the warehouse session time zone), to measure hours from it. #}
{% macro arrival_timestamp(date_expr) -%}
    cast({{ date_expr }} as {{ dbt.type_timestamp() }})
{%- endmacro %}


{#
    A point in time as text the way DuckDB and PostgreSQL (in UTC) print it: '2025-10-03 00:52:14+00'. Spark prints
    no offset, so it is written out. For the findings' observed values, which analysts read as text.
#}
{% macro timestamp_as_text(timestamp_expr) -%}
    {{ return(adapter.dispatch('timestamp_as_text', 'trade_warehouse')(timestamp_expr)) }}
{%- endmacro %}

{% macro default__timestamp_as_text(timestamp_expr) -%}
    cast({{ timestamp_expr }} as {{ dbt.type_string() }})
{%- endmacro %}

{% macro spark__timestamp_as_text(timestamp_expr) -%}
    date_format({{ timestamp_expr }}, 'yyyy-MM-dd HH:mm:ss') || '+00'
{%- endmacro %}
