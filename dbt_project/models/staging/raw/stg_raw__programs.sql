-- One row per enrolment of an importer in a partnership programme; the latest delivery of a key wins.
with

source as (

    select * from {{ source('raw', 'programs') }}

),

latest as (

    {{ latest_row_per_key('source', ['importer_number', 'program', 'enrolled_on']) }}

),

renamed as (

    select
        -- keys
        importer_number,
        program,
        enrolled_on,

        -- attributes
        tier,
        left_on,

        -- lineage
        _loaded_at as loaded_at

    from latest

)

select * from renamed
