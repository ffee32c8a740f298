"""risk (in progress)."""
