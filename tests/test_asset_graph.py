"""The asset graph as a reviewed snapshot: every asset's key, group, upstream keys, checks, pools, partitioning and
automation, and the jobs, sensors and schedules. A change to the graph (a dependency dropped by a refactor, a
check renamed, an asset leaving the writer pool) fails here until the snapshot is regenerated, so it shows up in
review as a diff of tests/snapshots/asset_graph.json:

    TRADEWH_UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/test_asset_graph.py
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import dagster as dg

from orchestration.definitions import defs

SNAPSHOT = Path(__file__).parent / "snapshots" / "asset_graph.json"
UPDATE_ENV = "TRADEWH_UPDATE_SNAPSHOTS"


def _automation(condition: dg.AutomationCondition | None) -> str | None:
    """A condition as text: its name, or its operator over its parts (eager() & all_deps_blocking_checks_passed()
    reads as 'AND(eager, all_deps_blocking_checks_passed)')."""
    if condition is None:
        return None
    if condition.get_label():  # a named condition (eager, ...) stands for itself, not its dozen parts
        return condition.get_label()
    parts = [_automation(child) for child in condition.children]
    return f"{condition.name}({', '.join(p for p in parts if p)})" if parts else condition.name


def graph() -> dict:
    assets = {}
    for node in defs.resolve_asset_graph().asset_nodes:
        assets[node.key.to_user_string()] = {
            "group": node.group_name,
            "deps": sorted(key.to_user_string() for key in node.parent_keys),
            "checks": sorted(key.name for key in node.check_keys),
            "pools": sorted(node.pools or []),
            "partitioned": node.is_partitioned,
            "automation": _automation(node.automation_condition),
        }
    return {
        "assets": dict(sorted(assets.items())),
        "jobs": sorted(job.name for job in defs.jobs or []),
        "sensors": sorted(sensor.name for sensor in defs.sensors or []),
        "schedules": sorted(schedule.name for schedule in defs.schedules or []),
    }


def _differences(old: dict, new: dict) -> list[str]:
    lines = []
    for key in sorted(set(old["assets"]) | set(new["assets"])):
        before, after = old["assets"].get(key), new["assets"].get(key)
        if before is None:
            lines.append(f"+ asset {key}")
        elif after is None:
            lines.append(f"- asset {key}")
        else:
            lines += [
                f"~ {key}.{field}: {before[field]} -> {after[field]}"
                for field in after
                if before.get(field) != after[field]
            ]
    for part in ("jobs", "sensors", "schedules"):
        if old[part] != new[part]:
            lines.append(f"~ {part}: {old[part]} -> {new[part]}")
    return lines


def test_the_asset_graph_matches_its_reviewed_snapshot():
    current = graph()
    if os.environ.get(UPDATE_ENV):
        SNAPSHOT.write_text(json.dumps(current, indent=1) + "\n", encoding="utf-8")
    recorded = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    changes = _differences(recorded, current)
    assert not changes, (
        f"the asset graph differs from {SNAPSHOT.name} (if intended: {UPDATE_ENV}=1 pytest {Path(__file__).name}, "
        "and review the diff):\n" + "\n".join(changes)
    )


def test_a_dropped_dependency_or_check_is_reported():
    """The comparison can fail: a copy of the graph with one dependency and one check removed differs by exactly
    those two lines."""
    current = graph()
    changed = json.loads(json.dumps(current))
    key = next(k for k, a in changed["assets"].items() if a["deps"] and a["checks"])
    dropped_dep, dropped_check = changed["assets"][key]["deps"].pop(), changed["assets"][key]["checks"].pop()
    lines = _differences(current, changed)
    assert len(lines) == 2
    assert f"~ {key}.deps" in lines[0] and dropped_dep in lines[0]
    assert f"~ {key}.checks" in lines[1] and dropped_check in lines[1]
