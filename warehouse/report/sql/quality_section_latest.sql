-- The rows of each check's (asset, check name) latest run: the current status of its expectations.
with latest_runs as (
    select
        asset,
        check_name,
        max(checked_at) as checked_at
    from ops.quality_results
    group by asset, check_name
)

select q.*
from ops.quality_results as q
inner join latest_runs using (asset, check_name, checked_at)
