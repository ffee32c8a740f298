-- The profiles of one dimension's keys over every outcome so far, each smoothed toward its parent's profile (or
-- the overall one when the parent key has no outcomes).
insert into risk_profile_rows
select
    $dimension as dimension,
    k.profile_key,
    $parent_dimension as parent_dimension,
    k.parent_key,
    k.n,
    k.pos,
    k.rev,
    k.pos / k.n as raw_rate,
    (coalesce(k.pos, 0) + $prior_exams * coalesce(p.rate, $overall_rate))
    / (coalesce(k.n, 0) + $prior_exams) as rate,
    (coalesce(k.rev, 0) + $prior_exams * coalesce(p.revenue_per_exam_usd, $overall_revenue))
    / (coalesce(k.n, 0) + $prior_exams) as revenue_per_exam_usd
from (
    select
        {{ dimension_key }} as profile_key,
        any_value({{ parent_key }}) as parent_key,
        count(*) as n,
        sum(material) as pos,
        sum(revenue) as rev
    from risk_outcomes
    group by all
) as k
left join risk_profile_rows as p on p.dimension = $parent_dimension and k.parent_key = p.key
