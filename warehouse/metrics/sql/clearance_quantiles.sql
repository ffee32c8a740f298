-- Unpivot (domain, period kind, hours measure), then per group the quantiles and the sorted hours, whose 1-based
-- elements at the interval's ranks are the bounds (quantile_cont wants a constant quantile, hence one per column).
-- Each unpivot names its value after the column it came from; include nulls keeps a row whose domain value is null
-- (its own group), and the hours' nulls are left out below.
with by_domain as (
    select *
    from clearance_units
    unpivot include nulls (domain_value for domain in (mode, goods_type, port))
),

by_period as (
    select *
    from by_domain
    unpivot include nulls (
        period for period_kind in (fiscal_year_label as fiscal_year, fiscal_quarter_label as fiscal_quarter)
    )
),

by_metric as (
    select *
    from by_period
    unpivot include nulls (hours for metric in (arrival_to_release_hours, filing_to_release_hours))
),

quantiles as (
    select unnest([0.5, 0.9]::double[]) as q
),

grouped as (
    select
        period_kind,
        period,
        domain,
        domain_value,
        metric,
        count(*) as n,
        quantile_cont(hours, 0.5) as median,
        quantile_cont(hours, 0.9) as p90,
        list(hours order by hours) as sorted_hours
    from by_metric
    where hours is not null
    group by all
)

select
    g.period_kind,
    g.period,
    g.domain,
    g.domain_value,
    g.metric,
    qs.q,
    g.n,
    case qs.q when 0.5 then g.median else g.p90 end as estimate,
    g.sorted_hours[
        cast(greatest(1, least(g.n, floor(g.n * qs.q - $z * sqrt(g.n * qs.q * (1 - qs.q))))) as bigint)
    ] as ci_low,
    g.sorted_hours[
        cast(greatest(1, least(g.n, ceil(g.n * qs.q + $z * sqrt(g.n * qs.q * (1 - qs.q))) + 1)) as bigint)
    ] as ci_high
from grouped as g
cross join quantiles as qs
