"""report assets."""
