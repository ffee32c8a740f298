"""Federal fiscal periods as the measure tables name them ('FY2026', 'FY2026Q1') and the period before each."""

from __future__ import annotations

import re

PERIOD_KINDS = ("fiscal_year", "fiscal_quarter")
_YEAR = re.compile(r"^FY(\d{4})$")
_QUARTER = re.compile(r"^FY(\d{4})Q([1-4])$")


def prior_period(period: str) -> str | None:
    """The period just before `period` ('FY2026' -> 'FY2025', 'FY2026Q1' -> 'FY2025Q4'); None for other labels."""
    if m := _YEAR.match(period):
        return f"FY{int(m.group(1)) - 1}"
    if m := _QUARTER.match(period):
        year, quarter = int(m.group(1)), int(m.group(2))
        return f"FY{year - 1}Q4" if quarter == 1 else f"FY{year}Q{quarter - 1}"
    return None


def period_sql(date_alias: str = "d") -> str:
    """Select-list fragment giving `fiscal_year_label` and `fiscal_quarter_label` from marts.dim_dates `date_alias`."""
    return (
        f"{date_alias}.fiscal_year_label as fiscal_year_label, "
        f"{date_alias}.fiscal_year_label || 'Q' || {date_alias}.fiscal_quarter as fiscal_quarter_label"
    )
