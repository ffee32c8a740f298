-- The expectations failing at the latest run of their check (asset, check name).
with latest_runs as (
    select
        asset,
        check_name,
        max(checked_at) as checked_at
    from ops.quality_results
    group by asset, check_name
),

latest as (
    select q.*
    from ops.quality_results as q
    inner join latest_runs using (asset, check_name, checked_at)
)

select
    suite,
    expectation,
    severity,
    unexpected_count,
    partition_start,
    partition_end
from latest
where not success
order by severity, suite, expectation
