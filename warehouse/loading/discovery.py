"""Finding deliveries in the landing folder: `<landing>/<feed>/<YYYY-MM-DD>/<file>`.

Only folder names are interpreted here (feed and date); files are read by `partition.py`. Anything that does not
fit the layout is not loaded and is reported by `discover_problems`, so a misplaced delivery is visible, not lost.
"""

from __future__ import annotations

import logging
import re
from datetime import date
from pathlib import Path

from warehouse.contract import FEEDS

log = logging.getLogger(__name__)

_DATE_FOLDER = re.compile(r"\d{4}-\d{2}-\d{2}")


def delivery_date_of(name: str) -> date | None:
    """The delivery date a folder name stands for, or None when it is not a real `YYYY-MM-DD` date."""
    if not _DATE_FOLDER.fullmatch(name):
        return None
    try:
        return date.fromisoformat(name)
    except ValueError:
        return None


def partition_files(landing: Path, feed: str, delivery_date: date) -> list[Path]:
    """The files of one partition, in name order (sub-folders are not read)."""
    folder = landing / feed / delivery_date.isoformat()
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file())


def _scan(landing: Path) -> tuple[dict[str, list[date]], list[str]]:
    found: dict[str, list[date]] = {}
    problems: list[str] = []
    if not landing.is_dir():
        return found, [f"landing folder {landing} does not exist"]
    for entry in sorted(landing.iterdir()):
        if not entry.is_dir():
            problems.append(f"{entry}: a file outside any feed folder is not loaded")
            continue
        if entry.name not in FEEDS:
            problems.append(f"{entry}: unknown feed folder {entry.name!r} is not loaded")
            continue
        for sub in sorted(entry.iterdir()):
            day = delivery_date_of(sub.name) if sub.is_dir() else None
            if day is None:
                problems.append(f"{sub}: not a YYYY-MM-DD delivery folder; not loaded")
                continue
            children = list(sub.iterdir())
            problems += [f"{c}: a sub-folder of a delivery folder is not loaded" for c in children if c.is_dir()]
            if any(c.is_file() for c in children):
                found.setdefault(entry.name, []).append(day)
    return {feed: sorted(days) for feed, days in found.items()}, problems


def discover(landing: Path) -> dict[str, list[date]]:
    """Feed name -> sorted delivery dates that have at least one file. Problems are logged (see
    `discover_problems`)."""
    found, problems = _scan(Path(landing))
    for problem in problems:
        log.warning(problem)
    return found


def discover_problems(landing: Path) -> list[str]:
    """What in the landing folder does not fit `<feed>/<YYYY-MM-DD>/<file>` and is therefore not loaded."""
    return _scan(Path(landing))[1]
