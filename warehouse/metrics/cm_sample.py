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
from warehouse.sql_files import query

# Breakouts; `program` and `pti` are lists (an importer may be in two programmes, a commodity under two issues).
DOMAINS = ("overall", "program", "hs_section", "hs_chapter", "country_of_origin", "port", "pti")
LIST_DOMAINS = ("program", "pti")

# The SQL is rendered once: SIGNATURE_SQL, which reads the sample, goes to period_scope.plan as a statement.
SAMPLE_SQL = query(__package__, "cm_sample_lines", period_columns=period_sql("d"))


NO_SAMPLE_NOTE = "suppressed: no cm_random sample line in the period (no compliance-measurement exam of its lines)"


# What a measure from the sample reads, per fiscal period, for warehouse/metrics/period_scope.py: the sample lines
# themselves (every column the estimators see, programmes and commodity labels included, hashed) and the period's
# filed lines (their keys, versions and load times: a line changes only by a new version or load) with the section
# and PTI labels of their tariff codes, by which the declared totals are broken out. Only what a period's own lines
# use counts: the dimensions grow every day (new tariff codes, new enrolments) without touching the old periods.
SIGNATURE_SQL = query(__package__, "cm_sample_signature", sample_query=SAMPLE_SQL, period_columns=period_sql("d"))


def filed_periods(con, years: list[str] | None = None) -> pd.DataFrame:
    """(period_kind, period) of every fiscal year and quarter with filed lines (with `years`, of those years)."""
    periods = con.execute(query(__package__, "cm_sample_filed_periods", period_columns=period_sql("d"))).df()
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
