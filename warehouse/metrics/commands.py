"""`tradewh` commands of this package (registered by warehouse/cli.py)."""

import argparse


def add_commands(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """No commands yet."""
