-- risk.successor_flags: new importer numbers continuing an importer penalised or with seizures before their first
-- activity (warehouse/risk/successors.py says when), with the reasons in words.
create or replace table risk.successor_flags as
with first_activity as (
    select
        importer_number,
        min(on_date) as first_activity_on
    from (
        select
            importer_number,
            valid_from as on_date
        from marts.dim_importers
        union all
        select
            importer_number,
            min(filed_date) as on_date
        from marts.fct_entry_lines
        group by importer_number
    ) as activity_days
    group by importer_number
),

declared as (
    select distinct
        importer_number,
        prior_importer_number as predecessor_importer_number
    from marts.dim_importers
    where prior_importer_number is not null and prior_importer_number <> importer_number
),

same_entity as (
    select
        n.importer_number,
        p.importer_number as predecessor_importer_number
    from risk.importer_entities as n
    inner join risk.importer_entities as p on n.entity_id = p.entity_id and n.importer_number <> p.importer_number
),

candidates as (
    select
        importer_number,
        predecessor_importer_number,
        bool_or(how = 'entity') as same_entity,
        bool_or(how = 'declared') as declared
    from (
        select
            *,
            'entity' as how
        from same_entity
        union all
        select
            *,
            'declared' as how
        from declared
    ) as links
    group by all
),

adverse as (
    select
        importer_number,
        'penalty' as adverse_action,
        penalty_case_number as adverse_reference,
        opened_on as adverse_on
    from marts.fct_penalties
    where opened_on is not null
    union all
    select
        importer_number,
        'seizure' as adverse_action,
        seizure_id as adverse_reference,
        seized_on as adverse_on
    from marts.fct_seizures
    where seized_on is not null and importer_number is not null
),

flagged as (
    select
        c.*,
        n.first_activity_on,
        p.first_activity_on as predecessor_first_activity_on,
        a.adverse_action,
        a.adverse_reference,
        a.adverse_on,
        count(*) over (partition by c.importer_number, c.predecessor_importer_number) as adverse_actions,
        row_number() over (
            partition by c.importer_number, c.predecessor_importer_number
            order by a.adverse_on desc, a.adverse_action asc, a.adverse_reference asc
        ) as latest
    from candidates as c
    inner join first_activity as n on c.importer_number = n.importer_number
    inner join first_activity as p on c.predecessor_importer_number = p.importer_number
    inner join adverse as a on c.predecessor_importer_number = a.importer_number and n.first_activity_on > a.adverse_on
    where p.first_activity_on < n.first_activity_on
),

shared as (
    -- What any registry version of the successor shares with any version of the predecessor.
    select
        f.importer_number,
        f.predecessor_importer_number,
        bool_or(n.phone = p.phone) as phone,
        bool_or(n.officer_name = p.officer_name) as officer,
        bool_or(n.street = p.street and n.postal_code = p.postal_code) as address,
        bool_or(n.bond_number = p.bond_number) as bond,
        max(jaro_winkler_similarity(upper(n.legal_name), upper(p.legal_name))) as name_similarity
    from flagged as f
    inner join marts.dim_importers as n on f.importer_number = n.importer_number
    inner join marts.dim_importers as p on f.predecessor_importer_number = p.importer_number
    where f.latest = 1
    group by all
)

select
    f.importer_number,
    f.predecessor_importer_number,
    e.entity_id,
    f.adverse_action,
    f.adverse_reference,
    f.adverse_on,
    f.adverse_actions,
    f.first_activity_on,
    f.predecessor_first_activity_on,
    f.first_activity_on - f.adverse_on as days_after_adverse,
    f.same_entity,
    f.declared as declared_predecessor,
    e.match_probability,
    list_filter([
        case when f.same_entity then 'resolves to the same entity'
                || coalesce(' (match probability ' || round(e.match_probability, 4) || ')', '')
        end,
        case when f.declared then 'declares the predecessor as its prior importer number' end,
        case when s.phone then 'same phone' end,
        case when s.officer then 'same officer' end,
        case when s.address then 'same street and postal code' end,
        case when s.bond then 'same bond' end,
        case when s.name_similarity >= 0.85 and s.name_similarity < 1 then 'near-identical name' end,
        case when s.name_similarity = 1 then 'same name' end,
        f.adverse_action || ' ' || f.adverse_reference || ' on ' || f.adverse_on
        || ', ' || (f.first_activity_on - f.adverse_on) || ' days before the first activity'
        -- RF02 reads the lambda's parameter as an unqualified column.
    ], lambda x: x is not null) as reasons  -- noqa: RF02
from flagged as f
inner join shared as s using (importer_number, predecessor_importer_number)
left join risk.importer_entities as e on f.importer_number = e.importer_number
where f.latest = 1
order by f.importer_number, f.predecessor_importer_number
