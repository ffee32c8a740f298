-- The all-time row of an importer account adds up its fiscal-year rows for every additive measure: an activity is
-- counted once in its fiscal year and once in all_time, never lost or double counted. Returns the accounts that
-- do not add up.
with

accounts as (

    select * from {{ ref('mart_importer_accounts') }}

),

yearly as (

    select
        importer_number,
        sum(entry_count) as entry_count,
        sum(line_count) as line_count,
        sum(entered_value_usd) as entered_value_usd,
        sum(total_paid_usd) as total_paid_usd,
        sum(exam_line_count) as exam_line_count,
        sum(audit_count) as audit_count,
        sum(seizure_count) as seizure_count,
        sum(penalty_assessed_usd) as penalty_assessed_usd
    from accounts
    where account_period <> 'all_time'
    group by importer_number

),

all_time as (

    select *
    from accounts
    where account_period = 'all_time'

)

select
    all_time.importer_number,
    all_time.entered_value_usd,
    yearly.entered_value_usd as yearly_entered_value_usd
from all_time
left join yearly on all_time.importer_number = yearly.importer_number
where
    all_time.entry_count <> coalesce(yearly.entry_count, 0)
    or all_time.line_count <> coalesce(yearly.line_count, 0)
    or all_time.entered_value_usd <> coalesce(yearly.entered_value_usd, 0)
    or all_time.total_paid_usd <> coalesce(yearly.total_paid_usd, 0)
    or all_time.exam_line_count <> coalesce(yearly.exam_line_count, 0)
    or all_time.audit_count <> coalesce(yearly.audit_count, 0)
    or all_time.seizure_count <> coalesce(yearly.seizure_count, 0)
    or all_time.penalty_assessed_usd <> coalesce(yearly.penalty_assessed_usd, 0)
