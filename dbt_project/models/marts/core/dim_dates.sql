-- One row per calendar day, with the federal fiscal year (October-September, named after the year it ends in)
-- and fiscal quarter. The range comes from the vars dim_dates_start / dim_dates_end (end exclusive).
with

days as (

    {{ dbt.date_spine(
        'day',
        "cast('" ~ var('dim_dates_start') ~ "' as date)",
        "cast('" ~ var('dim_dates_end') ~ "' as date)"
    ) }}

),

final as (

    select
        cast(date_day as date) as date_day,
        cast(extract(year from date_day) as integer) as calendar_year,
        cast(extract(quarter from date_day) as integer) as calendar_quarter,
        cast(extract(month from date_day) as integer) as calendar_month,
        cast(extract(day from date_day) as integer) as day_of_month,
        {{ day_of_week_iso('date_day') }} as day_of_week,
        {{ day_of_week_iso('date_day') }} >= 6 as is_weekend,
        {{ fiscal_year('date_day') }} as fiscal_year,
        {{ fiscal_quarter('date_day') }} as fiscal_quarter,
        'FY' || cast({{ fiscal_year('date_day') }} as {{ dbt.type_string() }}) as fiscal_year_label
    from days

)

select * from final
