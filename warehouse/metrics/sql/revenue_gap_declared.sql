-- The population's declared duty, deposits and fees per period and domain value, the same domain definitions as
-- cm_sample_lines.sql; $years null: every fiscal year.
with lines as (
    select
        {{ period_columns }},
        l.port_code as port,
        case when coalesce(c.pti_tags, '') = '' then ['none'] else string_split(c.pti_tags, ',') end as pti,
        cast(l.total_paid_usd as double) as declared
    from marts.fct_entry_lines as l
    inner join marts.dim_dates as d on l.filed_date = d.date_day
    left join marts.dim_commodities as c on l.hts_code = c.hts_code
    where $years is null or list_contains($years, d.fiscal_year_label)
),

by_domain as (
    select
        fiscal_year_label,
        fiscal_quarter_label,
        'overall' as domain,
        'all' as domain_value,
        declared
    from lines
    union all
    select
        fiscal_year_label,
        fiscal_quarter_label,
        'port' as domain,
        port as domain_value,
        declared
    from lines
    union all
    select
        fiscal_year_label,
        fiscal_quarter_label,
        'pti' as domain,
        unnest(pti) as domain_value,
        declared
    from lines
)

select
    'fiscal_year' as period_kind,
    fiscal_year_label as period,
    domain,
    domain_value,
    sum(declared) as declared
from by_domain
group by all
union all
select
    'fiscal_quarter' as period_kind,
    fiscal_quarter_label as period,
    domain,
    domain_value,
    sum(declared) as declared
from by_domain
group by all
