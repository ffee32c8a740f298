"""report (in progress)."""
