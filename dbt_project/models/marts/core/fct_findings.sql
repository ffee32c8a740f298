-- One row per business-rule finding on the current version of a record. Findings are rules BEYOND the feed contract
-- (or stated by it as warnings): the row keeps the contract and is loaded, and the finding says what looks wrong,
-- what was observed and what was expected. They never block a load (docs/quality.md). Rule names equal the quality
-- suite's check names; severity 'finding' is a business rule the declared data breaks (an enforcement lead),
-- 'warning' a value the platform cannot judge or does not know.
with

entry_lines as (

    -- The current lines from the incremental fact, not from the staging view: the view ranks every version ever
    -- delivered again on every run, the fact holds the current lines already.
    select * from {{ ref('fct_entry_lines') }}

),

exams as (

    select * from {{ ref('fct_exams') }}

),

rules as (

    select * from {{ ref('stg_raw__rules') }}

),

audits as (

    select * from {{ ref('stg_raw__audits') }}

),

seizures as (

    select * from {{ ref('stg_raw__seizures') }}

),

penalties as (

    select * from {{ ref('stg_raw__penalties') }}

),

mpf_limits as (

    select * from {{ ref('stg_reference__mpf_limits') }}

),

hs_subheadings as (

    select hs_code from {{ ref('stg_reference__hs_codes') }}
    where hs_level = 6

),

entries as (

    -- Header fields agree across the lines of an entry version (contract); the MPF is judged per entry.
    select
        entry_number,
        max(importer_number) as importer_number,
        max(entry_type) as entry_type,
        max(arrival_date) as arrival_date,
        max(filed_at) as filed_at,
        max(released_at) as released_at,
        max(source_file_sha256) as source_file_sha256,
        count(*) as line_count,
        sum(mpf_usd) as mpf_usd
    from entry_lines
    group by entry_number

),

formal_entries as (

    -- Informal entries (type 11) pay a flat fee, not the ad valorem MPF.
    select
        entries.*,
        limits.mpf_minimum_usd,
        limits.mpf_maximum_usd,
        limits.effective_on is not null as has_limits
    from entries
    left join mpf_limits as limits
        on
            cast(entries.filed_at as date) >= limits.effective_on
            and cast(entries.filed_at as date) < limits.effective_until
    where entries.entry_type <> '11'

),

mpf_within_bounds as (

    -- Lines carry their share of the entry's fee, each rounded to the cent: a cent per line of tolerance.
    select
        'entries' as feed,
        'mpf_within_bounds' as rule_name,
        'finding' as severity,
        entry_number as record_key,
        entry_number,
        cast(null as bigint) as line_number,
        importer_number,
        'mpf_usd' as column_name,
        cast(mpf_usd as {{ dbt.type_string() }}) as observed_value,
        cast(mpf_minimum_usd as {{ dbt.type_string() }})
        || ' to '
        || cast(mpf_maximum_usd as {{ dbt.type_string() }}) as expected_value,
        case
            when mpf_usd < mpf_minimum_usd - 0.01 * line_count
                then 'the entry pays less MPF than the minimum in force when it was filed'
            else 'the entry pays more MPF than the maximum in force when it was filed'
        end as message,
        cast(filed_at as date) as event_date,
        source_file_sha256
    from formal_entries
    where
        has_limits
        and (
            mpf_usd < mpf_minimum_usd - 0.01 * line_count
            or mpf_usd > mpf_maximum_usd + 0.01 * line_count
        )

),

mpf_limits_unknown as (

    select
        'entries' as feed,
        'mpf_limits_unknown' as rule_name,
        'warning' as severity,
        entry_number as record_key,
        entry_number,
        cast(null as bigint) as line_number,
        importer_number,
        'mpf_usd' as column_name,
        cast(mpf_usd as {{ dbt.type_string() }}) as observed_value,
        cast(null as {{ dbt.type_string() }}) as expected_value,
        'no MPF limits are known for the filing date (reference.mpf_limits); the fee was not judged' as message,
        cast(filed_at as date) as event_date,
        source_file_sha256
    from formal_entries
    where not has_limits

),

released_before_arrival as (

    select
        'entries' as feed,
        'released_before_arrival' as rule_name,
        'warning' as severity,
        entry_number as record_key,
        entry_number,
        cast(null as bigint) as line_number,
        importer_number,
        'released_at' as column_name,
        {{ timestamp_as_text('released_at') }} as observed_value,
        'on or after ' || cast(arrival_date as {{ dbt.type_string() }}) as expected_value,
        'released before the goods arrived (possible on a pre-filed entry)' as message,
        cast(filed_at as date) as event_date,
        source_file_sha256
    from entries
    where released_at < cast(arrival_date as {{ var('timestamp_tz')[target.type] }})

),

hts_subheading_unknown as (

    select
        'entries' as feed,
        'hts_subheading_unknown' as rule_name,
        'warning' as severity,
        entry_lines.entry_number as record_key,
        entry_lines.entry_number,
        entry_lines.line_number,
        entry_lines.importer_number,
        'hts_code' as column_name,
        entry_lines.hts_code as observed_value,
        'a subheading of the HS reference' as expected_value,
        'the first six digits of hts_code are not in the HS reference (the nomenclature changes every 5 years)'
            as message,
        cast(entry_lines.filed_at as date) as event_date,
        entry_lines.source_file_sha256
    from entry_lines
    left join hs_subheadings
        on substr(entry_lines.hts_code, 1, 6) = hs_subheadings.hs_code
    where hs_subheadings.hs_code is null

),

rule_id_unknown as (

    select
        'exams' as feed,
        'rule_id_unknown' as rule_name,
        'warning' as severity,
        exams.exam_id as record_key,
        exams.entry_number,
        exams.line_number,
        cast(null as {{ dbt.type_string() }}) as importer_number,
        'rule_id' as column_name,
        exams.rule_id as observed_value,
        'a rule of the targeting catalogue' as expected_value,
        'rule_id is not in the targeting rules catalogue (yet)' as message,
        cast(exams.started_at as date) as event_date,
        exams.source_file_sha256
    from exams
    left join rules
        on exams.rule_id = rules.rule_id
    where exams.rule_id is not null and rules.rule_id is null

),

collected_above_loss as (

    select
        'audits' as feed,
        'collected_above_loss' as rule_name,
        'finding' as severity,
        audit_id as record_key,
        cast(null as {{ dbt.type_string() }}) as entry_number,
        cast(null as bigint) as line_number,
        importer_number,
        'collected_usd' as column_name,
        cast(collected_usd as {{ dbt.type_string() }}) as observed_value,
        'at most ' || cast(revenue_loss_usd as {{ dbt.type_string() }}) as expected_value,
        'the audit collected more than the loss of revenue it identified' as message,
        opened_on as event_date,
        source_file_sha256
    from audits
    where collected_usd > revenue_loss_usd

),

msrp_below_domestic_value as (

    select
        'seizures' as feed,
        'msrp_below_domestic_value' as rule_name,
        'warning' as severity,
        seizure_id as record_key,
        entry_number,
        cast(null as bigint) as line_number,
        importer_number,
        'msrp_usd' as column_name,
        cast(msrp_usd as {{ dbt.type_string() }}) as observed_value,
        'at least ' || cast(domestic_value_usd as {{ dbt.type_string() }}) as expected_value,
        'the seizure''s MSRP is below its domestic value' as message,
        seized_on as event_date,
        source_file_sha256
    from seizures
    where msrp_usd < domestic_value_usd

),

collected_above_mitigated as (

    select
        'penalties' as feed,
        'collected_above_mitigated' as rule_name,
        'finding' as severity,
        penalty_case_number as record_key,
        entry_number,
        cast(null as bigint) as line_number,
        importer_number,
        'collected_usd' as column_name,
        cast(collected_usd as {{ dbt.type_string() }}) as observed_value,
        'at most ' || cast(mitigated_usd as {{ dbt.type_string() }}) as expected_value,
        'the penalty case collected more than the mitigated amount' as message,
        opened_on as event_date,
        source_file_sha256
    from penalties
    where collected_usd > mitigated_usd

),

closed_on_before_opened_on as (

    select
        'penalties' as feed,
        'closed_on_before_opened_on' as rule_name,
        'warning' as severity,
        penalty_case_number as record_key,
        entry_number,
        cast(null as bigint) as line_number,
        importer_number,
        'closed_on' as column_name,
        cast(closed_on as {{ dbt.type_string() }}) as observed_value,
        'on or after ' || cast(opened_on as {{ dbt.type_string() }}) as expected_value,
        'the penalty case closes before it opens' as message,
        opened_on as event_date,
        source_file_sha256
    from penalties
    where closed_on < opened_on

),

unioned as (

    select * from mpf_within_bounds
    union all
    select * from mpf_limits_unknown
    union all
    select * from released_before_arrival
    union all
    select * from hts_subheading_unknown
    union all
    select * from rule_id_unknown
    union all
    select * from collected_above_loss
    union all
    select * from msrp_below_domestic_value
    union all
    select * from collected_above_mitigated
    union all
    select * from closed_on_before_opened_on

),

final as (

    select
        -- keys
        md5(
            concat_ws('|', feed, rule_name, record_key, coalesce(cast(line_number as {{ dbt.type_string() }}), ''))
        ) as finding_id,
        feed,
        rule_name,
        record_key,
        entry_number,
        line_number,
        importer_number,

        -- attributes
        severity,
        column_name,
        observed_value,
        expected_value,
        message,

        -- dates
        event_date,
        {{ fiscal_year('event_date') }} as fiscal_year,

        -- lineage
        source_file_sha256

    from unioned

)

select * from final
