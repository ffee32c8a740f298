-- One row per post-release audit (its latest state).
with

audits as (

    select * from {{ ref('stg_raw__audits') }}

),

final as (

    select
        -- keys
        audit_id,
        importer_number,

        -- attributes
        audit_type,
        audit_trigger,
        pti,
        audit_status,
        audit_status = 'closed' as is_closed,
        is_cip_required,
        is_penalty_referral,
        discrepancies_found > 0 as has_findings,

        -- dates
        period_start,
        period_end,
        opened_on,
        closed_on,
        {{ fiscal_year('opened_on') }} as opened_fiscal_year,
        updated_at,

        -- measures
        audit_hours,
        lines_reviewed,
        discrepancies_found,
        revenue_loss_usd,
        collected_usd,

        -- lineage
        loaded_at

    from audits

)

select * from final
