{#
    Incremental by load time, delete+insert on the grain (entry_number, line_number):
    - new run, nothing loaded since: the filter selects only the boundary rows, re-inserted unchanged;
    - a correction (higher entry_version): its lines are newer than the watermark, so they replace the old lines
      with the same key; the post-hook then deletes the lines the correction dropped (they keep the old version);
    - a full rebuild selects the same current lines from staging, so it equals the incremental result.
#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['entry_number', 'line_number'],
        on_schema_change='fail',
        post_hook="{{ delete_superseded_entry_lines() }}"
    )
}}

with

entry_lines as (

    select * from {{ ref('int_entry_lines__prepared') }}
    {% if is_incremental() %}
        where {{ loaded_since_last_run('loaded_at') }}
    {% endif %}

),

final as (

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
        hs_subheading,
        hs_heading,
        hs_chapter,
        country_of_origin,
        country_of_export,

        -- attributes
        entry_type,
        mode_of_transport,
        bill_of_lading,
        line_description,
        unit,
        spi_code,
        is_preference_claimed,
        adcvd_case,
        is_related_party,

        -- dates
        arrival_date,
        filed_at,
        released_at,
        filed_date,
        fiscal_year,

        -- measures
        quantity,
        gross_weight_kg,
        entered_value_usd,
        duty_rate,
        duty_usd,
        adcvd_deposit_usd,
        mpf_usd,
        hmf_usd,
        fees_usd,
        total_paid_usd,

        -- lineage
        source_file_sha256,
        loaded_at

    from entry_lines

)

select * from final
