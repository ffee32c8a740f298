-- ISO 3166 countries with their UN region and the least-developed flag (relevant to GSP preference claims).
with

countries as (

    select * from {{ ref('stg_reference__countries') }}

),

final as (

    select
        country_code,
        country_iso3,
        country_iso_numeric,
        country_name,
        region,
        sub_region,
        is_least_developed
    from countries

)

select * from final
