-- The targeting criteria catalogue: one row per rule.
with

rules as (

    select * from {{ ref('stg_raw__rules') }}

),

final as (

    select
        rule_id,
        environment,
        pti,
        rule_description,
        created_on,
        retired_on,
        retired_on is null as is_active
    from rules

)

select * from final
