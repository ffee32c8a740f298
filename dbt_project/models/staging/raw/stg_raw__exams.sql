-- One row per examined entry line; exams carry no version column, so the latest delivery of a key wins.
with

source as (

    select * from {{ source('raw', 'exams') }}

),

latest as (

    {{ latest_row_per_key('source', ['exam_id', 'entry_number', 'line_number']) }}

),

renamed as (

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
        cm_stratum,
        started_at,
        completed_at,
        result as exam_result,
        discrepancy_type,
        material as is_material,
        pti,

        -- measures
        cm_weight,
        officer_hours,
        declared_duty_usd,
        correct_duty_usd,

        -- lineage
        _file_sha256 as source_file_sha256,
        _delivery_date as delivered_on,
        _loaded_at as loaded_at

    from latest

)

select * from renamed
