"""The leadership report: built from metric tables in the shared layout, it shows what they hold (estimates,
intervals, n, suppressions, missing tables), exports every table exactly, is deterministic, falls back to the
analyst copy under a writer's lock, runs from the CLI and as a Dagster asset, and renders in a real headless
Chromium with no console error and no request leaving file://."""

from __future__ import annotations

import importlib
import os
import pkgutil
import re
import subprocess
import sys
from datetime import UTC, datetime
from html import escape
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest
from browser import launch
from generated_warehouse import copy_warehouse
from report_fixture import MISSING, PORTS, TABLES, build_metrics_warehouse, layout_row

from orchestration.resources import WarehouseResource
from tradewh import cli
from warehouse.access.publish import publish_copies
from warehouse.config import analyst_path
from warehouse.db import connect
from warehouse.report import formats
from warehouse.report.build import build_report
from warehouse.report.charts import Point, Series, axis_limits, compares_something
from warehouse.report.front_page import HEADLINES, card, change_text, latest_figure
from warehouse.report.source import WarehouseUnavailable
from warehouse.report.warehouse_facts import warehouse_facts

PORT_FIGURE = "fig-compliance-rate-mtd-rate-lines-port-fy2026"


GENERATED = datetime(2026, 1, 7, 9, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """One fixture warehouse and its report (the report only reads the warehouse)."""
    root = tmp_path_factory.mktemp("report")
    warehouse = build_metrics_warehouse(root / "warehouse.duckdb")
    return warehouse, build_report(warehouse, root / "out", live=True, generated_at=GENERATED)


def page(result, name: str) -> str:
    return (result.index.parent / name).read_text(encoding="utf-8")


def all_pages(result) -> str:
    return "".join(p.read_text(encoding="utf-8") for p in result.pages)


def figure(html: str, fig_id: str) -> str:
    found = re.search(rf'<figure [^>]*id="{fig_id}".*?</figure>', html, re.S)
    assert found, f"no figure {fig_id}"
    return found.group(0)


def test_port_breakout_draws_each_published_estimate_with_interval_and_n_and_counts_the_suppressed(built):
    warehouse, result = built
    fig = figure(page(result, "compliance-rate-detail.html"), PORT_FIGURE)
    with connect(warehouse, read_only=True) as con:
        rows = con.execute(
            "select domain_value, estimate, ci_low, ci_high, n_sampled, suppressed from metrics.compliance_rate "
            "where measure = 'mtd_rate_lines' and period = 'FY2026' and domain in ('port', 'overall')"
        ).fetchall()
    published = [r for r in rows if not r[5]]
    # Port 5301 has 12 sampled lines: the only suppressed cell (the fixture's small cells are below 30).
    assert [r[0] for r in rows if r[5]] == [p for p, (_, n) in PORTS.items() if n < 30] == ["5301"]
    assert f'data-points="{len(published)}"' in fig and len(published) == 5  # four ports and the overall
    dots = fig[fig.index(f'id="{PORT_FIGURE}-pt-s0"') :]
    assert dots[: dots.index('<g id="')].count("<use ") == len(published)  # one dot per published cell
    whiskers = fig[fig.index(f'id="{PORT_FIGURE}-ci-0"') :]
    assert whiskers[: whiskers.index("</g>")].count("<path ") == len(published)  # and one interval each
    for value, estimate, low, high, n, _ in published:
        expected = f"{formats.value(estimate, 'rate')} ({formats.interval(low, high, 'rate')}) \u00b7 n {n:,}"
        assert escape(expected) in fig, value
    assert "Not drawn: 1 suppressed (fewer than 30 sampled units)" in fig and "more are in the table" not in fig
    assert "<title>" in fig and "<desc>" in fig and "methods.html#method-compliance-rate" in fig


def test_every_table_gets_a_page_and_missing_ones_say_not_computed(built):
    _, result = built
    html = all_pages(result)
    for table in MISSING:
        assert f"Not computed: metrics.{table} is not in this warehouse." in html
    assert sorted(result.not_computed) == sorted(MISSING)
    names = {p.name for p in result.pages}
    assert {"index.html", "compliance.html", "revenue-gap.html", "clearance.html", "targeting.html"} <= names
    assert {"ports.html", "ptis.html", "risk-model.html", "quality.html", "tables.html", "methods.html"} <= names
    assert {"compliance-rate-detail.html", "deterrence-detail.html"} <= names
    # Change from the prior period with its test, in words, on the family page's year-to-date row.
    compliance = page(result, "compliance.html")
    assert "-0.36 pts vs FY2025: within sampling error (p = 0.270)" in compliance
    # Before/after measures drawn side by side, as two series, on the detail page.
    assert 'id="fig-deterrence-discrepancy-rate-before-discrepancy-rate-after-event-type-all"' in page(
        result, "deterrence-detail.html"
    )
    # The model evaluation: one curve chart per evaluation column, three selectors each.
    evaluation = page(result, "risk-model.html")
    assert (
        "Trained on outcomes before 2025-10-01, evaluated on lines filed from then (2025-10-01 to 2025-12-31, 9,000"
        in evaluation
    )
    assert evaluation.count('<figure class="tw-chart"') == 3
    assert result.figures == html.count('<figure class="tw-chart"')
    # Self-contained: the only script is the inline sorter of the report card pages; no URL but SVG's namespaces.
    assert set(re.findall(r"<script[^>]*>", html)) == {"<script>"}
    assert all("<script>" not in p.read_text() for p in result.pages if p.name not in {"ports.html", "ptis.html"})
    urls = set(re.findall(r"https?://[^\s\"'<>]+", html))
    assert urls == {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}, urls


def test_method_wording_lives_in_the_appendix_and_cell_notes_beside_their_cells(built):
    _, result = built
    methods = page(result, "methods.html")
    detail = page(result, "compliance-rate-detail.html")
    assert 'id="method-compliance-rate"' in methods and "<code>wilson</code>" in methods
    assert ">wilson<" not in detail  # the table's method note is not repeated on every row
    assert "suppressed: fewer than 30 sampled units" in detail  # a cell's own note stays


def test_the_front_page_answers_how_are_we_doing(built):
    _, result = built
    front = result.index.read_text(encoding="utf-8")
    # The fixture has metric tables but no entry marts: the dating line says so (the generated warehouse's test
    # checks the filing dates).
    assert "No entry lines loaded yet \u00b7 report generated 2026-01-07 09:30 UTC" in front
    cards = re.findall(r'<div class="card" data-measure="([a-z_]+)">', front)
    assert cards == [h.measure for h in HEADLINES]
    # The latest quarter FY2026Q2 rests on 20 lines (suppressed): the card shows FY2026Q1 and says why.
    card = re.search(r'<div class="card" data-measure="mtd_rate_lines">.*?</div>', front, re.S).group(0)
    assert "FY2026Q1" in card and "FY2026Q2: too few sampled units yet." in card
    assert "down 0.39 points from FY2025Q4: within sampling error (p = 0.243)" in card  # 25/2,400 vs 30/2,100
    assert 'href="compliance.html"' in card
    revenue = re.search(r'<div class="card" data-measure="revenue_collected_rate">.*?</div>', front, re.S).group(0)
    assert "<small>FY2026</small>" in revenue and "No earlier period to compare with yet." in revenue  # a year


def test_a_card_whose_interval_is_withheld_says_so_and_a_census_says_it_is_one():
    row = dict(measure="mtd_rate_value", unit="rate", period_kind="fiscal_quarter", period="FY2026Q1")
    row |= dict(domain="overall", domain_value="all", estimate=0.0076, std_error=0.004, ci_low=None, ci_high=None)
    withheld = (
        "interval withheld: at the sample's overall rate its 53 sampled lines would hold about 3 with a discrepancy, "
        "fewer than the 10 an interval needs"
    )
    row |= dict(n_sampled=53, suppressed=False, note=withheld)
    headline = next(h for h in HEADLINES if h.measure == "mtd_rate_value")
    html = card(headline, latest_figure(pd.DataFrame([row]), "mtd_rate_value"))
    assert "Interval withheld: at the sample" in html and "census" not in html
    census = {**row, "measure": "clearance_speed_index", "unit": "index", "std_error": None, "note": "Laspeyres"}
    index = next(h for h in HEADLINES if h.measure == "clearance_speed_index")
    assert "a census: no sampling interval" in card(index, latest_figure(pd.DataFrame([census]), census["measure"]))


def test_a_real_change_is_called_real_and_its_direction_good_or_bad():
    rows = pd.DataFrame(
        [
            layout_row(
                "hit_rate", "rate", "fiscal_quarter", q, "overall", "all", e, 0.004, (e - 0.008, e + 0.008), 900, ""
            )
            for q, e in (("FY2025Q4", 0.050), ("FY2026Q1", 0.080))
        ]
    )
    figure_ = latest_figure(rows, "hit_rate")
    assert (figure_.period, figure_.prior) == ("FY2026Q1", "FY2025Q4") and figure_.p_value < 0.001
    text, cls = change_text(figure_, "higher")
    assert text.startswith("\u25b2 up 3.00 points from FY2025Q4: a real change, better") and "good" in cls
    assert "worse" in change_text(figure_, "lower")[0]


def test_report_cards_rank_with_the_direction_in_words_and_list_the_unranked(built):
    _, result = built
    cards = page(result, "ports.html")
    assert (
        "Ranked by MTD rate, by line: <b>1 = highest compliance (lowest share of lines with a discrepancy)</b>" in cards
    )
    ranked = re.findall(r'<tr><td class="num" data-sort="(\d+)">', cards)
    assert ranked == ["1", "2", "3", "4"]  # sorted by rank; 5301 (n = 12) is not ranked
    assert "1 ports not ranked" in cards and "5301" in cards.split("not ranked")[1]
    assert "\u25bc" in cards  # the change from the period before (lower than before)
    assert "<script>" in cards and 'table class="data sortable' in cards


def test_quality_status_is_each_checks_latest_run(built):
    _, result = built
    quality = page(result, "quality.html")
    assert "1 blocking (error) expectations failing" in quality
    assert "mpf_within_bounds" in quality
    # Failed in an older run of the same check, passed in the latest: history, not status.
    assert "entry_number_not_null" not in quality
    assert "No Data Docs site" in quality
    assert "1 blocking (error) expectations failing" in result.index.read_text(encoding="utf-8")


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
    again = build_report(warehouse, tmp_path / "again", live=True, generated_at=GENERATED)
    assert not (tmp_path / "again" / "tables" / "dropped_table.csv").exists()
    assert [p.name for p in again.pages] == [p.name for p in result.pages]
    for first, second in zip(result.pages, again.pages, strict=True):
        assert first.read_bytes() == second.read_bytes(), first.name
    for first, second in zip(result.exports, again.exports, strict=True):
        assert first.csv.read_bytes() == second.csv.read_bytes()


def test_an_empty_warehouse_gives_a_report_that_says_nothing_is_computed(tmp_path):
    warehouse = tmp_path / "empty.duckdb"
    connect(warehouse).close()
    result = build_report(warehouse, tmp_path / "out", live=True)
    html = all_pages(result)
    assert result.figures == 0 and result.exports == []
    # Every metric table, the evaluation, the quality results and the marts say they are not computed.
    assert html.count("Not computed:") == len(TABLES) + len(MISSING) + 3
    assert result.index.read_text(encoding="utf-8").count("not computed") == len(HEADLINES)
    assert "No metric tables to export." in html


def test_share_axes_and_intervals_never_leave_0_to_100_percent():
    points = [Point("a", 0.004, 0.0, 0.031, 90), Point("b", 0.97, 0.93, 1.0, 80), Point("c", 0.5, 0.41, 0.6, 70)]
    assert axis_limits([Series("s", points)], "rate", from_zero=False) == (0.0, 1.0)
    low, high = axis_limits([Series("s", points[:1])], "rate", from_zero=False)
    assert low == 0.0 and 0.031 < high < 0.04  # a rate near zero gets an axis near its values, not 0-125%
    assert not compares_something([Series("s", [Point(str(i), 100.0, n=30) for i in range(10)])])
    assert not compares_something([Series("s", points[:1])])


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
        assert "from <code>w.analyst.duckdb</code>" in result.index.read_text(encoding="utf-8")
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
    quality = (tmp_path / "report" / "quality.html").read_text(encoding="utf-8")
    assert '<a href="../data_docs/index.html">Data Docs</a>' in quality  # relative: the folder can move whole
    assert "No dbt documentation beside this warehouse yet." in quality
    front = (tmp_path / "report" / "index.html").read_text(encoding="utf-8")
    assert '<a href="../data_docs/index.html">Data Docs' in front and "dbt_docs" not in front
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
    pages = "".join(p.read_text(encoding="utf-8") for p in index.parent.glob("*.html"))
    assert materialisation.metadata["charts"].value == pages.count('<figure class="tw-chart"') > 0
    assert materialisation.metadata["tables_exported"].value == len(TABLES) + 1


# Per page, measured in Chromium: the page's width and height, the headline cards' boxes, and per figure its SVG
# box, the drawn marks (`<fig>-pt-<i>` groups) and whether each lies inside the plotting area (`<fig>-axes`).
MEASURE_PAGE = """() => {
  const figures = [...document.querySelectorAll('figure.tw-chart')].map(f => {
    const svg = f.querySelector('svg'); const box = svg.getBoundingClientRect();
    const axes = document.getElementById(f.id + '-axes');
    const area = axes ? axes.getBoundingClientRect() : null;
    // A bar is its own group; dots are <use> elements in one group per series.
    const marks = [...svg.querySelectorAll('[id^="' + f.id + '-pt-"]')].flatMap(m => {
      const uses = [...m.querySelectorAll('use')];
      return (uses.length ? uses : [m]).map(u => u.getBoundingClientRect());
    });
    const slack = 5;  // a dot's radius: a dot on the axis line (a rate of 0) is drawn whole over it
    const inside = !!area && marks.every(b => (b.width > 0 || b.height > 0) && b.left >= area.left - slack
      && b.right <= area.right + slack && b.top >= area.top - slack && b.bottom <= area.bottom + slack);
    return {id: f.id, width: box.width, height: box.height, points: marks.length, expected: +f.dataset.points,
            title: !!svg.querySelector(':scope > title'), desc: !!svg.querySelector(':scope > desc'), inside,
            right: box.right};
  });
  const cards = [...document.querySelectorAll('.card')].map(c => c.getBoundingClientRect().bottom);
  return {figures, cards, width: document.documentElement.scrollWidth,
          height: document.documentElement.scrollHeight, title: document.title};
}"""


def render_pages(pages: list[Path], shots: Path | None = None) -> dict[str, dict]:
    """Open each page in the system Chromium at 1280 x 800; per page what it logged and requested, and what
    MEASURE_PAGE measured; with `shots`, a screenshot of each page's first screen there."""
    from playwright.sync_api import sync_playwright

    found = {}
    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            tab = browser.new_page(viewport={"width": 1280, "height": 800})
            errors, outside = [], []
            tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            tab.on("pageerror", lambda e: errors.append(str(e)))
            tab.on("request", lambda r: None if r.url.startswith(("file://", "data:")) else outside.append(r.url))
            for path in pages:
                errors.clear()
                outside.clear()
                tab.goto(path.as_uri(), wait_until="load")
                found[path.name] = {**tab.evaluate(MEASURE_PAGE), "errors": list(errors), "outside": list(outside)}
                if shots:
                    tab.screenshot(path=str(shots / f"{path.stem}.png"))
        finally:
            browser.close()
    return found


def assert_pages_render(measured: dict[str, dict]) -> None:
    for name, m in measured.items():
        assert m["errors"] == [] and m["outside"] == [], name
        assert m["width"] <= 1280, f"{name} scrolls sideways at 1280 px ({m['width']} px)"
        for f in m["figures"]:
            assert f["width"] > 300 and f["height"] > 100 and f["right"] <= 1280, (name, f)
            assert f["title"] and f["desc"], (name, f)
            assert f["points"] == f["expected"] >= 2, (name, f)  # no chart of nothing to compare
            assert f["inside"], (name, f)


def screenshots_folder(tmp_path: Path) -> Path:
    """Where a run keeps its screenshots: $TRADEWH_SCREENSHOTS when set (to look at them), else the test's tmp."""
    folder = Path(os.environ.get("TRADEWH_SCREENSHOTS", tmp_path / "screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.mark.slow
def test_every_page_renders_in_headless_chromium_with_no_errors_no_network_and_no_sideways_scroll(built, tmp_path):
    _, result = built
    shots = screenshots_folder(tmp_path)
    measured = render_pages(result.pages, shots)
    assert set(measured) == {p.name for p in result.pages}
    assert_pages_render(measured)
    assert sum(len(m["figures"]) for m in measured.values()) == result.figures >= 10
    front = measured["index.html"]
    # The first screen (1280 x 800) holds every headline card.
    assert len(front["cards"]) == len(HEADLINES) and max(front["cards"]) <= 800, front["cards"]
    assert front["title"] == "Summary \u00b7 Trade enforcement performance report"
    assert {f"{p.stem}.png" for p in result.pages} <= {p.name for p in shots.iterdir()}


def test_sorting_a_report_card_column_in_the_browser(built):
    from playwright.sync_api import sync_playwright

    _, result = built
    column = "n => [...document.querySelectorAll('table.sortable tbody tr')].map(r => r.cells[n].textContent)"
    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            tab = browser.new_page()
            tab.goto((result.index.parent / "ports.html").as_uri())
            ports = tab.evaluate(column, 1)
            tab.click("table.sortable th:nth-child(3)")  # n, ascending
            ascending = [int(n.replace(",", "")) for n in tab.evaluate(column, 2)]
            tab.click("table.sortable th:nth-child(3)")  # and descending
            descending = [int(n.replace(",", "")) for n in tab.evaluate(column, 2)]
            after = tab.evaluate(column, 1)
        finally:
            browser.close()
    assert ascending == sorted(ascending) == sorted(n for _, n in PORTS.values() if n >= 30)
    assert descending == ascending[::-1] and sorted(after) == sorted(ports)


def _metric_assets() -> list[dg.AssetsDefinition]:
    """The metric assets as defined (not resolved from the definitions, which bind the environment's resource)."""
    import orchestration.defs.metrics as package

    found = []
    for module in pkgutil.iter_modules(package.__path__):
        loaded = importlib.import_module(f"{package.__name__}.{module.name}")
        found += [v for v in vars(loaded).values() if isinstance(v, dg.AssetsDefinition)]
    return found


def test_the_report_on_the_generated_warehouse_after_the_metric_assets(generated_warehouse, tmp_path):
    from orchestration.defs.report.report import METRIC_TABLES, leadership_report

    warehouse = copy_warehouse(generated_warehouse, tmp_path)
    assets = _metric_assets()
    assert {a.key.path[1] for a in assets} >= set(METRIC_TABLES)
    run = dg.materialize([*assets, leadership_report], resources={"warehouse": WarehouseResource(path=str(warehouse))})
    assert run.success
    out = tmp_path / "report"
    front = (out / "index.html").read_text(encoding="utf-8")
    pages = sorted(out.glob("*.html"))
    html = "".join(p.read_text(encoding="utf-8") for p in pages)
    with connect(warehouse, read_only=True) as con:
        entries = con.execute("select count(*) from marts.fct_entries").fetchone()[0]
        counts = {t: con.execute(f"select count(*) from metrics.{t}").fetchone()[0] for t in METRIC_TABLES}
        headline = con.execute(
            "select estimate, ci_low, ci_high, n_sampled from metrics.compliance_rate where measure = "
            "'mtd_rate_lines' and domain = 'overall' and period_kind = 'fiscal_quarter' and not suppressed "
            "order by period desc limit 1"
        ).fetchone()
        chapters = con.execute("select count(*) from reference.hs_codes where level = 2").fetchone()[0]
    assert f"<b>{entries:,}</b> entries" in front
    estimate, low, high, n = headline
    card = re.search(r'<div class="card" data-measure="mtd_rate_lines">.*?</div>', front, re.S).group(0)
    assert formats.value(estimate, "rate") in card and formats.interval(low, high, "rate") in card
    assert f"n = {n:,}" in card
    # Every card speaks of the quarter of the latest filing (2025-12-31: FY2026Q1, from marts.dim_dates), exams
    # included; fiscal quarters start in October.
    with connect(warehouse, read_only=True) as con:
        facts = warehouse_facts(con)
    assert (str(facts["last"]), facts["last_quarter"]) == ("2025-12-31", "FY2026Q1")
    assert set(re.findall(r"<h3>[^<]*<small>(FY\d{4}Q\d)</small>", front)) == {"FY2026Q1"}
    for table, rows in counts.items():
        assert rows > 0 and f"Not computed: metrics.{table}" not in html, table
        exported = duckdb.connect().execute(f"select count(*) from '{out}/tables/{table}.parquet'")
        assert exported.fetchone()[0] == rows
    assert chapters > 90 and "29 Organic chemicals" in html  # names beside codes, from the reference data
    # Every printed interval of a share lies in 0-100% (the deterrence pages hold differences of rates, which may
    # be negative), and so does every share's interval in the tables.
    shares = "".join(p.read_text(encoding="utf-8") for p in pages if not p.name.startswith("deterrence"))
    intervals = re.findall(r"(-?[\d.]+)% [\u2013-] (-?[\d.]+)%", shares)
    assert len(intervals) > 100
    for low_text, high_text in intervals:
        assert 0.0 <= float(low_text) <= float(high_text) <= 100.0, (low_text, high_text)
    with connect(warehouse, read_only=True) as con:
        for table in METRIC_TABLES:
            outside = con.execute(
                f"select count(*) from metrics.{table} where unit = 'rate' and measure <> 'deterrence_effect' "
                "and (ci_low < 0 or ci_high > 1)"
            ).fetchone()[0]
            assert outside == 0, table
    measured = render_pages(pages, screenshots_folder(tmp_path))
    assert_pages_render(measured)
    assert sum(len(m["figures"]) for m in measured.values()) == html.count('<figure class="tw-chart"') > 10
    assert max(measured["index.html"]["cards"]) <= 800
