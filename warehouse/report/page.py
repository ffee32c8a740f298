"""The report's HTML page: one self-contained file (inline CSS, inline SVG, no script, nothing fetched)."""

from __future__ import annotations

from html import escape

from warehouse.metrics.estimates import MIN_SAMPLED

STYLE = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #222; margin: 0; }
header, main, nav { max-width: 1180px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 24px; }
h1 { margin: 0 0 4px; font-size: 26px; }
h2 { border-bottom: 2px solid #1f5fa8; padding-bottom: 4px; margin-top: 40px; }
h3 { margin: 28px 0 8px; }
nav ol { columns: 3; padding-left: 20px; }
.reading { background: #f4f7fb; border-left: 4px solid #1f5fa8; padding: 8px 14px; }
figure.tw-chart { margin: 12px 0 20px; overflow-x: auto; }
figure.tw-chart svg { max-width: 100%; height: auto; display: block; }
figure.tw-chart svg text { fill: #333; }
figcaption { color: #555; font-size: 13px; margin-top: 4px; }
table { border-collapse: collapse; margin: 8px 0 16px; font-size: 13px; }
th, td { border-bottom: 1px solid #e3e3e3; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.values { font-size: 12px; }
.suppressed, .not-computed { color: #888; font-style: italic; }
.status.good { color: #2f6f3a; font-weight: 600; }
.status.bad { color: #b3261e; font-weight: 600; }
.note { color: #555; font-size: 13px; }
ul.facts { list-style: none; padding: 0; display: flex; gap: 28px; flex-wrap: wrap; font-size: 15px; }
details { margin: 4px 0 16px; }
summary { cursor: pointer; color: #1f5fa8; }
"""

READING = (
    "Estimates come from the compliance-measurement random sample (weighted by its sampling weights) unless a "
    "measure says it is a census. Each figure prints its estimate, its 95% interval and the number of sampled "
    f"units it rests on (n). Cells with fewer than {MIN_SAMPLED} sampled units are suppressed: no estimate is "
    f'shown and they read "suppressed (n &lt; {MIN_SAMPLED})". Every table is also exported as CSV and Parquet.'
)


def document(title: str, subtitle: str, sections: list[tuple[str, str, str]]) -> str:
    """The page: a title, how to read it, contents, then each (anchor, heading, body) section."""
    contents = "".join(f'<li><a href="#{anchor}">{escape(heading)}</a></li>' for anchor, heading, _ in sections)
    body = "".join(
        f'<section id="{anchor}" class="report-section"><h2>{escape(heading)}</h2>{html}</section>'
        for anchor, heading, html in sections
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<link rel="icon" href="data:,">'  # no favicon request
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>"
        f'<header><h1>{escape(title)}</h1><p>{subtitle}</p><p class="reading">{READING}</p></header>'
        f"<nav><h2>Contents</h2><ol>{contents}</ol></nav><main>{body}</main></body></html>\n"
    )
