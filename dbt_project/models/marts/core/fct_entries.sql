-- One row per entry (its current version): the header and the totals of its lines.
with

entry_lines as (

    select * from {{ ref('fct_entry_lines') }}

),

findings as (

    select
        entry_number,
        count(*) as finding_count
    from {{ ref('fct_findings') }}
    where feed = 'entries'
    group by entry_number

),

headers as (

    -- Header fields agree across the lines of an entry version (contract); max() picks that common value.
    select
        entry_number,
        max(entry_version) as entry_version,
        max(importer_number) as importer_number,
        max(filer_code) as filer_code,
        max(port_code) as port_code,
        max(entry_type) as entry_type,
        max(mode_of_transport) as mode_of_transport,
        max(country_of_export) as country_of_export,
        max(manufacturer_id) as manufacturer_id,
        max(bill_of_lading) as bill_of_lading,
        max(arrival_date) as arrival_date,
        max(filed_at) as filed_at,
        max(released_at) as released_at,
        max(filed_date) as filed_date,
        max(fiscal_year) as fiscal_year,
        count(*) as line_count,
        cast(sum(entered_value_usd) as decimal(18, 2)) as entered_value_usd,
        cast(sum(duty_usd) as decimal(18, 2)) as duty_usd,
        cast(sum(adcvd_deposit_usd) as decimal(18, 2)) as adcvd_deposit_usd,
        cast(sum(mpf_usd) as decimal(18, 2)) as mpf_usd,
        cast(sum(hmf_usd) as decimal(18, 2)) as hmf_usd,
        cast(sum(fees_usd) as decimal(18, 2)) as fees_usd,
        cast(sum(total_paid_usd) as decimal(18, 2)) as total_paid_usd,
        count(case when is_preference_claimed then 1 end) as preference_line_count,
        max(case when adcvd_case is not null then 1 else 0 end) = 1 as has_adcvd,
        max(loaded_at) as loaded_at
    from entry_lines
    group by entry_number

),

headers_with_findings as (

    select
        headers.*,
        coalesce(findings.finding_count, 0) as finding_count
    from headers
    left join findings
        on headers.entry_number = findings.entry_number

),

final as (

    select
        -- keys
        entry_number,
        entry_version,
        importer_number,
        filer_code,
        port_code,
        manufacturer_id,
        country_of_export,

        -- attributes
        entry_type,
        mode_of_transport,
        bill_of_lading,
        released_at is not null as is_released,
        has_adcvd,

        -- dates
        arrival_date,
        filed_at,
        released_at,
        filed_date,
        fiscal_year,

        -- measures
        line_count,
        preference_line_count,
        entered_value_usd,
        duty_usd,
        adcvd_deposit_usd,
        mpf_usd,
        hmf_usd,
        fees_usd,
        total_paid_usd,
        finding_count,

        -- lineage
        loaded_at

    from headers_with_findings

)

select * from final
