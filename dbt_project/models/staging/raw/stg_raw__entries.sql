-- One row per entry line of the CURRENT version of each entry. A higher entry_version replaces every line of the
-- entry, including lines the correction removed; within that version the latest delivery of a line wins.
with

source as (

    select * from {{ source('raw', 'entries') }}

),

current_versions as (

    -- The highest version of each entry: it replaces every line of the entry.
    select
        entry_number,
        max(entry_version) as entry_version
    from source
    group by entry_number

),

current_version as (

    -- Within that version, the latest delivery of each line.
    {{ latest_line_deliveries('source', 'current_versions') }}

),

renamed as (

    select
        -- keys
        entry_number,
        line_number,
        entry_version,
        importer_number,
        filer_code,
        port_code,
        manufacturer_id,

        -- header attributes
        entry_type,
        mode_of_transport,
        country_of_export,
        bill_of_lading,
        arrival_date,
        filed_at,
        released_at,

        -- line attributes
        hts_code,
        description as line_description,
        country_of_origin,
        unit,
        spi_code,
        adcvd_case,
        related_party as is_related_party,

        -- measures
        quantity,
        gross_weight_kg,
        entered_value_usd,
        duty_rate,
        duty_usd,
        adcvd_deposit_usd,
        mpf_usd,
        hmf_usd,

        -- lineage
        _file_sha256 as source_file_sha256,
        _delivery_date as delivered_on,
        _row_number as source_row_number,
        _loaded_at as loaded_at

    from current_version

)

select * from renamed
