-- One row per seizure: the row with the latest updated_at wins (ties: the latest delivery).
with

source as (

    select * from {{ source('raw', 'seizures') }}

),

latest as (

    {{ latest_row_per_key('source', ['seizure_id'], newest_first='updated_at') }}

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

    from latest

)

select * from renamed
