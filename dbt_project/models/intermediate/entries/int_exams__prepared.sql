-- Current exam lines with derived flags and measures: whether the line is in the compliance-measurement sample,
-- whether a discrepancy was found, the duty difference found and the fiscal year the exam started in.
with

exams as (

    select * from {{ ref('stg_raw__exams') }}

),

prepared as (

    select
        -- keys
        exam_id,
        entry_number,
        line_number,
        port_code,
        rule_id,

        -- attributes
        environment,
        exam_type,
        selection_reason,
        selection_reason = 'cm_random' as is_cm_sample,
        cm_stratum,
        exam_result,
        exam_result = 'discrepancy' as is_discrepancy,
        discrepancy_type,
        is_material,
        pti,

        -- dates
        started_at,
        completed_at,
        cast(started_at as date) as exam_date,
        {{ fiscal_year('cast(started_at as date)') }} as exam_fiscal_year,

        -- measures
        cm_weight,
        officer_hours,
        declared_duty_usd,
        correct_duty_usd,
        cast(correct_duty_usd - declared_duty_usd as decimal(18, 2)) as duty_difference_usd,
        {{ hours_between('started_at', 'completed_at') }} as exam_duration_hours,

        -- lineage
        source_file_sha256,
        loaded_at

    from exams

)

select * from prepared
