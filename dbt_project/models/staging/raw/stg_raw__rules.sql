-- One row per targeting rule of the catalogue; the latest delivery of a rule wins.
with

source as (

    select * from {{ source('raw', 'rules') }}

),

latest as (

    {{ latest_row_per_key('source', ['rule_id']) }}

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

    from latest

)

select * from renamed
