"""Render the contract module as Markdown (`docs/contract.md`). A test keeps the file equal to this rendering,
so the documentation cannot drift from the code. Regenerate with `python -m warehouse.contract.docs`."""

from __future__ import annotations

import sys
from pathlib import Path

from warehouse.contract import CONTRACT_VERSION, FEEDS, FORMATS
from warehouse.contract.schema import Column, Feed

DOC_PATH = Path(__file__).resolve().parents[2] / "docs" / "contract.md"

_VERSIONING = {
    "entry": "a higher `{v}` replaces every line of the entry (lines it no longer has disappear)",
    "latest": "the row with the highest `{v}` wins",
    "replace": "the latest delivery of a key wins",
}


def _rule_text(column: Column) -> str:
    parts = []
    if column.codes:
        parts.append("one of " + ", ".join(f"`{c}`" for c in column.codes))
    if column.pattern:
        parts.append(f"matches `{column.pattern}`")
    if column.minimum is not None:
        parts.append(f"≥ {column.minimum:g}")
    if column.maximum is not None:
        parts.append(f"≤ {column.maximum:g}")
    if column.reference:
        parts.append(f"a known {column.reference} (reference data)")
    if column.pii:
        parts.append("personally identifying")
    if column.description:
        parts.append(column.description)
    # A pipe inside a Markdown table cell ends the cell; patterns contain alternations.
    return "; ".join(parts).replace("|", "\\|")


def _feed_section(feed: Feed) -> list[str]:
    lines = [f"## `{feed.name}` ({feed.kind})", "", feed.description, ""]
    versioning = _VERSIONING[feed.versioning].format(v=feed.version_column)
    lines += [f"Key: ({', '.join(f'`{k}`' for k in feed.key)}); {versioning}.", ""]
    lines += ["| column | type | SQL type | required | rule |", "| --- | --- | --- | --- | --- |"]
    for c in feed.columns:
        lines.append(f"| {c.name} | {c.type} | {c.sql_type} | {'yes' if c.required else 'no'} | {_rule_text(c)} |")
    if feed.group_columns:
        lines += [
            "",
            f"Must agree across the rows of one ({', '.join(feed.group_key)}): "
            + ", ".join(f"`{c}`" for c in feed.group_columns)
            + ".",
        ]
    if feed.rules:
        lines += ["", "| rule | column | severity | meaning |", "| --- | --- | --- | --- |"]
        lines += [f"| `{r.name}` | {r.column} | {r.severity} | {r.description} |" for r in feed.rules]
    return [*lines, ""]


def render_markdown() -> str:
    lines = [
        f"# Feed contract, version {CONTRACT_VERSION} (generated from `warehouse/contract/`)",
        "",
        "Do not edit by hand: run `python -m warehouse.contract.docs`.",
        "",
        "Landing layout: `<landing>/<feed>/<YYYY-MM-DD>/<file>`; formats by extension: "
        + ", ".join(f"`{ext}`" for ext in FORMATS)
        + ". Column checks are reported as `required`, `type`, `code_list`, `format`, `range` and "
        "`unknown_reference`; error rules quarantine a row, warnings load it and record the warning.",
        "",
    ]
    for feed in FEEDS.values():
        lines += _feed_section(feed)
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":
    DOC_PATH.parent.mkdir(exist_ok=True)
    DOC_PATH.write_text(render_markdown(), encoding="utf-8")
    sys.stdout.write(f"wrote {DOC_PATH}\n")
