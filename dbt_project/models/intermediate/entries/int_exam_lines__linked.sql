-- Exam lines joined to the current entry line they examined (left join: an exam may arrive before its entry).
with

exams as (

    select * from {{ ref('int_exams__prepared') }}

),

entry_lines as (

    select * from {{ ref('int_entry_lines__prepared') }}

),

linked as (

    select
        exams.exam_id,
        exams.entry_number,
        exams.line_number,
        entry_lines.importer_number,
        entry_lines.hts_code,
        entry_lines.hs_chapter,
        entry_lines.country_of_origin,
        exams.port_code,
        exams.environment,
        exams.exam_type,
        exams.selection_reason,
        exams.is_cm_sample,
        exams.cm_weight,
        exams.started_at,
        exams.completed_at,
        exams.exam_fiscal_year,
        exams.exam_result,
        exams.is_discrepancy,
        exams.is_material,
        exams.pti,
        exams.officer_hours,
        exams.declared_duty_usd,
        exams.correct_duty_usd,
        exams.duty_difference_usd,
        entry_lines.entry_number is not null as has_entry_line
    from exams
    left join entry_lines
        on
            exams.entry_number = entry_lines.entry_number
            and exams.line_number = entry_lines.line_number

)

select * from linked
