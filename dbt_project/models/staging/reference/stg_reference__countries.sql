with

source as (

    select * from {{ source('reference', 'countries') }}

),

renamed as (

    select
        iso2 as country_code,
        iso3 as country_iso3,
        iso_numeric as country_iso_numeric,
        name as country_name,
        region,
        sub_region,
        is_least_developed
    from source

)

select * from renamed
