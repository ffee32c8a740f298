-- One row per enrolment of an importer in a partnership programme (C-TPAT, ISA, NAM).
with

programs as (

    select * from {{ ref('stg_raw__programs') }}

),

final as (

    select
        -- keys
        importer_number || ':' || program || ':' || cast(enrolled_on as {{ dbt.type_string() }}) as enrolment_key,
        importer_number,
        program,

        -- attributes
        case program
            when 'ctpat' then 'Customs-Trade Partnership Against Terrorism'
            when 'isa' then 'Importer Self-Assessment'
            when 'nam' then 'National Account Management'
        end as program_name,
        tier,
        enrolled_on,
        left_on,
        left_on is null as is_active

    from programs

)

select * from final
