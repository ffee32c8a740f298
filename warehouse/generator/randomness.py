"""Seeded random streams: one numpy Generator per (seed, purpose, day), so every day is generated on its own.

Keys are hashed with CRC-32 rather than Python's `hash()`, which is salted per process and would break
byte-for-byte determinism across runs.
"""

from __future__ import annotations

import zlib

import numpy as np


def stream(seed: int, *keys: str | int) -> np.random.Generator:
    """A Generator that depends only on the seed and the keys (e.g. "entries", day ordinal)."""
    words = [int(seed) & 0xFFFFFFFF]
    for key in keys:
        words.append(zlib.crc32(key.encode()) if isinstance(key, str) else int(key) & 0xFFFFFFFF)
    return np.random.default_rng(words)


def gumbel_top_k(rng: np.random.Generator, weights: np.ndarray, k: int) -> np.ndarray:
    """Indices of k items drawn without replacement with probability proportional to weights (Gumbel trick).

    Vectorised and exact for sequential weighted sampling; items with weight 0 are never drawn.
    """
    positive = np.flatnonzero(weights > 0)
    k = min(k, positive.size)
    if k <= 0:
        return np.empty(0, dtype=np.int64)
    keys = np.log(weights[positive]) - np.log(-np.log(rng.random(positive.size)))
    top = np.argpartition(-keys, k - 1)[:k]
    # Sorted so that the result does not depend on argpartition's internal order.
    return np.sort(positive[top])


def weighted_choice(rng: np.random.Generator, weights, size: int) -> np.ndarray:
    """Indices drawn with replacement in proportion to weights."""
    w = np.asarray(weights, dtype=float)
    cdf = np.cumsum(w)
    cdf /= cdf[-1]
    return np.minimum(np.searchsorted(cdf, rng.random(size), side="right"), w.size - 1)
