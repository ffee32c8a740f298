-- One linking record per registry version known on $as_of, with normalised features and the importer's top
-- manufacturers (by lines filed by then).
with lines as (
    select
        importer_number,
        manufacturer_id,
        count(*) as n
    from marts.fct_entry_lines
    where filed_date <= $as_of and manufacturer_id is not null
    group by all
),

ranked as (
    select
        importer_number,
        manufacturer_id,
        row_number() over (partition by importer_number order by n desc, manufacturer_id asc) as manufacturer_rank
    from lines
),

manufacturers as (
    select
        importer_number,
        list(manufacturer_id order by manufacturer_id) as manufacturers
    from ranked
    where manufacturer_rank <= $top_manufacturers
    group by all
)

select
    i.importer_version_key as record_id,
    i.importer_number,
    i.valid_from,
    i.legal_name,
    nullif(
        trim(regexp_replace(regexp_replace(upper(i.legal_name), '[^A-Z0-9 ]', ' ', 'g'), $form_words, ' ', 'g')), ''
    ) as name_core,
    nullif(regexp_replace(upper(i.legal_name), '[^A-Z0-9]', '', 'g'), '') as name_compact,
    nullif(regexp_replace(upper(i.street), '[^A-Z0-9]', '', 'g'), '') as street,
    nullif(upper(trim(i.postal_code)), '') as postal_code,
    nullif(regexp_replace(i.phone, '[^0-9]', '', 'g'), '') as phone,
    nullif(regexp_replace(upper(i.officer_name), '[^A-Z]', '', 'g'), '') as officer_name,
    nullif(trim(i.bond_number), '') as bond_number,
    i.prior_importer_number,
    coalesce(m.manufacturers, []::varchar[]) as manufacturers
from marts.dim_importers as i
left join manufacturers as m using (importer_number)
where i.valid_from <= $as_of
order by record_id
