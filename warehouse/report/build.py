"""Build the leadership report: <out>/index.html and <out>/tables/<name>.csv|.parquet from one read of the
warehouse. The same data gives byte-identical files (no clock time: the page dates itself by its data)."""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from pathlib import Path

from warehouse.config import data_dir
from warehouse.report import evaluation_section, metric_sections, overview_section, page, quality_section, titles
from warehouse.report.exports import Export, export_tables
from warehouse.report.html_parts import not_computed, table
from warehouse.report.source import has_table, open_for_reading, read_table, tables_in
from warehouse.report.value_labels import value_labels

TITLE = "Trade enforcement performance report"


@dataclass
class ReportResult:
    index: Path
    source: Path  # the file read: the analyst copy, or the warehouse itself for the pipeline
    is_analyst_copy: bool
    figures: int
    exports: list[Export] = field(default_factory=list)
    not_computed: list[str] = field(default_factory=list)  # expected tables that are missing


def default_out(warehouse: Path) -> Path:
    return data_dir(Path(warehouse)) / "report"


def build_report(warehouse: Path, out: Path | None = None, live: bool = False) -> ReportResult:
    """The report from the published analyst copy, or with `live` from the warehouse itself (the pipeline's
    asset, which runs before the copy is republished)."""
    warehouse = Path(warehouse).absolute()
    out = Path(out).absolute() if out else default_out(warehouse)
    out.mkdir(parents=True, exist_ok=True)
    with open_for_reading(warehouse, live) as opened:
        con = opened.con
        present = tables_in(con, "metrics")
        frames = {name: read_table(con, "metrics", name) for name in present}
        unknown = sorted(t for t in present if t not in titles.TABLES)  # rendered too, after the known ones
        ordered = [t for t in titles.TABLES if t in present] + unknown
        missing = [t for t in titles.TABLES if t not in present]
        sections, figures = [], 0
        labels = value_labels(con)

        html, count = overview_section.render(con, {t: frames[t] for t in ordered})
        sections.append(("overview", "Overview", html))
        figures += count
        for name in [*titles.TABLES, *unknown]:
            heading = titles.table_title(name)
            intro = f'<p class="intro">{escape(titles.TABLES[name][1])}</p>' if name in titles.TABLES else ""
            if name not in frames:
                sections.append((name, heading, intro + not_computed(f"metrics.{name}")))
                continue
            html, count = metric_sections.render_table(name, frames[name], labels)
            source = f'<p class="note">Source: <code>metrics.{name}</code> ({len(frames[name]):,} rows).</p>'
            sections.append((name, heading, intro + source + html))
            figures += count

        if has_table(con, "risk", "model_evaluation"):
            html, count = evaluation_section.render(read_table(con, "risk", "model_evaluation"))
            figures += count
        else:
            html = not_computed("risk.model_evaluation")
            missing.append("risk.model_evaluation")
        sections.append(("model_evaluation", "Risk model evaluation", html))

        html, count = quality_section.render(con, data_dir(warehouse) / "data_docs" / "index.html", out)
        sections.append(("quality", "Data quality", html))
        figures += count

        exports = export_tables(con, out / "tables")
        sections.append(("exports", "Tables and exports", _exports_html(exports)))

    subtitle = f"From <code>{escape(opened.path.name)}</code>."
    index = out / "index.html"
    index.write_text(page.document(TITLE, subtitle, sections), encoding="utf-8")
    return ReportResult(index, opened.path, opened.is_analyst_copy, figures, exports, missing)


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
