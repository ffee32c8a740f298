-- ops.quality_results: one row per expectation per run, only ever appended (history.py says why).
create table if not exists ops.quality_results (
    checked_at timestamptz not null,
    run_id varchar,
    asset varchar not null,
    check_name varchar not null,
    suite varchar not null,
    expectation varchar not null,
    expectation_type varchar not null,
    column_name varchar,
    severity varchar not null,
    partition_start date,
    partition_end date,
    success boolean not null,
    observed_value json,
    unexpected_count bigint,
    sample json,
    exception varchar
)
