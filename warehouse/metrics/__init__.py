"""metrics (in progress)."""
