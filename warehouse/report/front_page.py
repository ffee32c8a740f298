"""The front page: "how are we doing?" in one screen. The headline measures for the latest fiscal quarter, each with
what it means, its 95% interval, and its change from the quarter before with whether that change is larger than
sampling error would explain; then where to read more."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

import pandas as pd

from warehouse.metrics.periods import prior_period
from warehouse.metrics.survey import change_test
from warehouse.report import formats
from warehouse.report.metric_sections import is_estimate_table

SIGNIFICANCE = 0.05


@dataclass(frozen=True)
class Headline:
    table: str
    measure: str
    name: str
    meaning: str
    better: str  # "lower" or "higher": which way is good news
    page: str


HEADLINES = (
    Headline(
        "compliance_rate",
        "mtd_rate_lines",
        "Import lines with a discrepancy",
        "Share of import lines that the random compliance sample found materially wrong (value, tariff "
        "code, origin or duty). Lower is better.",
        "lower",
        "compliance.html",
    ),
    Headline(
        "compliance_rate",
        "mtd_rate_value",
        "Import value with a discrepancy",
        "The same, weighted by value: the share of imported dollars on lines found materially wrong.",
        "lower",
        "compliance.html",
    ),
    Headline(
        "revenue_gap",
        "revenue_gap_net_usd",
        "Revenue gap",
        "Duty, deposits and fees owed but not paid (net of overpayments), estimated from the random sample.",
        "lower",
        "revenue-gap.html",
    ),
    Headline(
        "revenue_gap",
        "revenue_collected_rate",
        "Revenue collected",
        "Share of the revenue owed that importers actually paid. Higher is better.",
        "higher",
        "revenue-gap.html",
    ),
    Headline(
        "targeting_effectiveness",
        "hit_rate",
        "Targeted exam hit rate",
        "Share of lines examined because they were targeted that had a material discrepancy. Higher is better.",
        "higher",
        "targeting.html",
    ),
    Headline(
        "clearance_index",
        "clearance_speed_index",
        "Clearance speed index",
        "Typical hours from arrival to release of compliant goods, against the first quarter measured (= 100). "
        "Lower is faster.",
        "lower",
        "clearance.html",
    ),
)


@dataclass(frozen=True)
class Figure:
    """One headline's figures for the latest quarter, and its change from the quarter before."""

    period: str
    estimate: float | None
    low: float | None
    high: float | None
    n: int | None
    unit: str | None
    suppressed: bool
    note: str
    newer: str = ""  # later periods with no published estimate yet
    prior: str | None = None
    change: float | None = None
    p_value: float | None = None


def _overall(frame: pd.DataFrame, measure: str) -> pd.DataFrame:
    rows = frame[(frame["measure"] == measure) & (frame["domain"] == "overall")]
    quarters = rows[rows["period_kind"] == "fiscal_quarter"]
    return quarters if len(quarters) else rows[rows["period_kind"] == "fiscal_year"]


def latest_figure(frame: pd.DataFrame, measure: str, until: str | None = None) -> Figure | None:
    """The measure's overall estimate for its latest fiscal quarter (else year), with the change from the period
    before when both have an estimate: the table's own change test where it has one, else a z-test of two
    independent estimates (each quarter's sample is drawn afresh)."""
    if not is_estimate_table(frame):
        return None
    rows = _overall(frame, measure)
    if not len(rows):
        return None
    if until is not None and (rows["period_kind"] == "fiscal_quarter").all():
        # Every card speaks of the same quarter, the latest of the filed entries: exams and audits of goods filed
        # in it go on into the next, whose few figures so far would sit beside the others' full quarter.
        rows = rows[rows["period"] <= until]
        if not len(rows):
            return None
    rows = rows.sort_values("period")
    published = rows[rows["estimate"].notna() & ~rows["suppressed"].fillna(False).astype(bool)]
    # The latest quarter with a published estimate: a quarter only days old is suppressed (too few sampled lines)
    # and would blank the front page; the card says so and shows the one before.
    row = published.iloc[-1] if len(published) else rows.iloc[-1]
    later = rows[rows["period"] > row["period"]]
    suppressed = not formats.is_missing(row["suppressed"]) and bool(row["suppressed"])
    figure = Figure(
        period=str(row["period"]),
        estimate=None if formats.is_missing(row["estimate"]) or suppressed else float(row["estimate"]),
        low=None if formats.is_missing(row["ci_low"]) else float(row["ci_low"]),
        high=None if formats.is_missing(row["ci_high"]) else float(row["ci_high"]),
        n=None if formats.is_missing(row["n_sampled"]) else int(row["n_sampled"]),
        unit=None if formats.is_missing(row["unit"]) else str(row["unit"]),
        suppressed=suppressed,
        note="" if formats.is_missing(row["note"]) else str(row["note"]),
        newer=", ".join(later["period"].astype(str)),
    )
    before = prior_period(figure.period)
    if not before or figure.estimate is None:
        return figure
    earlier = rows[rows["period"] == before]
    if not len(earlier) or formats.is_missing(earlier.iloc[0]["estimate"]):
        return figure
    past = earlier.iloc[0]
    if "change_p_value" in row and not formats.is_missing(row.get("change_p_value")):
        return _with_change(figure, before, float(row["change"]), float(row["change_p_value"]))
    change, _, p_value = change_test(row["estimate"], row["std_error"], past["estimate"], past["std_error"])
    p = (
        float(p_value)
        if not formats.is_missing(row["std_error"]) and not formats.is_missing(past["std_error"])
        else None
    )
    return _with_change(figure, before, float(change), p)


def _with_change(figure: Figure, prior: str, change: float, p_value: float | None) -> Figure:
    return Figure(**{**figure.__dict__, "prior": prior, "change": change, "p_value": p_value})


def change_text(figure: Figure, better: str) -> tuple[str, str]:
    """(the change in words, its css class)."""
    if figure.estimate is None:
        return "", ""
    if figure.prior is None or figure.change is None:
        return "No earlier period to compare with yet.", "change"
    if figure.change == 0:
        return f"Unchanged from {figure.prior}.", "change"
    direction = "up" if figure.change > 0 else "down"
    arrow = "\u25b2" if figure.change > 0 else "\u25bc"
    if figure.unit == "rate":
        size = f"{abs(figure.change) * 100:.2f} points"
    else:
        size = formats.value(abs(figure.change), figure.unit)
    good = (figure.change < 0) == (better == "lower")
    if figure.p_value is None:
        verdict = "a census, no sampling test"
        return f"{arrow} {direction} {size} from {figure.prior}: {verdict}.", "change"
    if figure.p_value < SIGNIFICANCE:
        verdict = f"a real change, {'better' if good else 'worse'} (p = {formats.p_value(figure.p_value)})"
        return f"{arrow} {direction} {size} from {figure.prior}: {verdict}.", f"change real {'good' if good else 'bad'}"
    verdict = f"within sampling error (p = {formats.p_value(figure.p_value)})"
    return f"{arrow} {direction} {size} from {figure.prior}: {verdict}.", "change"


def card(headline: Headline, figure: Figure | None, computed: bool = True) -> str:
    """One headline's card; `computed`: its metric table exists (False: the measure was never computed)."""
    link = f'<a href="{headline.page}">Details</a>'
    if figure is None and not computed:
        body = '<p class="value not-computed">not computed</p>'
    elif figure is None:
        body = '<p class="value not-computed">no data yet</p>'
    elif figure.suppressed:
        body = f'<p class="value suppressed">{formats.SUPPRESSED}</p>'
    elif figure.estimate is None:
        body = f'<p class="value not-computed">no estimate</p><p class="interval">{escape(figure.note)}</p>'
    else:
        interval = formats.interval(figure.low, figure.high, figure.unit)
        if figure.low is not None and figure.high is not None:
            spread = f"95% interval {escape(interval)}"
        elif figure.note.lower().startswith("interval withheld"):
            # The sample cannot say how precise this one is (too few discrepant lines, or a few large ones).
            spread = escape(figure.note[:1].upper() + figure.note[1:])
        else:
            spread = "a census: no sampling interval"
        n = f" \u00b7 n = {figure.n:,}" if figure.n is not None else ""
        text, cls = change_text(figure, headline.better)
        body = (
            f'<p class="value">{escape(formats.value(figure.estimate, figure.unit))}</p>'
            f'<p class="interval">{spread}{n}</p><p class="{cls}">{escape(text)}</p>'
        )
        if figure.newer:
            body += f'<p class="interval">{escape(figure.newer)}: too few sampled units yet.</p>'
    period = f" <small>{escape(figure.period)}</small>" if figure else ""
    return (
        f'<div class="card" data-measure="{escape(headline.measure)}"><h3>{escape(headline.name)}{period}</h3>'
        f'{body}<p class="meaning">{escape(headline.meaning)} {link}</p></div>'
    )


def headline_cards(frames: dict[str, pd.DataFrame], until: str | None = None) -> tuple[str, int]:
    """The cards (for the fiscal quarter `until`, that of the latest filing date, when known), and how many hold an
    estimate."""
    cards, shown = [], 0
    for headline in HEADLINES:
        frame = frames.get(headline.table)
        figure = latest_figure(frame, headline.measure, until) if frame is not None else None
        shown += bool(figure and figure.estimate is not None)
        cards.append(card(headline, figure, computed=frame is not None))
    return f'<div class="cards">{"".join(cards)}</div>', shown
