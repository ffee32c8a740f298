-- One row per enrolment of an importer in a partnership programme; the latest delivery of a key wins.
with

source as (

    select * from {{ source('raw', 'programs') }}

),

deduplicated as (

    select
        *,
        row_number() over (
            partition by importer_number, program, enrolled_on
            order by {{ latest_delivery_order() }}
        ) as delivery_rank
    from source

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

    from deduplicated
    where delivery_rank = 1

)

select * from renamed
