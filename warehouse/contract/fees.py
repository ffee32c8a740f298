"""Merchandise processing fee bounds by federal fiscal year (Oct-Sep): the per-entry minimum and maximum in USD.

CBP adjusts them every October; add the new fiscal year's row here. The generator charges them and the quality suite
checks them, both from this table. Years outside it use the nearest year present.
"""

MPF_BOUNDS_BY_FISCAL_YEAR = {2024: (31.67, 614.35), 2025: (32.71, 634.62), 2026: (33.58, 651.50)}


def fiscal_year_clamped(fiscal_year: int) -> int:
    """The table's year that applies: the year itself, or the nearest one in the table."""
    years = sorted(MPF_BOUNDS_BY_FISCAL_YEAR)
    return min(max(fiscal_year, years[0]), years[-1])
