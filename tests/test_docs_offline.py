"""Both documentation sites open from disk in a browser with no network, as a reader opens them.

- Great Expectations Data Docs: real validations of the generated warehouse, the site built and rewritten by the
  platform (`build_docs_index`, `expectations/data_docs.py`), then the index and a validation page opened from
  `file://` in the system Chromium: every stored result is listed, the vendored libraries (expectations/static/vendor)
  ran, and nothing else was requested.
- dbt docs: the Dagster asset writes `<data dir>/dbt_docs/index.html` from `dbt docs generate --static`, keeps it when
  nothing changed, and the page opens from `file://` with the models and their columns.

Each page is screenshotted to the test's tmp_path (the screenshots were looked at when this file was written).
"""

from __future__ import annotations

import hashlib
import os
import re
from base64 import b64encode
from datetime import date
from pathlib import Path

import pytest
from browser import launch
from generated_warehouse import copy_warehouse

from expectations.data_docs import CDN_FILES, CHART_EXPECTATIONS, VENDOR, external_references, make_offline

FIRST_DAY, LAST_DAY = date(2025, 7, 1), date(2025, 7, 2)
FEEDS_VALIDATED = ("entries", "exams", "seizures")
MART_VALIDATED = "fct_seizures"


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = launch(playwright)
        yield launched
        launched.close()


def open_from_disk(browser, url: str, ready: str, measure: str, screenshot: Path) -> dict:
    """Open `url` (file://), wait until the JS expression `ready` holds, return `measure`'s value with what the page
    logged as errors, the requests it made to anything but file: and data: URLs, and the requests that failed."""
    errors, outside, failed = [], [], []
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.on("console", lambda m: errors.append(f"{m.text} {m.location}") if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: None if r.url.startswith(("file://", "data:")) else outside.append(r.url))
        page.on("requestfailed", lambda r: failed.append(f"{r.url} {r.failure}"))
        page.goto(url, wait_until="load")
        page.wait_for_function(ready, timeout=10_000)
        page.evaluate("document.fonts.ready")
        page.screenshot(path=str(screenshot))
        return {"errors": errors, "outside": outside, "failed": failed, "measured": page.evaluate(measure)}
    finally:
        page.close()


# --- Great Expectations Data Docs ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def data_docs(generated_warehouse, tmp_path_factory):
    """A Data Docs site over real results: three feed suites on two delivery days, then a mart suite in a second
    run, each run rendered and rewritten as the platform does it."""
    from expectations.feeds import feed_suite
    from expectations.marts import mart_suite
    from expectations.runner import batch_query, build_docs_index, docs_dir, results_dir, validate_many

    warehouse = copy_warehouse(generated_warehouse, tmp_path_factory.mktemp("data_docs"))
    feeds = [
        (feed_suite(f), batch_query(f"raw.{f}", "_delivery_date", FIRST_DAY, LAST_DAY), f"raw.{f}")
        for f in FEEDS_VALIDATED
    ]
    outcomes = validate_many(warehouse, feeds, run_name="feeds")
    marts = [(mart_suite(MART_VALIDATED), batch_query(f"marts.{MART_VALIDATED}"), f"marts.{MART_VALIDATED}")]
    outcomes += validate_many(warehouse, marts, run_name="marts")
    assert build_docs_index(warehouse) == docs_dir(warehouse) / "index.html"
    return docs_dir(warehouse), sorted(results_dir(warehouse).rglob("*.json")), outcomes


INDEX_MEASURE = """() => {
  const table = document.querySelector('table.ge-index-page-validation-results-table');
  const rows = [...table.querySelectorAll('tbody tr')];
  return {
    rows: rows.length,
    hrefs: rows.map(r => r.dataset.href),
    failed: table.querySelectorAll('tbody .ge-failed-icon').length,
    succeeded: table.querySelectorAll('tbody .ge-success-icon').length,
    filters: table.querySelectorAll('.filter-control').length,
    summary: document.querySelector('.pagination-info').textContent.trim(),
    libraries: [typeof jQuery.fn.bootstrapTable, typeof jQuery.fn.modal, typeof jQuery.fn.datepicker,
                typeof Popper],
    fontAwesome: [...document.fonts].some(f => f.family.includes('Font Awesome 6 Free') && f.status === 'loaded'),
    footerHidden: getComputedStyle(document.querySelector('#ge-cta-footer')).display === 'none',
  };
}"""


def test_the_data_docs_index_lists_every_stored_validation_from_disk_with_no_network(data_docs, browser, tmp_path):
    site, results, outcomes = data_docs
    assert len(results) == len(FEEDS_VALIDATED) + 1
    assert external_references(site) == []
    page = open_from_disk(
        browser,
        (site / "index.html").as_uri(),
        "document.querySelectorAll('table.ge-index-page-validation-results-table tbody tr[data-href]').length > 0",
        INDEX_MEASURE,
        tmp_path / "data_docs_index.png",
    )
    assert page["errors"] == [] and page["outside"] == [] and page["failed"] == []
    index = page["measured"]
    assert index["rows"] == len(results), index
    assert index["summary"] == f"Showing 1 to {len(results)} of {len(results)} rows"
    assert index["failed"] == sum(not o.success for o in outcomes) and index["failed"] + index["succeeded"] == len(
        results
    )
    assert all((site / href).is_file() for href in index["hrefs"]), index["hrefs"]
    assert index["filters"] >= 6  # bootstrap-table's filter-control ran: one filter per column
    assert index["libraries"] == ["function", "function", "function", "function"]
    assert index["fontAwesome"] and index["footerHidden"]


VALIDATION_MEASURE = """() => ({
  title: document.title,
  status: document.querySelector('.ge-section').innerText,
  tables: document.querySelectorAll('.bootstrap-table').length,
  expectationRows: document.querySelectorAll('.bootstrap-table tbody tr').length,
  failedIcons: document.querySelectorAll('.fa-times').length,
  fontAwesome: [...document.fonts].some(f => f.family.includes('Font Awesome 6 Free') && f.status === 'loaded'),
  logo: document.querySelector('.navbar-brand img').naturalWidth,
})"""


def test_a_failed_validation_page_opens_from_disk_with_its_tables_and_icons_and_no_network(
    data_docs, browser, tmp_path
):
    site, _, outcomes = data_docs
    failed = next(o for o in outcomes if not o.success)
    pages = [p for p in site.glob("validations/**/*.html") if failed.suite.replace(".", "/") in p.as_posix()]
    assert len(pages) == 1, pages
    page = open_from_disk(
        browser,
        pages[0].as_uri(),
        "document.querySelectorAll('.bootstrap-table').length > 0",
        VALIDATION_MEASURE,
        tmp_path / "data_docs_validation.png",
    )
    assert page["errors"] == [] and page["outside"] == [] and page["failed"] == []
    shown = page["measured"]
    assert "Failed" in shown["status"] and failed.suite in shown["status"]
    assert shown["tables"] >= 2 and shown["expectationRows"] >= len(failed.expectations)  # bootstrap-table ran
    assert shown["failedIcons"] >= len(failed.failed()) and shown["fontAwesome"]
    assert shown["logo"] > 0  # GX's logo, from the site's own static/images


def _cdn_tags_in_gx_templates() -> dict[str, str | None]:
    """Every http(s) URL that a <script src> or <link href> of GX's page templates loads, with its integrity hash."""
    import great_expectations

    templates = Path(great_expectations.__file__).parent / "render" / "view" / "templates"
    found: dict[str, str | None] = {}
    for template in templates.glob("*.j2"):
        for tag in re.findall(r"<(?:script|link)\b[^>]*>", template.read_text(encoding="utf-8")):
            url = re.search(r"\b(?:src|href)=\"(https?://[^\"]+)\"", tag)
            if url:
                integrity = re.search(r"\bintegrity=\"([^\"]+)\"", tag)
                found[url.group(1)] = integrity.group(1) if integrity else None
    return found


def test_every_file_gx_pages_load_from_a_cdn_is_vendored_with_its_licence_or_deliberately_left_out():
    loaded = _cdn_tags_in_gx_templates()
    assert set(loaded) == set(CDN_FILES)  # a GX upgrade that loads something new fails here
    readme = (VENDOR / "README.md").read_text(encoding="utf-8")
    for url, file in CDN_FILES.items():
        if file is None:
            assert "vega" in url  # the only library left out (no platform suite draws a chart)
            continue
        assert (VENDOR / file).is_file(), file
        package = VENDOR / file.split("/")[0]
        assert list(package.glob("LICENSE*")), f"{package.name} has no licence file"
        assert f"`{package.name}/`" in readme and file.split("/", 1)[1] in readme
        if loaded[url]:  # GX pins the CDN file by hash: the vendored one must be the very same file
            algorithm, expected = loaded[url].split("-", 1)
            assert b64encode(hashlib.new(algorithm, (VENDOR / file).read_bytes()).digest()).decode() == expected


def test_no_suite_of_the_platform_uses_an_expectation_whose_page_draws_a_vega_chart():
    from expectations.feeds import feed_suites
    from expectations.mart_docs import mart_models
    from expectations.marts import mart_suite

    models = mart_models()
    suites = [*feed_suites().values(), *(mart_suite(name, models) for name in models)]
    used = {e.expectation_type for suite in suites for e in suite.expectations}
    assert used and not used & CHART_EXPECTATIONS


LEGACY_PAGE = """<html><head><title>x</title>
<style>.ge-section { clear: both; } .navbar-brand a { background: url('#') 0 0 no-repeat; }</style>
<link rel="shortcut icon" href="../../static/images/favicon.ico" type="image/x-icon"/>
<link rel="stylesheet" href="../../static/styles/offline.css" data-tw-offline="1"></head>
<body><script>$(document).ready(function() {});</script><a href="#">Great Expectations</a></body></html>"""

CURRENT_PAGE = """<html><head><script src="https://code.jquery.com/jquery-3.7.1.min.js"></script></head>
<body></body></html>"""


def test_pages_an_earlier_rewrite_left_without_libraries_get_them_back_once_and_old_pages_are_not_reread(tmp_path):
    site = tmp_path / "data_docs"
    legacy = site / "validations" / "a" / "legacy.html"
    untouched = site / "validations" / "a" / "old.html"
    legacy.parent.mkdir(parents=True)
    legacy.write_text(LEGACY_PAGE, encoding="utf-8")
    untouched.write_text(CURRENT_PAGE, encoding="utf-8")
    os.utime(legacy, (1_000_000_000, 1_000_000_000))

    # A site last rewritten by the first version (no stamp): every page is rewritten once, however old.
    assert make_offline(site, changed_since=2_000_000_000.0) == 2
    html = legacy.read_text(encoding="utf-8")
    jquery = html.index('<script src="../../static/vendor/jquery/dist/jquery.min.js"></script>')
    assert html.index('href="../../static/vendor/bootstrap/dist/css/bootstrap.min.css"') < html.index("<style")
    assert jquery < html.index("</head>") < html.index("$(document)")
    assert 'data-tw-offline="1"' not in html and html.count('data-tw-offline="2"') == 1
    assert "url('#')" not in html and "background: none 0 0" in html
    assert (site / "static" / "vendor" / "jquery" / "dist" / "jquery.min.js").is_file()
    assert external_references(site) == []

    # From then on, only pages written since the given time are read.
    untouched.write_text(CURRENT_PAGE, encoding="utf-8")
    os.utime(untouched, (1_000_000_000, 1_000_000_000))
    assert make_offline(site, changed_since=2_000_000_000.0) == 0
    assert untouched.read_text(encoding="utf-8") == CURRENT_PAGE
    assert make_offline(site) == 1 and make_offline(site) == 0  # idempotent


# --- dbt docs ------------------------------------------------------------------------------------------------------


def _materialize_dbt_docs(warehouse: Path):
    import dagster as dg

    from orchestration.defs.warehouse.dbt_docs import dbt_docs
    from orchestration.resources import WarehouseResource

    result = dg.materialize(
        [dbt_docs], resources={"warehouse": WarehouseResource(path=str(warehouse))}, raise_on_error=False
    )
    assert result.success
    (materialization,) = result.asset_materializations_for_node("docs__dbt_docs")
    return materialization.metadata


DBT_MEASURE = """() => ({title: (document.querySelector('h1') || {}).innerText || '', text: document.body.innerText})"""


def test_the_dbt_docs_asset_writes_a_page_that_opens_from_disk_and_regenerates_only_when_its_inputs_change(
    generated_warehouse, template_db, browser, tmp_path
):
    from orchestration.dbt_docs import FINGERPRINT_FILE

    # An empty warehouse (the loader's schemas, no dbt relation): the page lists the project, with no catalog.
    warehouse = tmp_path / "warehouse.duckdb"
    warehouse.write_bytes(template_db.read_bytes())
    page = tmp_path / "dbt_docs" / "index.html"
    empty = _materialize_dbt_docs(warehouse)
    assert empty["path"].value == str(page) and empty["regenerated"].value is True
    assert "model.trade_warehouse.fct_entry_lines" in page.read_text(encoding="utf-8")

    # The same file once built: the documented relations now have columns, so the page is regenerated...
    assert copy_warehouse(generated_warehouse, tmp_path) == warehouse
    built = _materialize_dbt_docs(warehouse)
    assert built["regenerated"].value is True and built["inputs_sha256"].value != empty["inputs_sha256"].value
    written = page.stat().st_mtime_ns
    # ...and then kept: the daily case, same project, same columns.
    kept = _materialize_dbt_docs(warehouse)
    assert kept["regenerated"].value is False and kept["seconds"].value < 2
    assert page.stat().st_mtime_ns == written
    assert (page.parent / FINGERPRINT_FILE).read_text().strip() == built["inputs_sha256"].value

    html = page.read_text(encoding="utf-8")
    assert not re.search(r"<(?:script|link|img)\b[^>]*\b(?:src|href)=[\"']https?://", html, re.IGNORECASE)
    assert not re.search(r"url\(\s*[\"']?https?://|@import", html, re.IGNORECASE)
    overview = open_from_disk(
        browser,
        page.as_uri(),
        "document.body.innerText.includes('trade_warehouse')",
        DBT_MEASURE,
        tmp_path / "dbt_docs_overview.png",
    )
    assert overview["errors"] == [] and overview["outside"] == [] and overview["failed"] == []
    model = open_from_disk(
        browser,
        page.as_uri() + "#!/model/model.trade_warehouse.fct_entry_lines",
        "document.body.innerText.includes('entry_number')",
        DBT_MEASURE,
        tmp_path / "dbt_docs_model.png",
    )
    assert model["errors"] == [] and model["outside"] == [] and model["failed"] == []
    assert model["measured"]["title"].startswith("fct_entry_lines")
    # Column types come from the catalog dbt read from the warehouse.
    assert re.search(r"entry_number\s+VARCHAR", model["measured"]["text"])
