"""Analysts' access: what each published copy of the warehouse carries (masking policy from the dbt yml), how the
copies are published (a masked default copy for every analyst, a clear entitled copy for one group), and the sealed
read-only connection every read command and the Python entry point use."""
