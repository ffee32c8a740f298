"""metrics assets."""
