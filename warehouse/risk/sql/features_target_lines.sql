-- The lines to featurise (those in the relation `targets`), with the size of their entry.
create or replace temp table risk_target_lines as
select
    l.entry_number,
    l.line_number,
    l.filed_date,
    {{ line_keys }},
    l.entered_value_usd,
    l.quantity,
    l.gross_weight_kg,
    l.duty_rate,
    l.spi_code,
    l.is_preference_claimed,
    l.adcvd_case,
    l.adcvd_deposit_usd,
    l.country_of_export,
    l.is_related_party,
    l.entry_type,
    l.mode_of_transport,
    l.hts_code,
    l.lines_in_entry
from (
    select
        *,
        count(*) over (partition by entry_number) as lines_in_entry
    from marts.fct_entry_lines
) as l
semi join {{ targets }} as t on l.entry_number = t.entry_number and l.line_number = t.line_number
