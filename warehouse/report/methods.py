"""The methods appendix: where the statistical wording lives, one sentence per method, so the pages a leader reads
carry figures and plain words and link here ("how this is estimated"). Under each method, the method notes the
metric table itself carries (the `note` column's wording that is about the method, not about one cell)."""

from __future__ import annotations

from html import escape

import pandas as pd

from warehouse.metrics.estimates import MIN_SAMPLED

# Notes that speak of one cell (why it is suppressed or has no interval) stay beside that cell; the rest describe
# how a whole measure is estimated and belong here.
CELL_NOTE_PREFIXES = ("suppressed", "interval withheld", "not estimable", "no ")

GENERAL = (
    (
        "sample",
        "The random sample",
        "Most measures are estimated from the compliance-measurement random sample, a stratified random sample of "
        "entry lines examined whatever their risk; each sampled line stands for the lines of its stratum through "
        "its sampling weight, so the estimates describe all imports, not only the ones officers chose to examine.",
    ),
    (
        "intervals",
        "95% intervals",
        "An interval is the range that, over repeated samples, would contain the true value 95 times in 100; "
        "intervals of shares stay within 0-100% by construction (Korn-Graubard for rates by line, Hall's "
        "skewness-corrected interval cut to [0, 1] for rates by value, the collected share mapped from the "
        "revenue gap's interval), and docs/metrics.md shows how often they covered the truth on test populations.",
    ),
    (
        "withheld",
        "Withheld intervals",
        "Where a group is too small to expect ten discrepant lines at the overall rate, or a few very large lines "
        "carry an estimate, its interval is withheld and the estimate shown alone: the sample cannot say how "
        "precise it is, which is not the same as zero.",
    ),
    (
        "suppressed",
        "Suppressed cells",
        f"A cell resting on fewer than {MIN_SAMPLED} sampled units is not shown at all (suppressed): its estimate "
        "would be too unstable to read.",
    ),
    (
        "change",
        "Real changes",
        "A change from the quarter before is called real when a two-sided z-test of the difference between the "
        "two quarters' independent samples gives p < 0.05; otherwise it is within sampling error.",
    ),
    (
        "ranks",
        "Report card ranks",
        "Ports and trade issues are ranked on the card's lead measure among those with a published estimate; "
        "neighbouring ranks often differ by less than their intervals, so read ranks with the interval beside them.",
    ),
)

# One sentence per metric table's method (the table's own notes follow it on the page).
TABLE_METHODS = {
    "compliance_rate": "Discrepancy (MTD) rates are ratios of weighted sums over the random sample, by line and "
    "by value, with linearisation (Taylor) variance within the sample's strata.",
    "revenue_gap": "The revenue gap is the weighted sum of owed-minus-paid over the random sample (a "
    "Horvitz-Thompson total); the collected share divides the known declared total by declared plus that gap.",
    "clearance_speed": "Clearance times are a census of released compliant entries; their medians and 90th "
    "percentiles get distribution-free intervals that read the quarter's entries as draws from the clearance "
    "process.",
    "clearance_index": "The clearance speed index is a fixed-weight (Laspeyres) index of median arrival-to-release "
    "hours by type of goods against the first quarter measured; it has no sampling interval.",
    "partnership": "Partnership measures are counted over every importer concerned (programme members verified "
    "twice or more, the 500 largest importers enrolled), with binomial standard errors and Wilson intervals.",
    "targeting_effectiveness": "Targeting measures count every exam (a census); hit rates get Wilson intervals "
    "treating exams as clusters of lines, and lift divides the hit rate by the random sample's discrepancy rate.",
    "deterrence": "Deterrence compares importers' discrepancy rates before and after a penalty, seizure or audit "
    "finding with comparable importers over the same windows (a difference in differences), with intervals from a "
    "bootstrap over importers.",
    "report_card_ports": "Port report cards gather each port's figures from the tables above and rank ports.",
    "report_card_ptis": "Trade issue report cards gather each priority trade issue's figures and rank them.",
}


def is_method_note(note) -> bool:
    return isinstance(note, str) and bool(note) and not note.lower().startswith(CELL_NOTE_PREFIXES)


def method_notes(frame: pd.DataFrame) -> list[str]:
    """The distinct notes of a metric table that describe its method, in order of first appearance."""
    if "note" not in frame.columns:
        return []
    return [n for n in dict.fromkeys(frame["note"].dropna().astype(str)) if is_method_note(n)]


def anchor(table: str) -> str:
    return f"method-{table.replace('_', '-')}"


def link(table: str, text: str = "How this is estimated") -> str:
    return f'<a class="method" href="methods.html#{anchor(table)}">{escape(text)}</a>'


def render(frames: dict[str, pd.DataFrame], titles: dict[str, str]) -> str:
    parts = ["<h2>How to read the figures</h2><dl>"]
    for key, title, sentence in GENERAL:
        parts.append(f'<dt id="method-{key}"><b>{escape(title)}</b></dt><dd>{escape(sentence)}</dd>')
    parts.append("</dl><h2>Each measure</h2>")
    for table, title in titles.items():
        sentence = TABLE_METHODS.get(table, "")
        notes = method_notes(frames[table]) if table in frames else []
        listed = "".join(f"<li><code>{escape(n)}</code></li>" for n in notes)
        parts.append(
            f'<h3 id="{anchor(table)}">{escape(title)}</h3><p>{escape(sentence)}</p>'
            + (
                f'<p class="note">As the table records it (<code>metrics.{escape(table)}.note</code>):</p>'
                f'<ul class="note">{listed}</ul>'
                if listed
                else ""
            )
        )
    return "".join(parts)
