"""The system Chromium for the browser tests (the report, the Data Docs, the dbt docs), launched by Playwright from
Debian's package: no browser is ever downloaded. Missing, the tests skip, unless TRADEWH_REQUIRE_BROWSER is set (CI
sets it), when they fail."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
# No background networking, component updates or sync: on this closed network Chromium's own connections would be
# refused, many at a time.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def launch(playwright):
    if not CHROMIUM.exists():
        if os.environ.get("TRADEWH_REQUIRE_BROWSER"):
            pytest.fail(f"{CHROMIUM} is missing and TRADEWH_REQUIRE_BROWSER is set")
        pytest.skip(f"no system Chromium at {CHROMIUM} (install Debian's chromium; no browser is downloaded)")
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
