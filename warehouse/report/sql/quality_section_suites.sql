-- Per suite, at the latest run of each check (latest_results: the rows of quality_section_latest.sql): its
-- expectations, those passed, those failing by severity, and when it was last checked.
select
    suite,
    count(*) as expectations,
    count(*) filter (success) as passed,
    count(*) filter (not success and severity = 'error') as failed_errors,
    count(*) filter (not success and severity <> 'error') as failed_warnings,
    max(checked_at) as last_checked
from {{ latest_results }}
group by suite
order by suite
