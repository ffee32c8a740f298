-- One row per seizure: the row with the latest updated_at wins (ties: the latest delivery).
with

source as (

    select * from {{ source('raw', 'seizures') }}

),

deduplicated as (

    select
        *,
        row_number() over (
            partition by seizure_id
            order by updated_at desc, {{ latest_delivery_order() }}
        ) as version_rank
    from source

),

renamed as (

    select
        -- keys
        seizure_id,
        entry_number,
        importer_number,
        port_code,

        -- attributes
        seized_on,
        conveyance,
        violation,
        pti,
        product_category,
        country_of_origin,
        disposition,
        updated_at,

        -- measures
        quantity,
        domestic_value_usd,
        msrp_usd,

        -- lineage
        _file_sha256 as source_file_sha256,
        _loaded_at as loaded_at

    from deduplicated
    where version_rank = 1

)

select * from renamed
