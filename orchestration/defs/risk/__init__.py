"""risk assets."""
