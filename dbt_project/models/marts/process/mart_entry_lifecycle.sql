-- The life of an entry: one row per entry (current version) from arrival and filing through release, its exams,
-- the post-release audits of its importer whose period covers its arrival, its seizures and penalty cases, with the
-- elapsed hours between the steps.
with

entries as (

    select * from {{ ref('fct_entries') }}

),

exams as (

    select * from {{ ref('fct_exams') }}

),

audits as (

    select * from {{ ref('fct_audits') }}

),

seizures as (

    select * from {{ ref('fct_seizures') }}

),

penalties as (

    select * from {{ ref('fct_penalties') }}

),

exam_summary as (

    select
        entry_number,
        count(distinct exam_id) as exam_count,
        count(*) as examined_line_count,
        min(started_at) as first_exam_started_at,
        max(completed_at) as last_exam_completed_at,
        count(case when completed_at is null then 1 end) as open_exam_line_count,
        max(case when environment = 'pre_entry' then 1 else 0 end) = 1 as has_pre_entry_exam,
        max(case when environment = 'entry' then 1 else 0 end) = 1 as has_entry_exam,
        max(case when environment = 'post_release' then 1 else 0 end) = 1 as has_post_release_exam,
        max(case when is_discrepancy then 1 else 0 end) = 1 as has_discrepancy,
        max(case when is_material then 1 else 0 end) = 1 as has_material_discrepancy,
        cast(sum(officer_hours) as decimal(18, 3)) as exam_officer_hours,
        cast(sum(duty_difference_usd) as decimal(18, 2)) as exam_duty_difference_usd
    from exams
    group by entry_number

),

audit_summary as (

    select
        entries.entry_number,
        count(*) as audit_count,
        min(audits.opened_on) as first_audit_opened_on,
        max(case when audits.has_findings then 1 else 0 end) = 1 as has_audit_findings
    from entries
    inner join audits
        on
            entries.importer_number = audits.importer_number
            and entries.arrival_date between audits.period_start and audits.period_end
    group by entries.entry_number

),

seizure_summary as (

    select
        entry_number,
        count(*) as seizure_count,
        min(seized_on) as first_seized_on
    from seizures
    where entry_number is not null
    group by entry_number

),

penalty_summary as (

    select
        entry_number,
        count(*) as penalty_case_count,
        min(opened_on) as first_penalty_opened_on,
        cast(sum(assessed_usd) as decimal(18, 2)) as penalty_assessed_usd,
        cast(sum(collected_usd) as decimal(18, 2)) as penalty_collected_usd
    from penalties
    where entry_number is not null
    group by entry_number

),

final as (

    select
        -- keys
        entries.entry_number,
        entries.entry_version,
        entries.importer_number,
        entries.port_code,

        -- arrival, filing and release
        entries.arrival_date,
        entries.filed_at,
        entries.released_at,
        entries.is_released,
        entries.line_count,
        entries.entered_value_usd,

        -- exams
        coalesce(exam_summary.exam_count, 0) as exam_count,
        coalesce(exam_summary.examined_line_count, 0) as examined_line_count,
        exam_summary.first_exam_started_at,
        exam_summary.last_exam_completed_at,
        coalesce(exam_summary.open_exam_line_count, 0) > 0 as has_open_exam,
        coalesce(exam_summary.has_pre_entry_exam, false) as has_pre_entry_exam,
        coalesce(exam_summary.has_entry_exam, false) as has_entry_exam,
        coalesce(exam_summary.has_post_release_exam, false) as has_post_release_exam,
        concat_ws(
            ',',
            case when exam_summary.has_pre_entry_exam then 'pre_entry' end,
            case when exam_summary.has_entry_exam then 'entry' end,
            case when exam_summary.has_post_release_exam then 'post_release' end
        ) as exam_environments,
        case
            when exam_summary.entry_number is null then null
            when exam_summary.has_discrepancy then 'discrepancy'
            else 'no_discrepancy'
        end as exam_result,
        coalesce(exam_summary.has_material_discrepancy, false) as has_material_discrepancy,
        coalesce(exam_summary.exam_officer_hours, 0) as exam_officer_hours,
        coalesce(exam_summary.exam_duty_difference_usd, 0) as exam_duty_difference_usd,

        -- audits, seizures and penalties that touch the entry
        coalesce(audit_summary.audit_count, 0) as audit_count,
        audit_summary.first_audit_opened_on,
        coalesce(audit_summary.has_audit_findings, false) as has_audit_findings,
        coalesce(seizure_summary.seizure_count, 0) as seizure_count,
        seizure_summary.first_seized_on,
        coalesce(penalty_summary.penalty_case_count, 0) as penalty_case_count,
        penalty_summary.first_penalty_opened_on,
        coalesce(penalty_summary.penalty_assessed_usd, 0) as penalty_assessed_usd,
        coalesce(penalty_summary.penalty_collected_usd, 0) as penalty_collected_usd,

        -- the furthest step reached
        case
            when penalty_summary.entry_number is not null then 'penalty'
            when seizure_summary.entry_number is not null then 'seizure'
            when audit_summary.entry_number is not null then 'audit'
            when exam_summary.entry_number is not null and entries.released_at is not null then 'examined_released'
            when exam_summary.entry_number is not null then 'examined'
            when entries.released_at is not null then 'released'
            else 'filed'
        end as lifecycle_stage,

        -- durations (hours)
        {{ hours_between(arrival_timestamp('entries.arrival_date'), 'entries.filed_at') }} as arrival_to_filing_hours,
        {{ hours_between('entries.filed_at', 'entries.released_at') }} as filing_to_release_hours,
        {{ hours_between(arrival_timestamp('entries.arrival_date'), 'entries.released_at') }}
            as arrival_to_release_hours,
        {{ hours_between('entries.filed_at', 'exam_summary.first_exam_started_at') }} as filing_to_first_exam_hours,
        {{ hours_between('exam_summary.first_exam_started_at', 'exam_summary.last_exam_completed_at') }}
            as exam_span_hours

    from entries
    left join exam_summary on entries.entry_number = exam_summary.entry_number
    left join audit_summary on entries.entry_number = audit_summary.entry_number
    left join seizure_summary on entries.entry_number = seizure_summary.entry_number
    left join penalty_summary on entries.entry_number = penalty_summary.entry_number

)

select * from final
