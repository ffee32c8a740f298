"""`tradewh report`: the leadership report as static HTML with charts, and every metric table as CSV and Parquet."""

import argparse
import sys

from warehouse import config


def cmd_report(args: argparse.Namespace) -> int:
    from warehouse.report.build import build_report, default_out
    from warehouse.report.source import WarehouseUnavailable

    warehouse = config.warehouse_path(args.warehouse)
    out = args.out or default_out(warehouse)
    try:
        result = build_report(warehouse, out)
    except WarehouseUnavailable as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"read {result.source}")
    print(f"{result.figures} charts, {len(result.exports)} tables exported to {result.index.parent / 'tables'}")
    if result.not_computed:
        print(f"not computed yet: {', '.join(result.not_computed)}")
    print(f"open {result.index}")
    return 0


def add_commands(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    report = sub.add_parser(
        "report", parents=[common], help="write the leadership report (static HTML) and export the metric tables"
    )
    report.add_argument("--out", help="folder for index.html and tables/ (default: report/ beside the warehouse)")
    report.set_defaults(func=cmd_report)
