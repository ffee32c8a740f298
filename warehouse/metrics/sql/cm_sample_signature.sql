-- What a measure from the sample reads, per fiscal period (cm_sample.py says what counts), for period_scope.py.
with sample as ({{ sample_query }}),

sample_periods as (
    select
        'fiscal_year' as period_kind,
        fiscal_year_label as period,
        count(*) as n,
        sum(hash(sample)::hugeint) as h
    from sample
    group by all
    union all
    select
        'fiscal_quarter' as period_kind,
        fiscal_quarter_label as period,
        count(*) as n,
        sum(hash(sample)::hugeint) as h
    from sample
    group by all
),

line_days as (
    -- per filed day and tariff code first (a small table), then joined to the commodity labels in use
    select
        filed_date,
        hts_code,
        count(*) as n,
        sum(hash(entry_number, line_number, entry_version, loaded_at)::hugeint) as h
    from marts.fct_entry_lines
    group by all
),

labelled_days as (
    select
        {{ period_columns }},
        line_days.n,
        hash(line_days.h, c.hs_section, c.pti_tags)::hugeint as h
    from line_days
    inner join marts.dim_dates as d on line_days.filed_date = d.date_day
    left join marts.dim_commodities as c on line_days.hts_code = c.hts_code
),

line_periods as (
    select
        'fiscal_year' as period_kind,
        fiscal_year_label as period,
        sum(n) as n,
        sum(h) as h
    from labelled_days
    group by all
    union all
    select
        'fiscal_quarter' as period_kind,
        fiscal_quarter_label as period,
        sum(n) as n,
        sum(h) as h
    from labelled_days
    group by all
)

select
    period_kind,
    period,
    (coalesce(l.n, 0) + coalesce(s.n, 0))::bigint as rows_in,
    hash(coalesce(l.n, 0), coalesce(l.h, 0), coalesce(s.n, 0), coalesce(s.h, 0)) as signature
from line_periods as l
full join sample_periods as s using (period_kind, period)
