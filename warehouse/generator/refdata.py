"""The packaged reference data the generator draws from: real U.S. ports, ISO countries, HS subheadings.

Read with every column as text so that `NA` (Namibia) stays a country and `0101` keeps its leading zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd

from warehouse.reference import DATA_DIR


def _read(name: str) -> pd.DataFrame:
    return pd.read_csv(DATA_DIR / name, dtype=str, keep_default_na=False, encoding="utf-8-sig")


@dataclass(frozen=True)
class Reference:
    ports: np.ndarray  # 4-digit port codes
    countries: np.ndarray  # ISO alpha-2, includes 'NA' (Namibia)
    least_developed: np.ndarray  # bool per country
    hs6: np.ndarray  # 6-digit subheadings (chapters 01-97 as the reference knows them)
    hs6_section: np.ndarray  # roman numeral section of each subheading
    hs6_description: np.ndarray
    sections: np.ndarray  # the 21 sections in reference order

    @property
    def hs6_chapter(self) -> np.ndarray:
        return np.array([int(code[:2]) for code in self.hs6])


@cache
def reference() -> Reference:
    ports = _read("us_ports.csv")
    countries = _read("countries.csv")
    hs = _read("hs_nomenclature.csv")
    sections = _read("hs_sections.csv")
    # Only genuine 6-digit subheadings of real chapters; the reference's chapter 99 rows are placeholders.
    six = hs[(hs["level"] == "6") & hs["hscode"].str.fullmatch(r"\d{6}") & (hs["hscode"].str[:2] < "98")]
    return Reference(
        ports=ports["port_code"].to_numpy(dtype=object),
        countries=countries["iso2"].to_numpy(dtype=object),
        least_developed=(countries["is_least_developed"] == "true").to_numpy(),
        hs6=six["hscode"].to_numpy(dtype=object),
        hs6_section=six["section"].to_numpy(dtype=object),
        hs6_description=six["description"].to_numpy(dtype=object),
        sections=sections["section"].to_numpy(dtype=object),
    )
