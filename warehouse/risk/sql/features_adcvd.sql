-- AD/CVD orders in force on the filing day whose HTS prefix covers the line.
create or replace temp table risk_line_adcvd as
select
    l.entry_number,
    l.line_number,
    true as under_order,
    bool_or(o.country_code = l.country_of_origin) as under_order_of_origin
from risk_target_lines as l
inner join marts.dim_adcvd_orders as o
    on
        starts_with(l.hts_code, o.hts_prefix)
        and l.filed_date >= o.effective_on and (o.revoked_on is null or l.filed_date < o.revoked_on)
group by all
