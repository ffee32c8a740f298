"""Benchmark: one delivery day appended to warehouses holding 0, 7, 30 and 90 days of history (issue 15).

    .venv/bin/python -m benchmarks.append_day --history 0 7 30 90 --scale 1.0 --keep /tmp/append

For each history length H: generate H + 1 consecutive days in one call (one population, so day H + 1 continues the
history: its exams, audits and corrections refer back to it), load the first H with `tradewh run` (the backfill,
timed too), then move day H + 1 into the landing folder and time the `tradewh run` that appends it: wall, CPU (every
process it starts) and peak RSS, the slowest Dagster steps of that run, and its CPU against H = 0 (the same
generator, so the appended day is the first day of a different population there: a day of the same size).
The target: an appended day costs at most 1.2x the CPU of the same day into an empty warehouse.

A folder per H under --keep (default: a temporary folder); with --reuse, a history already loaded there is reused
(its day H + 1 put back aside first), so the append can be re-measured after a code change without a new backfill
(the first run after a code change then also pays for anything the change makes stale). Without --keep-all, each H's
folder is removed after its measurement (a 90-day full-scale history needs ~40 GB with both published copies).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from benchmarks.run_day import BIN, _slowest_steps, _tail, _timed

STEPS_SHOWN = 8


def _day_folders(landing: Path, day: date) -> list[Path]:
    return sorted(landing.glob(f"*/{day.isoformat()}"))


def _size_gib(path: Path) -> float:
    return path.stat().st_size / 2**30 if path.exists() else 0.0


def _history(root: Path, history: int, args, env: dict[str, str]) -> tuple[dict, date]:
    """Generate and load `history` days (unless --reuse finds them loaded); (backfill figures, the appended day)."""
    landing, aside = root / "landing", root / "appended_day"
    start = date.fromisoformat(args.start)
    appended = start + timedelta(days=history)
    loaded = root / ".history_loaded"
    if args.reuse and loaded.exists():
        for folder in _day_folders(landing, appended):  # the last measurement's appended day: put aside again
            target = aside / folder.parent.name / folder.name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(folder, target)
        return {"reused": True}, appended
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    generate = [str(BIN / "tradewh"), "generate", "--out", str(landing), "--start", args.start]
    generate += ["--days", str(history + 1), "--scale", str(args.scale), "--seed", str(args.seed)]
    rc, gen_wall, gen_cpu, _, output = _timed(generate, env)
    if rc:
        raise SystemExit(f"generate failed:\n{_tail(output)}")
    shutil.rmtree(landing / "truth", ignore_errors=True)
    for folder in _day_folders(landing, appended):
        target = aside / folder.parent.name / folder.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(folder, target)
    figures = {"generate_wall": gen_wall, "generate_cpu": gen_cpu}
    if history:
        rc, wall, cpu, rss, output = _timed(_run_command(root), env)
        if rc:
            raise SystemExit(f"backfill of {history} days failed:\n{_tail(output)}")
        figures |= {"wall": wall, "cpu": cpu, "rss": rss}
    loaded.touch()
    return figures, appended


def _run_command(root: Path) -> list[str]:
    return [str(BIN / "tradewh"), "run", "--landing", str(root / "landing"), "--warehouse", str(root / "w.duckdb")]


def _append(root: Path, appended: date, env: dict[str, str]) -> dict:
    aside, landing = root / "appended_day", root / "landing"
    for folder in sorted(aside.glob("*/*")):
        target = landing / folder.parent.name / folder.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(folder, target)
    since = datetime.now(UTC).replace(tzinfo=None)
    load = os.getloadavg()[0]
    rc, wall, cpu, rss, output = _timed(_run_command(root), env)
    if rc:
        raise SystemExit(f"appending {appended} failed:\n{_tail(output)}")
    steps = _slowest_steps(root / "dagster", since)
    return {"wall": wall, "cpu": cpu, "rss": rss, "load": load, "steps": steps, "size": _size_gib(root / "w.duckdb")}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--history", type=int, nargs="+", default=[0, 7, 30, 90])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--start", default="2025-10-01")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--keep", help="work in this folder (default: a temporary folder)")
    parser.add_argument("--reuse", action="store_true", help="reuse histories already loaded under --keep")
    parser.add_argument("--keep-all", action="store_true", help="keep every history's folder afterwards")
    args = parser.parse_args()

    base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="append_day_"))
    rows = []
    for history in args.history:
        root = base / f"h{history}"
        env = {**os.environ, "DAGSTER_HOME": str(root / "dagster"), "DBT_SEND_ANONYMOUS_USAGE_STATS": "False"}
        env["GX_ANALYTICS_ENABLED"] = "False"
        backfill, appended = _history(root, history, args, env)
        figures = _append(root, appended, env)
        rows.append((history, backfill, figures))
        print(f"H={history}: backfill {backfill}; append { ({k: v for k, v in figures.items() if k != 'steps'}) }")
        sys.stdout.flush()
        if not (args.keep_all or args.reuse):
            shutil.rmtree(root, ignore_errors=True)
    subprocess.run(["sync"], check=False)

    empty_cpu = next((f["cpu"] for h, _, f in rows if h == 0), None)
    print(f"\n## One day at scale {args.scale} appended to a warehouse holding H days\n")
    print(
        "| H (days held) | backfill wall s / CPU s / peak MiB | append wall s | append CPU s | x H=0 CPU "
        "| peak RSS MiB | warehouse GiB | load before |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for history, backfill, f in rows:
        done = "reused" if backfill.get("reused") else "—"
        if "wall" in backfill:
            done = f"{backfill['wall']:.0f} / {backfill['cpu']:.0f} / {backfill['rss']:,.0f}"
        ratio = f"{f['cpu'] / empty_cpu:.2f}" if empty_cpu else "—"
        print(
            f"| {history} | {done} | {f['wall']:.1f} | {f['cpu']:.1f} | {ratio} | {f['rss']:,.0f} "
            f"| {f['size']:.2f} | {f['load']:.1f} |"
        )
    for history, _, f in rows:
        print(
            f"\nSlowest steps appending to H = {history} (wall s): "
            + ", ".join(f"{step} {seconds:.1f}" for seconds, step in f["steps"][:STEPS_SHOWN])
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
