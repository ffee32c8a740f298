"""Identity resolution and successor flags (risk.importer_entities, risk.entities, risk.successor_flags)."""

import dagster as dg

from orchestration.policy import EAGER_WHEN_CHECKS_PASS, WRITER_POOL, marts
from orchestration.resources import WarehouseResource
from warehouse.risk import entities, successors

ENTITY_INPUTS = marts("dim_importers", "fct_entry_lines")
SUCCESSOR_INPUTS = marts("fct_penalties", "fct_seizures")


class ResolutionConfig(dg.Config):
    """Pairs at or above this Splink match probability are the same entity."""

    match_threshold: float = entities.MATCH_THRESHOLD


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            ["risk", "importer_entities"],
            deps=ENTITY_INPUTS,
            group_name="risk",
            kinds={"duckdb", "python"},
            automation_condition=EAGER_WHEN_CHECKS_PASS,
            description="Importer number -> real-world entity (Splink), with the strongest link's match probability.",
        ),
        dg.AssetSpec(
            ["risk", "entities"],
            deps=ENTITY_INPUTS,
            group_name="risk",
            kinds={"duckdb", "python"},
            automation_condition=EAGER_WHEN_CHECKS_PASS,
            description="One row per resolved entity: display name, importer numbers, first and last seen, volume.",
        ),
    ],
    pool=WRITER_POOL,
)
def importer_entities(context: dg.AssetExecutionContext, config: ResolutionConfig, warehouse: WarehouseResource):
    """Link importer registry versions into entities with Splink and replace both tables."""
    # Read and score with the connection open, write in the same step: one writer, closed before the step ends.
    with warehouse.connect() as con:
        resolution = entities.resolve(con, threshold=config.match_threshold)
        entities.write(con, resolution)
    if resolution.note:
        context.log.warning(f"Splink not trained, one entity per importer number: {resolution.note}")
    members = resolution.importer_entities
    linked = members[members.importer_numbers > 1]
    yield dg.MaterializeResult(
        asset_key=["risk", "importer_entities"],
        metadata={
            "row_count": len(members),
            "linked_importer_numbers": len(linked),
            "pairs_scored": resolution.pairs_scored,
            "match_threshold": config.match_threshold,
            "splink_trained": resolution.note is None,
            "not_trained_because": resolution.note or "",
        },
    )
    yield dg.MaterializeResult(
        asset_key=["risk", "entities"],
        metadata={
            "row_count": len(resolution.entities),
            "entities_with_several_numbers": int((resolution.entities.importer_numbers > 1).sum()),
        },
    )


@dg.asset(
    key=["risk", "successor_flags"],
    deps=[dg.AssetKey(["risk", "importer_entities"]), *ENTITY_INPUTS, *SUCCESSOR_INPUTS],
    group_name="risk",
    kinds={"duckdb"},
    pool=WRITER_POOL,
    automation_condition=EAGER_WHEN_CHECKS_PASS,
)
def successor_flags(warehouse: WarehouseResource) -> dg.MaterializeResult:
    """New importer numbers continuing an importer penalised or with seizures before their first activity."""
    with warehouse.connect() as con:
        count = successors.build(con)
    return dg.MaterializeResult(metadata={"row_count": count})
