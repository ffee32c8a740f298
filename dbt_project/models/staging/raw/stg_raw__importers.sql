-- One row per version of an importer's registry record (importer_number, effective_date); a record delivered again
-- for the same key replaces the earlier delivery.
with

source as (

    select * from {{ source('raw', 'importers') }}

),

latest as (

    {{ latest_row_per_key('source', ['importer_number', 'effective_date']) }}

),

renamed as (

    select
        -- keys
        importer_number,
        effective_date,
        prior_importer_number,

        -- attributes
        legal_name,
        dba_name,
        street,
        city,
        state,
        postal_code,
        country as country_code,
        phone,
        officer_name,
        bond_number,

        -- lineage
        _file_sha256 as source_file_sha256,
        _loaded_at as loaded_at

    from latest

)

select * from renamed
