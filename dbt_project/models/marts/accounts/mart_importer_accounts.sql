{#
    The account view: one row per importer number and federal fiscal year it was active in, plus one all-time row
    (account_period = 'all_time', fiscal_year null). Every activity is copied once into its fiscal year and once
    into the all-time period, so each measure is written once and aggregated by (importer_number, account_period).
#}

with

entries as (

    select * from {{ ref('fct_entries') }}

),

entry_lines as (

    select * from {{ ref('fct_entry_lines') }}

),

exam_lines as (

    select * from {{ ref('int_exam_lines__linked') }}

),

audits as (

    select * from {{ ref('fct_audits') }}

),

seizures as (

    select * from {{ ref('fct_seizures') }}

),

penalties as (

    select * from {{ ref('fct_penalties') }}

),

programs as (

    select * from {{ ref('dim_programs') }}

),

importers as (

    select * from {{ ref('dim_importers') }}

),

-- each activity in its fiscal year and again in the all-time period ---------------------------------------------

entry_periods as (

    {% for all_time in [false, true] %}
        select
            importer_number,
            {{ account_period('fiscal_year', all_time) }} as account_period,
            entry_number,
            entered_value_usd,
            duty_usd,
            adcvd_deposit_usd,
            fees_usd,
            total_paid_usd
        from entries
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

line_periods as (

    {% for all_time in [false, true] %}
        select
            importer_number,
            {{ account_period('fiscal_year', all_time) }} as account_period,
            hs_chapter,
            country_of_origin,
            port_code,
            entered_value_usd,
            is_preference_claimed
        from entry_lines
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

exam_periods as (

    {% for all_time in [false, true] %}
        select
            importer_number,
            {{ account_period('exam_fiscal_year', all_time) }} as account_period,
            is_cm_sample,
            is_discrepancy,
            is_material,
            officer_hours,
            duty_difference_usd
        from exam_lines
        where importer_number is not null
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

audit_periods as (

    {% for all_time in [false, true] %}
        select
            importer_number,
            {{ account_period('opened_fiscal_year', all_time) }} as account_period,
            audit_id,
            has_findings,
            audit_hours,
            revenue_loss_usd,
            collected_usd
        from audits
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

seizure_periods as (

    {% for all_time in [false, true] %}
        select
            importer_number,
            {{ account_period('seized_fiscal_year', all_time) }} as account_period,
            seizure_id,
            domestic_value_usd
        from seizures
        where importer_number is not null
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

penalty_periods as (

    {% for all_time in [false, true] %}
        select
            importer_number,
            {{ account_period('opened_fiscal_year', all_time) }} as account_period,
            penalty_case_number,
            loss_of_revenue_usd,
            assessed_usd,
            mitigated_usd,
            collected_usd
        from penalties
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

-- measures per (importer_number, account_period) ------------------------------------------------------------------

entry_measures as (

    select
        importer_number,
        account_period,
        count(*) as entry_count,
        cast(sum(entered_value_usd) as decimal(18, 2)) as entered_value_usd,
        cast(sum(duty_usd) as decimal(18, 2)) as duty_usd,
        cast(sum(adcvd_deposit_usd) as decimal(18, 2)) as adcvd_deposit_usd,
        cast(sum(fees_usd) as decimal(18, 2)) as fees_usd,
        cast(sum(total_paid_usd) as decimal(18, 2)) as total_paid_usd
    from entry_periods
    group by importer_number, account_period

),

line_measures as (

    select
        importer_number,
        account_period,
        count(*) as line_count,
        count(case when is_preference_claimed then 1 end) as preference_line_count
    from line_periods
    group by importer_number, account_period

),

{% for dimension in ['hs_chapter', 'country_of_origin', 'port_code'] %}
    top_{{ dimension }} as (

        select
            importer_number,
            account_period,
            {{ dimension }},
            value_share
        from (
            select
                importer_number,
                account_period,
                {{ dimension }},
                sum(entered_value_usd) / nullif(sum(sum(entered_value_usd)) over (
                    partition by importer_number, account_period
                ), 0) as value_share,
                row_number() over (
                    partition by importer_number, account_period
                    order by sum(entered_value_usd) desc, {{ dimension }} asc
                ) as value_rank
            from line_periods
            group by importer_number, account_period, {{ dimension }}
        ) as ranked
        where value_rank = 1

    ),
{% endfor %}

exam_measures as (

    select
        importer_number,
        account_period,
        count(*) as exam_line_count,
        count(case when is_discrepancy then 1 end) as exam_discrepancy_line_count,
        count(case when is_cm_sample then 1 end) as cm_sample_line_count,
        count(case when is_cm_sample and is_material then 1 end) as cm_material_discrepancy_line_count,
        cast(sum(officer_hours) as decimal(18, 3)) as exam_officer_hours,
        cast(sum(duty_difference_usd) as decimal(18, 2)) as exam_duty_difference_usd
    from exam_periods
    group by importer_number, account_period

),

audit_measures as (

    select
        importer_number,
        account_period,
        count(*) as audit_count,
        count(case when has_findings then 1 end) as audit_with_findings_count,
        cast(sum(audit_hours) as decimal(18, 3)) as audit_hours,
        cast(sum(revenue_loss_usd) as decimal(18, 2)) as audit_revenue_loss_usd,
        cast(sum(collected_usd) as decimal(18, 2)) as audit_collected_usd
    from audit_periods
    group by importer_number, account_period

),

seizure_measures as (

    select
        importer_number,
        account_period,
        count(*) as seizure_count,
        cast(sum(domestic_value_usd) as decimal(18, 2)) as seizure_domestic_value_usd
    from seizure_periods
    group by importer_number, account_period

),

penalty_measures as (

    select
        importer_number,
        account_period,
        count(*) as penalty_case_count,
        cast(sum(loss_of_revenue_usd) as decimal(18, 2)) as penalty_loss_of_revenue_usd,
        cast(sum(assessed_usd) as decimal(18, 2)) as penalty_assessed_usd,
        cast(sum(coalesce(mitigated_usd, 0)) as decimal(18, 2)) as penalty_mitigated_usd,
        cast(sum(collected_usd) as decimal(18, 2)) as penalty_collected_usd
    from penalty_periods
    group by importer_number, account_period

),

-- every (importer, period) with activity, and an all-time row for every known importer ---------------------------

accounts as (

    select
        importer_number,
        account_period
    from entry_measures
    union
    select
        importer_number,
        account_period
    from exam_measures
    union
    select
        importer_number,
        account_period
    from audit_measures
    union
    select
        importer_number,
        account_period
    from seizure_measures
    union
    select
        importer_number,
        account_period
    from penalty_measures
    union
    select
        importer_number,
        'all_time' as account_period
    from importers
    union
    select
        importer_number,
        'all_time' as account_period
    from programs

),

accounts_dated as (

    select
        importer_number,
        account_period,
        case
            when account_period <> 'all_time'
                then cast(substr(account_period, 3, 4) as integer)
        end as fiscal_year
    from accounts

),

program_membership as (

    -- Membership at the end of the fiscal year (30 September) for yearly rows; today's for the all-time row.
    select
        accounts_dated.importer_number,
        accounts_dated.account_period,
        max(case when programs.program = 'ctpat' then 1 else 0 end) = 1 as is_ctpat_member,
        max(case when programs.program = 'isa' then 1 else 0 end) = 1 as is_isa_member,
        max(case when programs.program = 'nam' then 1 else 0 end) = 1 as is_nam_member
    from accounts_dated
    inner join programs
        on accounts_dated.importer_number = programs.importer_number
    where
        (
            accounts_dated.fiscal_year is null
            and programs.is_active
        )
        or (
            accounts_dated.fiscal_year is not null
            and programs.enrolled_on <= {{ fiscal_year_end('accounts_dated.fiscal_year') }}
            and (
                programs.left_on is null
                or programs.left_on > {{ fiscal_year_end('accounts_dated.fiscal_year') }}
            )
        )
    group by accounts_dated.importer_number, accounts_dated.account_period

),

current_names as (

    select
        importer_number,
        legal_name
    from importers
    where is_current

),

final as (

    select
        -- keys
        accounts_dated.importer_number,
        accounts_dated.account_period,
        accounts_dated.fiscal_year,
        current_names.legal_name,
        current_names.importer_number is not null as is_registered,

        -- volumes
        coalesce(entry_measures.entry_count, 0) as entry_count,
        coalesce(line_measures.line_count, 0) as line_count,
        coalesce(line_measures.preference_line_count, 0) as preference_line_count,
        cast(coalesce(entry_measures.entered_value_usd, 0) as decimal(18, 2)) as entered_value_usd,
        cast(coalesce(entry_measures.duty_usd, 0) as decimal(18, 2)) as duty_usd,
        cast(coalesce(entry_measures.adcvd_deposit_usd, 0) as decimal(18, 2)) as adcvd_deposit_usd,
        cast(coalesce(entry_measures.fees_usd, 0) as decimal(18, 2)) as fees_usd,
        cast(coalesce(entry_measures.total_paid_usd, 0) as decimal(18, 2)) as total_paid_usd,

        -- top commodity, origin and port by entered value
        top_hs_chapter.hs_chapter as top_hs_chapter,
        cast(top_hs_chapter.value_share as decimal(9, 6)) as top_hs_chapter_value_share,
        top_country_of_origin.country_of_origin as top_country_of_origin,
        cast(top_country_of_origin.value_share as decimal(9, 6)) as top_country_of_origin_value_share,
        top_port_code.port_code as top_port_code,
        cast(top_port_code.value_share as decimal(9, 6)) as top_port_code_value_share,

        -- exams and compliance measurement
        coalesce(exam_measures.exam_line_count, 0) as exam_line_count,
        coalesce(exam_measures.exam_discrepancy_line_count, 0) as exam_discrepancy_line_count,
        cast(
            exam_measures.exam_discrepancy_line_count * 1.0 / nullif(exam_measures.exam_line_count, 0)
            as decimal(9, 6)
        ) as exam_discrepancy_rate,
        coalesce(exam_measures.cm_sample_line_count, 0) as cm_sample_line_count,
        coalesce(exam_measures.cm_material_discrepancy_line_count, 0) as cm_material_discrepancy_line_count,
        cast(
            exam_measures.cm_material_discrepancy_line_count * 1.0 / nullif(exam_measures.cm_sample_line_count, 0)
            as decimal(9, 6)
        ) as cm_material_discrepancy_rate,
        coalesce(exam_measures.exam_officer_hours, 0) as exam_officer_hours,
        coalesce(exam_measures.exam_duty_difference_usd, 0) as exam_duty_difference_usd,

        -- audits
        coalesce(audit_measures.audit_count, 0) as audit_count,
        coalesce(audit_measures.audit_with_findings_count, 0) as audit_with_findings_count,
        coalesce(audit_measures.audit_hours, 0) as audit_hours,
        coalesce(audit_measures.audit_revenue_loss_usd, 0) as audit_revenue_loss_usd,
        coalesce(audit_measures.audit_collected_usd, 0) as audit_collected_usd,

        -- seizures
        coalesce(seizure_measures.seizure_count, 0) as seizure_count,
        coalesce(seizure_measures.seizure_domestic_value_usd, 0) as seizure_domestic_value_usd,

        -- penalties
        coalesce(penalty_measures.penalty_case_count, 0) as penalty_case_count,
        coalesce(penalty_measures.penalty_loss_of_revenue_usd, 0) as penalty_loss_of_revenue_usd,
        coalesce(penalty_measures.penalty_assessed_usd, 0) as penalty_assessed_usd,
        coalesce(penalty_measures.penalty_mitigated_usd, 0) as penalty_mitigated_usd,
        coalesce(penalty_measures.penalty_collected_usd, 0) as penalty_collected_usd,

        -- partnership programmes
        coalesce(program_membership.is_ctpat_member, false) as is_ctpat_member,
        coalesce(program_membership.is_isa_member, false) as is_isa_member,
        coalesce(program_membership.is_nam_member, false) as is_nam_member

    from accounts_dated
    left join current_names
        on accounts_dated.importer_number = current_names.importer_number
    {% for cte in [
        'entry_measures', 'line_measures', 'top_hs_chapter', 'top_country_of_origin', 'top_port_code',
        'exam_measures', 'audit_measures', 'seizure_measures', 'penalty_measures', 'program_membership'
    ] %}
        left join {{ cte }}
            on
                accounts_dated.importer_number = {{ cte }}.importer_number
                and accounts_dated.account_period = {{ cte }}.account_period
    {% endfor %}

)

select * from final
