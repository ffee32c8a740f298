-- One row per penalty case: the row with the latest updated_at wins (ties: the latest delivery).
with

source as (

    select * from {{ source('raw', 'penalties') }}

),

deduplicated as (

    select
        *,
        row_number() over (
            partition by case_number
            order by updated_at desc, {{ latest_delivery_order() }}
        ) as version_rank
    from source

),

renamed as (

    select
        -- keys
        case_number as penalty_case_number,
        importer_number,
        entry_number,

        -- attributes
        statute,
        culpability,
        pti,
        violation_date,
        opened_on,
        assessed_on,
        closed_on,
        status as penalty_status,
        updated_at,

        -- measures
        domestic_value_usd,
        dutiable_value_usd,
        loss_of_revenue_usd,
        assessed_usd,
        mitigated_usd,
        collected_usd,

        -- lineage
        _file_sha256 as source_file_sha256,
        _loaded_at as loaded_at

    from deduplicated
    where version_rank = 1

)

select * from renamed
