"""The line risk model's features: point-in-time profiles plus the line's own value, duty, preference and AD/CVD
signals. Norms (typical unit value of a subheading, typical duty rate of a chapter) come from lines filed strictly
before the line, like the profiles, so a feature never depends on anything later than the line's filing day.

Never a feature: anything about the line's own exam (selection reason, rule, result) or any later outcome.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from warehouse.risk.profiles import LINE_KEY_COLUMNS, create_line_profiles, create_outcomes, profile_feature_names

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


def _create_norm(con: duckdb.DuckDBPyConnection, name: str) -> str:
    key, value, where = _NORMS[name]
    table = f"risk_norm_{name}"
    con.execute(f"""
        create or replace temp table {table} as
        select key, day, sum(n) over w as n, sum(s) over w as s
        from (
            select {key} as key, filed_date as day, count(*) as n, sum({value}) as s
            from marts.fct_entry_lines where {where} group by all
        )
        window w as (partition by key order by day rows between unbounded preceding and current row)
    """).fetchall()
    return table


def build_features(con: duckdb.DuckDBPyConnection, targets: str) -> pd.DataFrame:
    """Features of the lines named in `targets` (a relation with entry_number, line_number), as a DataFrame with
    entry_number, line_number, importer_number, filed_date and every column of FEATURES."""
    con.execute(f"""
        create or replace temp table risk_target_lines as
        select l.entry_number, l.line_number, l.filed_date, {LINE_KEY_COLUMNS},
               l.entered_value_usd, l.quantity, l.gross_weight_kg, l.duty_rate, l.spi_code, l.is_preference_claimed,
               l.adcvd_case, l.adcvd_deposit_usd, l.country_of_export, l.is_related_party, l.entry_type,
               l.mode_of_transport, l.hts_code, l.lines_in_entry
        from (
            select *, count(*) over (partition by entry_number) as lines_in_entry from marts.fct_entry_lines
        ) as l
        semi join {targets} as t on t.entry_number = l.entry_number and t.line_number = l.line_number
    """).fetchall()
    create_outcomes(con)
    create_line_profiles(con, "risk_target_lines")
    norms = {name: _create_norm(con, name) for name in _NORMS}
    # AD/CVD orders in force on the filing day whose HTS prefix covers the line.
    con.execute("""
        create or replace temp table risk_line_adcvd as
        select l.entry_number, l.line_number,
               true as under_order, bool_or(o.country_code = l.country_of_origin) as under_order_of_origin
        from risk_target_lines as l
        join marts.dim_adcvd_orders as o
          on starts_with(l.hts_code, o.hts_prefix)
         and o.effective_on <= l.filed_date and (o.revoked_on is null or o.revoked_on > l.filed_date)
        group by all
    """).fetchall()
    frame = con.execute(f"""
        select l.entry_number, l.line_number, l.importer_number, l.filed_date,
               p.* exclude (entry_number, line_number),
               ln(1 + cast(l.entered_value_usd as double)) as log_value,
               case when l.quantity > 0 and l.entered_value_usd > 0
                    then ln(l.entered_value_usd / l.quantity) - uv.s / uv.n / {MICRO} end as unit_value_vs_norm,
               case when l.gross_weight_kg > 0 and l.entered_value_usd > 0
                    then ln(l.entered_value_usd / l.gross_weight_kg) - kg.s / kg.n / {MICRO}
               end as value_per_kg_vs_norm,
               cast(l.duty_rate as double) as duty_rate,
               cast(l.duty_rate as double) - dr.s / dr.n / {MICRO} as duty_rate_vs_chapter_norm,
               cast(l.is_preference_claimed as integer) as is_preference_claimed,
               case when l.spi_code is not null then coalesce(pref.n, 0) end as preference_origin_prior_lines,
               cast(l.adcvd_case is not null as integer) as has_adcvd_case,
               cast(l.adcvd_deposit_usd / nullif(l.entered_value_usd, 0) as double) as adcvd_deposit_rate,
               cast(coalesce(a.under_order, false) as integer) as under_adcvd_order,
               cast(coalesce(a.under_order_of_origin, false) as integer) as under_adcvd_order_of_origin,
               cast(coalesce(a.under_order, false) and l.adcvd_case is null as integer) as adcvd_order_without_case,
               cast(l.country_of_export <> l.country_of_origin as integer) as export_differs_from_origin,
               cast(substr(l.manufacturer_id, 1, 2) <> l.country_of_origin as integer) as manufacturer_country_differs,
               cast(l.is_related_party as integer) as is_related_party,
               try_cast(l.entry_type as integer) as entry_type,
               try_cast(l.mode_of_transport as integer) as mode_of_transport,
               l.lines_in_entry
        from risk_target_lines as l
        join risk_line_profiles as p on p.entry_number = l.entry_number and p.line_number = l.line_number
        left join risk_line_adcvd as a on a.entry_number = l.entry_number and a.line_number = l.line_number
        asof left join {norms["unit_value"]} as uv on uv.key = l.hs_subheading and l.filed_date > uv.day
        asof left join {norms["value_per_kg"]} as kg on kg.key = l.hs_subheading and l.filed_date > kg.day
        asof left join {norms["duty_rate"]} as dr on dr.key = l.hs_chapter and l.filed_date > dr.day
        asof left join {norms["preference_origin"]} as pref
          on pref.key = l.spi_code || '|' || l.country_of_origin and l.filed_date > pref.day
        order by l.filed_date, l.entry_number, l.line_number
    """).df()
    frame[FEATURES] = frame[FEATURES].astype("float64")
    return frame
