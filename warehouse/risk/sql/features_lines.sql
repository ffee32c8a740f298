-- Every feature of the target lines: their profiles, and their own signals against the running norms of the days
-- before their filing day (asof joins on the norms of features_norm.sql).
select
    l.entry_number,
    l.line_number,
    l.importer_number,
    l.filed_date,
    -- RF02 reads the names DuckDB's star exclude drops as unqualified references.
    p.* exclude (entry_number, line_number),  -- noqa: RF02
    ln(1 + cast(l.entered_value_usd as double)) as log_value,
    case
        when l.quantity > 0 and l.entered_value_usd > 0
            then ln(l.entered_value_usd / l.quantity) - uv.s / uv.n / $micro
    end as unit_value_vs_norm,
    case
        when l.gross_weight_kg > 0 and l.entered_value_usd > 0
            then ln(l.entered_value_usd / l.gross_weight_kg) - kg.s / kg.n / $micro
    end as value_per_kg_vs_norm,
    cast(l.duty_rate as double) as duty_rate,
    cast(l.duty_rate as double) - dr.s / dr.n / $micro as duty_rate_vs_chapter_norm,
    cast(l.is_preference_claimed as integer) as is_preference_claimed,
    case when l.spi_code is not null then coalesce(pref.n, 0) end as preference_origin_prior_lines,
    cast(l.adcvd_case is not null as integer) as has_adcvd_case,
    cast(l.adcvd_deposit_usd / nullif(l.entered_value_usd, 0) as double) as adcvd_deposit_rate,
    cast(coalesce(a.under_order, false) as integer) as under_adcvd_order,
    cast(coalesce(a.under_order_of_origin, false) as integer) as under_adcvd_order_of_origin,
    cast(coalesce(a.under_order, false) and l.adcvd_case is null as integer) as adcvd_order_without_case,
    cast(l.country_of_export <> l.country_of_origin as integer) as export_differs_from_origin,
    cast(substr(l.manufacturer_id, 1, 2) <> l.country_of_origin as integer) as manufacturer_country_differs,
    cast(l.is_related_party as integer) as is_related_party,
    try_cast(l.entry_type as integer) as entry_type,
    try_cast(l.mode_of_transport as integer) as mode_of_transport,
    l.lines_in_entry
from risk_target_lines as l
inner join risk_line_profiles as p on l.entry_number = p.entry_number and l.line_number = p.line_number
left join risk_line_adcvd as a on l.entry_number = a.entry_number and l.line_number = a.line_number
asof left join risk_norm_unit_value as uv on l.hs_subheading = uv.norm_key and l.filed_date > uv.norm_day
asof left join risk_norm_value_per_kg as kg on l.hs_subheading = kg.norm_key and l.filed_date > kg.norm_day
asof left join risk_norm_duty_rate as dr on l.hs_chapter = dr.norm_key and l.filed_date > dr.norm_day
asof left join risk_norm_preference_origin as pref
    on l.spi_code || '|' || l.country_of_origin = pref.norm_key and l.filed_date > pref.norm_day
order by l.filed_date, l.entry_number, l.line_number
