-- The expectations failing at the latest run of their check (latest_results: the rows of quality_section_latest.sql).
select
    suite,
    expectation,
    severity,
    unexpected_count,
    partition_start,
    partition_end
from {{ latest_results }}
where not success
order by severity, suite, expectation
