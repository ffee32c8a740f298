"""Data quality: Great Expectations suites as asset checks on every feed and published mart, freshness and volume."""
