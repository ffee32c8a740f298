"""`tradewh risk ...` commands (registered by tradewh/cli.py)."""

import argparse
import sys
from datetime import date
from pathlib import Path

from warehouse import config


def cmd_evaluate(args: argparse.Namespace) -> int:
    """Evaluate on the published analyst copy (masked importer numbers join as the clear ones do), writing nothing
    to the warehouse: the pipeline's risk/model_evaluation asset records the evaluation the report shows."""
    from warehouse.db import AnalystCopyMissing, open_analyst_copy
    from warehouse.risk.evaluation import default_cutoff, evaluate, write_json

    warehouse = config.warehouse_path(args.warehouse)
    try:
        con = open_analyst_copy(warehouse)
    except AnalystCopyMissing as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    try:
        cutoff = date.fromisoformat(args.cutoff) if args.cutoff else default_cutoff(con)
        until = date.fromisoformat(args.until) if args.until else None
        result = evaluate(con, warehouse, cutoff, until, record_results=False)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    finally:
        con.close()
    print(f"read {con.path}")
    print(result.table())
    print("P = precision, R = recall, $ = share of revenue found, at the top k% of the examined test lines.")
    if args.json:
        write_json(result, Path(args.json))
        print(f"wrote {Path(args.json).absolute()}")
    return 0


def add_commands(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    risk = sub.add_parser("risk", help="line risk model: evaluation on a time split")
    risk_sub = risk.add_subparsers(dest="risk_command", required=True)
    evaluate = risk_sub.add_parser(
        "evaluate",
        parents=[common],
        help="train on outcomes before a cutoff, score the lines examined after it; model vs rules vs random",
    )
    evaluate.add_argument(
        "--cutoff", help="YYYY-MM-DD (default: the Monday leaving ~30%% of the examined lines after it)"
    )
    evaluate.add_argument("--until", help="YYYY-MM-DD: end the test window before this date (default: all after)")
    evaluate.add_argument("--json", help="also write the metrics as JSON to this file")
    evaluate.set_defaults(func=cmd_evaluate)
