-- Current entry lines with the derived columns every downstream model needs: the HS hierarchy prefixes of the
-- HTS code, fees, the total owed on the line and the federal fiscal year of filing.
with

entry_lines as (

    select * from {{ ref('stg_raw__entries') }}

),

prepared as (

    select
        -- keys
        entry_number,
        line_number,
        entry_version,
        importer_number,
        filer_code,
        port_code,
        manufacturer_id,
        hts_code,
        substr(hts_code, 1, 6) as hs_subheading,
        substr(hts_code, 1, 4) as hs_heading,
        substr(hts_code, 1, 2) as hs_chapter,
        country_of_origin,
        country_of_export,

        -- attributes
        entry_type,
        mode_of_transport,
        bill_of_lading,
        line_description,
        unit,
        spi_code,
        spi_code is not null as is_preference_claimed,
        adcvd_case,
        is_related_party,

        -- dates
        arrival_date,
        filed_at,
        released_at,
        cast(filed_at as date) as filed_date,
        {{ fiscal_year('cast(filed_at as date)') }} as fiscal_year,

        -- measures
        quantity,
        gross_weight_kg,
        entered_value_usd,
        duty_rate,
        duty_usd,
        cast(coalesce(adcvd_deposit_usd, 0) as decimal(18, 2)) as adcvd_deposit_usd,
        mpf_usd,
        hmf_usd,
        cast(mpf_usd + hmf_usd as decimal(18, 2)) as fees_usd,
        cast(duty_usd + coalesce(adcvd_deposit_usd, 0) + mpf_usd + hmf_usd as decimal(18, 2)) as total_paid_usd,

        -- lineage
        source_file_sha256,
        loaded_at

    from entry_lines

)

select * from prepared
