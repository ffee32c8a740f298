-- Slowly changing dimension, type 2, of the importer registry: each version of a record is valid from its
-- effective_date until (excluding) the next version's effective_date; the last version is current.
with

importers as (

    select * from {{ ref('stg_raw__importers') }}

),

windowed as (

    select
        *,
        lead(effective_date) over (partition by importer_number order by effective_date) as next_effective_date,
        lag(legal_name) over (partition by importer_number order by effective_date) as previous_legal_name,
        -- bigint on every engine (Spark's row_number() is an int).
        cast(row_number() over (partition by importer_number order by effective_date) as bigint) as version_number
    from importers

),

versioned as (

    select
        importer_number,
        effective_date,
        version_number,
        legal_name,
        dba_name,
        street,
        city,
        state,
        postal_code,
        country_code,
        phone,
        officer_name,
        bond_number,
        prior_importer_number,
        effective_date as valid_from,
        next_effective_date as valid_to,
        next_effective_date is null as is_current,
        coalesce(previous_legal_name <> legal_name, false) as has_name_change
    from windowed

)

select * from versioned
