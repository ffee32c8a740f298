-- One row per post-release audit: the row with the latest updated_at wins (ties: the latest delivery).
with

source as (

    select * from {{ source('raw', 'audits') }}

),

latest as (

    {{ latest_row_per_key('source', ['audit_id'], newest_first='updated_at') }}

),

renamed as (

    select
        -- keys
        audit_id,
        importer_number,

        -- attributes
        audit_type,
        trigger as audit_trigger,
        pti,
        period_start,
        period_end,
        opened_on,
        closed_on,
        status as audit_status,
        cip_required as is_cip_required,
        penalty_referral as is_penalty_referral,
        updated_at,

        -- measures
        hours as audit_hours,
        lines_reviewed,
        discrepancies_found,
        revenue_loss_usd,
        collected_usd,

        -- lineage
        _file_sha256 as source_file_sha256,
        _loaded_at as loaded_at

    from latest

)

select * from renamed
