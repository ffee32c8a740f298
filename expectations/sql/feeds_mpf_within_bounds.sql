-- The formal entries of the batch (`batch`, filled by Great Expectations) whose merchandise processing fee, summed
-- over their lines, lies outside the minimum and maximum in force on the filing day, by more than a cent per line
-- (each line's share is rounded to the cent). Informal entries (entry type 11) pay a flat fee instead and are not
-- checked; entries filed outside the span of reference.mpf_limits are not judged. The sample's column `lines` keeps
-- its name (RF04 counts it a keyword) as the recorded failing rows have it.
select
    e.entry_number,
    e.entry_version,
    sum(e.mpf_usd) as entry_mpf_usd,
    count(*) as lines,  -- noqa: RF04
    min(e._delivery_date) as _delivery_date
from (select * from {{ batch }}) as e
inner join reference.mpf_limits as l
    on cast(e.filed_at as date) >= l.effective_on and cast(e.filed_at as date) < l.effective_until
where e.entry_type <> '11'
group by e.entry_number, e.entry_version
having
    sum(e.mpf_usd) < min(l.minimum_usd) - 0.01 * count(*)
    or sum(e.mpf_usd) > max(l.maximum_usd) + 0.01 * count(*)
