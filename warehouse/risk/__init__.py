"""Risk: point-in-time profiles, the line risk model and its time-split evaluation, account and entity scores,
rule efficiency, identity resolution (Splink), successor flags and port-shopping alerts (docs/risk.md)."""
