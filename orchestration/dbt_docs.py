"""dbt's documentation site as one file that opens from disk: `<data dir>/dbt_docs/index.html`.

`dbt docs generate --static` writes `static_index.html` with the manifest and the catalog inlined, so it needs no
server (dbt's usual `index.html` fetches `manifest.json`, which a browser refuses from `file://`). It costs about
6 s on the 2-CPU machine (dbt's start-up, parse and the catalog queries; models are not compiled, so the page shows
their source SQL), against a few seconds for a small day's load, so it runs only when what the page shows can have
changed. The page shows the project (SQL, yml descriptions, tests, lineage), dbt's own page template, and the
catalog: the columns, types and comments of every relation dbt documents, read from the warehouse. None of these
changes with the data a daily load brings, so the page is regenerated only when a hash of all of them differs from
the one stored beside it, or the page is missing. The hash takes 0.1 s: the project's files, the dbt versions, the
warehouse file's name (dbt shows it as the database) and that catalogue, read with one query.

dbt runs in its own process with usage statistics off and its own temporary target folder (the project's `target/`,
whose manifest Dagster loads, is never touched); nothing is fetched. The page is then fixed for `file://`: dbt's
template links a favicon through an unbuilt webpack `require` and lets the browser fetch the SVG icons' `{{ }}`
placeholders before Angular fills them in, both refused from `file://` with a console error per sidebar item.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import duckdb

from orchestration.dbt_project import DBT_DIR, dbt_executable, dbt_project
from warehouse.config import data_dir
from warehouse.sql_files import query

# The files of the project that the page shows or that decide what dbt compiles.
PROJECT_FILES = ("dbt_project.yml", "profiles.yml", "packages.yml", "selectors.yml")
PROJECT_FOLDERS = ("models", "macros", "tests", "seeds", "snapshots", "analyses")
FINGERPRINT_FILE = ".inputs.sha256"
DBT_TIMEOUT_SECONDS = 600

# dbt-docs' template, not built for `file://`: a favicon linked as "${require('./assets/favicons/favicon.ico')}",
# and `<use xlink:href="{{ getIcon(...) }}">`, which the browser fetches (a file next to the page) before Angular
# replaces it with "#icn-...". `ng-attr-href` sets the (SVG 2) `href` only once the value is known.
_UNBUILT_LINK = re.compile(r"<link\b[^>]*\bhref=\"\$\{require\([^>]*>", re.IGNORECASE)
_TEMPLATED_XLINK = re.compile(r"xlink:href=\"(\{\{[^\"]*\}\})\"")
# Anything that would fetch from the network, should a dbt upgrade add it: tags, stylesheet imports, CSS urls.
_FETCHING_TAG = re.compile(
    r"<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)=[\"']https?://[^>]*>(?:\s*</script>)?", re.IGNORECASE
)
_CSS_IMPORT = re.compile(r"@import\s+(?:url\()?[\"']?https?://[^;]*;", re.IGNORECASE)
_CSS_URL = re.compile(r"url\(\s*[\"']?https?://[^)]*\)", re.IGNORECASE)


@dataclass(frozen=True)
class DbtDocs:
    path: Path  # <data dir>/dbt_docs/index.html
    generated: bool  # False: the inputs were unchanged and the page was kept
    seconds: float  # time spent, the check included
    fingerprint: str


def dbt_docs_dir(warehouse: Path) -> Path:
    """Where the dbt documentation is published: `dbt_docs/` beside the warehouse file (next to `data_docs/`)."""
    return data_dir(Path(warehouse).absolute()) / "dbt_docs"


def offline_dbt_docs(html: str) -> str:
    """dbt's static page with nothing a browser would fetch from the network or be refused from `file://`."""
    html = _UNBUILT_LINK.sub("", html)
    html = _TEMPLATED_XLINK.sub(r'ng-attr-href="\1"', html)
    html = _FETCHING_TAG.sub("", html)
    html = _CSS_IMPORT.sub("", html)
    return _CSS_URL.sub("none", html)


def _project_files() -> list[Path]:
    files = [DBT_DIR / name for name in PROJECT_FILES if (DBT_DIR / name).is_file()]
    for folder in PROJECT_FOLDERS:
        files += [p for p in (DBT_DIR / folder).rglob("*") if p.is_file()]
    return sorted(files)


def _documented_relations() -> set[tuple[str, str]]:
    """(schema, name) of every model, seed, snapshot and source in the manifest: the relations dbt's catalog covers."""
    manifest = json.loads(dbt_project.manifest_path.read_text(encoding="utf-8"))
    found = {
        (node["schema"], node.get("alias") or node["name"])
        for node in manifest["nodes"].values()
        if node["resource_type"] in ("model", "seed", "snapshot")
    }
    found |= {(s["schema"], s.get("identifier") or s["name"]) for s in manifest["sources"].values()}
    return found


def _catalogue(warehouse: Path) -> list[tuple] | None:
    """Columns, types and comments of the documented relations in the warehouse; None when it cannot be read (the
    page is then regenerated: correct, only slower)."""
    if not warehouse.exists():
        return []
    relations = _documented_relations()
    try:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            rows = con.execute(query(__package__, "dbt_docs_catalogue")).fetchall()
    except duckdb.Error:
        return None
    return [row for row in rows if (row[0], row[1]) in relations]


def docs_fingerprint(warehouse: Path) -> str | None:
    """A hash of everything the static page shows; None when the warehouse's catalogue could not be read."""
    catalogue = _catalogue(warehouse)
    if catalogue is None:
        return None
    digest = hashlib.sha256()
    digest.update(f"dbt-core {version('dbt-core')} dbt-duckdb {version('dbt-duckdb')} {warehouse.name}\n".encode())
    for path in _project_files():
        digest.update(f"{path.relative_to(DBT_DIR).as_posix()}\n".encode())
        digest.update(path.read_bytes())
    digest.update(repr(catalogue).encode())
    return digest.hexdigest()


def build_dbt_docs(warehouse: Path, force: bool = False) -> DbtDocs:
    """Write `<data dir>/dbt_docs/index.html` from `dbt docs generate --static` on `warehouse`, unless the page and
    its inputs' fingerprint are already there (`force` regenerates anyway)."""
    started = time.monotonic()
    warehouse = Path(warehouse).absolute()
    out = dbt_docs_dir(warehouse) / "index.html"
    stamp = out.with_name(FINGERPRINT_FILE)
    fingerprint = docs_fingerprint(warehouse)
    current = stamp.read_text(encoding="utf-8").strip() if stamp.exists() else None
    if not force and fingerprint is not None and out.exists() and current == fingerprint:
        return DbtDocs(out, False, time.monotonic() - started, fingerprint)
    with tempfile.TemporaryDirectory(prefix="tradewh-dbt-docs-") as target:
        env = {
            **os.environ,
            "TRADEWH_WAREHOUSE": str(warehouse),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
            "DBT_TARGET_PATH": target,
            "DBT_LOG_PATH": str(Path(target) / "logs"),
        }
        # --no-compile: the page shows each model's source SQL, not the compiled one; compiling every model
        # doubled the time (13 s against 6 s on the generated warehouse, on the busy 2-core machine).
        command = [dbt_executable(), "docs", "generate", "--static", "--no-compile"]
        command += ["--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR)]
        # --no-compile still parses the project, but reads the manifest it writes the page from out of the target
        # folder: the one Dagster loaded (dbt_project/target) is copied there, the project's own left untouched.
        shutil.copyfile(dbt_project.manifest_path, Path(target) / "manifest.json")
        proc = subprocess.run(
            command, env=env, cwd=DBT_DIR, capture_output=True, text=True, timeout=DBT_TIMEOUT_SECONDS, check=False
        )
        page = Path(target) / "static_index.html"
        if proc.returncode != 0 or not page.exists():
            raise RuntimeError(f"dbt docs generate --static failed (rc {proc.returncode}):\n{proc.stdout[-3000:]}")
        html = offline_dbt_docs(page.read_text(encoding="utf-8"))
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    partial.write_text(html, encoding="utf-8")
    partial.replace(out)  # a reader never sees half a page
    if fingerprint is not None:
        stamp.write_text(fingerprint + "\n", encoding="utf-8")
    else:
        stamp.unlink(missing_ok=True)
    return DbtDocs(out, True, time.monotonic() - started, fingerprint or "")
