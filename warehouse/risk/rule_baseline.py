"""The "rules alone" baseline of the evaluation: how strongly the targeting rules would select each line.

The contract carries a rule's criteria only as text (`rules.description`, e.g. "ipr lines in chapters 42, 71, 95
from CN"). A rule matches a line when the line's HS chapter is one of the chapters named and, if a country follows
"from", the line's origin is that country; when the text says "or from" (`... chapters 42, 71, 95 or from CN`),
a line in one of the chapters or from that country matches. A rule whose text names no chapter is matched by its
footprint instead: the (chapter, origin) pairs of the lines it selected in exams completed before the cutoff. Only
rules in force on the line's filing day count (created_on <= filed_date < retired_on).

Score of a line = the largest smoothed hit rate, before the cutoff, among the rules that match it (0 when none):
the rules' own track record decides how strongly they select, as a targeting officer would rank rule hits.
"""

from __future__ import annotations

import re
from datetime import date

import duckdb
import pandas as pd

from warehouse.risk.profiles import PRIOR_EXAMS
from warehouse.sql_files import query

_CHAPTERS = re.compile(r"chapters?\s+(\d{2}(?:\s*(?:,|and|or)\s*\d{2})*)", re.IGNORECASE)
_ORIGIN = re.compile(r"\b(or\s+)?from\s+([A-Z]{2})\b")


def parse_criteria(description: str | None) -> tuple[list[str], str | None, bool]:
    """(chapters, origin or None, either) named by a rule's description: `either` when a line matches by chapter or
    by origin ("or from"), else it must match both; no chapters when it names none."""
    text = description or ""
    found = _CHAPTERS.search(text)
    chapters = re.findall(r"\d{2}", found.group(1)) if found else []
    origin = _ORIGIN.search(text)
    if not origin:
        return chapters, None, False
    return chapters, origin.group(2), origin.group(1) is not None


def criteria_rows(rule_id: str, description: str | None) -> list[tuple[str, str | None, str | None]]:
    """(rule_id, hs_chapter, country_of_origin) rows a line matches when it matches every non-null field of one."""
    chapters, origin, either = parse_criteria(description)
    if either:
        return [(rule_id, chapter, None) for chapter in chapters] + [(rule_id, None, origin)]
    return [(rule_id, chapter, origin) for chapter in chapters]


def create_rule_criteria(con: duckdb.DuckDBPyConnection, cutoff: date) -> None:
    """Temp table risk_rule_criteria (rule_id, hs_chapter, country_of_origin null = any, created_on, retired_on,
    strength)."""
    rules = con.execute("select rule_id, rule_description from marts.dim_rules").fetchall()
    rows = []
    for rule_id, description in rules:
        rows += criteria_rows(rule_id, description)
    parsed = pd.DataFrame(rows, columns=["rule_id", "hs_chapter", "country_of_origin"], dtype="string")
    con.register("risk_parsed_rules", parsed)
    con.execute(query(__package__, "rule_baseline_criteria"), {"cutoff": cutoff, "prior_exams": PRIOR_EXAMS}).fetchall()
    con.unregister("risk_parsed_rules")


def rule_scores(con: duckdb.DuckDBPyConnection, lines: pd.DataFrame, cutoff: date) -> pd.Series:
    """The rule score of each row of `lines` (entry_number, line_number), aligned with it."""
    create_rule_criteria(con, cutoff)
    con.register("risk_rule_targets", lines[["entry_number", "line_number"]])
    scored = con.execute(query(__package__, "rule_baseline_scores")).df()
    con.unregister("risk_rule_targets")
    merged = lines[["entry_number", "line_number"]].merge(scored, on=["entry_number", "line_number"], how="left")
    return merged["rule_score"].fillna(0.0).astype("float64")
