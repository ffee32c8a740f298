-- Importers with history (SCD type 2): one row per version of a registry record. Join a fact to the version in
-- force with `fact_date >= valid_from and (fact_date < valid_to or valid_to is null)`, or to today's with is_current.
with

importer_versions as (

    select * from {{ ref('int_importers__versioned') }}

),

final as (

    select
        -- keys
        importer_number || '@' || cast(valid_from as {{ dbt.type_string() }}) as importer_version_key,
        importer_number,
        prior_importer_number,

        -- attributes
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
        has_name_change,

        -- validity
        valid_from,
        valid_to,
        is_current

    from importer_versions

)

select * from final
