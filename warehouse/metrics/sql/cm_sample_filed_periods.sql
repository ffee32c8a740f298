-- Every fiscal period with filed lines: the periods a measure from the sample owes a row, sampled or not.
with labels as (
    select distinct {{ period_columns }}
    from marts.fct_entry_lines as l inner join marts.dim_dates as d on l.filed_date = d.date_day
)

select
    'fiscal_year' as period_kind,
    fiscal_year_label as period
from labels
union
select
    'fiscal_quarter' as period_kind,
    fiscal_quarter_label as period
from labels
order by all
