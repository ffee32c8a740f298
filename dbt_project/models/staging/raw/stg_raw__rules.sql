-- One row per targeting rule of the catalogue; the latest delivery of a rule wins.
with

source as (

    select * from {{ source('raw', 'rules') }}

),

deduplicated as (

    select
        *,
        row_number() over (
            partition by rule_id
            order by {{ latest_delivery_order() }}
        ) as delivery_rank
    from source

),

renamed as (

    select
        -- keys
        rule_id,

        -- attributes
        environment,
        pti,
        description as rule_description,
        created_on,
        retired_on,

        -- lineage
        _loaded_at as loaded_at

    from deduplicated
    where delivery_rank = 1

)

select * from renamed
