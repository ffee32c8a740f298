"""The leadership report: one static HTML page with inline SVG charts, and every metric table exported as CSV and
Parquet (docs/report.md)."""
