"""Human titles for the machine names of the metric tables, measures, breakouts and units: the one place the report
(and anyone reading the exports) looks them up. Unknown names fall back to the name itself, tidied."""

from __future__ import annotations

# Sections of the report in reading order: table -> (title, what it answers). Tables not listed here still render,
# after these, under their own name.
TABLES: dict[str, tuple[str, str]] = {
    "compliance_rate": (
        "Compliance",
        "Material transactional discrepancy (MTD) rate from the stratified compliance-measurement random sample, "
        "weighted by its sampling weights, by line and by value, with breakouts and the change from the prior period.",
    ),
    "revenue_gap": (
        "Revenue gap",
        "Duty owed but not collected, estimated from the random sample: net, underpaid and overpaid, and the share "
        "of revenue owed that was collected.",
    ),
    "clearance_speed": (
        "Clearance speed",
        "Hours from arrival or filing to release of compliant imports, by mode of transport and type of goods.",
    ),
    "clearance_index": (
        "Clearance speed index",
        "A weighted index of clearance times by type of goods.",
    ),
    "partnership": (
        "Partnership programmes",
        "Trusted importers verified more than once, and prioritised importers enrolled in a programme.",
    ),
    "targeting_effectiveness": (
        "Targeting effectiveness",
        "Exams by environment (pre-entry, entry, post-release): hit rate, lift over the random sample, revenue "
        "found, officer hours spent and the share of hours on priority trade issues.",
    ),
    "deterrence": (
        "Deterrence",
        "Importers' discrepancy rates before and after a penalty, seizure or audit finding, against comparable "
        "importers over the same periods.",
    ),
    "report_card_ports": ("Port report cards", "Each port's measures, its rank among ports and its trend."),
    "report_card_ptis": (
        "Priority trade issue report cards",
        "Each priority trade issue's measures, its rank among issues and its trend.",
    ),
}

MEASURES: dict[str, str] = {
    "mtd_rate_lines": "MTD rate, by line",
    "mtd_rate_value": "MTD rate, by value",
    "revenue_gap_net_usd": "Revenue gap, net",
    "revenue_underpaid_usd": "Duty underpaid",
    "revenue_overpaid_usd": "Duty overpaid",
    "revenue_collected_rate": "Share of revenue owed that was collected",
    "arrival_to_release_hours_median": "Arrival to release, median hours",
    "arrival_to_release_hours_p90": "Arrival to release, 90th percentile hours",
    "filing_to_release_hours_median": "Filing to release, median hours",
    "filing_to_release_hours_p90": "Filing to release, 90th percentile hours",
    "clearance_speed_index": "Clearance speed index",
    "trusted_verified_more_than_once_rate": "Trusted importers verified more than once",
    "prioritised_enrolled_rate": "Prioritised importers enrolled in a programme",
    "exams": "Exams",
    "hit_rate": "Hit rate (examined lines with a material discrepancy)",
    "lift_over_random": "Lift over the random sample",
    "revenue_found_usd": "Revenue found",
    "officer_hours": "Officer hours",
    "pti_hours_share": "Share of hours on priority trade issues",
    "targeted_exams": "Targeted exams (not the random sample)",
    "audits": "Audits",
    "audit_finding_rate": "Audit finding rate",
    "audit_hours": "Audit hours",
    "audit_revenue_found_usd": "Revenue found by audits",
    "seizures": "Seizures",
    "seizure_domestic_value_usd": "Domestic value seized",
    "penalty_cases": "Penalty cases",
    "discrepancy_rate_before": "Discrepancy rate before the event",
    "discrepancy_rate_after": "Discrepancy rate after the event",
    "comparison_rate_before": "Comparison importers' rate, before",
    "comparison_rate_after": "Comparison importers' rate, after",
    "deterrence_effect": "Deterrence effect (difference in differences)",
    # risk.model_evaluation columns
    "precision": "Precision (share of selected lines with a material discrepancy)",
    "recall": "Recall (share of discrepancies selected)",
    "revenue_share": "Share of revenue at stake selected",
    "auc": "AUC",
}

DOMAINS: dict[str, str] = {
    "overall": "Overall",
    "program": "Partnership programme",
    "hs_section": "HS section",
    "hs_chapter": "HS chapter",
    "country_of_origin": "Country of origin",
    "port": "Port",
    "pti": "Priority trade issue",
    "mode": "Mode of transport",
    "goods_type": "Type of goods",
    "environment": "Targeting environment",
    "event_type": "Event",
}

DOMAIN_VALUES: dict[str, str] = {
    # priority trade issues (marts.fct_exams.pti, dim_commodities' tags)
    "adcvd": "AD/CVD",
    "ipr": "Intellectual property rights",
    "import_safety": "Import safety",
    "textiles": "Textiles and wearing apparel",
    "revenue": "Revenue",
    "agriculture": "Agriculture",
    # deterrence events
    "penalty": "Penalty",
    "seizure": "Seizure",
    "audit_finding": "Audit finding",
    "pre_entry": "Pre-entry",
    "entry": "Entry",
    "post_release": "Post-release",
    "all": "All",
    "none": "None",
}

PERIOD_KINDS: dict[str, str] = {"fiscal_year": "fiscal year", "fiscal_quarter": "fiscal quarter", "all": "all periods"}

SELECTORS: dict[str, str] = {"model": "Risk model", "rules": "Targeting rules", "random": "Random selection"}


def tidy(name: str) -> str:
    """A readable fallback for a name with no title: words, first letter capital."""
    text = str(name).replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def table_title(table: str) -> str:
    return TABLES[table][0] if table in TABLES else tidy(table)


def measure_title(measure: str) -> str:
    return MEASURES.get(measure, tidy(measure))


def domain_title(domain: str) -> str:
    return DOMAINS.get(domain, tidy(domain))


def value_title(value, names: dict[str, str] | None = None) -> str:
    """A breakout value's label: its name from the warehouse (`names`), else a title here, else the value."""
    value = str(value)
    if names and value in names:
        return names[value]
    return DOMAIN_VALUES.get(value, value)


def selector_title(selector: str) -> str:
    return SELECTORS.get(selector, tidy(selector))
