"""Identity resolution and successor flags (risk.importer_entities, risk.entities, risk.successor_flags)."""

import dagster as dg

from orchestration.defs.risk import RISK
from orchestration.policy import marts
from orchestration.table_assets import Written, table_asset, tables_asset
from warehouse.risk import entities, successors

ENTITY_INPUTS = marts("dim_importers", "fct_entry_lines")
SUCCESSOR_INPUTS = marts("fct_penalties", "fct_seizures")


class ResolutionConfig(dg.Config):
    """Pairs at or above this Splink match probability are the same entity."""

    match_threshold: float = entities.MATCH_THRESHOLD


def _resolve(con, config: ResolutionConfig) -> dict[str, Written]:
    """Link importer registry versions into entities with Splink and replace both tables."""
    resolution = entities.resolve(con, threshold=config.match_threshold)
    entities.write(con, resolution)
    members = resolution.importer_entities
    linked = members[members.importer_numbers > 1]
    importer_entities = Written(
        len(members),
        {
            "linked_importer_numbers": len(linked),
            "pairs_scored": resolution.pairs_scored,
            "match_threshold": config.match_threshold,
            "splink_trained": resolution.note is None,
            "not_trained_because": resolution.note or "",
        },
    )
    if resolution.note:
        importer_entities.warnings.append(f"Splink not trained, one entity per importer number: {resolution.note}")
    several = int((resolution.entities.importer_numbers > 1).sum())
    return {
        "importer_entities": importer_entities,
        "entities": Written(len(resolution.entities), {"entities_with_several_numbers": several}),
    }


importer_entities = tables_asset(
    RISK,
    "importer_entities",
    {
        "importer_entities": "Importer number -> real-world entity (Splink), with the strongest link's match "
        "probability.",
        "entities": "One row per resolved entity: display name, importer numbers, first and last seen, volume.",
    },
    _resolve,
    schema="risk",
    deps=ENTITY_INPUTS,
    config=ResolutionConfig,
)

successor_flags = table_asset(
    RISK,
    ["risk", "successor_flags"],
    lambda con: Written(successors.build(con)),
    deps=[dg.AssetKey(["risk", "importer_entities"]), *ENTITY_INPUTS, *SUCCESSOR_INPUTS],
    kinds={"duckdb"},
    description="New importer numbers continuing an importer penalised or with seizures before their first activity.",
)
