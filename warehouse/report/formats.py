"""Numbers as the report prints them, by unit: rates as percentages, dollars with a scale word, hours to one
decimal. Missing values print as an en dash so a table never shows 'nan'."""

from __future__ import annotations

import math
import numbers

import numpy as np
import pandas as pd

from warehouse.metrics.estimates import MIN_SAMPLED

DASH = "\u2013"
SUPPRESSED = f"suppressed (n < {MIN_SAMPLED})"


def is_missing(value) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def number(x) -> float | None:
    """A value as a float, None where it is missing."""
    return None if is_missing(x) else float(x)


def value(x, unit: str | None) -> str:
    """One number in its unit."""
    if is_missing(x):
        return DASH
    x = float(x)
    if unit == "rate":
        return f"{x * 100:.2f}%"
    if unit == "usd":
        return usd(x)
    if unit == "hours":
        return f"{x:,.1f} h"
    if unit == "days":
        return f"{x:,.1f} d"
    if unit == "count":
        return f"{x:,.0f}"
    if unit == "ratio":
        return f"{x:.2f}\u00d7"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.3g}" if abs(x) < 1 else f"{x:,.2f}"


def usd(x: float) -> str:
    sign = "-" if x < 0 else ""
    x = abs(x)
    for limit, word in ((1e9, "bn"), (1e6, "m"), (1e3, "k")):
        if x >= limit:
            return f"{sign}${x / limit:,.2f}{word}"
    return f"{sign}${x:,.0f}"


def interval(low, high, unit: str | None) -> str:
    if is_missing(low) or is_missing(high):
        return DASH
    return f"{value(low, unit)} {DASH} {value(high, unit)}"


def count(n) -> str:
    return DASH if is_missing(n) else f"{int(n):,}"


def p_value(p) -> str:
    if is_missing(p):
        return DASH
    return "< 0.001" if float(p) < 0.001 else f"{float(p):.3f}"


def cell(x) -> str:
    """Any table cell: numbers compactly, the rest as text."""
    if is_missing(x):
        return DASH
    if isinstance(x, bool | np.bool_):
        return "yes" if x else "no"
    if isinstance(x, numbers.Integral):
        return f"{x:,}"
    if isinstance(x, numbers.Real):
        x = float(x)
        return f"{x:,.4g}" if abs(x) < 1e6 else f"{x:,.0f}"
    return str(x)


def day(x) -> str:
    """A date, without the midnight time pandas gives a date column."""
    if is_missing(x):
        return DASH
    return str(x.date()) if isinstance(x, pd.Timestamp) and x == x.normalize() and x.tzinfo is None else str(x)
