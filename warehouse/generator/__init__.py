"""Synthetic feed generator: realistic, calibrated, deterministic feeds of the contract, with planted schemes,
dirt and the ground truth written apart (docs/generator.md).

    generate(out, start, days, scale=0.01, seed=0, fmt="csv", dirt_rate=0.002, progress=None)
"""

from warehouse.generator.population import top_importer_count
from warehouse.generator.run import FORMATS, GenerationSummary, generate

__all__ = ["FORMATS", "GenerationSummary", "generate", "top_importer_count"]
