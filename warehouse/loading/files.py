"""The delivered file as bytes: its content hash, a safe name, and whole-file quarantine.

A file is identified by the SHA-256 of its bytes, never by its name. Names are free text (spaces, quotes, `..`,
unicode), so a name is only used, cleaned, as the last part of a quarantine path or for its extension.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

from warehouse.contract import FORMATS

# Large reads: hashing is I/O plus about 0.5 ns a byte; small reads add system calls and copies.
_CHUNK = 8 << 20
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def safe_name(name: str) -> str:
    """A file name with only `[A-Za-z0-9._-]`, no leading dot (so never `.` or `..`), at most 120 characters."""
    cleaned = _UNSAFE.sub("_", name).lstrip(".")[-120:]
    return cleaned or "file"


def contract_extension(name: str) -> str:
    """The contract extension the name ends with (`.csv.gz` before `.gz`), or '' when it has none."""
    lower = name.lower()
    for ext in sorted(FORMATS, key=len, reverse=True):
        if lower.endswith(ext):
            return ext
    return ""


def quarantine_file(path: Path, sha256: str, quarantine_dir: Path) -> Path:
    """Copy the file's bytes to `<quarantine_dir>/<sha256>/<safe name>` (idempotent); returns the copy."""
    target_dir = quarantine_dir / sha256
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / safe_name(path.name)
    if not target.exists():
        partial = target.with_name(target.name + ".partial")
        shutil.copyfile(path, partial)
        partial.replace(target)
    return target


def link_for_reading(path: Path, sha256: str, workdir: Path) -> Path:
    """A symlink `<workdir>/<sha256><ext>` to the file: a name DuckDB can neither glob nor misread."""
    link = workdir / f"{sha256}{contract_extension(path.name)}"
    link.unlink(missing_ok=True)
    try:
        link.symlink_to(path.resolve())
    except OSError:
        # Filesystems without symlinks get a copy; slower, same bytes.
        shutil.copyfile(path, link)
    return link
