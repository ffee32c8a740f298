-- Priority trade issue tags of every HTS code seen on an entry line: textiles (chapters 50-63) and agriculture
-- (chapters 01-24) by nomenclature, adcvd where an AD/CVD order's hts_prefix is a prefix of the code, and the other
-- issues (ipr, import_safety, penalties, revenue) where an exam of a line with that code was tagged with them.
with

entry_lines as (

    select * from {{ ref('stg_raw__entries') }}

),

adcvd_orders as (

    select * from {{ ref('stg_raw__adcvd_orders') }}

),

exams as (

    select * from {{ ref('stg_raw__exams') }}

),

codes as (

    select distinct hts_code
    from entry_lines

),

adcvd_matches as (

    select
        codes.hts_code,
        count(*) as adcvd_order_count
    from codes
    inner join adcvd_orders
        on substr(codes.hts_code, 1, length(adcvd_orders.hts_prefix)) = adcvd_orders.hts_prefix
    group by codes.hts_code

),

exam_ptis as (

    select
        entry_lines.hts_code,
        max(case when exams.pti = 'ipr' then 1 else 0 end) as has_ipr,
        max(case when exams.pti = 'import_safety' then 1 else 0 end) as has_import_safety,
        max(case when exams.pti = 'penalties' then 1 else 0 end) as has_penalties,
        max(case when exams.pti = 'revenue' then 1 else 0 end) as has_revenue
    from exams
    inner join entry_lines
        on
            exams.entry_number = entry_lines.entry_number
            and exams.line_number = entry_lines.line_number
    where exams.pti is not null
    group by entry_lines.hts_code

),

flags as (

    select
        codes.hts_code,
        cast(substr(codes.hts_code, 1, 2) as integer) between 50 and 63 as is_pti_textiles,
        cast(substr(codes.hts_code, 1, 2) as integer) between 1 and 24 as is_pti_agriculture,
        adcvd_matches.hts_code is not null as is_pti_adcvd,
        coalesce(exam_ptis.has_ipr = 1, false) as is_pti_ipr,
        coalesce(exam_ptis.has_import_safety = 1, false) as is_pti_import_safety,
        coalesce(exam_ptis.has_penalties = 1, false) as is_pti_penalties,
        coalesce(exam_ptis.has_revenue = 1, false) as is_pti_revenue,
        coalesce(adcvd_matches.adcvd_order_count, 0) as adcvd_order_count
    from codes
    left join adcvd_matches on codes.hts_code = adcvd_matches.hts_code
    left join exam_ptis on codes.hts_code = exam_ptis.hts_code

),

tagged as (

    select
        *,
        -- concat_ws skips nulls: the tags in the contract's code-list order, comma-separated, '' when none.
        concat_ws(
            ',',
            case when is_pti_adcvd then 'adcvd' end,
            case when is_pti_agriculture then 'agriculture' end,
            case when is_pti_import_safety then 'import_safety' end,
            case when is_pti_ipr then 'ipr' end,
            case when is_pti_penalties then 'penalties' end,
            case when is_pti_revenue then 'revenue' end,
            case when is_pti_textiles then 'textiles' end
        ) as pti_tags
    from flags

)

select * from tagged
