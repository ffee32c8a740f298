"""Re-measure only the fiscal periods whose inputs changed since a measure table was last written.

A measure of one fiscal year or quarter depends only on that period's inputs, so a new delivery day needs its own
periods re-estimated (its quarter and its year, and the quarter or year its exams look back into), not the whole
history. Each period's inputs are summarised by a signature computed in DuckDB (row counts and an order-free sum of
row hashes: no Python sees the rows); `ops.measured_periods` keeps the signatures each table was last written from.
A period is re-measured when its signature differs, when it is new, and when it vanished (its rows are deleted).

Everything is re-measured when the table is missing, when it has no stored signatures, or when the measuring code
changed (the fingerprint of warehouse/metrics' source): a method change must reach every period.

Cost: the signatures read every line once per run (a GROUP BY of the line facts by filed date, then by period), a
scan DuckDB does at a few hundred million rows a second; the estimators, the part that costs, see only the changed
periods' sample lines.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from warehouse.db import table_exists
from warehouse.metrics.estimates import insert_estimates, write_estimates
from warehouse.metrics.periods import prior_period
from warehouse.sql_files import query

STATE_TABLE = "ops.measured_periods"
_KEYS = ["period_kind", "period"]


def method_files() -> list[Path]:
    """The measuring code: every module of warehouse/metrics and every SQL file they run (sql/)."""
    here = Path(__file__).parent
    return sorted(here.glob("*.py")) + sorted(here.glob("sql/*.sql"))


def method_fingerprint() -> str:
    """A hash of the measuring code (`method_files`): when any of it changes, every period is re-measured once."""
    digest = hashlib.sha256()
    for path in method_files():
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class Scope:
    """Which periods of `table` to re-measure: `periods` is None for all of them."""

    table: str
    periods: frozenset[tuple[str, str]] | None
    reason: str

    @property
    def everything(self) -> bool:
        return self.periods is None

    @property
    def labels(self) -> list[str]:
        """The periods re-measured, sorted (['all'] when every period is)."""
        return ["all"] if self.periods is None else sorted(period for _, period in self.periods)

    def years(self) -> list[str] | None:
        """The fiscal years whose sample lines the estimators need: those re-measured and those of re-measured
        quarters ('FY2026Q1' needs FY2026's lines). None when every period is re-measured."""
        if self.periods is None:
            return None
        return sorted({period[:6] for _, period in self.periods})

    def keep(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The rows of `frame` in the re-measured periods."""
        if self.periods is None or not len(frame):
            return frame
        chosen = [(kind, period) in self.periods for kind, period in frame[_KEYS].itertuples(index=False)]
        return frame[chosen].reset_index(drop=True)


def _ensure_state(con) -> None:
    con.execute("create schema if not exists ops")
    con.execute(
        f"create table if not exists {STATE_TABLE} (measure_table varchar, period_kind varchar, period varchar, "
        "rows_in bigint, signature ubigint, method varchar, measured_at timestamp)"
    )


def plan(con, table: str, signature_sql: str) -> Scope:
    """The scope of this run's re-measurement of `metrics.<table>`. `signature_sql` gives one row per fiscal
    period with inputs: (period_kind, period, rows_in, signature). Leaves the current signatures in a temporary
    table for `record` to store once the table is written."""
    _ensure_state(con)
    con.execute(f"create or replace temp table _signatures_now as {signature_sql}")
    if not table_exists(con, "metrics", table):
        return Scope(table, None, f"metrics.{table} does not exist yet")
    stored = con.execute(
        f"select count(*), count(*) filter (where method <> ?) from {STATE_TABLE} where measure_table = ?",
        [method_fingerprint(), table],
    ).fetchone()
    if stored[0] == 0:
        return Scope(table, None, "no record of the periods it was measured from")
    if stored[1]:
        return Scope(table, None, "the measuring code changed")
    statement = query(__package__, "period_scope_changed", state_table=STATE_TABLE)
    changed = con.execute(statement, {"measure_table": table}).fetchall()
    if not changed:
        return Scope(table, frozenset(), "no period's inputs changed")
    return Scope(table, frozenset(changed), "inputs changed in these periods")


def record(con, scope: Scope) -> None:
    """Store the signatures `plan` computed as those `scope.table` is now measured from."""
    con.execute(f"delete from {STATE_TABLE} where measure_table = ?", [scope.table])
    con.execute(
        f"insert into {STATE_TABLE} select ?, period_kind, period, rows_in, signature, ?, current_timestamp "
        "from _signatures_now",
        [scope.table, method_fingerprint()],
    )


def following_periods(periods) -> set[tuple[str, str]]:
    """The periods whose prior period is one of `periods` (their change from the prior period moves with it)."""
    out = set()
    for kind, period in periods:
        # The period after P is the one whose prior is P: try the next label of the same kind.
        if kind == "fiscal_year":
            candidate = f"FY{int(period[2:6]) + 1}"
        else:
            year, quarter = int(period[2:6]), int(period[7])
            candidate = f"FY{year + 1}Q1" if quarter == 4 else f"FY{year}Q{quarter + 1}"
        if prior_period(candidate) == period:
            out.add((kind, candidate))
    return out


def write(
    con, scope: Scope, frame: pd.DataFrame, extras: dict[str, str] | None = None, with_change=None
) -> pd.DataFrame:
    """Write the re-measured periods of `frame` into `metrics.<scope.table>` and record the signatures, in one
    transaction. With `with_change` (a function adding the change from the prior period to a frame), the stored rows
    of the periods before and after the re-measured ones are read back so the change of a re-measured period, and
    of the period after it, are computed against the right neighbour. Returns the rows written."""
    con.execute("begin")
    try:
        if scope.periods == frozenset():
            written = frame.iloc[0:0]
        elif scope.everything:
            # The frame of every period already carries its changes (each period's prior is in it).
            written = frame
            write_estimates(con, scope.table, written, extras)
        else:
            assert scope.periods is not None  # not everything: the periods are named
            written = scope.keep(frame)
            replaced = set(scope.periods)
            if with_change is not None:
                written, replaced = _with_neighbours(con, scope, written, extras or {}, with_change)
            if replaced:
                con.execute(
                    f"delete from metrics.{scope.table} where (period_kind, period) in (select unnest(?), unnest(?))",
                    [[k for k, _ in replaced], [p for _, p in replaced]],
                )
            insert_estimates(con, scope.table, written, extras)
        record(con, scope)
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return written


def _with_neighbours(con, scope: Scope, fresh: pd.DataFrame, extras: dict[str, str], with_change):
    """(rows to write, periods they replace): `fresh` and the stored rows of the periods after the re-measured ones,
    each with its change recomputed against the stored or fresh row of its prior period."""
    assert scope.periods is not None  # only called when the periods are named
    after = following_periods(scope.periods) - scope.periods
    before = {(k, prior_period(p)) for k, p in scope.periods} - scope.periods
    wanted = sorted(after | before)
    stored = con.execute(
        f"select * from metrics.{scope.table} where (period_kind, period) in (select unnest(?), unnest(?))",
        [[k for k, _ in wanted] or [""], [p for _, p in wanted] or [""]],
    ).df()
    change_columns = [c for c in extras if c in stored.columns]
    base = pd.concat([stored.drop(columns=change_columns), fresh.drop(columns=change_columns, errors="ignore")])
    changed = with_change(base.reset_index(drop=True))
    stored_after = {tuple(x) for x in stored[_KEYS].drop_duplicates().itertuples(index=False)} & after
    replaced = set(scope.periods) | stored_after
    chosen = [(k, p) in replaced for k, p in changed[_KEYS].itertuples(index=False)]
    return changed[chosen].reset_index(drop=True), replaced
