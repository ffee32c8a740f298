-- US ports of entry with their district (the first two digits of the port code).
with

ports as (

    select * from {{ ref('stg_reference__ports') }}

),

districts as (

    -- The district's port is the one whose code ends in 01 (e.g. 1001 New York for district 10), when listed.
    select
        district_code,
        max(case when port_code = district_code || '01' then port_name end) as district_name
    from ports
    group by district_code

),

final as (

    select
        ports.port_code,
        ports.district_code,
        ports.port_name,
        districts.district_name
    from ports
    left join districts on ports.district_code = districts.district_code

)

select * from final
