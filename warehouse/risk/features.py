"""The line risk model's features: point-in-time profiles plus the line's own value, duty, preference and AD/CVD
signals. Norms (typical unit value of a subheading, typical duty rate of a chapter) come from lines filed strictly
before the line, like the profiles, so a feature never depends on anything later than the line's filing day.

Never a feature: anything about the line's own exam (selection reason, rule, result) or any later outcome.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from warehouse.risk.profiles import LINE_KEY_COLUMNS, create_line_profiles, create_outcomes, profile_feature_names
from warehouse.sql_files import query

LINE_FEATURES = [
    "log_value",
    "unit_value_vs_norm",
    "value_per_kg_vs_norm",
    "duty_rate",
    "duty_rate_vs_chapter_norm",
    "is_preference_claimed",
    "preference_origin_prior_lines",
    "has_adcvd_case",
    "adcvd_deposit_rate",
    "under_adcvd_order",
    "under_adcvd_order_of_origin",
    "adcvd_order_without_case",
    "export_differs_from_origin",
    "manufacturer_country_differs",
    "is_related_party",
    "entry_type",
    "mode_of_transport",
    "lines_in_entry",
]
FEATURES = profile_feature_names() + LINE_FEATURES

# Running norms: (key on lines, the measured value in millionths, the lines it is measured on). Sums are of
# integers (micro-units) so they are exact whatever order a parallel aggregate adds them in: the features, and the
# model id that hashes them, are the same on every run.
_NORMS = {
    "unit_value": (
        "hs_subheading",
        "cast(round(ln(entered_value_usd / quantity) * 1e6) as bigint)",
        "quantity > 0 and entered_value_usd > 0",
    ),
    "value_per_kg": (
        "hs_subheading",
        "cast(round(ln(entered_value_usd / gross_weight_kg) * 1e6) as bigint)",
        "gross_weight_kg > 0 and entered_value_usd > 0",
    ),
    "duty_rate": ("hs_chapter", "cast(duty_rate * 1000000 as bigint)", "duty_rate is not null"),
    "preference_origin": ("spi_code || '|' || country_of_origin", "1000000", "spi_code is not null"),
}
MICRO = 1e6


def _create_norm(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Temp table risk_norm_<name> (the name features_lines.sql reads it by)."""
    key, value, where = _NORMS[name]
    daily = query(__package__, "features_norm", norm_key=key, norm_value=value, norm_filter=where)
    fragments = {"running_table": f"risk_norm_{name}", "running_key": "norm_key", "running_day": "norm_day"}
    con.execute(query(__package__, "running_totals", daily_sums=daily, **fragments)).fetchall()


def build_features(con: duckdb.DuckDBPyConnection, targets: str) -> pd.DataFrame:
    """Features of the lines named in `targets` (a relation with entry_number, line_number), as a DataFrame with
    entry_number, line_number, importer_number, filed_date and every column of FEATURES."""
    line_keys = ", ".join(f"l.{column.strip()}" for column in LINE_KEY_COLUMNS.split(","))
    con.execute(query(__package__, "features_target_lines", targets=targets, line_keys=line_keys)).fetchall()
    create_outcomes(con)
    create_line_profiles(con, "risk_target_lines")
    for name in _NORMS:
        _create_norm(con, name)
    con.execute(query(__package__, "features_adcvd")).fetchall()
    frame = con.execute(query(__package__, "features_lines"), {"micro": MICRO}).df()
    frame[FEATURES] = frame[FEATURES].astype("float64")
    return frame
