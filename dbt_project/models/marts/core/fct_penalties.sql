-- One row per penalty case (its latest state).
with

penalties as (

    select * from {{ ref('stg_raw__penalties') }}

),

final as (

    select
        -- keys
        penalty_case_number,
        importer_number,
        entry_number,

        -- attributes
        statute,
        culpability,
        pti,
        penalty_status,

        -- dates
        violation_date,
        opened_on,
        assessed_on,
        closed_on,
        {{ fiscal_year('opened_on') }} as opened_fiscal_year,
        updated_at,

        -- measures
        domestic_value_usd,
        dutiable_value_usd,
        loss_of_revenue_usd,
        assessed_usd,
        mitigated_usd,
        collected_usd,

        -- lineage
        loaded_at

    from penalties

)

select * from final
