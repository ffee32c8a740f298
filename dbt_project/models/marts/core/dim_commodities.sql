-- One row per 10-digit HTS code seen on an entry line: its place in the HS hierarchy (section, chapter, heading,
-- subheading, from the reference nomenclature when known) and its priority trade issue tags.
with

tagged_codes as (

    select * from {{ ref('int_commodities__pti_tagged') }}

),

hs_codes as (

    select * from {{ ref('stg_reference__hs_codes') }}

),

hs_sections as (

    select * from {{ ref('stg_reference__hs_sections') }}

),

-- Chapters 98 and 99 are national chapters of the U.S. tariff schedule, outside the international HS (whose
-- nomenclature files chapter 99 under a pseudo-section "TOTAL" and has no chapter 98): the HTSUS groups them as
-- section XXII, as the compliance-measurement strata do.
national_chapters as (

    select
        '98' as hs_code,
        'XXII' as hs_section,
        'Special classification provisions (HTSUS)' as hs_description

    union all

    select
        '99' as hs_code,
        'XXII' as hs_section,
        'Temporary legislation, temporary modifications and additional import restrictions (HTSUS)' as hs_description

),

chapters as (

    select
        hs_code,
        hs_section,
        hs_description
    from hs_codes
    where hs_level = 2 and hs_code not in (select national_chapters.hs_code from national_chapters)

    union all

    select
        hs_code,
        hs_section,
        hs_description
    from national_chapters

),

headings as (

    select
        hs_code,
        hs_description
    from hs_codes
    where hs_level = 4

),

subheadings as (

    select
        hs_code,
        hs_description
    from hs_codes
    where hs_level = 6

),

final as (

    select
        -- keys
        tagged_codes.hts_code,
        substr(tagged_codes.hts_code, 1, 6) as hs_subheading,
        substr(tagged_codes.hts_code, 1, 4) as hs_heading,
        substr(tagged_codes.hts_code, 1, 2) as hs_chapter,
        chapters.hs_section,

        -- descriptions
        subheadings.hs_description as hs_subheading_description,
        headings.hs_description as hs_heading_description,
        chapters.hs_description as hs_chapter_description,
        case
            when chapters.hs_section = 'XXII'
                then 'Special classification provisions; temporary legislation (HTSUS chapters 98-99)'
            else hs_sections.hs_section_name
        end as hs_section_name,
        subheadings.hs_code is not null as is_known_subheading,

        -- priority trade issues
        tagged_codes.is_pti_adcvd,
        tagged_codes.is_pti_agriculture,
        tagged_codes.is_pti_import_safety,
        tagged_codes.is_pti_ipr,
        tagged_codes.is_pti_penalties,
        tagged_codes.is_pti_revenue,
        tagged_codes.is_pti_textiles,
        tagged_codes.pti_tags,
        tagged_codes.adcvd_order_count

    from tagged_codes
    left join chapters on substr(tagged_codes.hts_code, 1, 2) = chapters.hs_code
    left join headings on substr(tagged_codes.hts_code, 1, 4) = headings.hs_code
    left join subheadings on substr(tagged_codes.hts_code, 1, 6) = subheadings.hs_code
    left join hs_sections on chapters.hs_section = hs_sections.hs_section

)

select * from final
