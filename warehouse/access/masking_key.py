"""The secret that keys the hash masking. Stable across publishes (analysts' saved queries and joins keep working
from one day to the next), never in the published copies, and readable only by the loader's account."""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

from warehouse.config import data_dir

KEY_ENV = "TRADEWH_MASKING_KEY"
# 32 bytes as hex: a key shorter than that would let anyone with a list of importer numbers rebuild the hashes.
KEY_PATTERN = re.compile(r"[0-9a-fA-F]{64,}")


class MaskingKeyError(RuntimeError):
    """The configured or stored key is missing, short or not hex: nothing is published with a weak key."""


def key_path(warehouse: Path) -> Path:
    return data_dir(warehouse) / ".masking_key"


def _checked(key: str, where: str) -> str:
    if not KEY_PATTERN.fullmatch(key):
        raise MaskingKeyError(f"the masking key in {where} must be at least 64 hex digits (32 random bytes)")
    return key


def masking_key(warehouse: Path) -> str:
    """$TRADEWH_MASKING_KEY, else the key file beside the warehouse, created (mode 0600) on first use."""
    if os.environ.get(KEY_ENV) is not None:
        return _checked(os.environ[KEY_ENV].strip(), f"${KEY_ENV}")
    path = key_path(warehouse)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written whole to a private file first, then linked into place: a reader never sees an empty or partial
        # key, and of two publishers racing for the first key the second keeps the first one's.
        staging = path.with_name(f"{path.name}.{os.getpid()}.new")
        fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(32) + "\n")
        try:
            os.link(staging, path)
        except FileExistsError:
            pass
        finally:
            staging.unlink()
    return _checked(path.read_text().strip(), str(path))
