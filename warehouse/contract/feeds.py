"""The feed contract, version 1, as data: every feed, column, rule, key and versioning scheme.

This module is the single source of truth. The generator writes files from it, the loader types and validates
rows with it, the quality suites derive expectations from it and `docs/contract.md` is generated from it.
Rule predicates are DuckDB SQL over typed columns; `reference.*` tables hold the static reference data and
`tw_luhn_ok` is the check-digit macro from `identifiers.py`.
"""

from __future__ import annotations

from warehouse.contract import codes
from warehouse.contract.identifiers import (
    ADCVD_CASE_PATTERN,
    COUNTRY_PATTERN,
    ENTRY_NUMBER_PATTERN,
    HTS_CODE_PATTERN,
    HTS_PREFIX_PATTERN,
    IMPORTER_NUMBER_PATTERN,
    MID_PATTERN,
    PORT_CODE_PATTERN,
)
from warehouse.contract.schema import Column, Feed, Rule

CONTRACT_VERSION = 1


def _sql_list(values) -> str:
    return ", ".join(f"'{v}'" for v in values)


def _money(name: str, required: bool = True, description: str = "") -> Column:
    return Column(name, "decimal", required=required, minimum=0, kind="money", description=description)


def _code(name: str, values, required: bool = True, description: str = "") -> Column:
    return Column(name, "string", required=required, codes=tuple(values), description=description)


def _entry_number(required: bool = True) -> Column:
    return Column(
        "entry_number",
        "string",
        required=required,
        pattern=ENTRY_NUMBER_PATTERN,
        description="FFF-NNNNNNN-C with a Luhn check digit",
    )


def _importer_number(name: str = "importer_number", required: bool = True) -> Column:
    return Column(name, "string", required=required, pattern=IMPORTER_NUMBER_PATTERN)


def _country(name: str, required: bool = True) -> Column:
    return Column(name, "string", required=required, pattern=COUNTRY_PATTERN, reference="country")


def _check_digit_rule() -> Rule:
    return Rule(
        "entry_number_check_digit",
        "entry_number",
        "regexp_full_match(entry_number, '[A-Z0-9]{3}-\\d{7}-\\d') and not tw_luhn_ok(entry_number)",
        "the entry number's check digit is not its Luhn digit",
    )


def _not_before(later: str, earlier: str) -> Rule:
    return Rule(f"{later}_before_{earlier}", later, f"{later} < {earlier}", f"{later} must not be before {earlier}")


_UPDATED_AT = Column("updated_at", "timestamp", required=True, description="version of the row: the latest wins")

ENTRIES = Feed(
    name="entries",
    description="One row per entry summary line; header fields are repeated on each line.",
    key=("entry_number", "line_number"),
    versioning="entry",
    version_column="entry_version",
    group_key=("entry_number", "entry_version"),
    group_columns=(
        "entry_type",
        "filer_code",
        "importer_number",
        "port_code",
        "mode_of_transport",
        "country_of_export",
        "manufacturer_id",
        "bill_of_lading",
        "arrival_date",
        "filed_at",
        "released_at",
    ),
    columns=(
        _entry_number(),
        Column("entry_version", "integer", required=True, minimum=1),
        _code("entry_type", codes.ENTRY_TYPES),
        Column("filer_code", "string", required=True, pattern=r"^[A-Z0-9]{3}$"),
        _importer_number(),
        Column("port_code", "string", required=True, pattern=PORT_CODE_PATTERN, reference="port"),
        _code("mode_of_transport", codes.MODES_OF_TRANSPORT),
        _country("country_of_export"),
        Column("manufacturer_id", "string", required=True, pattern=MID_PATTERN),
        Column("bill_of_lading", "string"),
        Column("arrival_date", "date", required=True, description="when the goods arrived"),
        Column("filed_at", "timestamp", required=True, description="when the broker transmitted the entry"),
        Column("released_at", "timestamp", description="null while not released"),
        Column("line_number", "integer", required=True, minimum=1),
        Column("hts_code", "string", required=True, pattern=HTS_CODE_PATTERN, description="10 digits"),
        Column("description", "string"),
        _country("country_of_origin"),
        Column("quantity", "decimal", required=True, minimum=0, kind="measure"),
        Column("unit", "string", required=True),
        Column("gross_weight_kg", "decimal", minimum=0, kind="measure"),
        _money("entered_value_usd"),
        Column("duty_rate", "decimal", required=True, minimum=0, maximum=10, kind="rate"),
        _money("duty_usd"),
        Column("spi_code", "string", description="special program indicator claimed"),
        Column("adcvd_case", "string", pattern=ADCVD_CASE_PATTERN),
        _money("adcvd_deposit_usd", required=False),
        _money("mpf_usd", description="merchandise processing fee"),
        _money("hmf_usd", description="harbor maintenance fee"),
        Column("related_party", "boolean"),
    ),
    rules=(
        _check_digit_rule(),
        Rule(
            "filer_code_matches_entry_number",
            "filer_code",
            "filer_code <> substr(entry_number, 1, 3)",
            "filer_code must equal the first 3 characters of entry_number",
        ),
        Rule(
            "released_before_filing",
            "released_at",
            "released_at < filed_at - interval 5 day",
            "released_at must be at least filed_at - 5 days",
        ),
        Rule(
            "duty_matches_rate",
            "duty_usd",
            "spi_code is null and abs(duty_usd - entered_value_usd * duty_rate)"
            " > greatest(1.00, 0.01 * entered_value_usd * duty_rate)",
            "duty_usd must be entered_value_usd x duty_rate (within 1% or $1) unless a preference is claimed",
        ),
        Rule(
            "adcvd_case_on_adcvd_entry",
            "adcvd_case",
            f"(entry_type in ({_sql_list(codes.ADCVD_ENTRY_TYPES)})) <> (adcvd_case is not null)",
            "adcvd_case is present exactly when entry_type is 03, 07 or 34",
        ),
        Rule(
            "hmf_on_vessel_only",
            "hmf_usd",
            f"mode_of_transport not in ({_sql_list(codes.VESSEL_MODES)}) and hmf_usd <> 0",
            "hmf_usd must be 0 unless the mode is a vessel mode (10, 11)",
        ),
        Rule(
            "hts_subheading_unknown",
            "hts_code",
            "substr(hts_code, 1, 6) not in (select hscode from reference.hs_codes where level = 6)",
            "the first six digits of hts_code are not in the HS reference (the nomenclature changes every 5 years)",
            severity="warning",
        ),
    ),
)

EXAMS = Feed(
    name="exams",
    description="One row per examined entry line; an exam of a whole entry lists each of its lines.",
    key=("exam_id", "entry_number", "line_number"),
    versioning="replace",
    columns=(
        Column("exam_id", "string", required=True),
        _entry_number(),
        Column("line_number", "integer", required=True, minimum=1),
        Column("port_code", "string", required=True, pattern=PORT_CODE_PATTERN, reference="port"),
        _code("environment", codes.ENVIRONMENTS),
        _code("exam_type", codes.EXAM_TYPES),
        _code("selection_reason", codes.SELECTION_REASONS),
        Column("rule_id", "string", description="required when selection_reason is targeting_rule"),
        Column("cm_stratum", "string", description="required when selection_reason is cm_random"),
        Column(
            "cm_weight",
            "decimal",
            kind="rate",
            description="design weight: stratum population lines / lines sampled (>= 1), when cm_random",
        ),
        Column("started_at", "timestamp", required=True),
        Column("completed_at", "timestamp", description="null while open"),
        Column("officer_hours", "decimal", required=True, minimum=0, kind="measure"),
        _code("result", codes.EXAM_RESULTS),
        _code("discrepancy_type", codes.DISCREPANCY_TYPES, required=False),
        Column("material", "boolean", required=True, description="counts in the MTD rate"),
        _money("declared_duty_usd", description="duties, AD/CVD deposits and fees as declared on the line"),
        _money("correct_duty_usd", description="what should have been paid, as found"),
        _code("pti", codes.PTI, required=False),
    ),
    rules=(
        _check_digit_rule(),
        Rule(
            "rule_id_on_targeting_rule",
            "rule_id",
            "selection_reason = 'targeting_rule' and rule_id is null",
            "rule_id is required when selection_reason is targeting_rule",
        ),
        Rule(
            "cm_stratum_on_cm_random",
            "cm_stratum",
            "selection_reason = 'cm_random' and cm_stratum is null",
            "cm_stratum is required when selection_reason is cm_random",
        ),
        Rule(
            "cm_weight_on_cm_random",
            "cm_weight",
            "selection_reason = 'cm_random' and (cm_weight is null or cm_weight < 1)",
            "cm_weight (>= 1) is required when selection_reason is cm_random",
        ),
        _not_before("completed_at", "started_at"),
        Rule(
            "discrepancy_type_on_discrepancy",
            "discrepancy_type",
            "result = 'discrepancy' and discrepancy_type is null",
            "discrepancy_type is required when result is discrepancy",
        ),
        Rule(
            "material_without_discrepancy",
            "material",
            "result = 'no_discrepancy' and material",
            "material must be false when result is no_discrepancy",
        ),
        Rule(
            "correct_duty_without_discrepancy",
            "correct_duty_usd",
            "result = 'no_discrepancy' and correct_duty_usd <> declared_duty_usd",
            "correct_duty_usd must equal declared_duty_usd when result is no_discrepancy",
        ),
        Rule(
            "rule_id_unknown",
            "rule_id",
            "rule_id is not null and rule_id not in (select rule_id from raw.rules)",
            "rule_id is not in the targeting rules catalogue (yet)",
            severity="warning",
        ),
    ),
)

AUDITS = Feed(
    name="audits",
    description="One row per post-release audit; the row with the latest updated_at wins.",
    key=("audit_id",),
    versioning="latest",
    version_column="updated_at",
    columns=(
        Column("audit_id", "string", required=True),
        _importer_number(),
        _code("audit_type", codes.AUDIT_TYPES),
        _code("trigger", codes.AUDIT_TRIGGERS),
        _code("pti", codes.PTI, required=False),
        Column("period_start", "date", required=True),
        Column("period_end", "date", required=True),
        Column("opened_on", "date", required=True),
        Column("closed_on", "date"),
        _code("status", codes.AUDIT_STATUSES),
        Column("hours", "decimal", required=True, minimum=0, kind="measure"),
        Column("lines_reviewed", "integer", required=True, minimum=0),
        Column("discrepancies_found", "integer", required=True, minimum=0),
        _money("revenue_loss_usd", description="loss of revenue identified"),
        _money("collected_usd"),
        Column("cip_required", "boolean", required=True, description="a compliance improvement plan was required"),
        Column("penalty_referral", "boolean", required=True),
        _UPDATED_AT,
    ),
    rules=(
        _not_before("period_end", "period_start"),
        _not_before("closed_on", "opened_on"),
        Rule(
            "discrepancies_exceed_lines",
            "discrepancies_found",
            "discrepancies_found > lines_reviewed",
            "discrepancies_found must be at most lines_reviewed",
        ),
        Rule(
            "collected_above_loss",
            "collected_usd",
            "collected_usd > revenue_loss_usd",
            "collected_usd is above revenue_loss_usd",
            severity="warning",
        ),
    ),
)

SEIZURES = Feed(
    name="seizures",
    description="One row per seizure; the row with the latest updated_at wins.",
    key=("seizure_id",),
    versioning="latest",
    version_column="updated_at",
    columns=(
        Column("seizure_id", "string", required=True),
        Column("seized_on", "date", required=True),
        Column("port_code", "string", required=True, pattern=PORT_CODE_PATTERN, reference="port"),
        _entry_number(required=False),
        _importer_number(required=False),
        _code("conveyance", codes.CONVEYANCES),
        _code("violation", codes.VIOLATIONS),
        _code("pti", codes.PTI),
        Column("product_category", "string", required=True),
        _country("country_of_origin"),
        Column("quantity", "integer", required=True, minimum=0),
        _money("domestic_value_usd"),
        _money("msrp_usd"),
        _code("disposition", codes.DISPOSITIONS),
        _UPDATED_AT,
    ),
    rules=(
        _check_digit_rule(),
        Rule(
            "msrp_below_domestic_value",
            "msrp_usd",
            "msrp_usd < domestic_value_usd",
            "msrp_usd is below domestic_value_usd",
            severity="warning",
        ),
    ),
)

# 19 USC 1592(c): the most that may be assessed, by culpability.
STATUTORY_MAXIMUM_SQL = """case culpability
    when 'fraud' then domestic_value_usd
    when 'gross_negligence' then case when loss_of_revenue_usd > 0
        then least(domestic_value_usd, 4 * loss_of_revenue_usd) else 0.40 * dutiable_value_usd end
    when 'negligence' then case when loss_of_revenue_usd > 0
        then least(domestic_value_usd, 2 * loss_of_revenue_usd) else 0.20 * dutiable_value_usd end
end"""

PENALTIES = Feed(
    name="penalties",
    description="One row per penalty case; the row with the latest updated_at wins.",
    key=("case_number",),
    versioning="latest",
    version_column="updated_at",
    columns=(
        Column("case_number", "string", required=True),
        _importer_number(),
        _entry_number(required=False),
        _code("statute", codes.STATUTES),
        _code("culpability", codes.CULPABILITIES, required=False, description="required for 19USC1592"),
        _code("pti", codes.PTI, required=False),
        Column("violation_date", "date", required=True),
        Column("opened_on", "date", required=True),
        Column("assessed_on", "date"),
        Column("closed_on", "date"),
        _money("domestic_value_usd"),
        _money("dutiable_value_usd"),
        _money("loss_of_revenue_usd"),
        _money("assessed_usd"),
        _money("mitigated_usd", required=False),
        _money("collected_usd"),
        _code("status", codes.PENALTY_STATUSES),
        _UPDATED_AT,
    ),
    rules=(
        _check_digit_rule(),
        Rule(
            "culpability_on_1592",
            "culpability",
            "statute = '19USC1592' and culpability is null",
            "culpability is required for 19USC1592 cases",
        ),
        _not_before("opened_on", "violation_date"),
        Rule(
            "mitigated_above_assessed",
            "mitigated_usd",
            "mitigated_usd > assessed_usd",
            "mitigated_usd must be at most assessed_usd",
        ),
        Rule(
            "assessed_above_statutory_maximum",
            "assessed_usd",
            f"statute = '19USC1592' and assessed_usd > ({STATUTORY_MAXIMUM_SQL})",
            "assessed_usd is above the 19 USC 1592(c) statutory maximum for the culpability",
        ),
        Rule(
            "collected_above_mitigated",
            "collected_usd",
            "collected_usd > mitigated_usd",
            "collected_usd is above mitigated_usd",
            severity="warning",
        ),
    ),
)

IMPORTERS = Feed(
    name="importers",
    description="The importer registry: one row per version of an importer's record.",
    key=("importer_number", "effective_date"),
    versioning="replace",
    kind="account",
    columns=(
        _importer_number(),
        Column("effective_date", "date", required=True),
        Column("legal_name", "string", required=True),
        Column("dba_name", "string"),
        Column("street", "string", required=True, pii=True),
        Column("city", "string"),
        Column("state", "string"),
        Column("postal_code", "string", required=True),
        _country("country"),
        Column("phone", "string", pii=True),
        Column("officer_name", "string", pii=True),
        Column("bond_number", "string"),
        _importer_number("prior_importer_number", required=False),
    ),
)

PROGRAMS = Feed(
    name="programs",
    description="Partnership programme enrolment.",
    key=("importer_number", "program", "enrolled_on"),
    versioning="replace",
    kind="account",
    columns=(
        _importer_number(),
        _code("program", codes.PROGRAMS),
        Column("tier", "string"),
        Column("enrolled_on", "date", required=True),
        Column("left_on", "date"),
    ),
    rules=(_not_before("left_on", "enrolled_on"),),
)

RULES = Feed(
    name="rules",
    description="The targeting criteria catalogue.",
    key=("rule_id",),
    versioning="replace",
    kind="account",
    columns=(
        Column("rule_id", "string", required=True),
        _code("environment", codes.ENVIRONMENTS),
        _code("pti", codes.PTI, required=False),
        Column("description", "string", required=True),
        Column("created_on", "date", required=True),
        Column("retired_on", "date"),
    ),
)

ADCVD_ORDERS = Feed(
    name="adcvd_orders",
    description="Antidumping and countervailing duty orders in force.",
    key=("case_number",),
    versioning="replace",
    kind="account",
    columns=(
        Column("case_number", "string", required=True, pattern=ADCVD_CASE_PATTERN),
        _country("country"),
        Column("hts_prefix", "string", required=True, pattern=HTS_PREFIX_PATTERN),
        Column("product", "string", required=True),
        Column("deposit_rate", "decimal", required=True, minimum=0, kind="rate"),
        Column("effective_on", "date", required=True),
        Column("revoked_on", "date"),
    ),
)

FEEDS: dict[str, Feed] = {
    f.name: f for f in (ENTRIES, EXAMS, AUDITS, SEIZURES, PENALTIES, IMPORTERS, PROGRAMS, RULES, ADCVD_ORDERS)
}
TRANSACTION_FEEDS = tuple(name for name, f in FEEDS.items() if f.kind == "transaction")
ACCOUNT_FEEDS = tuple(name for name, f in FEEDS.items() if f.kind == "account")

# File formats by extension; the extension is the only thing a file name is trusted for.
FORMATS: dict[str, str] = {
    ".csv": "csv",
    ".csv.gz": "csv",
    ".jsonl": "jsonl",
    ".jsonl.gz": "jsonl",
    ".parquet": "parquet",
}
CSV_TRUE = ("true", "1")
CSV_FALSE = ("false", "0")


def format_of(filename: str) -> str | None:
    """The contract format of a file from its extension (case-insensitive), or None when it has none."""
    lower = filename.lower()
    for ext in sorted(FORMATS, key=len, reverse=True):
        if lower.endswith(ext):
            return FORMATS[ext]
    return None
