-- Every fiscal period (both kinds) in which `date_column` of `date_table` has a value, with its first and
-- last calendar day (the whole fiscal period, not just the days with data). The periods are those marts.dim_dates
-- gives the dates (the dbt macros' fiscal year and quarter); a date outside dim_dates has none.
with days as (
    select distinct {{ date_column }} as date_day
    from {{ date_table }}
    where {{ date_column }} is not null
),

keyed as (
    select
        d.fiscal_year,
        d.fiscal_year_label,
        d.fiscal_quarter
    from days
    inner join marts.dim_dates as d on days.date_day = d.date_day
    group by all
),

years as (
    select distinct
        fiscal_year,
        fiscal_year_label
    from keyed
)

select
    'fiscal_year' as period_kind,
    fiscal_year_label as period,
    make_date(fiscal_year - 1, 10, 1) as period_start,
    make_date(fiscal_year, 9, 30) as period_end
from years
union all
select
    'fiscal_quarter' as period_kind,
    fiscal_year_label || 'Q' || fiscal_quarter as period,
    (make_date(fiscal_year - 1, 10, 1) + to_months(3 * (fiscal_quarter - 1)))::date as period_start,
    (make_date(fiscal_year - 1, 10, 1) + to_months(3 * fiscal_quarter) - interval 1 day)::date as period_end
from keyed
