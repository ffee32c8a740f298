-- Unpivot (domain, period kind, hours measure), then per group the quantiles and the sorted hours, whose 1-based
-- elements at the interval's ranks are the bounds (quantile_cont wants a constant quantile, hence one per column).
with by_domain as (
    select
        fiscal_year_label,
        fiscal_quarter_label,
        'mode' as domain,
        mode as domain_value,
        arrival_to_release_hours,
        filing_to_release_hours
    from clearance_units
    union all
    select
        fiscal_year_label,
        fiscal_quarter_label,
        'goods_type' as domain,
        goods_type as domain_value,
        arrival_to_release_hours,
        filing_to_release_hours
    from clearance_units
    union all
    select
        fiscal_year_label,
        fiscal_quarter_label,
        'port' as domain,
        port as domain_value,
        arrival_to_release_hours,
        filing_to_release_hours
    from clearance_units
),

by_period as (
    select
        'fiscal_year' as period_kind,
        fiscal_year_label as period,
        * exclude (fiscal_year_label, fiscal_quarter_label)
    from by_domain
    union all
    select
        'fiscal_quarter' as period_kind,
        fiscal_quarter_label as period,
        * exclude (fiscal_year_label, fiscal_quarter_label)
    from by_domain
),

by_metric as (
    select
        period_kind,
        period,
        domain,
        domain_value,
        'arrival_to_release_hours' as metric,
        arrival_to_release_hours as hours
    from by_period
    union all
    select
        period_kind,
        period,
        domain,
        domain_value,
        'filing_to_release_hours' as metric,
        filing_to_release_hours as hours
    from by_period
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
