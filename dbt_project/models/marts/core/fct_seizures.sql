-- One row per seizure (its latest state).
with

seizures as (

    select * from {{ ref('stg_raw__seizures') }}

),

final as (

    select
        -- keys
        seizure_id,
        entry_number,
        importer_number,
        port_code,
        country_of_origin,

        -- attributes
        conveyance,
        violation,
        pti,
        product_category,
        disposition,

        -- dates
        seized_on,
        {{ fiscal_year('seized_on') }} as seized_fiscal_year,
        updated_at,

        -- measures
        quantity,
        domestic_value_usd,
        msrp_usd,

        -- lineage
        loaded_at

    from seizures

)

select * from final
