"""Small HTML pieces the sections share: tables, slugs, notes."""

from __future__ import annotations

import re
from html import escape

from warehouse.report import formats


def slug(*parts: str) -> str:
    text = "-".join(str(p) for p in parts if p)
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def table(headers: list[str], rows: list[list[str]], numeric: set[int] | frozenset = frozenset(), cls: str = "") -> str:
    """A plain table of already-formatted, already-escaped cells; `numeric` column indexes align right."""
    head = "".join(f"<th>{h}</th>" for h in headers)
    body = "".join(
        "<tr>"
        + "".join(f'<td class="num">{c}</td>' if i in numeric else f"<td>{c}</td>" for i, c in enumerate(r))
        + "</tr>"
        for r in rows
    )
    return f'<table class="{cls or "data"}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def frame_table(frame, limit: int = 500) -> str:
    """Any frame as a table, every column, cells formatted generically; long frames are cut at `limit` rows."""
    shown = frame.head(limit)
    rows = [[escape(formats.cell(v)) for v in record] for record in shown.itertuples(index=False, name=None)]
    numeric = {i for i, dtype in enumerate(frame.dtypes) if dtype.kind in "iufb"}
    cut = (
        f'<p class="note">First {limit:,} of {len(frame):,} rows; all rows are in the exports.</p>'
        if len(frame) > limit
        else ""
    )
    return table([escape(str(c)) for c in frame.columns], rows, numeric) + cut


def not_computed(what: str) -> str:
    return f'<p class="not-computed">Not computed: {escape(what)} is not in this warehouse.</p>'
