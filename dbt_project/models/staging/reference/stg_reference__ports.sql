with

source as (

    select * from {{ source('reference', 'ports') }}

),

renamed as (

    select
        port_code,
        district_code,
        port_name
    from source

)

select * from renamed
