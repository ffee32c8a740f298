with

source as (

    select * from {{ source('reference', 'hs_sections') }}

),

renamed as (

    select
        section as hs_section,
        name as hs_section_name
    from source

)

select * from renamed
