-- Each importer's examined lines, those with a material discrepancy and the revenue they found.
select
    l.importer_number,
    count(*) as examined_lines,
    count(*) filter (where e.is_material) as material_lines,
    coalesce(sum(e.duty_difference_usd) filter (where e.is_material), 0)::double as revenue_found_usd
from marts.fct_exams as e
inner join marts.fct_entry_lines as l using (entry_number, line_number)
group by all
