"""Calibration targets and the realistic mixes the generator draws from.

Volumes are per day at scale 1.0 and follow the published figures of capability 2 (SPEC.md): ≈85,000 entries,
≈2.5 lines per entry, ≈$5-6 billion of imports and ≈$70-200 million of duties, 98-99% of lines compliant.
Everything here is data; the draws are in the modules that use it.
"""

from __future__ import annotations

ENTRIES_PER_DAY = 85_000
LINES_PER_ENTRY = 2.5
VALUE_PER_DAY_USD = 5.5e9
# Lognormal spread of line values; wide, as real entry values range from a few dollars to hundreds of millions.
LINE_VALUE_SIGMA = 1.7

# Importer population: active importers at scale 1.0; the "top 500" of the published figure scales with it.
IMPORTERS = 250_000
TOP_IMPORTERS = 500
TOP_IMPORTER_VALUE_SHARE = 0.68
# The top group files this share of entries; its line values are scaled up so its value share is the target.
TOP_IMPORTER_ENTRY_SHARE = 0.30
FILERS = 2_000
MANUFACTURERS = 120_000

# Country of export/origin weights by value (USITC DataWeb order of magnitude); the rest share REST_COUNTRY_WEIGHT.
COUNTRY_WEIGHTS = {
    "CN": 0.165,
    "MX": 0.150,
    "CA": 0.130,
    "DE": 0.050,
    "JP": 0.045,
    "VN": 0.040,
    "KR": 0.035,
    "TW": 0.030,
    "IN": 0.028,
    "IE": 0.026,
    "IT": 0.024,
    "GB": 0.020,
    "CH": 0.020,
    "FR": 0.017,
    "TH": 0.017,
    "MY": 0.014,
    "SG": 0.010,
    "NL": 0.009,
    "ID": 0.009,
    "BR": 0.009,
    "IL": 0.007,
    "AU": 0.005,
    "CL": 0.004,
    "HK": 0.004,
    "JO": 0.002,
    "NA": 0.001,  # Namibia: rare, and the classic CSV trap
}
REST_COUNTRY_WEIGHT = 0.060
# Share of lines whose origin differs from the entry's country of export.
ORIGIN_DIFFERS_SHARE = 0.10

# Ports: (code, kind, weight). Kinds decide the modes of transport. Weights are shares of entries.
PORTS = (
    ("2704", "sea", 9.0),
    ("2709", "sea", 7.0),
    ("1001", "sea", 7.5),
    ("4601", "sea", 3.0),
    ("5301", "sea", 5.0),
    ("1703", "sea", 4.5),
    ("1401", "sea", 3.0),
    ("1601", "sea", 2.5),
    ("3002", "sea", 2.0),
    ("1303", "sea", 2.0),
    ("2811", "sea", 1.8),
    ("2002", "sea", 1.8),
    ("1101", "sea", 1.3),
    ("0401", "sea", 1.0),
    ("1803", "sea", 1.0),
    ("5203", "sea", 0.9),
    ("1901", "sea", 0.6),
    ("5201", "air", 3.0),
    ("1704", "air", 2.0),
    ("4196", "air", 1.2),
    ("4197", "air", 0.8),
    ("2720", "air", 3.0),
    ("3901", "air", 3.5),
    ("5501", "air", 2.0),
    ("3029", "air", 0.7),
    ("3126", "air", 0.6),
    ("2006", "air", 1.5),
    ("4103", "air", 0.4),
    ("2304", "land_mx", 8.0),
    ("2402", "land_mx", 2.5),
    ("2305", "land_mx", 1.5),
    ("2506", "land_mx", 1.5),
    ("2604", "land_mx", 1.2),
    ("2301", "land_mx", 0.7),
    ("3801", "land_ca", 4.5),
    ("0901", "land_ca", 2.5),
    ("3802", "land_ca", 1.5),
    ("0712", "land_ca", 1.0),
    ("3004", "land_ca", 1.0),
    ("3401", "land_ca", 0.6),
)
# Every other port of the reference shares this weight (sea/air mix), so small ports appear too.
OTHER_PORTS_WEIGHT = 4.0
# Share of entries exported from CA/MX that cross at a land port of that border.
LAND_BORDER_SHARE = 0.8

# Modes of transport by port kind, as (mode, weight); vessel modes are 10 and 11 (HMF applies).
MODES_BY_KIND = {
    "sea": (("11", 0.82), ("10", 0.18)),
    "air": (("40", 0.75), ("41", 0.20), ("50", 0.05)),
    "land_mx": (("30", 0.55), ("31", 0.30), ("20", 0.07), ("21", 0.08)),
    "land_ca": (("30", 0.50), ("31", 0.30), ("20", 0.10), ("21", 0.10)),
}

# Entry types: mostly 01; AD/CVD types (03, 07, 34) carry a case and a deposit.
ENTRY_TYPE_WEIGHTS = {
    "01": 0.830,
    "02": 0.004,
    "03": 0.008,
    "06": 0.030,
    "07": 0.001,
    "11": 0.050,
    "21": 0.020,
    "23": 0.007,
    "31": 0.048,
    "34": 0.002,
}

# Chapter weights by value (HTSUS chapters); chapters not listed share the rest evenly.
CHAPTER_WEIGHTS = {
    84: 0.15,
    85: 0.15,
    87: 0.11,
    30: 0.06,
    27: 0.06,
    90: 0.035,
    39: 0.025,
    94: 0.02,
    71: 0.02,
    29: 0.02,
    61: 0.02,
    62: 0.02,
    73: 0.015,
    95: 0.015,
    64: 0.012,
    72: 0.01,
    40: 0.01,
    44: 0.008,
    42: 0.006,
    3: 0.006,
    8: 0.006,
    22: 0.006,
}
REST_CHAPTER_WEIGHT = 0.20
# Lines in chapter 98 (U.S. goods returned, free) and 99 (temporary additional duties), both unknown to HS.
CHAPTER_98_99_SHARE = 0.003
SPECIAL_HTS = (("9801001012", 0.0), ("9802008040", 0.0), ("9903880301", 0.25), ("9903880315", 0.075))

# Tariff: share of subheadings that are free, and the general rates of the dutiable ones.
FREE_SUBHEADING_SHARE = 0.42
DUTY_RATES = (0.012, 0.025, 0.034, 0.045, 0.05, 0.065, 0.08, 0.1, 0.12, 0.16, 0.2, 0.25, 0.32)
DUTY_RATE_WEIGHTS = (10, 14, 12, 12, 10, 9, 8, 7, 5, 5, 4, 2, 2)
# Textiles and footwear carry the highest rates in HTSUS.
HIGH_RATE_CHAPTERS = (61, 62, 63, 64, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60)

# Fees (FY2026 figures): MPF ad valorem with a per-entry minimum and maximum; HMF on vessel modes only.
MPF_RATE = 0.003464
# The per-entry minimum and maximum in force on the filing day: warehouse/contract/fees.py.
HMF_RATE = 0.00125

# Special program indicators by the origin countries eligible for them, and how often eligible lines claim.
SPI_BY_COUNTRY = {
    "MX": "S",
    "CA": "S",
    "KR": "KR",
    "AU": "AU",
    "CL": "CL",
    "SG": "SG",
    "IL": "IL",
    "JO": "JO",
}
GSP_SPI = "A"  # least-developed countries
SPI_CLAIM_SHARE = 0.7

# Priority trade issue of a chapter (first match wins); everything else is "revenue".
PTI_BY_CHAPTER = (
    ("agriculture", range(1, 25)),
    ("textiles", range(50, 64)),
    ("ipr", (42, 64, 71, 91, 95)),
    ("import_safety", (30, 33, 34, 38, 94)),
)

# Non-compliance: share of lines, split by scheme. The total sits in the 1-2% band (98-99% compliant).
NONCOMPLIANCE_SHARE = 0.015
SCHEME_WEIGHTS = {
    "undervaluation": 0.30,
    "misclassification": 0.27,
    "false_preference": 0.18,
    "adcvd_evasion": 0.07,
    "counterfeit": 0.08,
    "other": 0.10,
}
DISCREPANCY_BY_SCHEME = {
    "undervaluation": "value",
    "misclassification": "classification",
    "false_preference": "spi_claim",
    "adcvd_evasion": "adcvd",
    "counterfeit": "ipr",
    "other": "quantity",
}
IPR_CHAPTERS = (42, 61, 64, 71, 85, 91, 95)
TRANSSHIPMENT_COUNTRIES = ("VN", "MY", "TH", "ID", "KR", "TW")

# Exams: compliance measurement samples lines by the design in warehouse/cm_design.py; targeting examines whole
# entries.
TARGETED_ENTRY_SHARE = 0.02
SELECTION_WEIGHTS = {
    "targeting_rule": 0.50,
    "risk_model": 0.25,
    "officer": 0.12,
    "tip": 0.05,
    "partner_agency": 0.08,
}
DETECTION_PROBABILITY = {
    "cm_review": 0.85,
    "document_review": 0.75,
    "nii": 0.8,
    "physical": 0.92,
    "agriculture": 0.9,
    "lab": 0.95,
}
FALSE_DISCREPANCY_SHARE = 0.003
TARGETING_RULES = 48
DECAYING_RULE_SHARE = 0.25
DECAY_HALF_LIFE_DAYS = (5, 30)

# Enforcement volumes per day at scale 1.0, with floors so small runs still show each feed.
SEIZURES_PER_DAY = 90.0
PENALTY_SHARE_OF_FOUND = 0.06
AUDITS_PER_DAY = 3.0
MIN_EVENTS_PER_DAY = 0.6

# Planted events: port shopping after an adverse action, and importers re-appearing under a new number.
PORT_SHOPPING_PER_DAY = 40.0
PORT_SHOPPING_WINDOW_DAYS = (3, 14)
SUCCESSORS = 60
SUCCESSOR_SPACING_DAYS = 4
