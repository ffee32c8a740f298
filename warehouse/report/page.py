"""The report's pages: self-contained HTML files (inline CSS, inline SVG, one small inline script that sorts tables;
nothing fetched), sharing a header that dates the data and the report, and a bar linking every page."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

STYLE = """
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #222; margin: 0; }
header, main, nav.pages { max-width: 1180px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 16px; }
h1 { margin: 0; font-size: 24px; }
h1 small { font-weight: normal; color: #555; font-size: 18px; }
.dated { color: #555; margin: 2px 0 8px; }
nav.pages ul { list-style: none; display: flex; flex-wrap: wrap; gap: 4px 16px; padding: 6px 0 8px; margin: 0;
  border-bottom: 2px solid #1f5fa8; }
nav.pages a { color: #1f5fa8; text-decoration: none; }
nav.pages a[aria-current="page"] { font-weight: 700; color: #222; }
h2 { border-bottom: 1px solid #c9d6e8; padding-bottom: 3px; margin-top: 28px; font-size: 19px; }
h3 { margin: 22px 0 6px; font-size: 16px; }
.intro { margin: 10px 0; max-width: 900px; }
figure.tw-chart { margin: 8px 0 18px; }
figure.tw-chart svg { max-width: 100%; height: auto; display: block; }
figcaption { color: #555; font-size: 13px; margin-top: 2px; }
.scroll { max-width: 100%; overflow-x: auto; }
table { border-collapse: collapse; margin: 6px 0 14px; font-size: 13px; }
th, td { border-bottom: 1px solid #e3e3e3; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.sortable th { cursor: pointer; }
table.sortable th::after { content: " \\2195"; color: #999; font-size: 11px; }
.suppressed, .not-computed { color: #888; font-style: italic; }
.status.good { color: #2f6f3a; font-weight: 600; }
.status.bad { color: #b3261e; font-weight: 600; }
.note { color: #555; font-size: 13px; }
.method { font-size: 12px; }
details { margin: 4px 0 14px; }
summary { cursor: pointer; color: #1f5fa8; }
.cards { display: grid; grid-template-columns: repeat(3, 1fr); gap: 12px; margin: 12px 0; }
.card { border: 1px solid #d5dde8; border-radius: 6px; padding: 10px 14px; background: #fbfcfe; }
.card h3 { margin: 0 0 2px; font-size: 15px; }
.card p { margin: 2px 0; }
.card .value { font-size: 26px; font-weight: 700; margin: 2px 0 0; }
.card .interval { color: #444; font-size: 12.5px; }
.card .change { font-size: 13px; margin: 6px 0 4px; }
.card .change.real { font-weight: 600; }
.card .meaning { color: #555; font-size: 12.5px; margin: 4px 0 0; }
ul.facts { list-style: none; padding: 0; display: flex; gap: 24px; flex-wrap: wrap; margin: 8px 0; }
ul.families { columns: 2; padding-left: 18px; margin: 6px 0; }
"""

# Sorts a table.sortable by the clicked column: numbers by the data-sort value of the cell when it has one, else
# by the cell text; a second click reverses. Inline, so the page needs nothing from the network.
SORT_SCRIPT = """
document.querySelectorAll('table.sortable').forEach(function (table) {
  table.querySelectorAll('thead th').forEach(function (th, column) {
    th.addEventListener('click', function () {
      var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
      var up = th.getAttribute('aria-sort') !== 'ascending';
      table.querySelectorAll('thead th').forEach(function (o) { o.removeAttribute('aria-sort'); });
      th.setAttribute('aria-sort', up ? 'ascending' : 'descending');
      function key(row) {
        var cell = row.cells[column], sort = cell.getAttribute('data-sort');
        if (sort !== null) { return sort === '' ? Infinity : parseFloat(sort); }
        return cell.textContent.trim().toLowerCase();
      }
      rows.sort(function (a, b) {
        var x = key(a), y = key(b);
        if (x === y) { return 0; }
        if (x === Infinity) { return 1; }
        if (y === Infinity) { return -1; }
        return (x < y ? -1 : 1) * (up ? 1 : -1);
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
});
"""


@dataclass(frozen=True)
class Page:
    file: str  # e.g. "compliance.html"
    title: str
    body: str
    sortable: bool = False  # carries tables sorted in the browser


def document(report_title: str, dated: str, page: Page, pages: list[Page]) -> str:
    """One page of the report: the report's title and this page's, the dating line, the bar of pages, the body."""
    links = "".join(
        f'<li><a href="{escape(p.file)}"{" aria-current=" + chr(34) + "page" + chr(34) if p is page else ""}>'
        f"{escape(p.title)}</a></li>"
        for p in pages
    )
    heading = (
        escape(report_title)
        if page is pages[0]
        else f"{escape(report_title)} <small>\u00b7 {escape(page.title)}</small>"
    )
    script = f"<script>{SORT_SCRIPT}</script>" if page.sortable else ""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<link rel="icon" href="data:,">'  # no favicon request
        f"<title>{escape(page.title)} \u00b7 {escape(report_title)}</title><style>{STYLE}</style></head><body>"
        f'<header><h1>{heading}</h1><p class="dated">{dated}</p></header>'
        f'<nav class="pages" aria-label="Report pages"><ul>{links}</ul></nav>'
        f'<main id="{escape(page.file.removesuffix(".html"))}">{page.body}</main>{script}</body></html>\n'
    )
