"""The one layout every performance-measure table in schema `metrics` shares, so the report, the CSV/Parquet
exports and analysts read every measure the same way.

One row is one estimate of one measure, for one period and one domain (breakout) value:

    measure        machine name, e.g. `mtd_rate_lines`
    unit           `rate` (0-1), `usd`, `hours`, `index`, `count`, `days`
    period_kind    `fiscal_year`, `fiscal_quarter` or `all`
    period         `FY2026`, `FY2026Q1` or `all`
    domain         the breakout: `overall`, `program`, `hs_section`, `hs_chapter`, `country_of_origin`, `port`, `pti`
    domain_value   the breakout's value (`all` for `overall`)
    estimate       the point estimate (NULL when suppressed)
    std_error      its standard error (NULL when suppressed or not a sample estimate)
    ci_low/ci_high its 95% interval (NULL when suppressed or not a sample estimate)
    n_sampled      how many sampled units the estimate rests on (for a census measure: units counted)
    suppressed     true when the cell has too few sampled units to publish; then `note` says why
    note           method or suppression reason, in words

A measure table may add its own columns after these (a prior-period change, a test's p-value, a rank).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:  # survey imports Z95 from here, so its types only
    from warehouse.metrics.survey import Estimates

ESTIMATE_COLUMNS: dict[str, str] = {
    "measure": "varchar",
    "unit": "varchar",
    "period_kind": "varchar",
    "period": "varchar",
    "domain": "varchar",
    "domain_value": "varchar",
    "estimate": "double",
    "std_error": "double",
    "ci_low": "double",
    "ci_high": "double",
    "n_sampled": "bigint",
    "suppressed": "boolean",
    "note": "varchar",
}

# Cells resting on fewer sampled units than this are suppressed (estimate, error and interval withheld).
MIN_SAMPLED = 30
Z95 = 1.959963984540054  # two-sided 95% normal quantile


# pandas dtypes of the SQL types the metric tables use (nullable, so a zero-row or all-NULL column keeps its type).
_PANDAS_DTYPES = {"double": "float64", "bigint": "Int64", "integer": "Int64", "boolean": "boolean"}


def empty_estimates(extras: dict[str, str] | None = None) -> pd.DataFrame:
    """A frame with no rows and every standard column (then `extras`): what a measure writes when its warehouse holds
    nothing to estimate yet, so the table exists with its full schema for the report and analysts."""
    columns = {**ESTIMATE_COLUMNS, **(extras or {})}
    return pd.DataFrame({name: pd.Series(dtype=_PANDAS_DTYPES.get(t, object)) for name, t in columns.items()})


def _typed_select(frame: pd.DataFrame, extras: dict[str, str] | None, table: str) -> tuple[pd.DataFrame, str]:
    """(the frame in table order, a select list casting each column to its SQL type). The standard columns first,
    in order and typed, then any extras, those named in `extras` ({column: SQL type}) typed and present even when
    the frame lacks them (an empty warehouse gives a frame with no rows and often no columns beyond the standard
    ones; a column of NULLs only would otherwise be created with DuckDB's type NULL)."""
    missing = [c for c in ESTIMATE_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"metrics.{table}: missing standard columns {missing}")
    typed = {**ESTIMATE_COLUMNS, **(extras or {})}
    frame = frame.assign(**{name: None for name in typed if name not in frame.columns})
    others = [c for c in frame.columns if c not in typed]
    casts = ", ".join(f'cast("{name}" as {sql_type}) as "{name}"' for name, sql_type in typed.items())
    return frame[[*typed, *others]], casts + "".join(f', "{name}"' for name in others)


def write_estimates(con, table: str, frame: pd.DataFrame, extras: dict[str, str] | None = None) -> int:
    """Replace `metrics.<table>` with `frame` (typed as `_typed_select` says). Returns the number of rows written.
    Refuses a frame that lacks a standard column."""
    ordered, select = _typed_select(frame, extras, table)
    con.execute("create schema if not exists metrics")
    _run_over(con, ordered, f"create or replace table metrics.{table} as select {select} from _estimates_frame")
    return len(ordered)


def insert_estimates(con, table: str, frame: pd.DataFrame, extras: dict[str, str] | None = None) -> int:
    """Append `frame` to the existing `metrics.<table>`, typed as `write_estimates` types it, matched by column
    name. Returns the number of rows written."""
    ordered, select = _typed_select(frame, extras, table)
    if not len(ordered):
        return 0
    _run_over(con, ordered, f"insert into metrics.{table} by name select {select} from _estimates_frame")
    return len(ordered)


def _run_over(con, frame: pd.DataFrame, statement: str) -> None:
    """Run `statement`, which reads `frame` as _estimates_frame, registered for that statement only."""
    con.register("_estimates_frame", frame)
    try:
        con.execute(statement)
    finally:
        con.unregister("_estimates_frame")


def domain_estimates(
    measure: str, unit: str, domain: str, labels, est: Estimates, low, high, extras: Mapping[str, object]
) -> pd.DataFrame:
    """One period's rows of `measure` for each value of `domain` (`labels`, in the order of the survey estimates
    `est`), with the interval chosen for them: the standard columns but the period's (the caller's by_period adds
    them) and suppression's (suppress_small_cells), then `extras` ({column: values})."""
    columns = {"measure": measure, "unit": unit, "domain": domain, "domain_value": labels}
    columns |= {"estimate": est.estimate, "std_error": est.std_error, "ci_low": low, "ci_high": high}
    return pd.DataFrame({**columns, "n_sampled": est.n_sampled, **extras})


def suppress_small_cells(frame: pd.DataFrame, minimum: int = MIN_SAMPLED) -> pd.DataFrame:
    """Withhold the estimate, error and interval of every row with fewer than `minimum` sampled units, and say why."""
    out = frame.copy()
    small = out["n_sampled"].fillna(0) < minimum
    out["suppressed"] = small | out.get("suppressed", False)
    for column in ("estimate", "std_error", "ci_low", "ci_high"):
        out.loc[small, column] = None
    reason = f"suppressed: fewer than {minimum} sampled units"
    out.loc[small, "note"] = reason
    return out


def wilson_interval(successes: float, n: float, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a simple-random-sample proportion: unlike the Wald interval it stays inside [0, 1]
    and keeps its coverage for rates near 0 (hit rates, discrepancy rates of 1-2%). (nan, nan) when n is 0."""
    if n <= 0:
        return math.nan, math.nan
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)
