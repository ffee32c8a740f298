with

source as (

    select * from {{ source('reference', 'hs_codes') }}

),

renamed as (

    select
        hscode as hs_code,
        level as hs_level,
        section as hs_section,
        parent as parent_hs_code,
        description as hs_description
    from source

)

select * from renamed
