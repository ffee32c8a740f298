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
    con.execute(
        """
        create or replace temp table risk_rule_criteria as
        with history as (
            select x.rule_id, x.is_material, l.hs_chapter, l.country_of_origin
            from marts.fct_exams as x join marts.fct_entry_lines as l using (entry_number, line_number)
            where x.selection_reason = 'targeting_rule' and x.rule_id is not null
              and x.completed_at is not null and cast(x.completed_at as date) < ?
        ),
        base as (select coalesce(avg(cast(is_material as double)), 0) as rate from history),
        strength as (
            select r.rule_id,
                   (count(h.is_material) filter (where h.is_material) + ? * base.rate)
                   / (count(h.is_material) + ?) as strength
            from marts.dim_rules as r cross join base left join history as h using (rule_id)
            group by r.rule_id, base.rate
        ),
        footprint as (
            select distinct h.rule_id, h.hs_chapter, h.country_of_origin
            from history as h anti join risk_parsed_rules as p using (rule_id)
        )
        select c.rule_id, c.hs_chapter, c.country_of_origin, r.created_on, r.retired_on, s.strength
        from (select * from risk_parsed_rules union all select * from footprint) as c
        join marts.dim_rules as r using (rule_id)
        join strength as s using (rule_id)
        """,
        [cutoff, PRIOR_EXAMS, PRIOR_EXAMS],
    ).fetchall()
    con.unregister("risk_parsed_rules")


def rule_scores(con: duckdb.DuckDBPyConnection, lines: pd.DataFrame, cutoff: date) -> pd.Series:
    """The rule score of each row of `lines` (entry_number, line_number), aligned with it."""
    create_rule_criteria(con, cutoff)
    con.register("risk_rule_targets", lines[["entry_number", "line_number"]])
    scored = con.execute("""
        select t.entry_number, t.line_number, coalesce(max(c.strength), 0) as rule_score
        from risk_rule_targets as t
        join marts.fct_entry_lines as l using (entry_number, line_number)
        left join risk_rule_criteria as c
          on (c.hs_chapter is null or c.hs_chapter = l.hs_chapter)
         and (c.country_of_origin is null or c.country_of_origin = l.country_of_origin)
         and c.created_on <= l.filed_date and (c.retired_on is null or c.retired_on > l.filed_date)
        group by all
    """).df()
    con.unregister("risk_rule_targets")
    merged = lines[["entry_number", "line_number"]].merge(scored, on=["entry_number", "line_number"], how="left")
    return merged["rule_score"].fillna(0.0).astype("float64")
