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


# The CM design's value bands (USD; low < 2,500 <= mid < 25,000 <= high): its strata are HS section x band, the
# labels `cm_stratum` carries (e.g. `XI-high`). The census below rebuilds them for every filed line.
CM_VALUE_BANDS = (2_500.0, 25_000.0)

# Value classes of Cochran's working model (cochran.py): decades of entered value, <1,000 ... >=1,000,000 USD.
VALUE_CLASSES = (3, 6)


def value_class(value) -> np.ndarray:
    """Decade of the entered value, clipped to VALUE_CLASSES (2 = below 1,000 USD, 6 = a million or more)."""
    v = np.maximum(np.asarray(value, dtype=float), 1.0)
    return np.clip(np.floor(np.log10(v)), VALUE_CLASSES[0] - 1, VALUE_CLASSES[1]).astype(np.int64)


# Census of the population's entered value per period, domain value, CM stratum and value class: lines and the
# power sums sum(v), sum(v^2), sum(v^3) that Cochran's rule needs (warehouse/metrics/cochran.py).
CENSUS_SQL = f"""
with lines as (
    select
        {period_sql("d")},
        -- HTSUS chapters 98/99 are section XXII in the CM design (older dim_commodities builds lack them)
        case when l.hs_chapter in ('98', '99') then 'XXII' else coalesce(c.hs_section, 'unknown') end || '-' || case
            when l.entered_value_usd < {CM_VALUE_BANDS[0]} then 'low'
            when l.entered_value_usd < {CM_VALUE_BANDS[1]} then 'mid' else 'high' end as cm_stratum,
        cast(l.entered_value_usd as double) as v,
        cast(least(greatest(floor(log10(greatest(l.entered_value_usd, 1))), {VALUE_CLASSES[0] - 1}),
            {VALUE_CLASSES[1]}) as bigint) as value_class,
        l.entry_number, l.line_number, l.importer_number, l.filed_date,
        c.hs_section, l.hs_chapter, l.country_of_origin, l.port_code as port,
        case when coalesce(c.pti_tags, '') = '' then ['none'] else string_split(c.pti_tags, ',') end as pti
    from marts.fct_entry_lines as l
    join marts.dim_dates as d on d.date_day = l.filed_date
    left join marts.dim_commodities as c on c.hts_code = l.hts_code
),
programs as (
    select l.entry_number, l.line_number, list(distinct p.program order by p.program) as programs
    from lines as l
    join marts.dim_programs as p
      on p.importer_number = l.importer_number
     and p.enrolled_on <= l.filed_date and (p.left_on is null or p.left_on > l.filed_date)
    group by all
),
by_domain as (
    select fiscal_year_label, fiscal_quarter_label, cm_stratum, value_class, v,
        'overall' as domain, 'all' as domain_value
    from lines
    union all
    select l.fiscal_year_label, l.fiscal_quarter_label, l.cm_stratum, l.value_class, l.v, 'program',
        unnest(coalesce(p.programs, ['none']))
    from lines as l left join programs as p using (entry_number, line_number)
    union all
    select fiscal_year_label, fiscal_quarter_label, cm_stratum, value_class, v,
        'hs_section', coalesce(hs_section, 'unknown')
    from lines
    union all
    select fiscal_year_label, fiscal_quarter_label, cm_stratum, value_class, v,
        'hs_chapter', coalesce(hs_chapter, 'unknown')
    from lines
    union all
    select fiscal_year_label, fiscal_quarter_label, cm_stratum, value_class, v,
        'country_of_origin',
        coalesce(country_of_origin, 'unknown')
    from lines
    union all
    select fiscal_year_label, fiscal_quarter_label, cm_stratum, value_class, v,
        'port', coalesce(port, 'unknown') from lines
    union all
    select fiscal_year_label, fiscal_quarter_label, cm_stratum, value_class, v,
        'pti', unnest(pti) from lines
)
select 'fiscal_year' as period_kind, fiscal_year_label as period, domain, domain_value, cm_stratum, value_class,
    count(*) as lines, sum(v) as s1, sum(v * v) as s2, sum(v * v * v) as s3
from by_domain group by all
union all
select 'fiscal_quarter', fiscal_quarter_label, domain, domain_value, cm_stratum, value_class,
    count(*), sum(v), sum(v * v), sum(v * v * v)
from by_domain group by all
"""


def load_census(con) -> pd.DataFrame:
    """Population lines and value power sums per (period_kind, period, domain, domain_value, cm_stratum)."""
    return con.execute(CENSUS_SQL).df()


def load_sample(con) -> pd.DataFrame:
    """The CM sample lines (exams whose line is not in fct_entry_lines cannot be placed in a period and are left
    out; on a consistent warehouse there are none). `attrs["census"]` holds the population census
    (`load_census`) the estimators check Cochran's rule against."""
    sample = con.execute(SAMPLE_SQL).df()
    sample.attrs["census"] = load_census(con)
    return sample


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
