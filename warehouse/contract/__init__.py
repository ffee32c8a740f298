"""The feed contract (version 1) in code: the single source of truth for every feed."""

from warehouse.contract.feeds import (
    ACCOUNT_FEEDS,
    CONTRACT_VERSION,
    FEEDS,
    FORMATS,
    TRANSACTION_FEEDS,
    format_of,
)
from warehouse.contract.schema import Column, Feed, Rule

__all__ = [
    "ACCOUNT_FEEDS",
    "CONTRACT_VERSION",
    "FEEDS",
    "FORMATS",
    "TRANSACTION_FEEDS",
    "Column",
    "Feed",
    "Rule",
    "format_of",
]
