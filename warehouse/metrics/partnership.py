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

from warehouse.metrics.fiscal_periods import periods_table_sql
from warehouse.metrics.targeting import proportion_row, rows_frame

# The prioritised importers: the top importers by entered value in the period (the generator's top group is 500 at
# full scale, holding ~68% of value).
DEFAULT_TOP_N = 500


def _cells_sql(top_n: int) -> str:
    return f"""
        with periods as ({periods_table_sql("marts.fct_entries", "filed_date")}),
        active as (
            select p.period_kind, p.period, e.importer_number, sum(e.entered_value_usd) as value
            from marts.fct_entries e join periods p on e.filed_date between p.period_start and p.period_end
            group by all
        ),
        membership as (
            select p.period_kind, p.period, m.importer_number, m.program
            from marts.dim_programs m join periods p
              on m.enrolled_on <= p.period_end and (m.left_on is null or m.left_on > p.period_start)
            group by all
        ),
        member_rows as (
            select period_kind, period, importer_number, program from membership
            union all
            select distinct period_kind, period, importer_number, 'all' from membership
        ),
        verifications as (
            select period_kind, period, importer_number, count(*) as n
            from (
                select p.period_kind, p.period, f.importer_number, x.exam_id as id
                from (select distinct exam_id, entry_number, exam_date from marts.fct_exams) x
                join marts.fct_entries f using (entry_number)
                join periods p on x.exam_date between p.period_start and p.period_end
                group by all
                union all
                select p.period_kind, p.period, a.importer_number, a.audit_id
                from marts.fct_audits a join periods p on a.opened_on between p.period_start and p.period_end
            )
            group by all
        ),
        trusted as (
            select m.period_kind, m.period, m.program, count(*) as n,
                   count(*) filter (where coalesce(v.n, 0) >= 2) as k
            from member_rows m
            join active a using (period_kind, period, importer_number)
            left join verifications v using (period_kind, period, importer_number)
            group by all
        ),
        prioritised as (
            select * from active
            qualify row_number() over (partition by period_kind, period order by value desc, importer_number)
                    <= {int(top_n)}
        ),
        programs as (select distinct program from marts.dim_programs union all select 'all'),
        enrolled as (
            select p.period_kind, p.period, g.program, count(*) as n, count(m.importer_number) as k
            from prioritised p cross join programs g
            left join member_rows m
              on m.period_kind = p.period_kind and m.period = p.period and m.importer_number = p.importer_number
             and m.program = g.program
            group by all
        )
        select 'trusted_verified_more_than_once_rate' as measure, * from trusted
        union all
        select 'prioritised_enrolled_rate', * from enrolled
        order by 1, 2, 3, 4
    """


TRUSTED_NOTE = (
    "programme members (at any time in the period) with entries in it that had 2+ verifications (distinct exams "
    "of their entries or audits opened) / those members; binomial SE, Wilson interval"
)


def partnership(con, top_n: int = DEFAULT_TOP_N) -> pd.DataFrame:
    """metrics.partnership rows (see the module docstring for the definitions)."""
    cells = con.execute(_cells_sql(top_n)).df()
    rows = []
    for c in cells.itertuples(index=False):
        domain, value = ("overall", "all") if c.program == "all" else ("program", c.program)
        if c.measure == "trusted_verified_more_than_once_rate":
            note = TRUSTED_NOTE
        else:
            note = f"top {top_n} importers by entered value in the period enrolled; binomial SE, Wilson interval"
        rows.append(proportion_row(c.measure, c.period_kind, c.period, domain, value, int(c.k), int(c.n), note))
    return rows_frame(rows)
