"""Make the Great Expectations Data Docs site open offline, from disk, as GX renders it.

GX 1.24's pages load jQuery, Popper, Bootstrap, bootstrap-table (and its filter-control extension),
bootstrap-datepicker, Font Awesome, a dark Bootstrap theme and Vega from public CDNs; the index builds its list of
validations in the browser with jQuery and bootstrap-table. The platform runs with no network, so after each build
every page is rewritten: each CDN tag points at a copy of the same file vendored from npm in
`expectations/static/vendor/` (package, version, licence and files in its README) and copied into the site's
`static/vendor/`, GX's logo points at the copy the site already holds, and every other http(s) reference is
neutralised. Each page also links `static/styles/offline.css`, which hides GX's footers (they only link to its
website).

Vega is not vendored: it draws the charts of two expectation types only (`CHART_EXPECTATIONS`), which no suite of the
platform uses (tests/test_docs_offline.py checks), so its tags are dropped.
"""

from __future__ import annotations

import filecmp
import os
import re
import shutil
from pathlib import Path

STATIC = Path(__file__).with_name("static")
STYLESHEET = STATIC / "offline.css"
VENDOR = STATIC / "vendor"
MARKER = "tw-offline"
# Bumped when the rewrite changes: a site stamped with an older version has every page rewritten once more.
REWRITE_VERSION = "2"
_STAMP = Path("static") / "vendor" / ".rewrite-version"

# Every file the pages of GX 1.24 load from a CDN (render/view/templates/page.j2, index_page.j2,
# js_script_imports.j2), and the vendored file, under static/vendor/, that replaces it (None: dropped).
_FILTER_CONTROL_CSS = "bootstrap-table/dist/extensions/filter-control/bootstrap-table-filter-control.min.css"
CDN_FILES: dict[str, str | None] = {
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css": (
        "bootstrap-table/dist/bootstrap-table.min.css"
    ),
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": "bootstrap/dist/css/bootstrap.min.css",
    # GX asks bootstrap-table 1.19.0 for this stylesheet (minified on the index, not on other pages): the same rules
    # as 1.19.1's minified one, vendored once.
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.min.css": (
        _FILTER_CONTROL_CSS
    ),
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.css": (
        _FILTER_CONTROL_CSS
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css": (
        "bootstrap-datepicker/dist/css/bootstrap-datepicker.min.css"
    ),
    # GX links the unminified build (860 kB); the minified one of the same release holds the same rules.
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css": (
        "bootstrap-dark/dist/css/bootstrap-prefers-dark.min.css"
    ),
    "https://cdn.jsdelivr.net/npm/vega@5": None,
    "https://cdn.jsdelivr.net/npm/vega-lite@5": None,
    "https://cdn.jsdelivr.net/npm/vega-embed@6": None,
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css": "fontawesome-free/css/all.min.css",
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery/dist/jquery.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": "popper.js/dist/umd/popper.min.js",
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": "bootstrap/dist/js/bootstrap.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js": (
        "bootstrap-table/dist/bootstrap-table.min.js"
    ),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.min.js": (
        "bootstrap-table/dist/extensions/filter-control/bootstrap-table-filter-control.min.js"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js": (
        "bootstrap-datepicker/dist/js/bootstrap-datepicker.min.js"
    ),
}
# The only expectation types whose Data Docs renderers draw a Vega chart in GX 1.24.
CHART_EXPECTATIONS = frozenset(
    {"expect_column_kl_divergence_to_be_less_than", "expect_column_distinct_values_to_be_in_set"}
)

_SCRIPT = re.compile(r"<script\b[^>]*\bsrc=[\"'](https?://[^\"']+)[\"'][^>]*>\s*</script>", re.IGNORECASE)
_LINK = re.compile(r"<link\b[^>]*\bhref=[\"'](https?://[^\"']+)[\"'][^>]*>", re.IGNORECASE)
_IMG = re.compile(r"<img\b[^>]*\bsrc=[\"'](https?://[^\"']+)[\"'][^>]*>", re.IGNORECASE)
# GX's logo in the navigation bar; the site holds the same image in static/images/.
_LOGO = re.compile(r"https://great-expectations-web-assets\.[^\"'/]+/logo-long\.png[^\"']*", re.IGNORECASE)
# The site's own images, by a path relative to the page: GX counts one folder too few on validation pages (its
# favicon link misses by one level: Chromium reports the missing file as a console error).
_SITE_IMAGE = re.compile(r"(\b(?:src|href)=[\"'])(?:\.{1,2}/)*static/images/", re.IGNORECASE)
# A CSS background from the web (GX's dark-theme logo), or one an earlier rewrite left as url('#').
_CSS_URL = re.compile(r"url\(\s*[\"']?(?:https?://[^)]*|#)[\"']?\s*\)", re.IGNORECASE)
# Any other URL (links to GX docs, a newsletter form), but not XML namespaces.
_URL = re.compile(r"https?://(?!www\.w3\.org/)[^\s\"'<>)]+", re.IGNORECASE)
_EXTERNAL_REFERENCE = re.compile(r"(?:src|href)\s*=\s*[\"']https?://|url\(\s*[\"']?https?://|@import", re.IGNORECASE)
# The stylesheet link the first version of this module left in place of the CDN tags it deleted.
_LEGACY_LINK = re.compile(rf"<link rel=\"stylesheet\" href=\"[^\"]*offline\.css\" data-{MARKER}=\"1\">")


def _tag(file: str, root: str) -> str:
    href = f"{root}/static/vendor/{file}"
    return f'<script src="{href}"></script>' if file.endswith(".js") else f'<link rel="stylesheet" href="{href}">'


def _vendored(match: re.Match, root: str) -> str:
    """A CDN tag as the same tag on the vendored copy; an unknown or unneeded one removed."""
    file = CDN_FILES.get(match.group(1))
    return _tag(file, root) if file else ""


def _local_logo(match: re.Match, root: str) -> str:
    """GX's logo from the copy in the site; any other image from the web removed."""
    if not _LOGO.fullmatch(match.group(1)):
        return ""
    return match.group(0).replace(match.group(1), f"{root}/static/images/logo-long.png")


def _legacy_tags(root: str) -> tuple[str, str]:
    """The stylesheets and the scripts GX's pages load (scripts in GX's order), for a page whose CDN tags were
    deleted."""
    files = list(dict.fromkeys(f for f in CDN_FILES.values() if f))
    sheets = "".join(_tag(f, root) for f in files if f.endswith(".css"))
    scripts = "".join(_tag(f, root) for f in files if f.endswith(".js"))
    return sheets, scripts


def offline_html(html: str, root: str) -> str:
    """One page with nothing fetched from the network: CDN files from the vendored copies, `root` being the relative
    path from the page to the site's folder ("." for the index)."""
    if _LEGACY_LINK.search(html):
        sheets, scripts = _legacy_tags(root)
        # The stylesheets go before GX's own <style> (as GX orders them, so its rules win), the scripts at the end
        # of <head>, before every inline script of the body that calls jQuery.
        html = re.sub(r"<style\b", lambda m: sheets + m.group(0), html, count=1, flags=re.IGNORECASE)
        html = _LEGACY_LINK.sub(lambda m: scripts, html)
    html = _SCRIPT.sub(lambda m: _vendored(m, root), html)
    html = _LINK.sub(lambda m: _vendored(m, root), html)
    html = _IMG.sub(lambda m: _local_logo(m, root), html)
    html = _SITE_IMAGE.sub(lambda m: f"{m.group(1)}{root}/static/images/", html)
    html = _CSS_URL.sub("none", html)
    html = _URL.sub("#", html)
    if f'data-{MARKER}="2"' not in html:
        link = f'<link rel="stylesheet" href="{root}/static/styles/{STYLESHEET.name}" data-{MARKER}="2">'
        html = re.sub(r"</head>", lambda m: link + m.group(0), html, count=1, flags=re.IGNORECASE)
    return html


def _copy_vendor(site: Path) -> None:
    """The vendored files (and their licences) into the site's static/vendor/, where they are missing or differ."""
    for source in VENDOR.rglob("*"):
        if source.is_file():
            target = site / "static" / "vendor" / source.relative_to(VENDOR)
            if not (target.exists() and filecmp.cmp(source, target)):
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target)
    styles = site / "static" / "styles"
    styles.mkdir(parents=True, exist_ok=True)
    if not ((styles / STYLESHEET.name).exists() and filecmp.cmp(STYLESHEET, styles / STYLESHEET.name)):
        shutil.copy2(STYLESHEET, styles / STYLESHEET.name)


def make_offline(site: Path, changed_since: float | None = None) -> int:
    """Rewrite every page (and stylesheet) of a Data Docs site in place, or with `changed_since` (a POSIX time) those
    written since then (a page once rewritten stays so: re-reading thousands of old pages per suite would make each
    run slower than the last; a site last rewritten by an older version of this module is rewritten whole, once);
    returns the number of files changed."""
    site = Path(site)
    if not site.is_dir():
        return 0
    _copy_vendor(site)
    stamp = site / _STAMP
    if not stamp.exists() or stamp.read_text(encoding="utf-8").strip() != REWRITE_VERSION:
        changed_since = None
    vendored = site / "static" / "vendor"
    changed = 0
    for page in site.rglob("*.html"):
        if (
            not page.is_file()
            or vendored in page.parents
            or (changed_since is not None and page.stat().st_mtime < changed_since)
        ):
            continue
        root = os.path.relpath(site, page.parent).replace(os.sep, "/")
        text = page.read_text(encoding="utf-8")
        fixed = offline_html(text, root)
        if fixed != text:
            page.write_text(fixed, encoding="utf-8")
            changed += 1
    for sheet in site.rglob("*.css"):
        if not sheet.is_file() or vendored in sheet.parents:
            continue  # exact copies of the npm files, which hold no outside reference (external_references checks)
        text = sheet.read_text(encoding="utf-8", errors="replace")
        fixed = _URL.sub("#", re.sub(r"@import[^;]*;", "", _CSS_URL.sub("none", text)))
        if fixed != text:
            sheet.write_text(fixed, encoding="utf-8")
            changed += 1
    stamp.write_text(REWRITE_VERSION, encoding="utf-8")
    return changed


def external_references(site: Path) -> list[str]:
    """Files of the site that would still fetch something from the network (should be [])."""
    found = []
    for path in [*Path(site).rglob("*.html"), *Path(site).rglob("*.css"), *Path(site).rglob("*.js")]:
        if path.is_file() and _EXTERNAL_REFERENCE.search(path.read_text(encoding="utf-8", errors="replace")):
            found.append(str(path))
    return found
