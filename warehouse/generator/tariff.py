"""The generator's tariff view: reference subheadings plus HTSUS chapters 98/99, rates, sections and units."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from warehouse import cm_design
from warehouse.generator import calibration as cal
from warehouse.generator import text
from warehouse.generator.population import Population

# Statistical suffixes that extend a 6-digit subheading to a 10-digit HTSUS line.
SUFFIXES = ("0000", "1000", "2000", "4000", "5000", "6000", "8000", "9000", "0010", "0090")
UNIT_BY_CHAPTER = {**dict.fromkeys(range(1, 41), "KG"), 27: "L", 22: "L", 57: "M2", 61: "DOZ", 62: "DOZ", 64: "PRS"}


@dataclass(frozen=True)
class Tariff:
    hs6: pa.Array  # reference subheadings, then the chapter 98/99 specials
    suffix_vocab: pa.Array
    rate_micro: np.ndarray
    chapter: np.ndarray
    section: np.ndarray  # index into sections (XXII = chapters 98/99)
    sections: tuple[str, ...]
    description: pa.Array
    unit: np.ndarray  # index into units
    units: tuple[str, ...]
    special: np.ndarray  # indices of the chapter 98/99 lines
    special_suffix: np.ndarray  # suffix index per tariff entry for specials
    free_by_chapter: tuple[np.ndarray, np.ndarray, np.ndarray]  # (sorted indices, start, count) per chapter
    dutiable_by_chapter: tuple[np.ndarray, np.ndarray, np.ndarray]
    rate_text: pa.Array  # duty_rate text per entry (formatted once, taken per line)
    adcvd_covered: np.ndarray  # per entry: under an AD/CVD order in force (orders never change within a run)


def _by_chapter(mask: np.ndarray, chapter: np.ndarray):
    idx = np.flatnonzero(mask)
    idx = idx[np.argsort(chapter[idx], kind="stable")]
    count = np.bincount(chapter[idx], minlength=100)
    start = np.concatenate([[0], np.cumsum(count)[:-1]])
    return idx, start, count


def tariff(pop: Population) -> Tariff:
    ref = pop.ref
    special_codes = [code for code, _ in cal.SPECIAL_HTS]
    hs6 = [*ref.hs6, *(c[:6] for c in special_codes)]
    n_ref = ref.hs6.size
    suffix_vocab = [*SUFFIXES, *(c[6:] for c in special_codes)]
    rate = np.concatenate([pop.hs_rate_micro, [round(r * 1e6) for _, r in cal.SPECIAL_HTS]]).astype(np.int64)
    chapter = np.array([int(h[:2]) for h in hs6])
    sections = (*(str(s) for s in ref.sections), "XXII")
    section_index = {s: i for i, s in enumerate(sections)}
    section = np.array([section_index[s] for s in ref.hs6_section] + [len(sections) - 1] * len(special_codes))
    description = [d[:80] for d in ref.hs6_description] + [
        "U.S. goods returned",
        "Articles assembled abroad of U.S. components",
        "Section 301 additional duty, list 3",
        "Section 301 additional duty, list 4A",
    ]
    units = ("NO", "KG", "L", "M2", "DOZ", "PRS")
    unit = np.array([units.index(UNIT_BY_CHAPTER.get(int(c), "NO")) for c in chapter])
    special = np.arange(n_ref, n_ref + len(special_codes))
    special_suffix = np.zeros(len(hs6), dtype=np.int64)
    special_suffix[special] = np.arange(len(SUFFIXES), len(SUFFIXES) + len(special_codes))
    real = np.arange(len(hs6)) < n_ref
    return Tariff(
        hs6=pa.array(hs6, pa.string()),
        suffix_vocab=pa.array(suffix_vocab, pa.string()),
        rate_micro=rate,
        chapter=chapter,
        section=section,
        sections=sections,
        description=pa.array(description, pa.string()),
        unit=unit,
        units=units,
        special=special,
        special_suffix=special_suffix,
        free_by_chapter=_by_chapter(real & (rate == 0), chapter),
        dutiable_by_chapter=_by_chapter(real & (rate > 0), chapter),
        rate_text=text.scaled(rate, 6),
        adcvd_covered=cm_design.covered_by_orders(hs6, pop.orders["hts_prefix"][pop.orders["active"]]),
    )


def pick_in_chapter(rng: np.random.Generator, groups, chapters: np.ndarray) -> np.ndarray:
    """One subheading per line from the group (free or dutiable) in the line's chapter, else from any chapter."""
    idx, start, count = groups
    u = rng.random(chapters.size)
    has = count[chapters] > 0
    within = start[chapters] + np.minimum((u * count[chapters]).astype(np.int64), np.maximum(count[chapters] - 1, 0))
    anywhere = np.minimum((u * idx.size).astype(np.int64), idx.size - 1)
    return idx[np.where(has, within, anywhere)]
