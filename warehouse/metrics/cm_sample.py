"""The compliance-measurement (CM) random sample as the estimators read it: one row per `cm_random` exam line with
its design (stratum, weight), outcome, amounts, the line's fiscal periods and its breakout (domain) values.

Only `cm_random` exams enter: targeted exams select risky lines on purpose, so their findings say nothing about the
population. The period of a line is that of its filing date, the day the CM sample was drawn from.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from warehouse.metrics.periods import period_sql
from warehouse.metrics.survey import Membership

# Breakouts; `program` and `pti` are lists (an importer may be in two programmes, a commodity under two issues).
DOMAINS = ("overall", "program", "hs_section", "hs_chapter", "country_of_origin", "port", "pti")
LIST_DOMAINS = ("program", "pti")

SAMPLE_SQL = f"""
with programs as (
    select l.entry_number, l.line_number, list(distinct p.program order by p.program) as programs
    from marts.fct_exams as x
    join marts.fct_entry_lines as l on x.entry_number = l.entry_number and x.line_number = l.line_number
    join marts.dim_programs as p
      on p.importer_number = l.importer_number
     and p.enrolled_on <= l.filed_date and (p.left_on is null or p.left_on > l.filed_date)
    where x.is_cm_sample
    group by all
)
select
    x.exam_id, x.entry_number, x.line_number,
    x.cm_stratum, cast(x.cm_weight as double) as cm_weight,
    coalesce(x.is_material, false) as is_material,
    cast(l.entered_value_usd as double) as value_usd,
    cast(x.declared_duty_usd as double) as declared_duty_usd,
    cast(x.correct_duty_usd as double) as correct_duty_usd,
    {period_sql("d")},
    'all' as overall,
    coalesce(pr.programs, ['none']) as program,
    c.hs_section, l.hs_chapter, l.country_of_origin, l.port_code as port,
    case when coalesce(c.pti_tags, '') = '' then ['none'] else string_split(c.pti_tags, ',') end as pti
from marts.fct_exams as x
join marts.fct_entry_lines as l on x.entry_number = l.entry_number and x.line_number = l.line_number
join marts.dim_dates as d on d.date_day = l.filed_date
left join marts.dim_commodities as c on c.hts_code = l.hts_code
left join programs as pr on pr.entry_number = x.entry_number and pr.line_number = x.line_number
where x.is_cm_sample
order by x.exam_id, x.entry_number, x.line_number
"""


# Every fiscal period with filed lines: the periods a measure from the sample owes a row, sampled or not.
FILED_PERIODS_SQL = f"""
with labels as (
    select distinct {period_sql("d")}
    from marts.fct_entry_lines as l join marts.dim_dates as d on d.date_day = l.filed_date
)
select 'fiscal_year' as period_kind, fiscal_year_label as period from labels
union
select 'fiscal_quarter', fiscal_quarter_label from labels
order by all
"""
NO_SAMPLE_NOTE = "suppressed: no cm_random sample line in the period (no compliance-measurement exam of its lines)"


# What a measure from the sample reads, per fiscal period, for warehouse/metrics/period_scope.py: the sample lines
# themselves (every column the estimators see, programmes and commodity labels included, hashed) and the period's
# filed lines (their keys, versions and load times: a line changes only by a new version or load) with the section
# and PTI labels of their tariff codes, by which the declared totals are broken out. Only what a period's own lines
# use counts: the dimensions grow every day (new tariff codes, new enrolments) without touching the old periods.
SIGNATURE_SQL = f"""
with sample as ({SAMPLE_SQL}),
sample_periods as (
    select 'fiscal_year' as period_kind, fiscal_year_label as period, count(*) as n, sum(hash(sample)::hugeint) as h
    from sample group by all
    union all
    select 'fiscal_quarter', fiscal_quarter_label, count(*), sum(hash(sample)::hugeint) from sample group by all
),
line_days as (
    -- per filed day and tariff code first (a small table), then joined to the commodity labels in use
    select filed_date, hts_code, count(*) as n,
        sum(hash(entry_number, line_number, entry_version, loaded_at)::hugeint) as h
    from marts.fct_entry_lines group by all
),
labelled_days as (
    select {period_sql("d")}, n, hash(h, c.hs_section, c.pti_tags)::hugeint as h
    from line_days
    join marts.dim_dates as d on d.date_day = line_days.filed_date
    left join marts.dim_commodities as c on c.hts_code = line_days.hts_code
),
line_periods as (
    select 'fiscal_year' as period_kind, fiscal_year_label as period, sum(n) as n, sum(h) as h
    from labelled_days group by all
    union all
    select 'fiscal_quarter', fiscal_quarter_label, sum(n), sum(h) from labelled_days group by all
)
select period_kind, period,
    (coalesce(l.n, 0) + coalesce(s.n, 0))::bigint as rows_in,
    hash(coalesce(l.n, 0), coalesce(l.h, 0), coalesce(s.n, 0), coalesce(s.h, 0)) as signature
from line_periods as l
full join sample_periods as s using (period_kind, period)
"""


def filed_periods(con, years: list[str] | None = None) -> pd.DataFrame:
    """(period_kind, period) of every fiscal year and quarter with filed lines (with `years`, of those years)."""
    periods = con.execute(FILED_PERIODS_SQL).df()
    return periods if years is None else periods[periods["period"].str[:6].isin(years)].reset_index(drop=True)


def with_unsampled_periods(frame: pd.DataFrame, periods: pd.DataFrame | None, units: dict[str, str]) -> pd.DataFrame:
    """`frame` plus a suppressed overall row of each measure in `units` ({measure: unit}) for every period of
    `periods` in which the sample has no line (a delivery whose exams were all targeted, a first day before any CM
    exam): the table then says why the period has no estimate instead of leaving it out."""
    if periods is None or not len(periods):
        return frame
    keys = ["period_kind", "period"]
    done = set(map(tuple, frame[keys].drop_duplicates().itertuples(index=False))) if len(frame) else set()
    missing = [(kind, period) for kind, period in periods[keys].itertuples(index=False) if (kind, period) not in done]
    rows = [
        {"measure": measure, "unit": unit, "period_kind": kind, "period": period, "domain": "overall"}
        | {"domain_value": "all", "n_sampled": 0, "suppressed": True, "note": NO_SAMPLE_NOTE}
        for kind, period in missing
        for measure, unit in units.items()
    ]
    if not rows:
        return frame
    extra = pd.DataFrame(rows)
    return pd.concat([frame, extra], ignore_index=True) if len(frame) else extra.reindex(columns=frame.columns)


def load_sample(con, years: list[str] | None = None) -> pd.DataFrame:
    """The CM sample lines (exams whose line is not in fct_entry_lines cannot be placed in a period and are left
    out; on a consistent warehouse there are none); with `years` ('FY2026', ...), only those fiscal years' lines."""
    if years is None:
        return con.execute(SAMPLE_SQL).df()
    return con.execute(f"select * from ({SAMPLE_SQL}) where fiscal_year_label in (select unnest(?))", [years]).df()


def membership(sample: pd.DataFrame, domain: str) -> tuple[Membership, list[str]]:
    """(unit, domain) pairs of one breakout and the labels of its domain codes."""
    column = sample[domain].reset_index(drop=True)
    if domain in LIST_DOMAINS:
        exploded = column.explode()
        codes, labels = pd.factorize(exploded.astype(str), sort=True)
        units = np.asarray(exploded.index, dtype=np.int64)
        return Membership(units, codes.astype(np.int64), len(labels)), [str(v) for v in labels]
    codes, labels = pd.factorize(column.fillna("unknown").astype(str), sort=True)
    return Membership(np.arange(len(sample)), codes.astype(np.int64), len(labels)), [str(v) for v in labels]
