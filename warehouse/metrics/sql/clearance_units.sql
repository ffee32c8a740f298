-- One row per compliant released entry (no exam found a material discrepancy): its periods, mode, port, goods
-- type (the HS section of its line of highest entered value) and hours.
with principal_line as (
    select
        entry_number,
        hts_code,
        row_number() over (partition by entry_number order by entered_value_usd desc, line_number asc) as value_rank
    from marts.fct_entry_lines
)

select
    {{ period_columns }},
    e.mode_of_transport as mode,
    e.port_code as port,
    coalesce(c.hs_section, 'unknown') as goods_type,
    cast(lc.arrival_to_release_hours as double) as arrival_to_release_hours,
    cast(lc.filing_to_release_hours as double) as filing_to_release_hours
from marts.mart_entry_lifecycle as lc
inner join marts.fct_entries as e on lc.entry_number = e.entry_number
inner join marts.dim_dates as d on e.filed_date = d.date_day
left join principal_line as p on e.entry_number = p.entry_number and p.value_rank = 1
left join marts.dim_commodities as c on p.hts_code = c.hts_code
where lc.is_released and not coalesce(lc.has_material_discrepancy, false)
