-- One row per resolved entity (members from the temp view resolved_members), from the registry and the lines
-- known on $as_of.
with registry as (
    select
        importer_number,
        min(valid_from) as registered_on,
        arg_max(legal_name, valid_from) as legal_name,
        max(valid_from) as last_change_on,
        bool_or(prior_importer_number is not null) as declares_prior
    from marts.dim_importers
    where valid_from <= $as_of
    group by all
),

activity as (
    select
        importer_number,
        min(filed_date) as first_filed_on,
        max(filed_date) as last_filed_on,
        count(*) as line_count,
        sum(entered_value_usd) as entered_value_usd
    from marts.fct_entry_lines
    where filed_date <= $as_of
    group by all
)

select
    m.entity_id,
    -- The name the entity trades under now: the current name of its most recently registered number.
    arg_max(r.legal_name, (r.registered_on, m.importer_number)) as display_name,
    count(*) as importer_numbers,
    list(m.importer_number order by r.registered_on, m.importer_number) as importer_number_list,
    min(least(r.registered_on, coalesce(a.first_filed_on, r.registered_on))) as first_seen_on,
    max(greatest(r.last_change_on, coalesce(a.last_filed_on, r.last_change_on))) as last_seen_on,
    coalesce(sum(a.line_count), 0)::bigint as lines,
    coalesce(sum(a.entered_value_usd), 0) as entered_value_usd,
    bool_or(r.declares_prior) as declares_prior_number,
    min(m.match_probability) as weakest_link_probability
from resolved_members as m
inner join registry as r using (importer_number)
left join activity as a using (importer_number)
group by m.entity_id
order by m.entity_id
