"""The leadership report: built from metric tables in the shared layout, it shows what they hold (estimates,
intervals, n, suppressions, missing tables), exports every table exactly, is deterministic, falls back to the
analyst copy under a writer's lock, runs from the CLI and as a Dagster asset, and renders in a real headless
Chromium with no console error and no request leaving file://."""

from __future__ import annotations

import importlib
import itertools
import math
import os
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest
from generated_warehouse import copy_warehouse
from report_fixture import MISSING, PORTS, TABLES, build_metrics_warehouse

from orchestration.resources import WarehouseResource
from warehouse import cli
from warehouse.access.publish import publish_copies
from warehouse.config import analyst_path
from warehouse.db import connect
from warehouse.report import formats
from warehouse.report.build import build_report
from warehouse.report.charts import nice_ticks
from warehouse.report.source import WarehouseUnavailable

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PORT_FIGURE = "fig-compliance-rate-mtd-rate-lines-port-fy2026"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """One fixture warehouse and its report (the report only reads the warehouse)."""
    root = tmp_path_factory.mktemp("report")
    warehouse = build_metrics_warehouse(root / "warehouse.duckdb")
    return warehouse, build_report(warehouse, root / "out", live=True)


def figure(html: str, fig_id: str) -> str:
    found = re.search(rf'<figure [^>]*id="{fig_id}".*?</figure>', html, re.S)
    assert found, f"no figure {fig_id}"
    return found.group(0)


def section(html: str, anchor: str) -> str:
    found = re.search(rf'<section id="{anchor}".*?</section>', html, re.S)
    assert found, f"no section {anchor}"
    return found.group(0)


def test_port_breakout_shows_each_published_estimate_with_interval_and_n_and_says_which_are_suppressed(built):
    warehouse, result = built
    html = result.index.read_text(encoding="utf-8")
    fig = figure(html, PORT_FIGURE)
    with connect(warehouse, read_only=True) as con:
        rows = con.execute(
            "select domain_value, estimate, ci_low, ci_high, n_sampled, suppressed from metrics.compliance_rate "
            "where measure = 'mtd_rate_lines' and period = 'FY2026' and domain in ('port', 'overall')"
        ).fetchall()
    published = [r for r in rows if not r[5]]
    suppressed = [r for r in rows if r[5]]
    # Port 5301 has 12 sampled lines: the only suppressed cell (the fixture's small cells are below 30).
    assert [r[0] for r in suppressed] == [p for p, (_, n) in PORTS.items() if n < 30] == ["5301"]
    assert f'data-points="{len(published)}"' in fig and 'data-suppressed="1"' in fig
    assert fig.count('class="mark point"') == len(published) == 5  # four ports and the overall estimate
    assert fig.count('class="mark whisker"') == len(published)
    for value, estimate, low, high, n, _ in published:
        expected = f"{formats.value(estimate, 'rate')} \u00b7 95% CI {formats.interval(low, high, 'rate')}"
        assert f"{expected} \u00b7 n = {n:,}" in fig, value
    assert "suppressed (n &lt; 30), n = 12" in fig
    assert "<title" in fig and "<desc" in fig and 'role="img"' in fig


def test_every_table_gets_a_section_missing_ones_say_not_computed(built):
    _, result = built
    html = result.index.read_text(encoding="utf-8")
    for table in MISSING:
        assert f"Not computed: metrics.{table} is not in this warehouse." in section(html, table)
    assert sorted(result.not_computed) == sorted(MISSING)
    for table in TABLES:
        assert "Not computed" not in section(html, table)
        assert f"metrics.{table}" in section(html, table)
    # Change from the prior period with its test, in the compliance headline.
    assert "-0.36 pts vs FY2025" in section(html, "compliance_rate") and "0.270" in section(html, "compliance_rate")
    # Report cards: rank among the published ports and the trend.
    cards = section(html, "report_card_ports")
    assert "rank 1 of 4" in cards and "improving" in cards and "suppressed (n &lt; 30)" in cards
    # Before/after measures drawn side by side, as two series.
    assert 'id="fig-deterrence-discrepancy-rate-before-discrepancy-rate-after-event-type-all"' in html
    # The model evaluation: one curve chart per evaluation column, three selectors each.
    evaluation = section(html, "model_evaluation")
    assert (
        "Trained on outcomes before 2025-10-01, evaluated on lines filed from then (2025-10-01 to 2025-12-31, 9,000"
        in evaluation
    )
    assert evaluation.count('class="tw-chart') == 3 and evaluation.count('class="mark line"') == 9
    assert result.figures == html.count('<figure class="tw-chart')
    # Self-contained: no script, and no URL but the SVG namespace.
    assert "<script" not in html
    assert set(re.findall(r"https?://[^\s\"'<>]+", html)) == {"http://www.w3.org/2000/svg"}


def test_quality_status_is_each_checks_latest_run(built):
    _, result = built
    quality = section(result.index.read_text(encoding="utf-8"), "quality")
    assert "1 blocking (error) expectations failing" in quality
    assert "mpf_within_bounds" in quality
    # Failed in an older run of the same check, passed in the latest: history, not status.
    assert "entry_number_not_null" not in quality
    assert "No Data Docs site" in quality


def test_exports_hold_every_table_exactly_and_the_report_is_deterministic(built, tmp_path):
    warehouse, result = built
    names = {f"{e.schema}.{e.table}" for e in result.exports}
    assert names == {f"metrics.{t}" for t in TABLES} | {"risk.model_evaluation"}
    with connect(warehouse, read_only=True) as con:
        for export in result.exports:
            table = con.execute(f"select * from {export.schema}.{export.table} order by all").df()
            from_parquet = con.execute(f"select * from read_parquet('{export.parquet}')").df()
            from_csv = con.execute(f"select * from read_csv('{export.csv}', header = true)").df()
            assert export.rows == len(table) > 0
            pd.testing.assert_frame_equal(from_parquet, table)
            assert list(from_csv.columns) == list(table.columns)
            pd.testing.assert_series_equal(
                from_csv["estimate" if "estimate" in table else "precision"],
                table["estimate" if "estimate" in table else "precision"],
                check_dtype=False,
            )
    (tmp_path / "again" / "tables").mkdir(parents=True)
    (tmp_path / "again" / "tables" / "dropped_table.csv").write_text("stale")
    again = build_report(warehouse, tmp_path / "again", live=True)
    assert not (tmp_path / "again" / "tables" / "dropped_table.csv").exists()
    assert again.index.read_bytes() == result.index.read_bytes()
    for first, second in zip(result.exports, again.exports, strict=True):
        assert first.csv.read_bytes() == second.csv.read_bytes()


def test_an_empty_warehouse_gives_a_report_that_says_nothing_is_computed(tmp_path):
    warehouse = tmp_path / "empty.duckdb"
    connect(warehouse).close()
    result = build_report(warehouse, tmp_path / "out", live=True)
    html = result.index.read_text(encoding="utf-8")
    assert result.figures == 0 and result.exports == []
    assert html.count("Not computed:") == len(TABLES) + len(MISSING) + 3  # + overview, evaluation, quality
    assert "No metric tables to export." in html


@pytest.mark.slow
def test_tradewh_report_reads_the_analyst_copy_and_never_the_warehouse_a_writer_holds(tmp_path):
    warehouse = build_metrics_warehouse(tmp_path / "w.duckdb", with_evaluation=False, with_quality=False)
    publish_copies(warehouse)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, sys; c = duckdb.connect({str(warehouse)!r}); print('locked', "
            "flush=True); sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(duckdb.IOException):
            duckdb.connect(str(warehouse), read_only=True)
        result = build_report(warehouse, tmp_path / "out")
        assert result.is_analyst_copy and result.source.name == "w.analyst.duckdb"
        assert "From <code>w.analyst.duckdb</code>" in result.index.read_text(encoding="utf-8")
        assert len(result.exports) == len(TABLES)
        analyst_path(warehouse).unlink()
        with pytest.raises(WarehouseUnavailable, match="no analyst copy"):
            build_report(warehouse, tmp_path / "out2")
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)


def test_cli_writes_the_report_beside_the_warehouse_by_default(tmp_path, capsys):
    warehouse = build_metrics_warehouse(tmp_path / "w.duckdb", with_evaluation=False)
    (tmp_path / "data_docs").mkdir()
    (tmp_path / "data_docs" / "index.html").write_text("<html></html>")
    publish_copies(warehouse)
    assert cli.main(["report", "--warehouse", str(warehouse)]) == 0
    quality = section((tmp_path / "report" / "index.html").read_text(encoding="utf-8"), "quality")
    assert '<a href="../data_docs/index.html">Data Docs</a>' in quality  # relative: the folder can move whole
    assert (tmp_path / "report" / "index.html").exists()
    assert (tmp_path / "report" / "tables" / "compliance_rate.parquet").exists()
    assert f"open {tmp_path / 'report' / 'index.html'}" in capsys.readouterr().out
    assert cli.main(["report", "--warehouse", str(tmp_path / "none.duckdb"), "--out", str(tmp_path / "x")]) == 2


@pytest.mark.slow
def test_the_dagster_asset_writes_the_report_after_the_metric_tables(tmp_path):
    from orchestration.defs.report.report import leadership_report

    warehouse = build_metrics_warehouse(tmp_path / "w.duckdb")
    assert {k.to_user_string() for k in leadership_report.dependency_keys} >= {f"metrics/{t}" for t in TABLES}
    run = dg.materialize([leadership_report], resources={"warehouse": WarehouseResource(path=str(warehouse))})
    assert run.success
    (materialisation,) = run.asset_materializations_for_node("report__leadership_report")
    assert materialisation.asset_key == dg.AssetKey(["report", "leadership_report"])
    index = tmp_path / "report" / "index.html"
    assert materialisation.metadata["path"].value == str(index)
    assert materialisation.metadata["charts"].value == index.read_text(encoding="utf-8").count('<figure class="tw-')
    assert materialisation.metadata["tables_exported"].value == len(TABLES) + 1


def _launch(playwright):
    if not CHROMIUM.exists():
        if os.environ.get("TRADEWH_REQUIRE_BROWSER"):
            pytest.fail(f"{CHROMIUM} is missing and TRADEWH_REQUIRE_BROWSER is set")
        pytest.skip(f"no system Chromium at {CHROMIUM} (install Debian's chromium; no browser is downloaded)")
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


# Per figure, measured in the page: the SVG's box, its marks, and whether each dot sits inside its whisker.
MEASURE_FIGURES = """() => [...document.querySelectorAll('figure.tw-chart')].map(f => {
  const svg = f.querySelector('svg'); const box = svg.getBoundingClientRect();
  const points = [...svg.querySelectorAll('.point')];
  const inside = [...svg.querySelectorAll('circle.point')].every(c => {
    const w = c.previousElementSibling;
    if (!w || !w.classList.contains('whisker')) return true;
    const wb = w.getBBox(), cx = c.cx.baseVal.value, cy = c.cy.baseVal.value;
    return cx >= wb.x - 0.6 && cx <= wb.x + wb.width + 0.6 && cy >= wb.y - 0.6 && cy <= wb.y + wb.height + 0.6;
  });
  const pointsInSvg = points.every(p => { const b = p.getBoundingClientRect();
    return b.width > 0 && b.height > 0 && b.left >= box.left - 1 && b.right <= box.right + 1; });
  return {id: f.id, width: box.width, height: box.height, points: points.length,
          expected: +f.dataset.points, suppressed: +f.dataset.suppressed,
          notes: svg.querySelectorAll('.suppressed-note').length,
          title: !!svg.querySelector(':scope > title'), desc: !!svg.querySelector(':scope > desc'),
          inside, pointsInSvg};
})"""


def render_in_chromium(index: Path) -> dict:
    """Open the report in the system Chromium; what the page logged and requested, and each figure measured."""
    from playwright.sync_api import sync_playwright

    errors, outside = [], []
    with sync_playwright() as playwright:
        browser = _launch(playwright)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("request", lambda r: None if r.url.startswith(("file://", "data:")) else outside.append(r.url))
            page.goto(index.as_uri(), wait_until="load")
            return {
                "errors": errors,
                "outside": outside,
                "figures": page.evaluate(MEASURE_FIGURES),
                "title": page.title(),
                "sections": page.locator("section.report-section").count(),
            }
        finally:
            browser.close()


def assert_figures_render(figures: list[dict]) -> None:
    for f in figures:
        assert f["width"] > 100 and f["height"] > 40, f
        assert f["title"] and f["desc"], f
        assert f["points"] == f["expected"] and f["notes"] == f["suppressed"], f
        assert f["points"] + f["suppressed"] > 0, f  # no chart of nothing
        assert f["inside"] and f["pointsInSvg"], f


@pytest.mark.slow
def test_the_report_renders_in_headless_chromium_with_no_errors_and_no_network(built):
    _, result = built
    page = render_in_chromium(result.index)
    assert page["errors"] == [] and page["outside"] == []
    assert page["title"] == "Trade enforcement performance report"
    assert page["sections"] == len(TABLES) + len(MISSING) + 4  # overview, evaluation, quality, exports
    assert len(page["figures"]) == result.figures >= 20
    assert_figures_render(page["figures"])
    assert any(f["suppressed"] for f in page["figures"])


def _metric_assets() -> list[dg.AssetsDefinition]:
    """The metric assets as defined (not resolved from the definitions, which bind the environment's resource)."""
    import orchestration.defs.metrics as package

    found = []
    for module in pkgutil.iter_modules(package.__path__):
        loaded = importlib.import_module(f"{package.__name__}.{module.name}")
        found += [v for v in vars(loaded).values() if isinstance(v, dg.AssetsDefinition)]
    return found


@pytest.mark.slow
def test_the_report_on_the_generated_warehouse_after_the_metric_assets(generated_warehouse, tmp_path):
    from orchestration.defs.report.report import METRIC_TABLES, leadership_report

    warehouse = copy_warehouse(generated_warehouse, tmp_path)
    assets = _metric_assets()
    assert {a.key.path[1] for a in assets} >= set(METRIC_TABLES)
    run = dg.materialize([*assets, leadership_report], resources={"warehouse": WarehouseResource(path=str(warehouse))})
    assert run.success
    index = tmp_path / "report" / "index.html"
    html = index.read_text(encoding="utf-8")
    with connect(warehouse, read_only=True) as con:
        entries = con.execute("select count(*) from marts.fct_entries").fetchone()[0]
        counts = {t: con.execute(f"select count(*) from metrics.{t}").fetchone()[0] for t in METRIC_TABLES}
        headline = con.execute(
            "select estimate, ci_low, ci_high, n_sampled from metrics.compliance_rate where measure = "
            "'mtd_rate_lines' and domain = 'overall' and period_kind = 'fiscal_year' order by period desc limit 1"
        ).fetchone()
    assert f"<b>{entries:,}</b> entries" in html
    overview = section(html, "overview")
    estimate, low, high, n = headline
    assert f'{formats.value(estimate, "rate")}</td><td class="num">{formats.interval(low, high, "rate")}' in overview
    assert f"{n:,}" in overview
    for table, rows in counts.items():
        assert rows > 0 and "Not computed" not in section(html, table), table
        assert f"<code>metrics.{table}</code> ({rows:,} rows)" in html
        exported = duckdb.connect().execute(f"select count(*) from '{tmp_path}/report/tables/{table}.parquet'")
        assert exported.fetchone()[0] == rows
    page = render_in_chromium(index)
    assert page["errors"] == [] and page["outside"] == []
    assert len(page["figures"]) == html.count('<figure class="tw-chart') > len(METRIC_TABLES) * 2
    assert_figures_render(page["figures"])


@pytest.mark.parametrize(
    ("low", "high"), [(0.0, 0.0171), (97.14, 106.15), (-0.0223, 0.0254), (0.0, 2.19e6), (0.0, 1.0), (3.0, 3.0)]
)
def test_axis_ticks_are_round_evenly_spaced_and_cover_the_values(low, high):
    ticks = nice_ticks(low, high)
    steps = {round(b - a, 9) for a, b in itertools.pairwise(ticks)}
    assert len(steps) == 1 and 3 <= len(ticks) <= 7
    step = steps.pop()
    assert ticks[0] <= low and ticks[-1] >= high
    if high > low:  # no wasted tick at the top (a single value gets an axis from it to twice it)
        assert ticks[-1] - step < high
    assert step / 10 ** math.floor(math.log10(step)) in {1, 2, 2.5, 5}


def test_nearly_equal_values_still_get_an_axis_with_width():
    # The demo's report failed on a breakout whose values differed only by float noise (division by zero).
    from warehouse.report.charts import nice_ticks

    for low, high in [(0.0, 1e-13), (0.0, 0.0), (0.25, 0.25 + 1e-15), (-3e-14, 0.0)]:
        ticks = nice_ticks(low, high)
        assert len(set(ticks)) >= 2 and ticks[0] <= low + 1e-9 and ticks[-1] >= high - 1e-9
