-- Every fiscal period (both kinds) in which `date_column` of `date_table` has a value, with its first and
-- last calendar day (the whole fiscal period, not just the days with data).
with days as (
    select distinct {{ date_column }} as d
    from {{ date_table }}
    where {{ date_column }} is not null
),

keyed as (
    select
        {{ fiscal_year }} as fy,
        {{ fiscal_quarter }} as fq
    from days
    group by all
),

years as (
    select distinct fy from keyed
)

select
    'fiscal_year' as period_kind,
    'FY' || fy as period,
    make_date(fy - 1, 10, 1) as period_start,
    make_date(fy, 9, 30) as period_end
from years
union all
select
    'fiscal_quarter' as period_kind,
    'FY' || fy || 'Q' || fq as period,
    (make_date(fy - 1, 10, 1) + to_months(3 * (fq - 1)))::date as period_start,
    (make_date(fy - 1, 10, 1) + to_months(3 * fq) - interval 1 day)::date as period_end
from keyed
