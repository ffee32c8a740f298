-- One row per AD/CVD order (case number); the latest delivery of a case wins.
with

source as (

    select * from {{ source('raw', 'adcvd_orders') }}

),

latest as (

    {{ latest_row_per_key('source', ['case_number']) }}

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

    from latest

)

select * from renamed
