"""Loading delivered files into the raw layer, per the feed contract.

    ensure_schema(con)                                   raw.*, ops.*, reference.* (idempotent)
    discover(landing) / discover_problems(landing)       partitions found / folders that do not fit the layout
    load_partitions(con, landing, feed, days, quarantine, progress=None)
                                                         -> [PartitionResult] (one per day; files in batches,
                                                            one typing pass and one transaction per batch)
    load_partition(con, landing, feed, day, quarantine)  -> PartitionResult (one day)
    reconcile(con)                                       loaded files whose counts do not add up (should be [])
    record_rejected_folders(con, landing, quarantine)    log (once) the files of folders that are not a date

How it works, the tables and the row numbering are described in docs/loading.md.
"""

from warehouse.loading.discovery import discover, discover_problems
from warehouse.loading.folders import record_rejected_folders
from warehouse.loading.load_log import STATUSES, reconcile
from warehouse.loading.partition import LoadProgress, PartitionResult, load_file, load_partition, load_partitions
from warehouse.loading.schema import ensure_schema

__all__ = [
    "STATUSES",
    "LoadProgress",
    "PartitionResult",
    "discover",
    "discover_problems",
    "ensure_schema",
    "load_file",
    "load_partition",
    "load_partitions",
    "reconcile",
    "record_rejected_folders",
]
