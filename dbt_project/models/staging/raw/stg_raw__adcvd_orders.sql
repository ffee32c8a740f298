-- One row per AD/CVD order (case number); the latest delivery of a case wins.
with

source as (

    select * from {{ source('raw', 'adcvd_orders') }}

),

deduplicated as (

    select
        *,
        row_number() over (
            partition by case_number
            order by {{ latest_delivery_order() }}
        ) as delivery_rank
    from source

),

renamed as (

    select
        -- keys
        case_number as adcvd_case_number,
        country as country_code,

        -- attributes
        hts_prefix,
        product,
        effective_on,
        revoked_on,

        -- measures
        deposit_rate,

        -- lineage
        _loaded_at as loaded_at

    from deduplicated
    where delivery_rank = 1

)

select * from renamed
