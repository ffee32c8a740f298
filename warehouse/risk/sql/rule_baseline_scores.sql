-- Each target line's rule score: the strongest rule in force on its filing day whose criteria it meets (0 if none).
select
    t.entry_number,
    t.line_number,
    coalesce(max(c.strength), 0) as rule_score
from risk_rule_targets as t
inner join marts.fct_entry_lines as l using (entry_number, line_number)
left join risk_rule_criteria as c
    on
        (c.hs_chapter is null or l.hs_chapter = c.hs_chapter)
        and (c.country_of_origin is null or l.country_of_origin = c.country_of_origin)
        and l.filed_date >= c.created_on and (c.retired_on is null or l.filed_date < c.retired_on)
group by all
