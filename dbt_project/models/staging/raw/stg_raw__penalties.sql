-- One row per penalty case: the row with the latest updated_at wins (ties: the latest delivery).
with

source as (

    select * from {{ source('raw', 'penalties') }}

),

latest as (

    {{ latest_row_per_key('source', ['case_number'], newest_first='updated_at') }}

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

    from latest

)

select * from renamed
