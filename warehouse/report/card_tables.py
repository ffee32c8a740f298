"""Report cards as a leader reads them: one compact row per port (or priority trade issue) for the latest fiscal
quarter, ranked on the card's lead measure with the direction said in words ("1 = lowest discrepancy rate"), the
sample size it rests on, the change from the quarter before, and a few key measures beside it. Sortable in the
browser by any column (page.SORT_SCRIPT, inline). Values whose lead measure is suppressed are listed apart, unranked.
Every measure of every card is in the exported table."""

from __future__ import annotations

from html import escape

import pandas as pd

from warehouse.report import formats, titles
from warehouse.report.metric_sections import headline_period

# The measures a card shows, in order; the first present is the one the card ranks by.
KEY_MEASURES = (
    "mtd_rate_lines",
    "mtd_rate_value",
    "arrival_to_release_hours_median",
    "hit_rate",
    "revenue_found_usd",
    "exams",
    "audits",
    "seizures",
    "penalty_cases",
)
MAX_COLUMNS = 6
# What rank 1 means, in words, for the lead measures; else by the card's rank_direction.
RANK_ONE = {
    "mtd_rate_lines": "1 = highest compliance (lowest share of lines with a discrepancy)",
    "mtd_rate_value": "1 = highest compliance (lowest share of value with a discrepancy)",
    "arrival_to_release_hours_median": "1 = fastest release",
    "hit_rate": "1 = highest hit rate",
}
DIRECTION = {
    "lower_is_better": "1 = lowest",
    "higher_is_better": "1 = highest",
    "largest_first": "1 = largest",
}
SHORT = {
    "mtd_rate_lines": "Discrepancy rate, lines",
    "mtd_rate_value": "Discrepancy rate, value",
    "arrival_to_release_hours_median": "Arrival to release, median",
    "hit_rate": "Targeted hit rate",
    "revenue_found_usd": "Revenue found",
    "exams": "Exams",
    "audits": "Audits",
    "seizures": "Seizures",
    "penalty_cases": "Penalty cases",
}


def _latest(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows of the headline period (latest fiscal quarter, else year, else any) of one measure."""
    chosen = headline_period(rows) if len(rows) else None
    if chosen is None:
        return rows
    return rows[(rows["period_kind"] == chosen[0]) & (rows["period"] == chosen[1])]


def _suppressed(r: dict) -> bool:
    return not formats.is_missing(r.get("suppressed")) and bool(r["suppressed"])


def _change(r: dict, unit: str | None) -> tuple[str, float | None]:
    trend = formats.number(r.get("trend"))
    if trend is None:
        return formats.DASH, None
    arrow = "\u25b2" if trend > 0 else "\u25bc" if trend < 0 else "="
    size = f"{abs(trend) * 100:.2f} pts" if unit == "rate" else formats.value(abs(trend), unit)
    return f"{arrow} {size}", trend


def _cell(r: dict | None) -> str:
    if r is None:
        return f'<td class="num" data-sort="">{formats.DASH}</td>'
    unit = r["unit"]
    if _suppressed(r) or formats.is_missing(r["estimate"]):
        n = formats.count(r.get("n_sampled"))
        return f'<td class="num suppressed" data-sort="" title="{formats.SUPPRESSED}, n = {n}">n &lt; 30</td>'
    hint = f"n = {formats.count(r.get('n_sampled'))}"
    if not formats.is_missing(r.get("ci_low")) and not formats.is_missing(r.get("ci_high")):
        hint = f"95% interval {formats.interval(r['ci_low'], r['ci_high'], unit)}, {hint}"
    return (
        f'<td class="num" data-sort="{float(r["estimate"]):.12g}" title="{escape(hint)}">'
        f"{escape(formats.value(r['estimate'], unit))}</td>"
    )


def card_table(frame: pd.DataFrame, labels: dict | None = None) -> str:
    """The ranked table and the unranked list below it; '' when the frame holds no card rows."""
    if not all(c in frame.columns for c in ("rank", "rank_of", "rank_direction")):
        return ""
    cards = frame[frame["domain"] != "overall"]
    if not len(cards):
        return ""
    domain = str(cards["domain"].iloc[0])
    present = [m for m in KEY_MEASURES if m in set(cards["measure"])]
    if not present:
        return ""
    shown = present[:MAX_COLUMNS]
    lead = shown[0]
    latest = {m: _latest(cards[cards["measure"] == m]) for m in shown}
    by_value = {m: {str(r["domain_value"]): r for r in latest[m].to_dict("records")} for m in shown}
    lead_rows = by_value[lead]
    period = str(latest[lead]["period"].iloc[0])
    direction = RANK_ONE.get(lead) or DIRECTION.get(str(latest[lead]["rank_direction"].iloc[0]), "1 = first")
    names = (labels or {}).get(domain)
    ranked = sorted(
        (v for v, r in lead_rows.items() if not formats.is_missing(r.get("rank"))),
        key=lambda v: (int(lead_rows[v]["rank"]), v),
    )
    unranked = sorted(v for v in lead_rows if v not in set(ranked))
    unit = lead_rows[ranked[0]]["unit"] if ranked else None
    what = titles.domain_title(domain).lower()
    intro = (
        f'<p class="intro">{period}. Ranked by {escape(titles.measure_title(lead))}: '
        f"<b>{escape(direction)}</b> among the {len(ranked):,} {escape(what)}s with at least 30 sampled units. "
        "Click a column to sort; hover a value for its 95% interval and n. Change: from the quarter before.</p>"
    )
    headers = [
        "Rank",
        escape(titles.domain_title(domain)),
        "n (sampled)",
        f"{escape(SHORT.get(lead, titles.measure_title(lead)))}",
        "Change",
        *(escape(SHORT.get(m, titles.measure_title(m))) for m in shown[1:]),
    ]
    head = "".join(f"<th>{h}</th>" for h in headers)
    body = []
    for value in ranked:
        r = lead_rows[value]
        change, trend = _change(r, unit)
        sort = "" if trend is None else f"{trend:.12g}"
        body.append(
            f'<tr><td class="num" data-sort="{int(r["rank"])}">{int(r["rank"])}</td>'
            f"<td>{escape(titles.value_title(value, names))}</td>"
            f'<td class="num" data-sort="{int(r["n_sampled"]) if not formats.is_missing(r["n_sampled"]) else ""}">'
            f"{formats.count(r['n_sampled'])}</td>"
            f"{_cell(r)}"
            f'<td class="num" data-sort="{sort}">{escape(change)}</td>'
            + "".join(_cell(by_value[m].get(value)) for m in shown[1:])
            + "</tr>"
        )
    table = (
        f'<div class="scroll"><table class="data sortable cards-table" data-rows="{len(ranked)}">'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
    )
    if not ranked:
        table = f'<p class="not-computed">No {escape(what)} has 30 or more sampled units for this measure.</p>'
    rest = ""
    if unranked:
        listed = ", ".join(
            f"{escape(titles.value_title(v, names))} (n = {formats.count(lead_rows[v].get('n_sampled'))})"
            for v in unranked
        )
        rest = (
            f"<details><summary>{len(unranked):,} {escape(what)}s not ranked: fewer than 30 sampled units in "
            f'{period}</summary><p class="note">{listed}</p></details>'
        )
    return intro + table + rest
