"""Partnership measures (`metrics.partnership`), by fiscal year and quarter, domain `overall` and `program`.

- `trusted_verified_more_than_once_rate`: of the trusted importers (enrolled in a programme at any time in the period,
  per marts.dim_programs: enrolled_on <= period end and left_on, if any, after the period start) that filed at least
  one entry in the period, the share verified more than once in it. A verification is one exam (a distinct exam_id
  started in the period on one of the importer's entries; an exam lists each examined line, so lines are not
  counted) or one audit opened in the period (marts.fct_audits, including ISA reviews, the programme's validations).
  The contract has no other validation record. Exams whose entry is not in marts.fct_entries cannot be attributed.
- `prioritised_enrolled_rate`: of the prioritised importers (the `top_n` importers by entered value filed in the
  period), the share enrolled in a programme (domain `program`: in that programme) at any time in the period.

Both are counts over the whole population, not samples; the SE is the binomial sqrt(p (1 - p) / n) and the interval
Wilson's, read as the uncertainty of the underlying propensity. Cells with fewer than MIN_SAMPLED importers are
suppressed.
"""

from __future__ import annotations

import pandas as pd

from warehouse.metrics.periods import periods_table_sql
from warehouse.metrics.targeting import proportion_row, rows_frame
from warehouse.sql_files import query

# The prioritised importers: the top importers by entered value in the period (the generator's top group is 500 at
# full scale, holding ~68% of value).
DEFAULT_TOP_N = 500


TRUSTED_NOTE = (
    "programme members (at any time in the period) with entries in it that had 2+ verifications (distinct exams "
    "of their entries or audits opened) / those members; binomial SE, Wilson interval"
)


def partnership(con, top_n: int = DEFAULT_TOP_N) -> pd.DataFrame:
    """metrics.partnership rows (see the module docstring for the definitions)."""
    periods = periods_table_sql("marts.fct_entries", "filed_date")
    statement = query(__package__, "partnership_cells", periods_query=periods)
    cells = con.execute(statement, {"top_n": int(top_n)}).df()
    rows = []
    for c in cells.itertuples(index=False):
        domain, value = ("overall", "all") if c.program == "all" else ("program", c.program)
        if c.measure == "trusted_verified_more_than_once_rate":
            note = TRUSTED_NOTE
        else:
            note = f"top {top_n} importers by entered value in the period enrolled; binomial SE, Wilson interval"
        rows.append(proportion_row(c.measure, c.period_kind, c.period, domain, value, int(c.k), int(c.n), note))
    return rows_frame(rows)
