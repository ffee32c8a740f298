"""Make the Great Expectations Data Docs site open offline.

GX renders static HTML whose pages load Bootstrap, jQuery, Font Awesome, Vega and a logo from public CDNs. The
platform runs with no network, so after each build every page is rewritten: tags that fetch from http(s) are
removed, remaining outside links are neutralised, and each page links `static/offline.css` (shipped here in
`expectations/static/`). The tables GX renders are plain HTML, so every result stays readable; only the
interactive sorting and filtering of bootstrap-table is lost.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

STYLESHEET = Path(__file__).with_name("static") / "offline.css"
MARKER = "tw-offline"

_FETCHING_TAGS = (
    re.compile(r"<link\b[^>]*\bhref=[\"']https?://[^>]*>", re.IGNORECASE),
    re.compile(r"<script\b[^>]*\bsrc=[\"']https?://[^>]*>\s*</script>", re.IGNORECASE),
    re.compile(r"<img\b[^>]*\bsrc=[\"']https?://[^>]*>", re.IGNORECASE),
)
# Any other URL (links to GX docs, a newsletter form, logo URLs in inline scripts), but not XML namespaces.
_URL = re.compile(r"https?://(?!www\.w3\.org/)[^\s\"'<>)]+", re.IGNORECASE)
_EXTERNAL_REFERENCE = re.compile(r"(?:src|href)\s*=\s*[\"']https?://|url\(\s*[\"']?https?://|@import", re.IGNORECASE)


def offline_html(html: str, stylesheet_href: str) -> str:
    """One page with nothing fetched from the network and the local stylesheet linked."""
    for pattern in _FETCHING_TAGS:
        html = pattern.sub("", html)
    html = _URL.sub("#", html)
    if MARKER not in html:
        link = f'<link rel="stylesheet" href="{stylesheet_href}" data-{MARKER}="1">'
        html = re.sub(r"</head>", link + "</head>", html, count=1, flags=re.IGNORECASE)
    return html


def make_offline(site: Path, changed_since: float | None = None) -> int:
    """Rewrite every page (and stylesheet) of a Data Docs site in place, or with `changed_since` (a POSIX time) those
    written since then (a page once rewritten stays so: re-reading thousands of old pages per suite would make each
    run slower than the last); returns the number of files changed."""
    site = Path(site)
    if not site.is_dir():
        return 0
    static = site / "static" / "styles"
    static.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(STYLESHEET, static / STYLESHEET.name)
    changed = 0
    for page in site.rglob("*.html"):
        if changed_since is not None and page.stat().st_mtime < changed_since:
            continue
        href = os.path.relpath(static / STYLESHEET.name, page.parent).replace(os.sep, "/")
        text = page.read_text(encoding="utf-8")
        fixed = offline_html(text, href)
        if fixed != text:
            page.write_text(fixed, encoding="utf-8")
            changed += 1
    for sheet in site.rglob("*.css"):
        text = sheet.read_text(encoding="utf-8", errors="replace")
        fixed = re.sub(r"@import[^;]*;", "", _URL.sub("#", text))
        if fixed != text:
            sheet.write_text(fixed, encoding="utf-8")
            changed += 1
    return changed


def external_references(site: Path) -> list[str]:
    """Files of the site that would still fetch something from the network (should be [])."""
    found = []
    for path in [*Path(site).rglob("*.html"), *Path(site).rglob("*.css"), *Path(site).rglob("*.js")]:
        if _EXTERNAL_REFERENCE.search(path.read_text(encoding="utf-8", errors="replace")):
            found.append(str(path))
    return found
