-- Each importer's scored lines and the sums of their line-model scores.
select
    importer_number,
    count(*) as scored_lines,
    sum(p_material) as sum_p_material,
    coalesce(sum(expected_revenue_usd), 0) as expected_revenue_usd
from risk.line_scores
group by all
