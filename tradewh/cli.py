"""`tradewh`: the command-line entry point for the platform's main jobs.

Every command accepts `--warehouse FILE` (default: $TRADEWH_WAREHOUSE, else ./data/warehouse.duckdb).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from datetime import UTC, date, datetime
from pathlib import Path

from warehouse import config

# Command groups, one module each with `add_commands(subparsers, common)`.
COMMAND_MODULES = ("tradewh.commands.risk", "tradewh.commands.report")

DEMO_START = date(2025, 10, 1)  # first day of federal fiscal year 2026
DEMO_DAYS = 30
DEMO_SEED = 20251001


class UserError(Exception):
    """A mistake in the command line or the paths it names: printed as one line, without a traceback."""


def _warehouse(args: argparse.Namespace) -> Path:
    return config.warehouse_path(args.warehouse)


def _writable_folder(path: Path, what: str) -> None:
    """`path` is a folder the command can create files in, or can be created. Checked before the slow imports, so
    a typo costs a second, not a minute of loading Dagster and dbt."""
    existing = path
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise UserError(f"{what} {path} cannot be created: {existing} is a file, not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise UserError(f"{what} {path} is not writable (no write permission on {existing})")


def _writable_warehouse(warehouse: Path) -> None:
    if warehouse.exists() and not warehouse.is_file():
        raise UserError(f"warehouse {warehouse} is a folder; name a file such as {warehouse / 'warehouse.duckdb'}")
    _writable_folder(warehouse.parent, "the warehouse's folder")


def _check_generate(args: argparse.Namespace) -> None:
    if args.days < 1:
        raise UserError(f"--days must be at least 1 (got {args.days})")
    if not args.scale > 0:
        raise UserError(f"--scale must be above 0 (got {args.scale})")
    if not 0 <= args.dirt_rate <= 1:
        raise UserError(f"--dirt-rate must be between 0 and 1 (got {args.dirt_rate})")
    try:
        date.fromisoformat(args.start)
    except ValueError:
        raise UserError(f"--start must be a date YYYY-MM-DD (got {args.start!r})") from None
    out = Path(args.out).expanduser().absolute()
    if out.exists() and not out.is_dir():
        raise UserError(f"--out {out} is a file, not a folder")
    _writable_folder(out, "--out")


def cmd_generate(args: argparse.Namespace) -> int:
    _check_generate(args)
    from warehouse.generator import generate

    summary = generate(
        Path(args.out),
        start=date.fromisoformat(args.start),
        days=args.days,
        scale=args.scale,
        seed=args.seed,
        fmt=args.format,
        dirt_rate=args.dirt_rate,
        progress=print,
    )
    counts = summary.to_dict().get("rows", {})
    for feed, rows in counts.items():
        print(f"  {feed:<14} {rows:>12,} rows")
    print(f"wrote {args.days} days of feeds to {Path(args.out).absolute()} (ground truth in truth/)")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    warehouse = _warehouse(args)
    landing = config.landing_path(warehouse, args.landing)
    if not landing.exists():
        raise UserError(f"landing folder {landing} does not exist")
    if not landing.is_dir():
        raise UserError(f"landing {landing} is a file, not a folder")
    _writable_warehouse(warehouse)
    engine = _engine(args.engine, warehouse)
    from orchestration.runner import run_platform

    started = datetime.now(UTC)
    outcome = run_platform(
        warehouse,
        landing,
        wait_seconds=args.wait,
        before_release=lambda: _print_summary(warehouse, started),
        engine=engine,
    )
    return 0 if outcome.success else 1


def _engine(name: str | None, warehouse: Path):
    """The engine to build on, checked before the slow imports: configured, and reachable or installed."""
    from warehouse.engines.readiness import EngineNotReady, check_ready
    from warehouse.engines.settings import EngineError, engine_for

    try:
        engine = engine_for(warehouse, name)
        check_ready(engine)
    except (EngineError, EngineNotReady) as error:
        raise UserError(str(error)) from None
    if engine.external:
        print(f"building the marts on {engine.name}: {engine.location}")
    return engine


def cmd_demo(args: argparse.Namespace) -> int:
    if not args.scale > 0:
        raise UserError(f"--scale must be above 0 (got {args.scale})")
    warehouse = _warehouse(args)
    _writable_warehouse(warehouse)
    from orchestration.runner import run_platform
    from warehouse.generator import generate

    landing = config.data_dir(warehouse) / "demo-landing"
    print(f"generating {DEMO_DAYS} days of feeds at scale {args.scale} into {landing}")
    generate(landing, start=DEMO_START, days=DEMO_DAYS, scale=args.scale, seed=DEMO_SEED, fmt="mixed")
    started = datetime.now(UTC)
    outcome = run_platform(
        warehouse, landing, wait_seconds=args.wait, before_release=lambda: _print_summary(warehouse, started)
    )
    if not outcome.success:
        return 1
    tradewh = Path(sys.executable).with_name("tradewh")  # runnable as printed, with or without an activated venv
    print("\nNext:")
    print(f"  {tradewh} ui --warehouse {warehouse}     # the Dagster UI: runs, assets, checks")
    print(f"  {tradewh} sql --warehouse {warehouse}    # SQL on the read-only analyst copy")
    print(f"  open {config.data_dir(warehouse) / 'report' / 'index.html'}     # leadership report (offline)")
    print(f"  open {config.data_dir(warehouse) / 'data_docs' / 'index.html'}     # data quality report (offline)")
    print(f"  open {config.data_dir(warehouse) / 'dbt_docs' / 'index.html'}     # how each table is built (offline)")
    return 0


def _print_summary(warehouse: Path, since: datetime) -> None:
    """What this run loaded, rejected and quarantined, read once the run has let go of the warehouse."""
    from warehouse.db import connect
    from warehouse.summary import load_summary

    if not warehouse.exists():
        print(f"no warehouse at {warehouse} yet")
        return
    with connect(warehouse, read_only=True) as con:
        print(load_summary(con, since))


def cmd_ui(args: argparse.Namespace) -> int:
    from orchestration.runner import ensure_dagster_home

    warehouse = _warehouse(args)
    # For the `dagster dev` process started below, not for code in this one: the UI's runs, sensor and schedules
    # take the warehouse resource's defaults, which read these variables (orchestration/resources.py).
    os.environ[config.WAREHOUSE_ENV] = str(warehouse)
    if args.landing:
        os.environ[config.LANDING_ENV] = str(Path(args.landing).absolute())
    ensure_dagster_home(warehouse)
    # `dagster dev` and the dbt it runs are found beside this interpreter, activated venv or not.
    bin_dir = str(Path(sys.executable).parent)
    os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")
    command = ["dagster", "dev", "-m", "orchestration.definitions", "-h", args.host, "-p", str(args.port)]
    from warehouse.supervise import run_supervised

    return run_supervised(command)


def cmd_sql(args: argparse.Namespace) -> int:
    import duckdb

    from warehouse.db import AnalystCopyMissing, NotEntitled, open_analyst_copy
    from warehouse.sql.shell import interactive, run_query

    try:
        con = open_analyst_copy(_warehouse(args), entitled=args.entitled)
    except (AnalystCopyMissing, NotEntitled) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    with con:
        if args.command_text is None:
            interactive(con, args.format)
            return 0
        try:
            run_query(con, args.command_text, args.format, sys.stdout)
        except duckdb.Error as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
    return 0


WAIT_HELP = (
    "how long to wait for another run holding the warehouse or the writer pool before giving up "
    "(default: $TRADEWH_WAIT_SECONDS, else 3600)"
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tradewh", description=__doc__.splitlines()[0])
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--warehouse", help=f"the DuckDB warehouse file (default: ${config.WAREHOUSE_ENV})")
    sub = parser.add_subparsers(dest="command", required=True)

    gen = sub.add_parser("generate", parents=[common], help="write synthetic contract feeds and their ground truth")
    gen.add_argument("--out", required=True, help="landing folder to write <feed>/<date>/ files into")
    gen.add_argument("--start", required=True, help="first delivery date, YYYY-MM-DD")
    gen.add_argument("--days", type=int, required=True)
    gen.add_argument("--scale", type=float, default=0.01, help="1.0 is the agency's full volume (default 0.01)")
    gen.add_argument("--seed", type=int, default=0)
    gen.add_argument("--format", choices=["csv", "jsonl", "parquet", "mixed"], default="csv")
    gen.add_argument("--dirt-rate", type=float, default=0.002, help="share of malformed rows etc. (0 = clean)")
    gen.set_defaults(func=cmd_generate)

    run = sub.add_parser("run", parents=[common], help="load every delivery in the landing folder and build")
    run.add_argument(
        "--landing", help=f"landing folder (default: ${config.LANDING_ENV}, else landing/ beside the warehouse)"
    )
    run.add_argument("--wait", type=float, metavar="SECONDS", help=WAIT_HELP)
    run.add_argument(
        "--engine",
        choices=["duckdb", "postgres", "spark"],
        help="where dbt builds the marts (default: $TRADEWH_ENGINE, else duckdb); postgres reads the server from "
        "$TRADEWH_POSTGRES_URL, spark its folder from $TRADEWH_SPARK_WAREHOUSE (default spark/ beside the warehouse)",
    )
    run.set_defaults(func=cmd_run)

    demo = sub.add_parser("demo", parents=[common], help="generate 30 days of feeds and run everything")
    demo.add_argument("--scale", type=float, default=0.01)
    demo.add_argument("--wait", type=float, metavar="SECONDS", help=WAIT_HELP)
    demo.set_defaults(func=cmd_demo)

    sql = sub.add_parser("sql", parents=[common], help="SQL on the sealed, read-only analyst copy (interactive or -c)")
    sql.add_argument("-c", dest="command_text", metavar="QUERY", help="run one query, print the result and exit")
    sql.add_argument("--format", choices=["table", "csv", "json"], default="table")
    sql.add_argument(
        "--entitled",
        action="store_true",
        help="open the entitled copy, with personal and confidential columns in the clear (its group only)",
    )
    sql.set_defaults(func=cmd_sql)

    ui = sub.add_parser("ui", parents=[common], help="open the Dagster UI on this warehouse")
    ui.add_argument("--landing")
    ui.add_argument("--host", default="127.0.0.1")
    ui.add_argument("--port", type=int, default=3000)
    ui.set_defaults(func=cmd_ui)

    for module in COMMAND_MODULES:
        importlib.import_module(module).add_commands(sub, common)
    return parser


# Commands that run the platform: they stop cleanly on SIGTERM as on Ctrl-C, and wait visibly for the writer.
LONG_COMMANDS = ("run", "demo")
EXIT_BUSY = 3


def main(argv: list[str] | None = None) -> int:
    from warehouse.interrupts import Stopped, stop_on_signals
    from warehouse.writer_lock import WriterBusy

    args = build_parser().parse_args(argv)
    try:
        if args.command in LONG_COMMANDS:
            with stop_on_signals():
                return args.func(args)
        return args.func(args)
    except UserError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except WriterBusy as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BUSY
    except Stopped as stop:
        print(f"stopped by {stop}: runs marked canceled; `tradewh run` again resumes where it stopped", file=sys.stderr)
        return stop.exit_code


if __name__ == "__main__":
    sys.exit(main())
