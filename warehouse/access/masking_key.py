"""The secret that keys the hash masking. Stable across publishes (analysts' saved queries and joins keep working
from one day to the next), never in the published copies, and readable only by the loader's account."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from warehouse.config import data_dir

KEY_ENV = "TRADEWH_MASKING_KEY"


def key_path(warehouse: Path) -> Path:
    return data_dir(warehouse) / ".masking_key"


def masking_key(warehouse: Path) -> str:
    """$TRADEWH_MASKING_KEY, else the key file beside the warehouse, created (mode 0600) on first use."""
    if os.environ.get(KEY_ENV):
        return os.environ[KEY_ENV]
    path = key_path(warehouse)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # O_EXCL: two publishers racing for the first key cannot each write a different one.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path.read_text().strip()
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(32) + "\n")
    return path.read_text().strip()
