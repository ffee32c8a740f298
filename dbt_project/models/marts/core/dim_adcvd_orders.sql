-- Antidumping (A-) and countervailing (C-) duty orders with the HTS prefix they cover.
with

orders as (

    select * from {{ ref('stg_raw__adcvd_orders') }}

),

final as (

    select
        -- keys
        adcvd_case_number,
        country_code,

        -- attributes
        case when substr(adcvd_case_number, 1, 1) = 'A' then 'antidumping' else 'countervailing' end as order_type,
        substr(adcvd_case_number, 3, 3) as commerce_country_code,
        hts_prefix,
        product,
        effective_on,
        revoked_on,
        revoked_on is null as is_in_force,

        -- measures
        deposit_rate

    from orders

)

select * from final
