"""Account risk: one score per importer number (risk.account_scores) and per resolved entity (risk.entity_scores).

The score adds three log relative risks, each 0 for an account like the average one:
- history: its material discrepancy rate on examined lines, shrunk toward the rate of all examined lines with a
  prior worth `HISTORY_PRIOR_LINES` lines, over that rate;
- line model: the mean P(material) of its lines in risk.line_scores, shrunk the same way (`MODEL_PRIOR_LINES`),
  over the mean of all scored lines;
- enforcement: a log multiplier per penalty (by culpability), seizure and audit finding, halved every
  `ENFORCEMENT_HALF_LIFE_DAYS` before the as-of date.
score = 100 x sigmoid(index - log 4): an average account scores 20, four times the average risk 50, sixteen times 80.
The multipliers are set by judgement, not fitted; the tests measure how the score ranks the generator's truth.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from warehouse.db import table_exists
from warehouse.sql_files import query

HISTORY_PRIOR_LINES = 50.0
MODEL_PRIOR_LINES = 20.0
ENFORCEMENT_HALF_LIFE_DAYS = 365.0
# Log multipliers of the risk per enforcement event (at age 0).
PENALTY_MULTIPLIER = {"fraud": 4.0, "gross_negligence": 3.0, "negligence": 2.0}
OTHER_PENALTY_MULTIPLIER = 2.0  # e.g. 19 USC 1526 (IPR) cases, which carry no culpability
SEIZURE_MULTIPLIER = 1.5
AUDIT_FINDING_MULTIPLIER = 2.0
PENALTY_REFERRAL_MULTIPLIER = 1.5  # on top of the finding
MAX_ENFORCEMENT_MULTIPLIER = 50.0
AVERAGE_SCORE_OFFSET = math.log(4.0)
BANDS = ((25.0, "low"), (50.0, "medium"), (75.0, "high"), (math.inf, "very high"))
TOP_REASONS = 3
REASON_SEPARATOR = " | "


def _require(con, table: str) -> None:
    if not table_exists(con, *table.split(".")):
        raise RuntimeError(f"{table} is missing: build it first (account risk reads it)")


def load_inputs(con) -> dict:
    """Accounts, exam history, line-score sums, enforcement events and entity links, as frames."""
    for table in ("risk.line_scores", "risk.importer_entities"):
        _require(con, table)
    return {
        "accounts": con.execute(query(__package__, "account_risk_accounts")).df(),
        "history": con.execute(query(__package__, "account_risk_history")).df(),
        "model": con.execute(query(__package__, "account_risk_model")).df(),
        "events": con.execute(query(__package__, "account_risk_events")).df(),
        "entities": con.execute("select importer_number, entity_id from risk.importer_entities").df(),
        "as_of": pd.Timestamp(con.execute(query(__package__, "account_risk_as_of")).fetchone()[0]),
    }


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else (plural or word + 's')}"


def event_points(events: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Each enforcement event with its log multiplier after decay, and its reason in words."""
    out = events.copy()
    when = pd.to_datetime(out["event_on"])
    age = (as_of - when).dt.days.clip(lower=0).astype(float)
    base = np.where(
        out["kind"] == "penalty",
        out["detail"].map(PENALTY_MULTIPLIER).fillna(OTHER_PENALTY_MULTIPLIER),
        np.where(out["kind"] == "seizure", SEIZURE_MULTIPLIER, AUDIT_FINDING_MULTIPLIER),
    ).astype(float)
    base = base * np.where(out["referral"].fillna(False), PENALTY_REFERRAL_MULTIPLIER, 1.0)
    out["points"] = np.log(base) * 0.5 ** (age / ENFORCEMENT_HALF_LIFE_DAYS)
    out["day"] = when.dt.date.astype(str)
    return out


def _event_reasons(events: pd.DataFrame) -> list[tuple[float, str]]:
    """Reasons from one account's scored events: each penalty and audit finding, the seizures together."""
    reasons: list[tuple[float, str]] = []
    # Column by column (as itertuples reads them): a frame's rows carry no types, its columns' values do.
    penalties = events[events["kind"] == "penalty"]
    for points, detail, day in zip(penalties["points"], penalties["detail"], penalties["day"], strict=True):
        what = detail.replace("_", " ") if detail in PENALTY_MULTIPLIER else f"a {detail} violation"
        reasons.append((points, f"penalty for {what} on {day}"))
    findings = events[events["kind"] == "audit_finding"]
    columns = (findings[c] for c in ("points", "detail", "day", "amount_usd", "referral"))
    for points, detail, day, amount_usd, referral in zip(*columns, strict=True):
        text = f"audit finding ({detail.replace('_', ' ')}) on {day}: ${amount_usd:,.0f} revenue loss"
        reasons.append((points, text + (", referred for penalty" if referral else "")))
    seizures = events[events["kind"] == "seizure"]
    if len(seizures):
        kinds = ", ".join(sorted(seizures["detail"].str.replace("_", " ").unique()))
        text = f"{_plural(len(seizures), 'seizure')} ({kinds}), latest on {seizures['day'].max()}"
        reasons.append((seizures["points"].sum(), text))
    return reasons


def score_accounts(frame: pd.DataFrame, events: pd.DataFrame, key: str) -> pd.DataFrame:
    """Score rows of `frame` (one per `key`, with examined_lines, material_lines, revenue_found_usd, scored_lines,
    sum_p_material, expected_revenue_usd) using `events` (event_points output, with a `key` column)."""
    out = frame.copy()
    for column in ("examined_lines", "material_lines", "scored_lines"):
        out[column] = out[column].fillna(0).astype("int64")
    for column in ("revenue_found_usd", "sum_p_material", "expected_revenue_usd"):
        out[column] = out[column].fillna(0.0).astype(float)
    # The reference rates are those of every examined / scored line, so an average account sits at 0.
    p0 = out["material_lines"].sum() / max(out["examined_lines"].sum(), 1)
    q0 = out["sum_p_material"].sum() / max(out["scored_lines"].sum(), 1)
    n, k = out["examined_lines"], out["material_lines"]
    out["material_rate"] = k / n.where(n > 0)
    out["material_rate_smoothed"] = (k + HISTORY_PRIOR_LINES * p0) / (n + HISTORY_PRIOR_LINES)
    out["history_points"] = np.log(out["material_rate_smoothed"] / p0) if p0 > 0 else 0.0
    scored = out["scored_lines"]
    out["mean_p_material"] = out["sum_p_material"] / scored.where(scored > 0)
    smoothed_p = (out["sum_p_material"] + MODEL_PRIOR_LINES * q0) / (scored + MODEL_PRIOR_LINES)
    out["model_points"] = np.log(smoothed_p / q0) if q0 > 0 else 0.0
    by_key = events.groupby(key)
    counts = by_key["kind"].value_counts().unstack(fill_value=0)
    for kind in ("penalty", "seizure", "audit_finding"):
        out[f"{kind}_count"] = out[key].map(counts.get(kind, {})).fillna(0).astype("int64")
    # Mapped through dicts: an empty grouped Series would carry a dtype that map() cannot cast (no events at all).
    latest = pd.to_datetime(events["event_on"]).groupby(events[key]).max().dt.date.to_dict()
    out["last_enforcement_on"] = out[key].map(latest)
    total = out[key].map(by_key["points"].sum().to_dict()).fillna(0.0).astype(float)
    out["enforcement_points"] = total.clip(upper=math.log(MAX_ENFORCEMENT_MULTIPLIER))
    out["risk_index"] = out["history_points"] + out["model_points"] + out["enforcement_points"]
    out["score"] = 100.0 / (1.0 + np.exp(-(out["risk_index"] - AVERAGE_SCORE_OFFSET)))
    out["band"] = pd.cut(out["score"], [-math.inf, *(b for b, _ in BANDS)], labels=[n for _, n in BANDS]).astype(str)
    out["score_rank"] = out["score"].rank(ascending=False, method="min").astype("int64")
    events_of = dict(tuple(events.groupby(key)))
    # Only the columns the reasons read, as plain Python values: `to_dict("records")` of every column took 4 s on a
    # full-scale day's 242,000 accounts.
    reason_columns = [key, *REASON_INPUTS]
    rows = zip(*(out[c].astype(object).where(out[c].notna(), None).tolist() for c in reason_columns), strict=True)
    out["top_reasons"] = [
        _reasons(dict(zip(reason_columns, values, strict=True)), p0, q0, events_of.get(values[0])) for values in rows
    ]
    return out.drop(columns=["sum_p_material"]).sort_values(["score_rank", key]).reset_index(drop=True)


REASON_INPUTS: tuple[str, ...] = (
    "examined_lines",
    "material_lines",
    "revenue_found_usd",
    "history_points",
    "scored_lines",
)
REASON_INPUTS += ("mean_p_material", "expected_revenue_usd", "model_points")


def _reasons(row: dict, p0: float, q0: float, events: pd.DataFrame | None) -> str:
    """The account's largest positive contributions, in words."""
    reasons: list[tuple[float, str]] = []
    n, k = row["examined_lines"], row["material_lines"]
    if n > 0:
        text = (
            f"{_plural(k, 'material discrepancy', 'material discrepancies')} in {n} examined lines "
            f"({k / n:.1%} vs {p0:.1%} for all examined lines)"
        )
        if row["revenue_found_usd"] > 0:
            text += f", ${row['revenue_found_usd']:,.0f} revenue found"
        reasons.append((row["history_points"], text))
    if row["scored_lines"] > 0:
        text = (
            f"line model: mean P(material) {row['mean_p_material']:.1%} on {row['scored_lines']} lines vs "
            f"{q0:.1%}, ${row['expected_revenue_usd']:,.0f} expected revenue at stake"
        )
        reasons.append((row["model_points"], text))
    if events is not None:
        reasons.extend(_event_reasons(events))
    positive = sorted((r for r in reasons if r[0] > 0.01), key=lambda r: -r[0])[:TOP_REASONS]
    if not positive:
        return "no adverse record" + (f": {n} examined lines, {k} material" if n else "")
    return REASON_SEPARATOR.join(text for _, text in positive)


# The tables' columns and types, declared: a warehouse without accounts still gets the full schema (the columns of
# an empty frame carry no type).
ACCOUNT_TYPES = {
    "importer_number": "varchar", "legal_name": "varchar", "entity_id": "varchar", "as_of_date": "date",
    "line_count": "bigint", "entered_value_usd": "double", "examined_lines": "bigint", "material_lines": "bigint",
    "material_rate": "double", "material_rate_smoothed": "double", "revenue_found_usd": "double",
    "scored_lines": "bigint", "mean_p_material": "double", "expected_revenue_usd": "double",
    "penalty_count": "bigint", "seizure_count": "bigint", "audit_finding_count": "bigint",
    "last_enforcement_on": "date", "history_points": "double", "model_points": "double",
    "enforcement_points": "double", "risk_index": "double", "score": "double", "band": "varchar",
    "score_rank": "bigint", "top_reasons": "varchar",
}  # fmt: skip
ENTITY_TYPES = {
    "entity_id": "varchar", "importer_count": "bigint", "importer_numbers": "varchar", "legal_names": "varchar",
    "as_of_date": "date", "line_count": "bigint", "entered_value_usd": "double",
    **dict(list(ACCOUNT_TYPES.items())[6:]),
}  # fmt: skip
ACCOUNT_COLUMNS = list(ACCOUNT_TYPES)
ENTITY_COLUMNS = list(ENTITY_TYPES)


def joined(accounts: pd.DataFrame, column: str, separator: str) -> pd.Series:
    """Per entity_id, the distinct non-null values of `column` sorted and joined by `separator` ('' when none).
    Most entities hold one number: those take their value as it is, and only the groups of two or more are joined
    in Python (a Python call per group took 26 s on a full-scale day's 242,000 single-number entities)."""
    values = accounts[["entity_id", column]].dropna().drop_duplicates().sort_values(["entity_id", column])
    sizes = values.groupby("entity_id")[column].transform("size")
    single = values[sizes == 1].set_index("entity_id")[column]
    several = values[sizes > 1].groupby("entity_id")[column].agg(separator.join)
    out = pd.concat([single, several])
    return out.reindex(accounts["entity_id"].unique(), fill_value="")


def account_and_entity_scores(inputs: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(account scores, entity scores) from `load_inputs` frames."""
    accounts = inputs["accounts"].merge(inputs["history"], on="importer_number", how="left")
    accounts = accounts.merge(inputs["model"], on="importer_number", how="left")
    entities = inputs["entities"].drop_duplicates("importer_number")
    accounts = accounts.merge(entities, on="importer_number", how="left")
    # A number the resolution did not cover is its own entity.
    accounts["entity_id"] = accounts["entity_id"].fillna(accounts["importer_number"])
    events = event_points(inputs["events"], inputs["as_of"])
    events = events.merge(accounts[["importer_number", "entity_id"]], on="importer_number", how="left")
    events["entity_id"] = events["entity_id"].fillna(events["importer_number"])
    as_of = inputs["as_of"].date()

    scored = score_accounts(accounts, events, "importer_number").assign(as_of_date=as_of)
    sums = ["line_count", "entered_value_usd", "examined_lines", "material_lines", "revenue_found_usd"]
    sums += ["scored_lines", "sum_p_material", "expected_revenue_usd"]
    grouped = accounts.groupby("entity_id")
    per_entity = grouped[sums].sum(min_count=1).reset_index()
    per_entity["importer_count"] = per_entity["entity_id"].map(grouped["importer_number"].count())
    per_entity["importer_numbers"] = per_entity["entity_id"].map(joined(accounts, "importer_number", ", "))
    per_entity["legal_names"] = per_entity["entity_id"].map(joined(accounts, "legal_name", "; "))
    entity = score_accounts(per_entity, events, "entity_id").assign(as_of_date=as_of)
    return scored[ACCOUNT_COLUMNS], entity[ENTITY_COLUMNS]


def _write(con, table: str, frame: pd.DataFrame, types: dict[str, str]) -> None:
    con.execute("create schema if not exists risk")
    con.register("_account_frame", frame)
    try:
        columns = ", ".join(f"cast({name} as {kind}) as {name}" for name, kind in types.items())
        con.execute(f"create or replace table risk.{table} as select {columns} from _account_frame")
    finally:
        con.unregister("_account_frame")


def build_account_scores(con) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(Re)build risk.account_scores and risk.entity_scores; returns both frames."""
    accounts, entities = account_and_entity_scores(load_inputs(con))
    con.execute("begin")
    try:
        _write(con, "account_scores", accounts, ACCOUNT_TYPES)
        _write(con, "entity_scores", entities, ENTITY_TYPES)
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return accounts, entities
