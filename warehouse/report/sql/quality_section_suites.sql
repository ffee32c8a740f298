-- Per suite, at the latest run of each check (asset, check name): its expectations, those passed, those failing by
-- severity, and when it was last checked.
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
    count(*) as expectations,
    count(*) filter (success) as passed,
    count(*) filter (not success and severity = 'error') as failed_errors,
    count(*) filter (not success and severity <> 'error') as failed_warnings,
    max(checked_at) as last_checked
from latest
group by suite
order by suite
