"""Crash harness: kill `tradewh run` with SIGKILL at random moments or inside named phases, run it again, and compare
every table with a run that was never interrupted.

    .venv/bin/python benchmarks/crash_trials.py --trials 20                 # random moments and every phase in turn
    .venv/bin/python benchmarks/crash_trials.py --phases ingest dbt --trials 2 --days 2 --scale 0.002

One landing folder is generated; two clean runs of it (in separate folders) are the reference, and the columns that
differ between those two (load times, model file paths) are left out of every comparison. Each trial then starts
`tradewh run` in a fresh folder, in a session of its own, and kills its whole process group with SIGKILL: at a
random moment of the reference run's duration, or a random moment inside a phase, found by watching Dagster's event
log for the phase's first step. The next `tradewh run` must finish within `--timeout` seconds with exit code 0, and
every table of the schemas raw, marts, risk and metrics must equal the reference's. Prints a Markdown table
(docs/operations.md keeps the 20-trial result).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

BIN = Path(sys.executable).parent
SCHEMAS = ("raw", "marts", "risk", "metrics")
# The first step of each phase, as a prefix of Dagster step keys: ingest loads the feeds, dbt builds the models,
# suites check the marts, risk scores, publish copies the warehouse for analysts.
PHASES = {
    "ingest": ("raw__",),
    "dbt": ("warehouse_models",),
    "suites": ("marts_",),
    "risk": ("importer_entities", "model_runs", "line_scores", "risk__"),
    "publish": ("ops__analyst_copy",),
}


@dataclass
class Trial:
    number: int
    target: str  # "random 12.3 s" or a phase name
    killed_in: str  # the last step started before the kill ("before any step" when none)
    killed_after: float
    recovery_rc: int | None  # None: still running at the timeout (hung)
    recovery_seconds: float
    differing: list[str]

    @property
    def recovered(self) -> bool:
        return self.recovery_rc == 0 and not self.differing


def _env(root: Path) -> dict[str, str]:
    env = {**os.environ, "DAGSTER_HOME": str(root / "dagster"), "DBT_SEND_ANONYMOUS_USAGE_STATS": "False"}
    env.update(GX_ANALYTICS_ENABLED="False", TRADEWH_WAIT_SECONDS="60")
    return env


def _command(root: Path, landing: Path) -> list[str]:
    return [str(BIN / "tradewh"), "run", "--landing", str(landing), "--warehouse", str(root / "warehouse.duckdb")]


def run_to_end(root: Path, landing: Path, timeout: float) -> tuple[int | None, float]:
    """`tradewh run` in `root`: (exit code, or None when it was still running at `timeout`; wall seconds)."""
    root.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    with (root / "run.log").open("a") as log:
        proc = subprocess.Popen(_command(root, landing), env=_env(root), stdout=log, stderr=log, start_new_session=True)
        try:
            return proc.wait(timeout=timeout), time.monotonic() - start
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            return None, time.monotonic() - start


def started_steps(root: Path) -> list[str]:
    """Step keys started so far in every run under root/dagster, oldest first (read while the run writes)."""
    steps: list[tuple[str, str]] = []
    for db in (root / "dagster" / "history" / "runs").glob("*.db"):
        if db.name == "index.db":
            continue
        try:
            with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as con:
                steps += con.execute(
                    "select timestamp, step_key from event_logs where dagster_event_type = 'STEP_START'"
                ).fetchall()
        except sqlite3.Error:
            continue
    return [step for _, step in sorted(steps)]


def kill_during(root: Path, landing: Path, target: str, moment: float, phase_window: float) -> tuple[str, float]:
    """Start a run and SIGKILL its process group: `moment` s after the start (target "random") or a random time up
    to `phase_window` s after the phase's first step starts. Returns (last step started, seconds since start)."""
    root.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    with (root / "run.log").open("a") as log:
        proc = subprocess.Popen(_command(root, landing), env=_env(root), stdout=log, stderr=log, start_new_session=True)
        if target == "random":
            deadline = start + moment
        else:
            deadline = None
            prefixes = PHASES[target]
            while proc.poll() is None and deadline is None:
                if any(step.startswith(prefixes) for step in started_steps(root)):
                    deadline = time.monotonic() + random.uniform(0, phase_window)
                time.sleep(0.05)
        while proc.poll() is None and deadline is not None and time.monotonic() < deadline:
            time.sleep(0.02)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    steps = started_steps(root)
    return (steps[-1] if steps else "before any step"), time.monotonic() - start


def _as_text(column: str, kind: str) -> str:
    """A column as text for comparison; floating point to 10 significant digits, since DuckDB's parallel sums
    may differ in the last bits from one run to the next."""
    if kind in ("DOUBLE", "FLOAT"):
        return f"printf('%.10g', \"{column}\")"
    return f'cast("{column}" as varchar)'


def _tables(con) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """(schema.table, its quoted name, [(column, type)]) of every table of SCHEMAS."""
    names = con.execute(
        "select table_schema, table_name from information_schema.tables where table_type = 'BASE TABLE' "
        "and table_schema in (select unnest(?)) order by 1, 2",
        [list(SCHEMAS)],
    ).fetchall()
    found = []
    for schema, table in names:
        quoted = f'"{schema}"."{table}"'
        columns = [(name, kind) for name, kind, *_ in con.execute(f"describe {quoted}").fetchall()]
        found.append((f"{schema}.{table}", quoted, columns))
    return found


def snapshot(warehouse: Path) -> dict[str, dict[str, list]]:
    """Every table of SCHEMAS: column name -> its values as text, sorted (to find the columns that differ)."""
    tables: dict[str, dict[str, list]] = {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for name, quoted, columns in _tables(con):
            select = ", ".join(_as_text(column, kind) for column, kind in columns)
            rows = con.execute(f"select {select} from {quoted}").fetchall()
            tables[name] = {c: sorted(str(row[i]) for row in rows) for i, (c, _) in enumerate(columns)}
    return tables


# What two clean runs of one landing were found to differ in (20-trial run of docs/operations.md): when rows were
# loaded, entities resolved, models trained or evaluated, and the model files' paths (beside each warehouse).
RUN_TIME_COLUMNS = {"_loaded_at", "loaded_at", "resolved_at", "trained_at", "evaluated_at", "model_path"}
RUN_TIME_COLUMNS |= {"revenue_model_path"}


def volatile_columns(a: dict, b: dict) -> dict[str, set[str]]:
    """Columns whose values differ between two clean runs of the same landing: run-time stamps and paths."""
    return {t: {c for c in a[t] if a[t][c] != b[t].get(c)} for t in a if t in b}


def run_time_columns(warehouse: Path) -> dict[str, set[str]]:
    """The RUN_TIME_COLUMNS of every table (for one reference run instead of two)."""
    return {t: set(columns) & RUN_TIME_COLUMNS for t, columns in snapshot(warehouse).items()}


def rows_without(warehouse: Path, volatile: dict[str, set[str]]) -> dict[str, list[tuple]]:
    """Every table's rows without its volatile columns, sorted."""
    out: dict[str, list[tuple]] = {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for name, quoted, columns in _tables(con):
            kept = [(c, kind) for c, kind in columns if c not in volatile.get(name, set())]
            select = ", ".join(_as_text(c, kind) for c, kind in kept) or "1"
            rows = con.execute(f"select {select} from {quoted}").fetchall()
            out[name] = sorted(rows, key=lambda r: tuple(map(str, r)))
    return out


def differing_tables(reference: dict[str, list[tuple]], found: dict[str, list[tuple]]) -> list[str]:
    return sorted(t for t in reference.keys() | found.keys() if reference.get(t) != found.get(t))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--phases", nargs="*", default=["random", *PHASES], help="random and/or phases, in turn")
    parser.add_argument("--days", type=int, default=10)
    parser.add_argument("--scale", type=float, default=0.02)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--timeout", type=float, default=600, help="seconds the recovery run may take")
    parser.add_argument("--keep", help="work in this folder and keep it")
    args = parser.parse_args()

    random.seed(args.seed)
    root = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="crash_trials_"))
    landing = root / "landing"
    if not landing.exists():
        generate = [str(BIN / "tradewh"), "generate", "--out", str(landing), "--start", "2025-10-01"]
        generate += ["--days", str(args.days), "--scale", str(args.scale), "--seed", str(args.seed)]
        subprocess.run(generate, check=True, capture_output=True)
        shutil.rmtree(landing / "truth", ignore_errors=True)
    print(f"landing: {args.days} days at scale {args.scale}; reference runs ...", file=sys.stderr)
    rc_a, wall = run_to_end(root / "reference_a", landing, args.timeout)
    rc_b, _ = run_to_end(root / "reference_b", landing, args.timeout)
    if rc_a != 0 or rc_b != 0:
        print(f"reference runs failed ({rc_a}, {rc_b}); see {root}/reference_*/run.log", file=sys.stderr)
        return 1
    volatile = volatile_columns(
        snapshot(root / "reference_a" / "warehouse.duckdb"), snapshot(root / "reference_b" / "warehouse.duckdb")
    )
    reference = rows_without(root / "reference_a" / "warehouse.duckdb", volatile)
    print(f"reference run: {wall:.0f} s; left out: {sorted(f'{t}.{c}' for t, cs in volatile.items() for c in cs)}")

    trials = []
    for number in range(1, args.trials + 1):
        target = args.phases[(number - 1) % len(args.phases)]
        moment = random.uniform(0, wall)
        folder = root / f"trial_{number:02d}"
        killed_in, after = kill_during(folder, landing, target, moment, phase_window=3.0)
        rc, seconds = run_to_end(folder, landing, args.timeout)
        differing = differing_tables(reference, rows_without(folder / "warehouse.duckdb", volatile)) if rc == 0 else []
        label = f"random {moment:.0f} s" if target == "random" else target
        trials.append(Trial(number, label, killed_in, after, rc, seconds, differing))
        print(f"trial {number}: {trials[-1]}", file=sys.stderr)

    print("\n| trial | kill aimed at | killed after | last step started | recovery | recovery s | tables equal |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for t in trials:
        recovery = "hung" if t.recovery_rc is None else f"rc {t.recovery_rc}"
        equal = "all" if not t.differing else f"no: {', '.join(t.differing[:4])}"
        print(
            f"| {t.number} | {t.target} | {t.killed_after:.1f} s | {t.killed_in} | {recovery} | "
            f"{t.recovery_seconds:.0f} | {equal} |"
        )
    recovered = sum(t.recovered for t in trials)
    print(f"\n{recovered} of {len(trials)} trials recovered with no manual step, every table equal to the reference.")
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)
    return 0 if recovered == len(trials) else 1


if __name__ == "__main__":
    sys.exit(main())
