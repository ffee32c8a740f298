"""Code lists of the feed contract (version 1).

Every list here is quoted from the contract; the loader, the generator, the quality suites and the docs import
them from this module, so a change to a list is made once.
"""

from __future__ import annotations

PTI = ("adcvd", "agriculture", "ipr", "import_safety", "penalties", "revenue", "textiles")
ENVIRONMENTS = ("pre_entry", "entry", "post_release")

MODES_OF_TRANSPORT = {
    "10": "vessel non-container",
    "11": "vessel container",
    "20": "rail non-container",
    "21": "rail container",
    "30": "truck non-container",
    "31": "truck container",
    "40": "air non-container",
    "41": "air container",
    "50": "mail",
}
# Harbor maintenance fee is charged on vessel modes only.
VESSEL_MODES = ("10", "11")

ENTRY_TYPES = {
    "01": "consumption free and dutiable",
    "02": "consumption quota/visa",
    "03": "consumption AD/CVD",
    "06": "FTZ consumption",
    "07": "quota/visa and AD/CVD",
    "11": "informal",
    "21": "warehouse",
    "23": "temporary importation under bond",
    "31": "warehouse withdrawal for consumption",
    "34": "warehouse withdrawal AD/CVD",
}
# An AD/CVD case number is present exactly on these entry types.
ADCVD_ENTRY_TYPES = ("03", "07", "34")

EXAM_TYPES = ("document_review", "nii", "physical", "agriculture", "lab", "cm_review")
SELECTION_REASONS = ("cm_random", "targeting_rule", "risk_model", "officer", "tip", "partner_agency")
EXAM_RESULTS = ("no_discrepancy", "discrepancy")
DISCREPANCY_TYPES = (
    "value",
    "classification",
    "origin",
    "quantity",
    "spi_claim",
    "adcvd",
    "ipr",
    "safety",
    "agriculture",
    "marking",
    "other",
)

AUDIT_TYPES = ("focused_assessment", "quick_response", "isa_review", "adcvd_verification", "survey")
AUDIT_TRIGGERS = ("risk_segment", "referral", "pti_plan", "allegation")
AUDIT_STATUSES = ("open", "closed")

CONVEYANCES = ("cargo", "express", "mail", "passenger")
VIOLATIONS = (
    "ipr_trademark",
    "ipr_copyright",
    "safety",
    "agriculture",
    "textile_transshipment",
    "adcvd",
    "other",
)
DISPOSITIONS = ("pending", "forfeited", "destroyed", "remitted", "released")

STATUTES = ("19USC1592", "19USC1595a", "19USC1526", "19USC1641", "liquidated_damages")
CULPABILITIES = ("negligence", "gross_negligence", "fraud")
PENALTY_STATUSES = ("open", "mitigated", "collected", "cancelled", "referred_doj", "expired")

PROGRAMS = {
    "ctpat": "Customs-Trade Partnership Against Terrorism",
    "isa": "Importer Self-Assessment",
    "nam": "National Account Management",
}

# Special program indicators named by the contract; the list is open ("…"), so the loader does not reject others.
SPI_CODES = ("A", "S", "KR", "AU", "CL", "SG", "IL", "JO", "P")
UNITS = ("KG", "NO", "DOZ", "PRS", "M2", "L")
PRODUCT_CATEGORIES = (
    "footwear",
    "apparel",
    "handbags_wallets",
    "watches_jewelry",
    "consumer_electronics",
    "pharmaceuticals",
    "toys",
    "other",
)
