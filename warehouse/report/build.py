"""Build the leadership report from one read of the warehouse: <out>/index.html (the front page: how are we doing?),
one page per measure family, the detail pages behind them, the report cards, the risk model, data quality,
the exports and the methods appendix; <out>/tables/<name>.csv|.parquet. Every page is self-contained (inline CSS and
SVG) and opens from disk with nothing fetched. The same data and `generated_at` give byte-identical files."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape
from pathlib import Path

import pandas as pd

from warehouse.config import data_dir
from warehouse.report import (
    card_tables,
    evaluation_section,
    front_page,
    methods,
    metric_sections,
    quality_section,
    titles,
)
from warehouse.report.exports import Export, export_tables
from warehouse.report.html_parts import not_computed, slug, table
from warehouse.report.page import Page, document
from warehouse.report.source import has_table, open_for_reading, read_table, tables_in
from warehouse.report.value_labels import value_labels
from warehouse.report.warehouse_facts import facts_html, warehouse_facts

TITLE = "Trade enforcement performance report"
# Family pages: (file, title in the bar, the metric tables it summarises).
FAMILIES = (
    ("compliance.html", "Compliance", ("compliance_rate",)),
    ("revenue-gap.html", "Revenue", ("revenue_gap",)),
    ("clearance.html", "Clearance", ("clearance_speed", "clearance_index")),
    ("targeting.html", "Targeting", ("targeting_effectiveness",)),
    ("partnership.html", "Partnership", ("partnership",)),
    ("deterrence.html", "Deterrence", ("deterrence",)),
)
CARD_PAGES = (("ports.html", "Ports", "report_card_ports"), ("ptis.html", "Trade issues", "report_card_ptis"))


@dataclass
class ReportResult:
    index: Path
    source: Path  # the file read: the analyst copy, or the warehouse itself for the pipeline
    is_analyst_copy: bool
    figures: int
    exports: list[Export] = field(default_factory=list)
    not_computed: list[str] = field(default_factory=list)  # expected tables that are missing
    pages: list[Path] = field(default_factory=list)


def default_out(warehouse: Path) -> Path:
    return data_dir(Path(warehouse)) / "report"


def _relative(target: Path, out: Path) -> str:
    return os.path.relpath(target, out).replace(os.sep, "/")


def build_report(
    warehouse: Path, out: Path | None = None, live: bool = False, generated_at: datetime | None = None
) -> ReportResult:
    """The report from the published analyst copy, or with `live` from the warehouse itself (the pipeline's
    asset, which runs before the copy is republished)."""
    warehouse = Path(warehouse).absolute()
    out = Path(out).absolute() if out else default_out(warehouse)
    out.mkdir(parents=True, exist_ok=True)
    generated_at = generated_at or datetime.now(UTC)
    with open_for_reading(warehouse, live) as opened:
        con = opened.con
        present = tables_in(con, "metrics")
        frames = {name: read_table(con, "metrics", name) for name in present}
        labels = value_labels(con)
        facts = warehouse_facts(con)
        missing = [t for t in titles.TABLES if t not in present]
        pages, figures = [], 0
        detail_pages = []

        families = list(FAMILIES)
        known = {t for _, _, tables in FAMILIES for t in tables} | {t for _, _, t in CARD_PAGES}
        families += [(f"{slug(t)}.html", titles.table_title(t), (t,)) for t in sorted(present) if t not in known]
        for file, heading, tables in families:
            body, count = _family(tables, frames, labels)
            pages.append(Page(file, heading, body))
            figures += count
            for t in tables:
                if t in frames and metric_sections.is_estimate_table(frames[t]) and len(frames[t]):
                    html, count = metric_sections.detail(t, frames[t], labels)
                    intro = f'<p class="intro"><a href="{file}">Back to {escape(heading)}</a></p>'
                    detail_pages.append(
                        Page(f"{slug(t)}-detail.html", f"{titles.table_title(t)}: detail", intro + html)
                    )
                    figures += count
        for file, heading, t in CARD_PAGES:
            pages.append(Page(file, heading, _cards(t, frames, labels), sortable=True))

        if has_table(con, "risk", "model_evaluation"):
            html, count = evaluation_section.render(read_table(con, "risk", "model_evaluation"))
            figures += count
        else:
            html = not_computed("risk.model_evaluation")
            missing.append("risk.model_evaluation")
        pages.append(Page("risk-model.html", "Risk model", html))

        docs = data_dir(warehouse)
        html, count, status = quality_section.render(con, docs / "data_docs" / "index.html", out)
        pages.append(Page("quality.html", "Data quality", html + _dbt_docs_link(docs / "dbt_docs" / "index.html", out)))
        figures += count

        exports = export_tables(con, out / "tables")
        pages.append(Page("tables.html", "Tables and exports", _exports_html(exports)))
        pages.append(Page("methods.html", "Methods", methods.render(frames, _method_titles(frames))))

        cards, shown = front_page.headline_cards(frames, facts["last_quarter"] if facts else None)
        sites = _sites(docs, out)
        front = Page("index.html", "Summary", _front(cards, shown, facts, status, families, sites))
        pages.insert(0, front)

    dated = _dated(facts, generated_at, opened.path.name)
    written = []
    for page in [*pages, *detail_pages]:
        path = out / page.file
        path.write_text(document(TITLE, dated, page, pages), encoding="utf-8")
        written.append(path)
    return ReportResult(out / "index.html", opened.path, opened.is_analyst_copy, figures, exports, missing, written)


def _dated(facts: dict | None, generated_at: datetime, source: str) -> str:
    data = "no entry lines loaded yet"
    if facts and facts["lines"]:
        data = f"data filed {escape(str(facts['first']))} to {escape(str(facts['last']))}"
    when = generated_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"{data[:1].upper() + data[1:]} \u00b7 report generated {when} from <code>{escape(source)}</code>"


def _family(tables: tuple[str, ...], frames: dict[str, pd.DataFrame], labels: dict) -> tuple[str, int]:
    parts, figures = [], 0
    for t in tables:
        heading = titles.table_title(t)
        what = titles.TABLES.get(t, ("", ""))[1]
        parts.append(f"<h2>{escape(heading)}</h2>" + (f'<p class="intro">{escape(what)}</p>' if what else ""))
        if t not in frames:
            parts.append(not_computed(f"metrics.{t}"))
            continue
        html, count = metric_sections.summary(t, frames[t], labels)
        parts.append(html)
        figures += count
    return "".join(parts), figures


def _cards(table_name: str, frames: dict[str, pd.DataFrame], labels: dict) -> str:
    heading = titles.table_title(table_name)
    what = titles.TABLES[table_name][1]
    head = f'<h2>{escape(heading)}</h2><p class="intro">{escape(what)}</p>'
    if table_name not in frames:
        return head + not_computed(f"metrics.{table_name}")
    html = card_tables.card_table(frames[table_name], labels)
    if not html:
        html = metric_sections.EMPTY_TABLE
    export = f'<p class="note">Every measure of every card: <a href="tables/{table_name}.csv">{table_name}.csv</a>.'
    return head + html + export + " " + methods.link(table_name) + "</p>"


def _sites(docs: Path, out: Path) -> list[str]:
    """Links to the two documentation sites beside the warehouse, those that exist."""
    found = []
    for folder, text in (
        ("data_docs", "Data Docs: every quality check of every load, and its failing rows"),
        ("dbt_docs", "dbt docs: how every warehouse table is built, its columns and tests"),
    ):
        if (docs / folder / "index.html").exists():
            found.append(
                f'<li><a href="{escape(_relative(docs / folder / "index.html", out))}">{escape(text)}</a></li>'
            )
    return found


def _front(cards: str, shown: int, facts, status: str, families, sites: list[str]) -> str:
    heading = (
        "How are we doing? Headline measures for the latest fiscal quarter"
        if shown
        else "How are we doing? Not measurable yet: no headline measure has an estimate"
    )
    parts = [f"<h2>{heading}</h2>", cards, facts_html(facts)]
    if status:
        parts.append(status)
    links = [
        f'<li><a href="{file}">{escape(heading)}</a>: '
        f"{escape('; '.join(titles.TABLES.get(t, ('', titles.table_title(t)))[1] for t in tables))}</li>"
        for file, heading, tables in families
    ]
    links += [
        f'<li><a href="{file}">{escape(heading)}</a>: {escape(titles.TABLES[t][1])}</li>'
        for file, heading, t in CARD_PAGES
    ]
    links += [
        '<li><a href="risk-model.html">Risk model</a>: how well the risk model picks lines to examine.</li>',
        '<li><a href="quality.html">Data quality</a>: checks on every load, and the Data Docs.</li>',
        '<li><a href="methods.html">Methods</a>: how each figure is estimated.</li>',
        *sites,
    ]
    parts.append(f'<h2>Read more</h2><ul class="families">{"".join(links)}</ul>')
    return "".join(parts)


def _method_titles(frames: dict[str, pd.DataFrame]) -> dict[str, str]:
    names = [*titles.TABLES, *sorted(t for t in frames if t not in titles.TABLES)]
    return {t: titles.table_title(t) for t in names}


def _dbt_docs_link(dbt_docs: Path, out: Path) -> str:
    if not dbt_docs.exists():
        return '<p class="note">No dbt documentation beside this warehouse yet.</p>'
    href = escape(_relative(dbt_docs, out))
    return f'<p>How every warehouse table is built, its columns and tests: <a href="{href}">dbt docs</a>.</p>'


def _exports_html(exports: list[Export]) -> str:
    if not exports:
        return '<p class="not-computed">No metric tables to export.</p>'
    rows = [
        [
            escape(f"{e.schema}.{e.table}"),
            f"{e.rows:,}",
            f'<a href="tables/{escape(e.csv.name)}">{escape(e.csv.name)}</a>',
            f'<a href="tables/{escape(e.parquet.name)}">{escape(e.parquet.name)}</a>',
        ]
        for e in exports
    ]
    return table(["table", "rows", "CSV", "Parquet"], rows, numeric={1})
