-- One row per targeting rule and fiscal quarter / fiscal year of the exam data, before the rates and intervals
-- computed in Python (rule_efficiency.rule_period_stats).
with
periods as (
    select
        date_day,
        'fiscal_quarter' as period_kind,
        format('FY{}Q{}', fiscal_year, fiscal_quarter) as period
    from marts.dim_dates
    union all
    select
        date_day,
        'fiscal_year' as period_kind,
        format('FY{}', fiscal_year) as period
    from marts.dim_dates
),

bounds as (
    select
        period_kind,
        period,
        min(date_day) as period_start,
        max(date_day) as period_end
    from periods
    group by all
),

rule_lines as (
    select
        e.*,
        p.period_kind,
        p.period
    from marts.fct_exams as e
    inner join periods as p on e.exam_date = p.date_day
    where e.selection_reason = 'targeting_rule'
),

-- A rule selects whole entries, so its exams, not its lines, are the draws the hit rate's variance counts
-- (rule_clusters: exam_clusters.sql of the metrics package over rule_lines by rule_id, period_kind, period).
rule_clusters as (
    {{ rule_clusters }}
),

rule_stats as (
    select
        rule_id,
        period_kind,
        period,
        count(distinct exam_id) as exam_count,
        count(*) as line_count,
        count(*) filter (where is_material) as hit_count,
        count(distinct exam_id) filter (where is_material) as exam_hit_count,
        coalesce(sum(duty_difference_usd), 0)::double as revenue_found_usd,
        coalesce(sum(officer_hours), 0)::double as officer_hours,
        max(exam_date) filter (where is_material) as last_hit_in_period
    from rule_lines
    group by all
),

scope as (
    select
        rule_id,
        environment,
        pti,
        created_on,
        retired_on,
        regexp_extract_all(regexp_extract(rule_description, 'chapters ([0-9, ]+)', 1), '[0-9]{2}') as chapters,
        nullif(regexp_extract(rule_description, ' from ([A-Z]{2})$', 1), '') as origin,
        -- "... chapters 59, 61, 63 or from VN": a line in the chapters or from the country; without "or", both
        contains(rule_description, ' or from ') as either
    from marts.dim_rules
),

cm as (
    select
        e.exam_date,
        e.is_material::int as y,
        e.cm_weight::double as w,
        l.hs_chapter,
        l.country_of_origin,
        p.period_kind,
        p.period
    from marts.fct_exams as e
    inner join periods as p on e.exam_date = p.date_day
    left join marts.fct_entry_lines as l using (entry_number, line_number)
    where e.is_cm_sample
),

cm_overall as (
    select
        period_kind,
        period,
        sum(w * y) / sum(w) as cm_overall_rate,
        count(*) as cm_line_count
    from cm
    group by all
),

cm_scope as (
    select
        s.rule_id,
        cm.period_kind,
        cm.period,
        count(*) as cm_scope_line_count,
        sum(cm.y) as cm_scope_hit_count,
        sum(cm.w * cm.y) / sum(cm.w) as cm_scope_rate,
        -- Kish's effective sample size of the weighted scope rate
        sum(cm.w) * sum(cm.w) / sum(cm.w * cm.w) as cm_scope_effective_n
    from cm inner join scope as s
        on case when s.either then list_contains(s.chapters, cm.hs_chapter) or cm.country_of_origin = s.origin
                else list_contains(s.chapters, cm.hs_chapter) and (s.origin is null or cm.country_of_origin = s.origin)
            end
    group by all
),

data_range as (
    select
        min(exam_date) as first_day,
        max(exam_date) as last_day
    from marts.fct_exams
),

rule_ids as (
    select rule_id from scope
    union
    select distinct rule_id from rule_stats
    where rule_id is not null
),

grid as (
    -- every rule in every period of the data, where it has exams or was in force
    select
        r.rule_id,
        b.*
    from rule_ids as r cross join bounds as b cross join data_range as d
    left join scope as s using (rule_id)
    where b.period_end >= d.first_day and b.period_start <= d.last_day
        and (
            exists (
                select 1 from rule_stats as x
                where x.rule_id = r.rule_id and x.period_kind = b.period_kind and x.period = b.period
            )
            or (s.created_on <= b.period_end and coalesce(s.retired_on, b.period_start) >= b.period_start)
        )
)

select
    g.rule_id,
    g.period_kind,
    g.period,
    g.period_start,
    g.period_end,
    s.environment,
    s.pti,
    s.retired_on,
    s.retired_on is null as is_active,
    s.rule_id is not null as is_in_catalogue,
    array_to_string(s.chapters, ',') as scope_chapters,
    s.origin as scope_origin,
    coalesce(r.exam_count, 0) as exam_count,
    coalesce(r.line_count, 0) as line_count,
    coalesce(r.hit_count, 0) as hit_count,
    coalesce(r.exam_hit_count, 0) as exam_hit_count,
    coalesce(k.s_hh, 0) as s_hh,
    coalesce(k.s_hm, 0) as s_hm,
    coalesce(k.s_mm, 0) as s_mm,
    coalesce(r.revenue_found_usd, 0) as revenue_found_usd,
    coalesce(r.officer_hours, 0) as officer_hours,
    r.last_hit_in_period,
    coalesce(c.cm_scope_line_count, 0) as cm_scope_line_count,
    c.cm_scope_rate,
    coalesce(c.cm_scope_effective_n, 0) as cm_scope_effective_n,
    o.cm_overall_rate,
    coalesce(o.cm_line_count, 0) as cm_line_count
from grid as g
left join scope as s using (rule_id)
left join rule_stats as r using (rule_id, period_kind, period)
left join rule_clusters as k using (rule_id, period_kind, period)
left join cm_scope as c using (rule_id, period_kind, period)
left join cm_overall as o using (period_kind, period)
order by g.rule_id, g.period_kind, g.period_start
