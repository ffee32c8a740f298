-- The population's declared duty, deposits and fees per period and domain value, the same domain definitions as
-- cm_sample_lines.sql; $years null: every fiscal year. Each line's domain values are lists (a line counts once in
-- every issue its commodity is tagged with), unpivoted into one row per domain and then unnested.
with lines as (
    select
        {{ period_columns }},
        ['all'] as overall,
        [l.port_code] as port,
        case when coalesce(c.pti_tags, '') = '' then ['none'] else string_split(c.pti_tags, ',') end as pti,
        cast(l.total_paid_usd as double) as declared
    from marts.fct_entry_lines as l
    inner join marts.dim_dates as d on l.filed_date = d.date_day
    left join marts.dim_commodities as c on l.hts_code = c.hts_code
    where $years is null or list_contains($years, d.fiscal_year_label)
),

by_domain as (
    select
        * exclude (domain_values),
        unnest(domain_values) as domain_value
    from lines
    unpivot include nulls (domain_values for domain in (overall, port, pti))
)

select
    period_kind,
    period,
    domain,
    domain_value,
    sum(declared) as declared
from by_domain
unpivot include nulls (
    period for period_kind in (fiscal_year_label as fiscal_year, fiscal_quarter_label as fiscal_quarter)
)
group by all
