"""Deterrence (`metrics.deterrence`): do importers' discrepancy rates fall after a penalty, seizure or audit finding,
compared with similar importers that had none, over the same calendar windows? A difference in differences.

- Event: an importer's first penalty (assessed_on), first seizure with a known importer (seized_on) or first audit
  with findings (closed_on: when the findings are known); domain `overall` uses its first event of any of the three.
- Windows: `window_days` before the event day and after it (the event day itself in neither, since the exam that
  led to a seizure falls on it), clipped to the exam data; events with no day on either side are left out.
- Rate: material discrepancies / examined lines of the importer's entries in the window. The compliance-measurement
  random lines are used when the treated importers have at least MIN_SAMPLED of them in each window; otherwise every
  examined line, and the note says so: targeted exams are not a random sample, and targeting that follows an event
  (more exams of a penalised importer) biases the rates; the comparison group shares the bias only in part.
- Comparison: importers with no event of any kind, in the same value size band (quintile of entered value) and top
  HS section by value (size band alone when no such importer exists), their lines counted over each treated
  importer's own calendar windows, pooled across treated importers.
- `deterrence_effect` = (after - before) of the treated - (after - before) of the comparison; negative = fewer
  discrepancies after. SE and 95% interval: bootstrap (percentile) resampling treated importers together with their
  matched comparison counts, so the clustering of lines within an importer is respected.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from warehouse.metrics.estimates import MIN_SAMPLED
from warehouse.metrics.targeting import estimate_row, rows_frame
from warehouse.sql_files import query

EVENT_TYPES = ("penalty", "seizure", "audit_finding")
DEFAULT_WINDOW_DAYS = 180
BOOTSTRAP_REPLICATES = 2000
BOOTSTRAP_SEED = 20250701
# The table's own columns, typed: with no event at all `line_source` is NULL on every row and would have no type.
EXTRA_COLUMNS = {"importers": "bigint", "line_source": "varchar", "window_days": "bigint"}


def _rates(sums: np.ndarray) -> np.ndarray:
    """Columns n_b, d_b, n_a, d_a, cn_b, cd_b, cn_a, cd_a (summed) -> before, after, comparison before/after, DiD."""
    with np.errstate(invalid="ignore", divide="ignore"):
        before = sums[..., 1] / sums[..., 0]
        after = sums[..., 3] / sums[..., 2]
        c_before = sums[..., 5] / sums[..., 4]
        c_after = sums[..., 7] / sums[..., 6]
    return np.stack([before, after, c_before, c_after, (after - before) - (c_after - c_before)], axis=-1)


MEASURES = (
    "discrepancy_rate_before",
    "discrepancy_rate_after",
    "comparison_rate_before",
    "comparison_rate_after",
    "deterrence_effect",
)


def _event_rows(domain: str, value: str, group: pd.DataFrame, window_days: int, replicates: int, seed: int):
    cm_counts = group[["n_b_cm", "n_a_cm"]].sum()
    source = "cm" if min(cm_counts) >= MIN_SAMPLED else "all"
    columns = [f"{p}{k}_{s}_{source}" for p in ("", "c") for s in ("b", "a") for k in ("n", "d")]
    data = group[columns].fillna(0).to_numpy(dtype=float)
    point = _rates(data.sum(axis=0))
    counts = data.sum(axis=0)[[0, 2, 4, 6]]
    rng = np.random.default_rng(seed)
    draws = _rates(data[rng.integers(0, len(data), (replicates, len(data)))].sum(axis=1))
    if source == "cm":
        lines = "compliance-measurement random lines"
    else:
        lines = "all examined lines (too few random lines: targeted exams are not a random sample, rates biased up)"
    note = (
        f"{len(data)} importers, {window_days}-day windows around the first {value if value != 'all' else 'event'}; "
        f"material discrepancies / {lines}; comparison: no-event importers of the same size band and HS section; "
        "bootstrap over importers"
    )
    rows = []
    for i, measure in enumerate(MEASURES):
        n = int(min(counts)) if measure == "deterrence_effect" else int(counts[i])
        sample = draws[:, i][~np.isnan(draws[:, i])]
        if math.isnan(point[i]) or len(sample) < 2:
            rows.append(estimate_row(measure, "rate", "all", "all", domain, value, None, math.nan, (None, None), 0, ""))
        else:
            ci = (float(np.percentile(sample, 2.5)), float(np.percentile(sample, 97.5)))
            se = float(np.std(sample, ddof=1))
            rows.append(estimate_row(measure, "rate", "all", "all", domain, value, float(point[i]), se, ci, n, note))
        rows[-1].update(importers=len(data), line_source="cm_random" if source == "cm" else "all_exams")
    return rows


def deterrence(
    con, window_days: int = DEFAULT_WINDOW_DAYS, replicates: int = BOOTSTRAP_REPLICATES, seed: int = BOOTSTRAP_SEED
) -> pd.DataFrame:
    """metrics.deterrence rows: domain `event_type` (penalty, seizure, audit_finding) and `overall` (any event)."""
    counts = con.execute(query(__package__, "deterrence_counts"), {"window_days": int(window_days)}).df()
    rows = []
    for event_type in ("any", *EVENT_TYPES):
        group = counts[counts.event_type == event_type]
        domain, value = ("overall", "all") if event_type == "any" else ("event_type", event_type)
        if group.empty:
            event = "event" if event_type == "any" else event_type.replace("_", " ")
            note = f"suppressed: no importer with a first {event} and exam data on both sides of it"
            for measure in MEASURES:
                row = estimate_row(measure, "rate", "all", "all", domain, value, None, math.nan, (None, None), 0, "")
                rows.append({**row, "note": note, "importers": 0, "line_source": None})
            continue
        rows += _event_rows(domain, value, group, window_days, replicates, seed)
    frame = rows_frame(rows)
    frame["window_days"] = window_days
    return frame
