with

source as (

    select * from {{ source('reference', 'mpf_limits') }}

),

renamed as (

    select
        effective_on,
        effective_until,
        minimum_usd as mpf_minimum_usd,
        maximum_usd as mpf_maximum_usd,
        source as mpf_limits_source
    from source

)

select * from renamed
